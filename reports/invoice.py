"""Invoices, credit notes and statements of account for the people and bodies who pay a home's fees:
the home's details, the payer with their own reference, each line with its dates, days, weekly amount and
amount, the total, payment terms and the due date, and the VAT exemption for care. An authority's invoice
lists each of its residents as lines and runs over as many pages as it needs, the column headings repeated.

Inputs are plain dicts (see /work/coord/BILLING-API.md §2): amounts as `Decimal` (or their text), dates as
`date` (or ISO text), so that the billing domain can build them without this module knowing its models. A line
may also carry `reference`, the authority's own reference for that resident, printed under the name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.base import DocumentInfo, build_pdf
from reports.styles import BAND, FONT, FONT_BOLD, MARGIN, PAGE_SIZE, RULE, STYLES, _style, register_fonts, text

INNER_WIDTH = PAGE_SIZE[0] - 2 * MARGIN - 12  # the frame's own padding (6 pt a side), so tables line up with text
VAT_EXEMPTION = ("Exempt from VAT: care and accommodation provided by a registered care home "
                 "(VAT Act 1994, Schedule 9, Group 7).")
SMALL_CELL = _style("invoice_cell", fontSize=8, leading=10)
SMALL_RIGHT = _style("invoice_cell_right", fontSize=8, leading=10, alignment=2)
SMALL_HEAD = _style("invoice_head", fontName=FONT_BOLD, fontSize=8, leading=10)
SMALL_HEAD_RIGHT = _style("invoice_head_right", fontName=FONT_BOLD, fontSize=8, leading=10, alignment=2)


def money(value) -> str:
    """£1,234.56, a credit as −£1,234.56; exact: no float on the way."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"£{amount:,.2f}" if amount >= 0 else f"−£{-amount:,.2f}"


