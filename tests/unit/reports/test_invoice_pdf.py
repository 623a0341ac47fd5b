"""Invoices, credit notes and statements read back from the PDF: the home, the payer and their reference,
each line's dates, days, weekly amount and amount, the total, terms and due date, the VAT exemption, names
with ŵ, ŷ and accents, and an authority's 60-line invoice over several pages with "Page X of N"."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from pypdf import PdfReader

from reports.invoice import VAT_EXEMPTION, render_invoice_pdf, render_statement_pdf
from tests.unit.reports.definitions import WELSH_NAME

PRINTED_AT = dt.datetime(2026, 5, 1, 9, 15, tzinfo=dt.UTC)  # 10:15 in London (BST)
HOME = {"name": "Tŷ Gwyn Care Home", "address": ["1 Heol y Bont", "Caerdydd", "CF10 1AA"],
        "phone": "029 2000 0000", "email": "office@tygwyn.example", "registration": "CQC 1-234567890"}


def read(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def invoice(**overrides) -> dict:
    doc = {
        "kind": "invoice", "number": "TG-000123", "issued_on": dt.date(2026, 5, 1), "due_on": dt.date(2026, 5, 31),
        "period_start": dt.date(2026, 4, 1), "period_end": dt.date(2026, 4, 30), "home": HOME,
        "payer": {"name": "Gwenllian Ŵyn", "address": "2 Stryd Fawr\nAbertawe SA1 1AA", "email": "g@example.org",
                  "reference": "RES-77"},
        "lines": [
            {"description": "Care fees 15 Apr 2026 – 30 Apr 2026", "resident": WELSH_NAME,
             "start": dt.date(2026, 4, 15), "end": dt.date(2026, 4, 30), "days": 16,
             "weekly": Decimal("1099.99"), "amount": Decimal("2514.26")},
            {"description": "Hairdressing on 20 Apr 2026 (1 × £18.00)", "resident": WELSH_NAME,
             "start": dt.date(2026, 4, 20), "end": dt.date(2026, 4, 20), "days": 0, "weekly": None,
             "amount": Decimal("18.00")},
        ],
        "total": Decimal("2532.26"), "payment_terms_days": 30, "credits_invoice_number": None,
        "printed_by": "Siôn Ŷr (finance)", "printed_at": PRINTED_AT,
    }
    doc.update(overrides)
    return doc


def test_invoice_prints_home_payer_lines_total_terms_and_vat_exemption():
    [page] = read(render_invoice_pdf(invoice()))
    for expected in (
        "Invoice TG-000123", "Tŷ Gwyn Care Home", "1 Heol y Bont", "Telephone 029 2000 0000",
        "Registered care home CQC 1-234567890", "Gwenllian Ŵyn", "2 Stryd Fawr", "Abertawe SA1 1AA",
        "Your reference RES-77", f"Resident {WELSH_NAME}", "Period 01 Apr 2026 – 30 Apr 2026",
        "Date 01 May 2026", "Due date 31 May 2026", "Payment terms 30 days",
        "Care fees 15 Apr 2026 – 30 Apr 2026 15 Apr 2026 30 Apr 2026 16 £1,099.99 £2,514.26",
        "Hairdressing on 20 Apr 2026 (1 × £18.00) 20 Apr 2026 20 Apr 2026 £18.00",
        "VAT £0.00", "Total due £2,532.26",
        "Please pay £2,532.26 by 31 May 2026, quoting invoice TG-000123 and your reference RES-77.",
        "Printed 01 May 2026 10:15 by Siôn Ŷr (finance)", "Page 1 of 1",
    ):
        assert expected in page, expected
    assert " ".join(VAT_EXEMPTION.split()) in page
    assert "VAT Act 1994, Schedule 9, Group 7" in page


def test_fonts_are_embedded_so_every_name_prints():
    reader = PdfReader(io.BytesIO(render_invoice_pdf(invoice())))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor")
        assert descriptor is not None and "/FontFile2" in descriptor.get_object(), font["/BaseFont"]


def test_credit_note_names_the_invoice_it_credits_and_has_no_due_date():
    doc = invoice(kind="credit_note", number="TG-CN-000004", credits_invoice_number="TG-000123",
                  lines=[{"description": "Credit: care fees charged after discharge", "resident": "Zoë O’Brien",
                          "start": "2026-04-28", "end": "2026-04-30", "days": 3, "weekly": "-1099.99",
                          "amount": "-471.42"}], total=Decimal("-471.42"))
    [page] = read(render_invoice_pdf(doc))
    for expected in ("Credit note TG-CN-000004", "This credit note credits invoice TG-000123.",
                     "Credits invoice TG-000123", "Zoë O’Brien", "28 Apr 2026 30 Apr 2026 3 −£1,099.99 −£471.42",
                     "Total credited −£471.42", "£471.42 is credited to your account against invoice TG-000123.",
                     "VAT Act 1994, Schedule 9, Group 7"):
        assert expected in page, expected
    assert "Due date" not in page and "Please pay" not in page


def test_a_draft_without_number_or_due_date_still_reads_well():
    [page] = read(render_invoice_pdf(invoice(number=None, due_on=None, payer={"name": "Siân Ŵyn"})))
    assert "Invoice (draft)" in page and "Invoice number (draft: not yet issued)" in page
    assert "Please pay £2,532.26." in page and "Due date" not in page


def test_a_60_line_authority_invoice_spans_pages_with_headings_repeated():
    names = [f"{first} {last}" for first, last in zip(
        ["Siân", "Dafydd", "Eluned", "Gwŷn", "Ŵyn", "Zoë", "José", "Łukasz", "Åsa", "Rhodri"] * 6,
        ["ap Gwŷn", "Ŵatkins", "Jones", "Müller", "O’Brien", "Pritchard", "Żółć", "Núñez", "Davies", "Ȓees"] * 6)]
    lines = [{"description": "Local authority placement 01 Apr 2026 – 30 Apr 2026", "resident": f"{name} {i + 1}",
              "start": dt.date(2026, 4, 1), "end": dt.date(2026, 4, 30), "days": 30, "weekly": Decimal("962.60"),
              "amount": Decimal("4125.42"), "reference": f"CC-{i + 1:04d}"} for i, name in enumerate(names)]
    doc = invoice(number="TG-000200", lines=lines, total=Decimal("4125.42") * 60,
                  payer={"name": "Cyngor Caerdydd / Cardiff Council", "address": ["County Hall", "CF10 4UW"],
                         "reference": "CCC-PO-5512"})
    pages = read(render_invoice_pdf(doc))
    assert len(pages) >= 3
    everything = " ".join(pages)
    for i, name in enumerate(names):
        assert f"{name} {i + 1} Ref. CC-{i + 1:04d}" in everything, name
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert "Description Resident From To Days Weekly Amount" in page  # the headings on every page
        assert "Invoice TG-000200 for Cyngor Caerdydd / Cardiff Council, reference CCC-PO-5512" in page
    # 4125.42 × 60 = 247,525.20
    assert "Total due £247,525.20" in pages[-1] and "VAT Act 1994, Schedule 9, Group 7" in pages[-1]
    assert "Your reference CCC-PO-5512" in pages[0]


def test_statement_lists_entries_balance_and_aged_debt():
    doc = {
        "home": HOME, "payer": {"name": "Gwenllian Ŵyn", "address": ["2 Stryd Fawr"], "reference": "RES-77"},
        "as_of": dt.date(2026, 5, 31),
        "entries": [
            {"date": dt.date(2026, 3, 1), "reference": "TG-000100", "description": "Invoice March 2026",
             "debit": Decimal("4428.57"), "credit": None, "balance": Decimal("4428.57")},
            {"date": dt.date(2026, 3, 20), "reference": "BACS", "description": "Payment, thank you",
             "debit": None, "credit": Decimal("4000.00"), "balance": Decimal("428.57")},
            {"date": dt.date(2026, 5, 1), "reference": "TG-000123", "description": "Invoice April 2026",
             "debit": Decimal("2532.26"), "credit": None, "balance": Decimal("2960.83")},
        ],
        "closing_balance": Decimal("2960.83"),
        "aged": {"current": Decimal("2532.26"), "31-60": Decimal("0"), "61-90": Decimal("428.57"),
                 "over 90": Decimal("0")},
        "printed_by": "Siôn Ŷr (finance)", "printed_at": PRINTED_AT,
    }
    [page] = read(render_statement_pdf(doc))
    for expected in (
        "Statement of account", "As at 31 May 2026", "Gwenllian Ŵyn", "Your reference RES-77", "Tŷ Gwyn Care Home",
        "01 Mar 2026 TG-000100 Invoice March 2026 £4,428.57 £4,428.57",
        "20 Mar 2026 BACS Payment, thank you £4,000.00 £428.57",
        "01 May 2026 TG-000123 Invoice April 2026 £2,532.26 £2,960.83", "Balance due £2,960.83",
        "Current 31–60 days 61–90 days Over 90 days £2,532.26 £0.00 £428.57 £0.00", "Page 1 of 1",
    ):
        assert expected in page, expected
