"""Xero and Sage 50 CSV files as the accounting packages read them: the exact columns, one row per invoice
line, UK dates, two-decimal amounts, names with accents intact, at most 500 invoices per Xero file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from app.billing.export import (
    SAGE_COLUMNS,
    XERO_COLUMNS,
    ExportError,
    sage_audit_trail_csv,
    xero_credit_notes_csv,
    xero_files,
    xero_sales_invoices_csv,
)

REFERENCE_XERO = ("ContactName, EmailAddress, POAddressLine1, POAddressLine2, POAddressLine3, POAddressLine4, "
                  "POCity, PORegion, POPostalCode, POCountry, InvoiceNumber, Reference, InvoiceDate, DueDate, "
                  "InventoryItemCode, Description, Quantity, UnitAmount, Discount, AccountCode, TaxType, "
                  "TrackingName1, TrackingOption1, TrackingName2, TrackingOption2, Currency, BrandingTheme")
REFERENCE_SAGE = ("Type, Account Reference, Nominal A/C Ref, Department Code, Date, Reference, Details, Net Amount, "
                  "Tax Code, Tax Amount, Exchange Rate, Extra Reference, User Name, Project Refn, Cost Code Refn")


def invoice(number="TG-000123", **overrides) -> dict:
    data = {
        "number": number, "contact_name": "Gwenllian Ŵyn", "email": "g@example.org",
        "address": ["2 Stryd Fawr", "Treforys", "Abertawe", "SA1 1AA"], "postcode": "SA1 1AA",
        "reference": "RES-77", "issued_on": dt.date(2026, 5, 1), "due_on": dt.date(2026, 5, 31),
        "tracking": [("Home", "Tŷ Gwyn")],
        "lines": [
            {"description": "Care fees 15 Apr 2026 – 30 Apr 2026 (16 days at £1,099.99 a week)",
             "quantity": Decimal("1"), "unit_amount": Decimal("2514.26"), "account_code": "200",
             "tax_type": "Exempt Income"},
            {"description": "Hairdressing on 20 Apr 2026", "quantity": Decimal("2"), "unit_amount": Decimal("9.5"),
             "account_code": "210", "tax_type": "Exempt Income"},
            {"description": "Adjustment for 01 Mar 2026 – 31 Mar 2026", "quantity": Decimal("1"),
             "unit_amount": Decimal("-310.00"), "account_code": "200", "tax_type": "Exempt Income"},
        ],
    }
    data.update(overrides)
    return data


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_xero_columns_are_exactly_the_import_template():
    assert XERO_COLUMNS == REFERENCE_XERO.split(", ")
    assert SAGE_COLUMNS == REFERENCE_SAGE.split(", ")


def test_xero_sales_invoices_one_row_per_line_read_back():
    text = xero_sales_invoices_csv([invoice(), invoice("TG-000124", contact_name="Zoë O’Brien", lines=[
        {"description": "Care fees", "quantity": "1", "unit_amount": "4285.71", "account_code": "200",
         "tax_type": "Exempt Income"}])])
    header, *body = rows(text)
    assert header == XERO_COLUMNS
    assert len(body) == 4  # three lines, then one
    records = [dict(zip(header, row)) for row in body]
    first = records[0]
    assert first["ContactName"] == "Gwenllian Ŵyn" and first["EmailAddress"] == "g@example.org"
    assert [first[f"POAddressLine{i}"] for i in range(1, 5)] == ["2 Stryd Fawr", "Treforys", "Abertawe", ""]
    assert first["POPostalCode"] == "SA1 1AA"
    assert (first["InvoiceNumber"], first["Reference"], first["InvoiceDate"], first["DueDate"]) == (
        "TG-000123", "RES-77", "01/05/2026", "31/05/2026")
    assert (first["Quantity"], first["UnitAmount"], first["AccountCode"], first["TaxType"]) == (
        "1", "2514.26", "200", "Exempt Income")
    assert (first["TrackingName1"], first["TrackingOption1"], first["Currency"]) == ("Home", "Tŷ Gwyn", "GBP")
    assert [r["UnitAmount"] for r in records] == ["2514.26", "9.50", "-310.00", "4285.71"]
    assert [r["Quantity"] for r in records] == ["1", "2", "1", "1"]
    assert [r["InvoiceNumber"] for r in records] == ["TG-000123"] * 3 + ["TG-000124"]
    assert records[3]["ContactName"] == "Zoë O’Brien"
    for record in records:
        for column in ("ContactName", "InvoiceNumber", "InvoiceDate", "DueDate", "Description", "Quantity",
                       "UnitAmount", "AccountCode", "TaxType"):
            assert record[column], column


def test_xero_credit_notes_have_positive_amounts():
    note = invoice("TG-CN-000004", due_on=None, lines=[
        {"description": "Credit: fees charged after discharge", "quantity": "1", "unit_amount": "-471.42",
         "account_code": "200", "tax_type": "Exempt Income"}])
    header, row = rows(xero_credit_notes_csv([note]))
    record = dict(zip(header, row))
    assert header == XERO_COLUMNS
    assert (record["InvoiceNumber"], record["UnitAmount"], record["DueDate"]) == ("TG-CN-000004", "471.42",
                                                                                  "01/05/2026")


def test_more_than_500_invoices_are_refused_for_one_file_and_split_into_files():
    many = [invoice(f"TG-{n:06d}", lines=invoice()["lines"][:1]) for n in range(1, 502)]
    with pytest.raises(ExportError) as caught:
        xero_sales_invoices_csv(many)
    assert "at most 500" in caught.value.message
    files = xero_files(many)
    assert len(files) == 2
    first, second = rows(files[0]), rows(files[1])
    assert first[0] == XERO_COLUMNS and second[0] == XERO_COLUMNS
    assert len(first) == 501 and len(second) == 2  # header + 500 invoices; header + 1
    assert second[1][XERO_COLUMNS.index("InvoiceNumber")] == "TG-000501"
    assert xero_files([]) == []


@pytest.mark.parametrize(("change", "where"), [
    ({"number": ""}, "invoice (no number)"),
    ({"lines": [{"description": "x", "quantity": 1, "unit_amount": 10.5, "account_code": "200"}]},
     "invoice TG-000123, line 1, unit amount"),
    ({"lines": [{"description": "x", "quantity": 1, "unit_amount": "10.555", "account_code": "200"}]},
     "invoice TG-000123, line 1, unit amount"),
    ({"lines": [{"description": "x", "quantity": 1, "unit_amount": "10.00", "account_code": ""}]},
     "invoice TG-000123, line 1, account code"),
    ({"issued_on": "01/05/2026"}, "invoice TG-000123, date"),
])
def test_a_document_that_cannot_be_exported_is_named(change, where):
    with pytest.raises(ExportError) as caught:
        xero_sales_invoices_csv([invoice(**change)])
    assert caught.value.where == where


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted():
    header, row = rows(xero_sales_invoices_csv([invoice(contact_name="=HYPERLINK(\"x\")", lines=[
        {"description": "@SUM(A1)", "quantity": "1", "unit_amount": "-1.00", "account_code": "200"}])]))
    record = dict(zip(header, row))
    assert record["ContactName"] == "'=HYPERLINK(\"x\")" and record["Description"] == "'@SUM(A1)"
    assert record["UnitAmount"] == "-1.00"  # amounts are numbers, left as they are


def test_sage_audit_trail_has_no_header_and_the_columns_in_order():
    text = sage_audit_trail_csv([
        {"type": "SI", "account_reference": "WYN001", "nominal_code": "4000", "date": dt.date(2026, 5, 1),
         "reference": "TG-000123", "details": "Care fees April 2026 – Gwenllian Ŵyn", "net_amount": Decimal("2514.26"),
         "tax_code": "T2", "tax_amount": Decimal("0")},
        {"type": "SC", "account_reference": "WYN001", "nominal_code": "4000", "date": "2026-05-03",
         "reference": "TG-CN-000004", "details": "Credit for TG-000123", "net_amount": Decimal("-471.42"),
         "tax_code": "T2", "tax_amount": "0.00"},
        {"type": "SA", "account_reference": "CARDIFF", "nominal_code": "1200", "date": dt.date(2026, 5, 20),
         "reference": "BACS 8812", "details": "Payment " + "x" * 80, "net_amount": "4125.4",
         "tax_code": "T9", "tax_amount": None},
    ])
    body = rows(text)
    assert len(body) == 3 and all(len(row) == len(SAGE_COLUMNS) == 15 for row in body)
    assert body[0][0] == "SI"  # no header row
    first = dict(zip(SAGE_COLUMNS, body[0]))
    assert (first["Type"], first["Account Reference"], first["Nominal A/C Ref"], first["Date"], first["Reference"],
            first["Net Amount"], first["Tax Code"], first["Tax Amount"]) == (
        "SI", "WYN001", "4000", "01/05/2026", "TG-000123", "2514.26", "T2", "0.00")
    assert first["Details"] == "Care fees April 2026 – Gwenllian Ŵyn"
    assert body[1][:2] == ["SC", "WYN001"] and body[1][4] == "03/05/2026" and body[1][7] == "471.42"
    assert body[2][7] == "4125.40" and len(body[2][6]) == 60


@pytest.mark.parametrize(("change", "where"), [
    ({"type": "SR"}, "transaction 1 (TG-1), type"),
    ({"account_reference": "TOOLONGREF"}, "transaction 1 (TG-1), account reference"),
    ({"net_amount": 12.5}, "transaction 1 (TG-1), net amount"),
    ({"nominal_code": ""}, "transaction 1 (TG-1), nominal code"),
])
def test_sage_refuses_what_it_cannot_import(change, where):
    item = {"type": "SI", "account_reference": "A1", "nominal_code": "4000", "date": dt.date(2026, 5, 1),
            "reference": "TG-1", "details": "x", "net_amount": "1.00"}
    item.update(change)
    with pytest.raises(ExportError) as caught:
        sage_audit_trail_csv([item])
    assert caught.value.where == where


def test_a_download_of_more_than_500_invoices_is_a_zip_of_whole_files():
    import zipfile

    from app.billing.export import xero_download

    one = invoice(lines=invoice()["lines"][:1])
    name, media, body = xero_download([one], "xero-2026-04")
    assert (name, media) == ("xero-2026-04.csv", "text/csv")
    assert body.startswith(b"ContactName,") and "Gwenllian Ŵyn" in body.decode("utf-8")
    many = [{**one, "number": f"TG-{n:06d}"} for n in range(1, 1202)]
    name, media, body = xero_download(many, "xero-2026-04")
    assert (name, media) == ("xero-2026-04.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["xero-2026-04-1.csv", "xero-2026-04-2.csv", "xero-2026-04-3.csv"]
        numbers = [row[XERO_COLUMNS.index("InvoiceNumber")]
                   for member in archive.namelist() for row in rows(archive.read(member).decode("utf-8"))[1:]]
    assert numbers == [f"TG-{n:06d}" for n in range(1, 1202)]  # every invoice, once, in order
