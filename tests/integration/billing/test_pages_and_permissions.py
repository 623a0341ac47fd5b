"""Who may do what with billing, as a user would try it in the browser and the API: Finance runs,
issues, credits and records payments; Office records agreements and extras and sees invoices; the
Home Manager sees everything of the home's billing; clinical roles see none of it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.billing.models import Invoice, InvoiceRun, InvoiceStatus, Payer
from app.extensions import db
from tests.integration.billing.helpers import admit, agreement, payer


def unscoped(query):
    return query.execution_options(skip_home_scope=True)


@pytest.fixture()
def billed(world):
    resident, stay = admit(world, "Cerys", dt.date(2026, 3, 16))
    me = payer(world, "resident", "Cerys Billing", resident, account_reference="CERYS01")
    agreement(stay, "1400.00", [{"payer_id": me.id, "basis": "remainder"}])
    db.session.commit()
    return resident, stay, me


@pytest.mark.parametrize("username", ["nurse", "carer", "senior", "hr", "family"])
def test_clinical_and_other_roles_see_no_billing(client, auth, world, username):
    headers = auth.headers(username)
    for url in ("/api/v1/invoices/", "/api/v1/billing-payers/", "/api/v1/fee-agreements/", "/api/v1/billing-payments/"):
        assert client.get(url, headers=headers).status_code == 403, url
    auth.login(username)
    for url in ("/billing/", "/invoiceview/list/", "/billing/aged-debt/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url


def test_office_records_agreements_and_extras_and_sees_invoices_but_cannot_run_or_take_payments(
        client, auth, world, billed):
    resident, stay, me = billed
    headers = auth.headers("office")
    assert client.get("/api/v1/invoices/", headers=headers).status_code == 200
    response = client.post("/api/v1/billing-extras/new", headers=headers, json={
        "resident_id": resident.id, "payer_id": me.id, "on": "2026-04-02", "description": "Newspapers",
        "quantity": "4", "unit_price": "2.50"})
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/fee-agreements/{_agreement_id(stay)}/versions", headers=headers, json={
        "effective_from": "2026-04-01", "weekly_fee": "1450.00", "shares": [{"payer_id": me.id, "basis": "remainder"}]})
    assert response.status_code == 201, response.get_json()
    assert client.post("/api/v1/invoice-runs/new", headers=headers,
                       json={"home_id": world.home_a.id, "month": "2026-04"}).status_code == 403
    assert client.post("/api/v1/billing-payments/new", headers=headers,
                       json={"payer_id": me.id, "amount": "10.00"}).status_code == 403


def _agreement_id(stay):
    from app.billing.models import FeeAgreement

    return db.session.scalar(unscoped(select(FeeAgreement.id).where(FeeAgreement.stay_id == stay.id)))


def test_finance_runs_approves_issues_credits_and_takes_a_payment_through_the_api(client, auth, world, billed):
    _resident, _stay, me = billed
    headers = auth.headers("finance")
    response = client.post("/api/v1/invoice-runs/new", headers=headers,
                           json={"home_id": world.home_a.id, "month": "2026-04"})
    assert response.status_code == 201, response.get_json()
    summary = response.get_json()
    assert summary["created"] >= 1
    run_id = summary["id"]
    assert client.post(f"/api/v1/invoice-runs/{run_id}/approve", headers=headers, json={}).status_code == 200
    issued = client.post(f"/api/v1/invoice-runs/{run_id}/issue", headers=headers, json={}).get_json()["issued"]
    mine = db.session.scalar(unscoped(select(Invoice).where(Invoice.run_id == run_id, Invoice.payer_id == me.id)))
    assert mine.status == InvoiceStatus.issued and mine.number in {i["number"] for i in issued}
    assert mine.total == 6000  # 1400 × 30 ÷ 7

    # the manager can read it all but not change it
    manager = auth.headers("manager")
    assert client.get(f"/api/v1/invoices/{mine.id}", headers=manager).status_code == 200
    assert client.post(f"/api/v1/invoices/{mine.id}/credit", headers=manager, json={}).status_code == 403
    assert client.post("/api/v1/invoice-runs/new", headers=manager,
                       json={"home_id": world.home_a.id, "month": "2026-05"}).status_code == 403

    # a payment of part, then aged debt shows the rest
    response = client.post("/api/v1/billing-payments/new", headers=headers,
                           json={"payer_id": me.id, "amount": "1000.00", "method": "cheque"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["allocated"] == [{"invoice_id": mine.id, "amount": "1000.00"}]
    aged = client.get(f"/api/v1/invoices/aged-debt?home_id={world.home_a.id}", headers=headers).get_json()["result"]
    row = next(r for r in aged["payers"] if r["payer_id"] == me.id)
    assert row["total"] == "5000.00"
    # paying too much without confirming is refused, naming the field
    response = client.post("/api/v1/billing-payments/new", headers=headers,
                           json={"payer_id": me.id, "amount": "5000.01"})
    assert response.status_code == 422 and "confirm_credit" in response.get_json()["message"]
    response = client.post("/api/v1/billing-payments/new", headers=headers,
                           json={"payer_id": me.id, "amount": 5000.5})
    assert response.status_code == 422 and "amount" in response.get_json()["message"]

    # a credit note for the whole invoice
    response = client.post(f"/api/v1/invoices/{mine.id}/credit", headers=headers, json={"reason": "Wrong payer"})
    assert response.status_code == 201 and response.get_json()["total"] == "-6000.00"
    statement = client.get(f"/api/v1/billing-payers/{me.id}/statement", headers=headers).get_json()["result"]
    assert statement["closing_balance"] == "-1000.00"  # paid 1000 against a credited invoice: held for them


def test_bank_statement_import_suggests_the_payer_and_confirms_in_one_click(client, auth, world, billed):
    _resident, _stay, me = billed
    headers = auth.headers("finance")
    run_id = client.post("/api/v1/invoice-runs/new", headers=headers,
                         json={"home_id": world.home_a.id, "month": "2026-04"}).get_json()["id"]
    client.post(f"/api/v1/invoice-runs/{run_id}/approve", headers=headers, json={})
    client.post(f"/api/v1/invoice-runs/{run_id}/issue", headers=headers, json={})
    csv_text = "Date,Amount,Reference\n05/05/2026,6000.00,CERYS01 MAY\n06/05/2026,-20.00,BANK CHARGE\n"
    response = client.post("/api/v1/bank-statement-lines/import", headers=headers,
                           json={"home_id": world.home_a.id, "csv": csv_text})
    assert response.status_code == 201, response.get_json()
    (line,) = response.get_json()["lines"]  # money out is not a receipt
    assert line["suggested_payer_id"] == me.id and line["suggested_invoice_id"] is not None
    assert client.post(f"/api/v1/bank-statement-lines/{line['id']}/confirm", headers=headers,
                       json={}).status_code == 200
    aged = client.get(f"/api/v1/invoices/aged-debt?home_id={world.home_a.id}", headers=headers).get_json()["result"]
    assert all(r["payer_id"] != me.id for r in aged["payers"])


def test_finance_works_through_the_pages(app, client, auth, world, billed, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs run in the request, as on a single machine
    _resident, _stay, me = billed
    auth.login("finance")
    page = client.get("/billing/")
    assert page.status_code == 200 and "Run invoices" in page.get_data(as_text=True)
    response = client.post("/billing/run", data={"home_id": str(world.home_a.id), "month": "2026-04"})
    assert response.status_code == 302
    run = db.session.scalar(unscoped(select(InvoiceRun).where(InvoiceRun.home_id == world.home_a.id,
                                                              InvoiceRun.period_start == dt.date(2026, 4, 1))))
    assert run is not None and f"/billing/run/{run.id}/" in response.location
    assert "Cerys" in client.get(f"/billing/run/{run.id}/").get_data(as_text=True)
    assert "April 2026" in client.get(f"/billing/run/{run.id}/").get_data(as_text=True)
    client.get("/lang/cy")  # the month in the reader's language, on the run and on the list of runs
    assert "Ebrill 2026" in client.get(f"/billing/run/{run.id}/").get_data(as_text=True)
    assert "Ebrill 2026" in client.get("/billing/").get_data(as_text=True)
    client.get("/lang/en")
    client.post(f"/billing/run/{run.id}/approve")
    client.post(f"/billing/run/{run.id}/issue")
    mine = db.session.scalar(unscoped(select(Invoice).where(Invoice.run_id == run.id, Invoice.payer_id == me.id)))
    assert mine.status == InvoiceStatus.issued
    page = client.get(f"/billing/invoice/{mine.id}/").get_data(as_text=True)
    assert mine.number in page and "6,000.00" in page
    response = client.post("/billing/payment", data={"payer_id": str(me.id), "amount": "2000.00",
                                                     "method": "card", "received_on": "2026-04-10"})
    assert response.status_code == 302
    aged = client.get(f"/billing/aged-debt/?home_id={world.home_a.id}").get_data(as_text=True)
    assert "4,000.00" in aged and "<svg" in aged
    refused = client.post("/billing/payment", data={"payer_id": str(me.id), "amount": "9999.999"})
    assert refused.status_code == 422 and "9999.999" in refused.get_data(as_text=True)
    export = client.get(f"/billing/export?home_id={world.home_a.id}&month={dt.date.today():%Y-%m}&format=xero")
    assert export.status_code == 200 and "ContactName" in export.get_data(as_text=True)
    assert db.session.scalar(unscoped(select(Payer).where(Payer.id == me.id))) is not None


def test_office_records_a_payer_an_agreement_and_an_extra_in_the_browser(client, auth, world):
    from app.billing.models import Extra, FeeAgreement

    resident, stay = admit(world, "Alys", dt.date(2026, 2, 2))
    db.session.commit()
    auth.login("office")
    assert "Alys" in client.get("/billing/").get_data(as_text=True)
    response = client.post("/billing/forms/payer", data={
        "name": "Alys Billing", "kind": "resident", "resident_id": str(resident.id), "delivery": "post",
        "address": "3 Castle Street, Bristol", "payment_terms_days": "14", "cycle": "monthly", "timing": "advance"})
    assert response.status_code == 302, response.get_data(as_text=True)
    me = db.session.scalar(unscoped(select(Payer).where(Payer.resident_id == resident.id)))
    share = {"share-0-payer_id": str(me.id), "share-0-basis": "remainder"}
    refused = client.post(f"/billing/forms/agreement/{stay.id}", data={
        "placement": "private", "effective_from": "2026-01-01", "weekly_fee": "1100.005", **share})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "1100.005" in page and "before the stay" in page
    assert db.session.scalar(unscoped(select(FeeAgreement).where(FeeAgreement.stay_id == stay.id))) is None
    saved = client.post(f"/billing/forms/agreement/{stay.id}", data={
        "placement": "private", "effective_from": "2026-02-02", "weekly_fee": "1100.00", "hospital_charge": "full",
        **share})
    assert saved.status_code == 302
    assert client.post("/billing/forms/extra", data={
        "resident_id": str(resident.id), "payer_id": str(me.id), "on": "2026-02-10", "description": "Chiropody",
        "quantity": "1", "unit_price": "22.00"}).status_code == 302
    assert db.session.scalar(unscoped(select(Extra).where(Extra.resident_id == resident.id))).unit_price == 22
    # and office may not run invoices from the page
    assert client.post("/billing/run", data={"home_id": str(world.home_a.id), "month": "2026-02"}).status_code == 403


def test_finance_imports_a_bank_statement_confirms_it_and_prints_a_statement_in_the_browser(
        app, client, auth, world, billed, monkeypatch, tmp_path):
    import io

    from pypdf import PdfReader

    from app.billing.models import BankStatementLine
    from app.jobs import Job, result_file

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "FILES_DIR", str(tmp_path / "files"))
    _resident, _stay, me = billed
    auth.login("finance")
    client.post("/billing/run", data={"home_id": str(world.home_a.id), "month": "2026-04"})
    run = db.session.scalar(unscoped(select(InvoiceRun).where(InvoiceRun.period_start == dt.date(2026, 4, 1))))
    client.post(f"/billing/run/{run.id}/approve")
    client.post(f"/billing/run/{run.id}/issue")
    statement = b"date,amount,reference\n2026-05-02,6000.00,CERYS01\n"
    response = client.post("/billing/bank", data={"home_id": str(world.home_a.id),
                                                  "file": (io.BytesIO(statement), "bank.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/billing/bank").get_data(as_text=True)
    assert "Cerys Billing" in page and "6,000.00" in page
    line = db.session.scalar(unscoped(select(BankStatementLine).where(BankStatementLine.reference == "CERYS01")))
    assert client.post(f"/billing/bank/{line.id}/confirm").status_code == 302
    db.session.expire_all()
    assert db.session.get(BankStatementLine, line.id).status.value == "matched"
    mine = db.session.scalar(unscoped(select(Invoice).where(Invoice.run_id == run.id, Invoice.payer_id == me.id)))
    assert "£0.00" in client.get(f"/billing/invoice/{mine.id}/").get_data(as_text=True)  # still to pay

    assert client.post(f"/billing/payer/{me.id}/statement").status_code == 302
    job = db.session.scalar(select(Job).where(Job.key.like(f"billing-statement:{me.id}:%")))
    assert job.status == "finished", job.error
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(result_file(job).read_bytes())).pages)
    assert "Statement of account" in text and mine.number in text and "6,000.00" in text


def test_the_new_payer_page_says_a_council_in_two_homes_is_a_payer_in_each(client, auth, world, billed):
    auth.login("office")
    page = client.get("/billing/forms/payer").get_data(as_text=True)
    assert "A payer belongs to one home" in page and "same account reference" in page
    _resident, stay, _me = billed
    page = client.get(f"/billing/forms/agreement/{stay.id}").get_data(as_text=True)
    assert "Only this home&#39;s payers are offered" in page or "Only this home's payers are offered" in page
