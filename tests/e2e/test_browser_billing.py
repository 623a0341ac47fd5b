"""In a real browser: finance runs April for a home, approves and issues the invoices, downloads an
invoice PDF and reads it back, records a payment, and sees the aged debt go down."""

from __future__ import annotations

import datetime as dt
import io
import re


def test_finance_runs_issues_prints_and_takes_a_payment(app, users, world, db_session, screens, monkeypatch):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    from tests.integration.billing.helpers import admit, agreement, payer

    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs run in the request, as on a single machine
    resident, stay = admit(world, "Gwenllian", dt.date(2026, 3, 16))
    me = payer(world, "resident", "Gwenllian Billing", resident, account_reference="GWEN01")
    agreement(stay, "1400.00", [{"payer_id": me.id, "basis": "remainder"}])
    db_session.commit()

    finance = users.page("finance")
    finance.goto("/billing/")
    finance.locator("#run-form select[name=home_id]").select_option(str(world.home_a.id))
    finance.locator("#run-form input[name=month]").fill("2026-04")
    screens.shot(finance, "finance-runs-april")
    finance.get_by_role("button", name="Run invoices").click()
    expect(finance).to_have_url(re.compile(r"/billing/run/\d+/$"))
    expect(finance.locator("#run-invoices")).to_contain_text("Gwenllian Billing")
    finance.locator("#approve-all").click()
    finance.locator("#issue-all").click()
    expect(finance.locator("#run-invoices")).to_contain_text("Issued")
    screens.shot(finance, "finance-issued-the-run")

    finance.locator("#run-invoices").get_by_role("row", name=re.compile("Gwenllian Billing")).get_by_role(
        "link").first.click()
    number = finance.locator("h1").inner_text().split()[1]
    expect(finance.locator("#invoice-total")).to_have_text("£6,000.00")  # 1,400 × 30 ÷ 7
    finance.locator("#print-invoice").click()
    expect(finance).to_have_url(re.compile(r"/documents/"))
    download = finance.get_by_role("link", name="Download").first
    href = download.get_attribute("href")
    pdf = finance.request.get(href)
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert number in text and "6,000.00" in text and "Gwenllian Billing" in text
    screens.shot(finance, "finance-invoice-pdf-ready")

    finance.goto(f"/billing/aged-debt/?home_id={world.home_a.id}")
    expect(finance.locator("#aged-table")).to_contain_text("Gwenllian Billing")
    before = finance.locator("#aged-total").inner_text()
    finance.goto(f"/billing/payment?payer_id={me.id}")
    finance.fill("#amount", "2000.00")
    finance.locator("#method").select_option("card")
    finance.get_by_role("button", name="Record payment").click()
    expect(finance.locator("#invoice-outstanding")).to_have_text("£4,000.00")
    finance.goto(f"/billing/aged-debt/?home_id={world.home_a.id}")
    expect(finance.locator("#aged-table")).to_contain_text("£4,000.00")
    assert finance.locator("#aged-total").inner_text() != before
    screens.shot(finance, "finance-aged-debt-after-payment")
