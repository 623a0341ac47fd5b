"""Accounting export: issued invoices, credit notes and payments as the CSV files that Xero and Sage 50 import.

- Xero sales invoices (`xero_sales_invoices_csv`) and credit notes (`xero_credit_notes_csv`): a header row with
  the columns of Xero's import template, then one row per line; the rows of one document share its number.
  Xero takes at most 500 invoices per file: these functions refuse more with an `ExportError` saying so, and
  `xero_files()` splits a longer list into several files, each with its header and whole invoices only;
  `xero_download()` gives one CSV, or a ZIP of several when there are more than 500.
- Sage 50 audit-trail transactions (`sage_audit_trail_csv`): no header, one row per transaction, in the
  order Sage reads the columns. Types: SI sales invoice, SC sales credit, SA payment on account, SP refund.

Dates are written UK style (dd/mm/yyyy), amounts with two decimals. Amounts are `Decimal` (or their text), never
float; an amount with more than two decimals is refused rather than rounded. Credit notes and Sage
transactions carry positive amounts (the type says which way the money goes): a credit note given with
negative amounts is written with the signs turned over. Text that a spreadsheet would read as a formula
(starting with = + - @) is written with a leading apostrophe.
Pure: no Flask, no database; the billing domain passes plain dicts (see BILLING-API.md §3).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal, InvalidOperation

XERO_MAX_INVOICES = 500
XERO_COLUMNS = [
    "ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4",
    "POCity", "PORegion", "POPostalCode", "POCountry", "InvoiceNumber", "Reference", "InvoiceDate", "DueDate",
    "InventoryItemCode", "Description", "Quantity", "UnitAmount", "Discount", "AccountCode", "TaxType",
    "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2", "Currency", "BrandingTheme",
]
XERO_REQUIRED = ["ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Description", "Quantity", "UnitAmount",
                 "AccountCode", "TaxType"]
SAGE_COLUMNS = [
    "Type", "Account Reference", "Nominal A/C Ref", "Department Code", "Date", "Reference", "Details",
    "Net Amount", "Tax Code", "Tax Amount", "Exchange Rate", "Extra Reference", "User Name", "Project Refn",
    "Cost Code Refn",
]
SAGE_TYPES = ("SI", "SC", "SA", "SP")
SAGE_ACCOUNT_REFERENCE_LENGTH = 8
SAGE_DETAILS_LENGTH = 60
DEFAULT_TAX_TYPE = "Exempt Income"  # Xero's name for the exempt sales rate in a UK organisation
DEFAULT_SAGE_TAX_CODE = "T2"  # exempt


class ExportError(ValueError):
    """A document that cannot be exported as it stands: `where` names it (e.g. "invoice TG-000123, line 2")."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def uk_date(value, where: str) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ExportError(where, f"not a date: {value!r}") from None
    if not isinstance(value, dt.date):
        raise ExportError(where, f"not a date: {value!r}")
    return value.strftime("%d/%m/%Y")


