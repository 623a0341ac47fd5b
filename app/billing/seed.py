"""One row of every billing table in a home, made through the services: what the test world (and the
home-isolation test) needs. The demo (`app.billing.demo`) builds the fuller picture."""

from __future__ import annotations

import datetime as dt

from app.billing import payments, runs, services
from app.billing.models import AccountCode, DocumentEmail, EmailedDocument, IncomeKind
from app.extensions import db
from app.residents.services import today_in_london


def seed_home_billing(home, resident, stay) -> None:
    """A self-funder with a council top-up share, an extra, this month's run issued and part paid,
    a bank statement line and the home's account codes."""
    payer = services.save_payer({"name": f"{resident.first_name} {resident.last_name}", "kind": "resident",
                                 "resident_id": resident.id, "address": "1 High Street, Bristol",
                                 "account_reference": f"SEED{home.id}"})
    council = services.save_payer({"name": f"Seed Council {home.name}", "kind": "local_authority",
                                   "email": "payments@council.example", "delivery": "email",
                                   "payment_terms_days": 30}, home_id=home.id)
    services.set_payer_reference(council.id, resident.id, f"LA-{home.id}-001")
    start = services.stay_start(stay)
    services.create_agreement(stay.id, {
        "placement": "la_net", "effective_from": start.isoformat(), "weekly_fee": "1050.00",
        "fees_after_death_days": 3, "shares": [
            {"payer_id": payer.id, "basis": "fixed", "weekly_amount": "210.50", "label": "Client contribution"},
            {"payer_id": council.id, "basis": "remainder"},
        ]})
    services.record_extra({"resident_id": resident.id, "payer_id": payer.id, "on": today_in_london().isoformat(),
                           "description": "Hairdressing", "quantity": "1", "unit_price": "18.00"})
    month = today_in_london().strftime("%Y-%m")
    run = runs.run_invoices(home.id, month)
    runs.approve_run(run.id)
    issued = runs.issue_approved(home.id, run.id)
    mine = next(i for i in issued if i.payer_id == payer.id)
    payments.record_payment({"payer_id": payer.id, "amount": "100.00", "method": "direct_debit",
                             "allocate": [{"invoice_id": mine.id, "amount": "100.00"}]})
    _emailed(next(i for i in issued if i.payer_id == council.id))
    payments.import_bank_statement(home.id, f"date,amount,reference\n{dt.date.today():%d/%m/%Y},50.00,SEED{home.id}\n")
    db.session.add(AccountCode(home_id=home.id, income_kind=IncomeKind.care_fees, account_code="200",
                               nominal_code="4000"))
    db.session.flush()


def _emailed(invoice) -> None:
    """The council's invoice as emailed and delivered (written as the outbox leaves it once sent)."""
    from app.notifications.models import DeliveryStatus, NotificationOutbox

    now = dt.datetime.now(dt.UTC)
    row = NotificationOutbox(to_address=invoice.payer.email, home_id=invoice.home_id, kind="billing_document",
                             channel="email", subject=f"Invoice {invoice.number}", body="", attempts=1,
                             status=DeliveryStatus.sent.value, created_at=now, sent_at=now)
    db.session.add(row)
    db.session.flush()
    db.session.add(DocumentEmail(home_id=invoice.home_id, payer_id=invoice.payer_id, invoice_id=invoice.id,
                                 document=EmailedDocument.invoice, to_address=invoice.payer.email, outbox_id=row.id))