def day(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d %b %Y")


def _lines_of(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [part.strip() for part in str(value).splitlines() if part.strip()]


def _address_block(heading: str, party: dict, extra: list[str]) -> list:
    rows = [Paragraph(text(heading), STYLES["label"]), Paragraph(text(party.get("name", "")), STYLES["cell_bold"])]
    rows += [Paragraph(text(line), STYLES["cell"]) for line in _lines_of(party.get("address"))]
    rows += [Paragraph(text(line), STYLES["cell"]) for line in extra if line]
    return rows


def _details_table(rows: list[tuple[str, str]]) -> Table:
    data = [[Paragraph(text(label), STYLES["label"]), Paragraph(text(value), STYLES["cell"])]
            for label, value in rows if value]
    table = Table(data, colWidths=[33 * mm, INNER_WIDTH / 2 - 35 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return table


def _two_columns(left: list, right) -> Table:
    table = Table([[left, right]], colWidths=[INNER_WIDTH / 2, INNER_WIDTH / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return table


def _home_lines(home: dict) -> list[str]:
    return [home.get("phone") and f"Telephone {home['phone']}", home.get("email"),
            home.get("registration") and f"Registered care home {home['registration']}"]


def _grid(data: list[list], widths: list[float], money_columns: int, total_rows: int = 0) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # empty cells too: no unembedded Helvetica in the file
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("LINEBELOW", (0, 0), (-1, -1 - total_rows), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if total_rows:
        style += [("LINEABOVE", (0, -total_rows), (-1, -total_rows), 0.8, RULE)]
    table.setStyle(TableStyle(style))
    return table


def invoice_story(doc: dict) -> list:
    credit = doc.get("kind") == "credit_note"
    noun = "Credit note" if credit else "Invoice"
    home, payer = doc.get("home") or {}, doc.get("payer") or {}
    lines = doc.get("lines") or []
    residents = {(line.get("resident") or "") for line in lines}
    by_resident = len(residents) > 1
    story: list = [Paragraph(text(f"{noun} {doc.get('number') or '(draft)'}"), STYLES["title"])]
    if credit and doc.get("credits_invoice_number"):
        story.append(Paragraph(text(f"This credit note credits invoice {doc['credits_invoice_number']}."),
                               STYLES["subtitle"]))
    details = [
        (f"{noun} number", doc.get("number") or "(draft: not yet issued)"),
        ("Date", day(doc.get("issued_on"))),
        ("Period", f"{day(doc.get('period_start'))} – {day(doc.get('period_end'))}"
         if doc.get("period_start") else ""),
        ("Your reference", payer.get("reference") or ""),
        ("Credits invoice", doc.get("credits_invoice_number") or "" if credit else ""),
        ("Resident", next(iter(residents)) if residents and not by_resident else ""),
        ("Payment terms", "" if credit else f"{doc.get('payment_terms_days')} days"
         if doc.get("payment_terms_days") is not None else ""),
        ("Due date", "" if credit else day(doc.get("due_on"))),
    ]
    story.append(_two_columns(_address_block("From", home, _home_lines(home)), _details_table(details)))
    story.append(Spacer(1, 4 * mm))
    story.append(_two_columns(_address_block("To", payer, [payer.get("email")]), []))
    story.append(Spacer(1, 5 * mm))

    head = ["Description"] + (["Resident"] if by_resident else []) + ["From", "To", "Days", "Weekly", "Amount"]
    widths = [20.5 * mm, 20.5 * mm, 10 * mm, 20 * mm, 23 * mm]
    first = INNER_WIDTH - sum(widths)
    if by_resident:
        widths = [first - 32 * mm, 32 * mm] + widths
    else:
        widths = [first] + widths
    n_text = 2 if by_resident else 1
    data = [[Paragraph(text(h), SMALL_HEAD if i < n_text + 2 else SMALL_HEAD_RIGHT) for i, h in enumerate(head)]]
    for line in lines:
        resident = line.get("resident", "")
        if line.get("reference"):  # an authority's own reference for this resident
            resident = f"{resident}\nRef. {line['reference']}"
        cells = [line.get("description", "")] + ([resident] if by_resident else [])
        cells += [day(line.get("start")), day(line.get("end"))]
        row = [Paragraph(text(c), SMALL_CELL) for c in cells]
        days = line.get("days")
        shown_days = "" if days is None or (days == 0 and line.get("weekly") in (None, "")) else days
        row += [Paragraph(text(shown_days), SMALL_RIGHT),
                Paragraph(text(money(line.get("weekly"))), SMALL_RIGHT),
                Paragraph(text(money(line.get("amount"))), SMALL_RIGHT)]
        data.append(row)
    if not lines:
        data.append([Paragraph("No lines.", STYLES["note"])] + [""] * (len(head) - 1))
    total_label = "Total credited" if credit else "Total due"
    total_row = [Paragraph(text(total_label), SMALL_HEAD)] + [""] * (len(head) - 2) + [
        Paragraph(text(money(doc.get("total"))), SMALL_HEAD_RIGHT)]
    vat_row = [Paragraph("VAT", SMALL_CELL)] + [""] * (len(head) - 2) + [Paragraph(text(money(0)), SMALL_RIGHT)]
    data += [vat_row, total_row]
    table = _grid(data, widths, 3, total_rows=2)
    table.setStyle(TableStyle([("SPAN", (0, -1), (-2, -1)), ("SPAN", (0, -2), (-2, -2))]))
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    closing = [Paragraph(text(VAT_EXEMPTION), STYLES["body"]), Spacer(1, 2 * mm)]
    if credit:
        credited = Decimal(str(doc.get("total") or 0))
        closing.append(Paragraph(text(f"{money(abs(credited))} is credited to your account"
                                      + (f" against invoice {doc['credits_invoice_number']}."
                                         if doc.get("credits_invoice_number") else ".")), STYLES["body"]))
    else:
        terms = doc.get("payment_terms_days")
        quoting = [f"invoice {doc['number']}"] if doc.get("number") else []
        if payer.get("reference"):
            quoting.append(f"your reference {payer['reference']}")
        closing.append(Paragraph(text(
            (f"Payment terms: {terms} days. " if terms is not None else "")
            + f"Please pay {money(doc.get('total'))}"
            + (f" by {day(doc['due_on'])}" if doc.get("due_on") else "")
            + (f", quoting {' and '.join(quoting)}" if quoting else "") + "."), STYLES["body"]))
    story.append(KeepTogether(closing))
    return story


def _info(title: str, home: dict, header_right: str, doc: dict, note: str) -> DocumentInfo:
    printed_at = doc.get("printed_at") or dt.datetime.now(dt.UTC)
    return DocumentInfo(title=title, home_name=home.get("name", ""), header_right=header_right,
                        printed_by=doc.get("printed_by") or "", printed_at=printed_at, subject=title,
                        footer_note=note)


def render_invoice_pdf(doc: dict, on_page=None) -> bytes:
    """An invoice or a credit note (`doc["kind"]`), as PDF bytes."""
    register_fonts()  # before the first Paragraph: its style's font family must be known
    credit = doc.get("kind") == "credit_note"
    noun = "Credit note" if credit else "Invoice"
    payer, home = doc.get("payer") or {}, doc.get("home") or {}
    number = doc.get("number") or "(draft)"
    info = _info(f"{noun} {number}", home, f"{noun} {number} · {payer.get('name', '')}", doc,
                 f"{noun} {number} for {payer.get('name', '')}" + (f", reference {payer['reference']}"
                                                                   if payer.get("reference") else ""))
    return build_pdf(invoice_story(doc), info, on_page=on_page)


def render_statement_pdf(doc: dict) -> bytes:
    """A payer's statement of account: every invoice, credit and payment with the running balance, the
    closing balance and the aged debt."""
    register_fonts()
    home, payer = doc.get("home") or {}, doc.get("payer") or {}
    story: list = [Paragraph("Statement of account", STYLES["title"]),
                   Paragraph(text(f"As at {day(doc.get('as_of'))}"), STYLES["subtitle"])]
    details = [("Account", payer.get("name", "")), ("Your reference", payer.get("reference") or ""),
               ("As at", day(doc.get("as_of"))), ("Balance", money(doc.get("closing_balance")))]
    story.append(_two_columns(_address_block("From", home, _home_lines(home)), _details_table(details)))
    story.append(Spacer(1, 4 * mm))
    story.append(_two_columns(_address_block("To", payer, [payer.get("email")]), []))
    story.append(Spacer(1, 5 * mm))
    widths = [20 * mm, 24 * mm, 0, 24 * mm, 24 * mm, 25 * mm]
    widths[2] = INNER_WIDTH - sum(widths)
    head = ["Date", "Reference", "Description", "Debit", "Credit", "Balance"]
    data = [[Paragraph(h, SMALL_HEAD if i < 3 else SMALL_HEAD_RIGHT) for i, h in enumerate(head)]]
    for entry in doc.get("entries") or []:
        data.append([Paragraph(text(day(entry.get("date"))), SMALL_CELL),
                     Paragraph(text(entry.get("reference", "")), SMALL_CELL),
                     Paragraph(text(entry.get("description", "")), SMALL_CELL),
                     Paragraph(text(money(entry.get("debit")) if entry.get("debit") else ""), SMALL_RIGHT),
                     Paragraph(text(money(entry.get("credit")) if entry.get("credit") else ""), SMALL_RIGHT),
                     Paragraph(text(money(entry.get("balance"))), SMALL_RIGHT)])
    if len(data) == 1:
        data.append([Paragraph("Nothing invoiced or paid.", STYLES["note"])] + [""] * 5)
    data.append([Paragraph("Balance due", SMALL_HEAD)] + [""] * 4 +
                [Paragraph(text(money(doc.get("closing_balance"))), SMALL_HEAD_RIGHT)])
    table = _grid(data, widths, 3, total_rows=1)
    table.setStyle(TableStyle([("SPAN", (0, -1), (-2, -1))]))
    story.append(table)
    aged = doc.get("aged") or {}
    if aged:
        story += [Spacer(1, 5 * mm), Paragraph("Amounts owed by age", STYLES["h2"])]
        labels = [("current", "Current"), ("31-60", "31–60 days"), ("61-90", "61–90 days"),
                  ("over 90", "Over 90 days")]
        aged_table = Table([[Paragraph(label, SMALL_HEAD_RIGHT) for _, label in labels],
                            [Paragraph(text(money(aged.get(key, 0))), SMALL_RIGHT) for key, _ in labels]],
                           colWidths=[INNER_WIDTH / 4] * 4)
        aged_table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), BAND), ("FONTNAME", (0, 0), (-1, -1), FONT),
                                        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)]))
        story.append(aged_table)
    story += [Spacer(1, 4 * mm), Paragraph(text(VAT_EXEMPTION), STYLES["small"])]
    info = _info(f"Statement: {payer.get('name', '')}", home, f"Statement · {payer.get('name', '')}", doc,
                 f"Statement for {payer.get('name', '')} as at {day(doc.get('as_of'))}")
    return build_pdf(story, info)


__all__ = ["VAT_EXEMPTION", "invoice_story", "money", "render_invoice_pdf", "render_statement_pdf"]