def _decimal(value, where: str, places: int = 2) -> Decimal:
    if isinstance(value, float | bool) or value is None:
        raise ExportError(where, f"not an exact amount: {value!r} (give a Decimal or its text)")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ExportError(where, f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -places:
        raise ExportError(where, f"{value} has more than {places} decimals")
    return amount


def two_decimals(value, where: str) -> str:
    return f"{_decimal(value, where):.2f}"


def _quantity(value, where: str) -> str:
    quantity = _decimal(value, where, places=4)
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def safe_text(value) -> str:
    """Text for a CSV cell; a leading = + - @ (a formula in a spreadsheet) gets an apostrophe before it."""
    text = "" if value is None else str(value).replace("\r", " ").replace("\n", " ").strip()
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(rows: list[list[str]], header: list[str] | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _address(invoice: dict) -> list[str]:
    lines = invoice.get("address") or []
    if isinstance(lines, str):
        lines = [part.strip() for part in lines.splitlines()]
    lines = [line for line in (str(x).strip() for x in lines) if line]
    postcode = (invoice.get("postcode") or "").strip()
    if postcode and lines and lines[-1].replace(" ", "").upper() == postcode.replace(" ", "").upper():
        lines = lines[:-1]  # the postcode has its own column
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    return lines + [""] * (4 - len(lines))


def _xero_rows(documents: list[dict], noun: str, credit: bool) -> list[list[str]]:
    if len(documents) > XERO_MAX_INVOICES:
        raise ExportError(f"{len(documents)} {noun}s", f"Xero imports at most {XERO_MAX_INVOICES} per file; "
                                                       "use xero_files() to split them into several files")
    rows: list[list[str]] = []
    seen: set[str] = set()
    for document in documents:
        number = str(document.get("number") or "").strip()
        where = f"{noun} {number or '(no number)'}"
        if not number:
            raise ExportError(where, "has no number: only issued documents are exported")
        if number in seen:
            raise ExportError(where, "appears twice")
        seen.add(number)
        contact = safe_text(document.get("contact_name"))
        if not contact:
            raise ExportError(where, "has no contact name")
        lines = document.get("lines") or []
        if not lines:
            raise ExportError(where, "has no lines")
        issued = uk_date(document.get("issued_on"), f"{where}, date")
        due = uk_date(document.get("due_on") or document.get("issued_on"), f"{where}, due date")
        amounts = [(_decimal(line.get("quantity", 1), f"{where}, line {n}, quantity", 4),
                    _decimal(line.get("unit_amount"), f"{where}, line {n}, unit amount"))
                   for n, line in enumerate(lines, start=1)]
        sign = -1 if credit and sum(q * u for q, u in amounts) < 0 else 1
        address = _address(document)
        tracking = list(document.get("tracking") or [])[:2]
        tracking += [("", "")] * (2 - len(tracking))
        for n, (line, (quantity, unit)) in enumerate(zip(lines, amounts), start=1):
            line_where = f"{where}, line {n}"
            description = safe_text(line.get("description"))
            if not description:
                raise ExportError(f"{line_where}, description", "is empty")
            account = safe_text(line.get("account_code"))
            if not account:
                raise ExportError(f"{line_where}, account code", "is empty: set the account codes for the home")
            rows.append([
                contact, safe_text(document.get("email")), *[safe_text(a) for a in address],
                safe_text(document.get("city")), safe_text(document.get("region")),
                safe_text(document.get("postcode")), safe_text(document.get("country")),
                safe_text(number), safe_text(document.get("reference")), issued, due,
                safe_text(line.get("item_code")), description, _quantity(quantity, f"{line_where}, quantity"),
                two_decimals(unit * sign, f"{line_where}, unit amount"), "", account,
                safe_text(line.get("tax_type") or DEFAULT_TAX_TYPE),
                safe_text(tracking[0][0]), safe_text(tracking[0][1]), safe_text(tracking[1][0]),
                safe_text(tracking[1][1]), safe_text(document.get("currency") or "GBP"),
                safe_text(document.get("branding_theme")),
            ])
    return rows


def xero_sales_invoices_csv(invoices: list[dict]) -> str:
    """Xero's sales invoice import, one row per line, at most 500 invoices (ExportError beyond)."""
    return _csv(_xero_rows(invoices, "invoice", credit=False), XERO_COLUMNS)


def xero_credit_notes_csv(credit_notes: list[dict]) -> str:
    """Xero's credit note import: the same columns (InvoiceNumber holds the credit note's number), amounts
    positive; at most 500 credit notes (ExportError beyond)."""
    return _csv(_xero_rows(credit_notes, "credit note", credit=True), XERO_COLUMNS)


def xero_files(documents: list[dict], credit_notes: bool = False) -> list[str]:
    """Several Xero files of at most 500 whole documents each, each with its header; [] for none."""
    render = xero_credit_notes_csv if credit_notes else xero_sales_invoices_csv
    return [render(documents[i:i + XERO_MAX_INVOICES]) for i in range(0, len(documents), XERO_MAX_INVOICES)]


def xero_download(documents: list[dict], stem: str, credit_notes: bool = False) -> tuple[str, str, bytes]:
    """What to send for a download: (file name, media type, body). One CSV when it holds at most 500
    documents; otherwise a ZIP of CSV files of 500 each (`stem-1.csv`, `stem-2.csv`, …), none left out.
    The files are UTF-8 (what Xero reads), without a byte-order mark."""
    files = xero_files(documents, credit_notes) or [(xero_credit_notes_csv if credit_notes
                                                     else xero_sales_invoices_csv)([])]
    if len(files) == 1:
        return f"{stem}.csv", "text/csv", files[0].encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, text in enumerate(files, start=1):
            archive.writestr(f"{stem}-{number}.csv", text.encode("utf-8"))
    return f"{stem}.zip", "application/zip", buffer.getvalue()


def sage_audit_trail_csv(transactions: list[dict]) -> str:
    """Sage 50's audit-trail transactions import: no header, the columns in Sage's order."""
    rows = []
    for n, item in enumerate(transactions, start=1):
        where = f"transaction {n} ({item.get('reference') or 'no reference'})"
        kind = item.get("type")
        if kind not in SAGE_TYPES:
            raise ExportError(f"{where}, type", f"must be one of {', '.join(SAGE_TYPES)} (sales receipts are "
                                                "imported as SA and allocated in Sage)")
        account = str(item.get("account_reference") or "").strip()
        if not account or len(account) > SAGE_ACCOUNT_REFERENCE_LENGTH:
            raise ExportError(f"{where}, account reference",
                              f"must be 1 to {SAGE_ACCOUNT_REFERENCE_LENGTH} characters, got {account!r}")
        nominal = str(item.get("nominal_code") or "").strip()
        if not nominal:
            raise ExportError(f"{where}, nominal code", "is empty: set the nominal codes for the home")
        net = _decimal(item.get("net_amount"), f"{where}, net amount")
        tax = _decimal(item.get("tax_amount") if item.get("tax_amount") is not None else "0", f"{where}, tax amount")
        exchange = item.get("exchange_rate")
        rows.append([
            kind, safe_text(account), safe_text(nominal), safe_text(item.get("department_code")),
            uk_date(item.get("date"), f"{where}, date"), safe_text(item.get("reference")),
            safe_text(item.get("details"))[:SAGE_DETAILS_LENGTH], f"{abs(net):.2f}",
            safe_text(item.get("tax_code") or DEFAULT_SAGE_TAX_CODE), f"{abs(tax):.2f}",
            "" if exchange is None else f"{_decimal(exchange, f'{where}, exchange rate', 6):f}",
            safe_text(item.get("extra_reference")), safe_text(item.get("user_name")),
            safe_text(item.get("project_refn")), safe_text(item.get("cost_code_refn")),
        ])
    return _csv(rows, None)
