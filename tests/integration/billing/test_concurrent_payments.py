"""Money of one payer recorded by two people at the same moment (PostgreSQL row locks): an invoice
never has more set against it than is owed, and one bank statement line becomes one payment."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.billing import payments
from app.billing.models import Allocation, BankStatementLine, Invoice, Payment
from app.extensions import db
from tests.integration.billing.helpers import admit, agreement, issue_all, payer, run
from tests.integration.residents.races import assert_no_crash, at_once

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent writers need PostgreSQL (DATABASE_URL)",
)


def unscoped(query):
    return query.execution_options(skip_home_scope=True)


@pytest.fixture()
def owing(world):
    resident, stay = admit(world, "Iolo", dt.date(2026, 3, 2))
    me = payer(world, "resident", "Iolo Billing", resident, account_reference="IOLO01")
    agreement(stay, "700.00", [{"payer_id": me.id, "basis": "remainder"}])
    invoice = issue_all(world, run(world, "2026-04"))[0]
    db.session.commit()
    return me, invoice  # £3,000.00 owed (30 days at £700 a week)


@pytest.mark.postgres
@on_postgres
def test_two_payments_allocated_to_one_invoice_at_once_never_exceed_what_is_owed(app, world, owing):
    me, invoice = owing
    owed = invoice.total
    body = {"payer_id": me.id, "amount": str(owed), "method": "card",
            "allocate": [{"invoice_id": invoice.id, "amount": str(owed)}]}
    outcomes = at_once(app, [lambda: payments.record_payment(dict(body)) for _ in range(3)])
    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    for outcome in outcomes:
        assert outcome.ok or "allocations[0].amount" in outcome.messages, outcome.messages
    db.session.expire_all()
    allocated = db.session.scalar(unscoped(select(func.sum(Allocation.amount)).where(
        Allocation.invoice_id == invoice.id)))
    assert allocated == owed


@pytest.mark.postgres
@on_postgres
def test_one_bank_line_confirmed_twice_at_once_is_one_payment(app, world, owing):
    me, invoice = owing
    line = payments.import_bank_statement(world.home_a.id, "date,amount,reference\n2026-04-20,500.00,IOLO01\n")[0]
    db.session.commit()
    before = db.session.scalar(unscoped(select(func.count()).select_from(Payment)))
    outcomes = at_once(app, [lambda: payments.confirm_bank_line(line.id) for _ in range(2)])
    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    assert all(o.ok or "status" in o.messages for o in outcomes)
    db.session.expire_all()
    assert db.session.scalar(unscoped(select(func.count()).select_from(Payment))) == before + 1
    assert db.session.scalar(unscoped(select(BankStatementLine.status).where(BankStatementLine.id == line.id))) \
        .value == "matched"
    left = payments.outstanding_by_invoice([me.id])[invoice.id]
    assert left == invoice.total - Decimal("500.00")
    assert db.session.scalar(unscoped(select(Invoice.total).where(Invoice.id == invoice.id))) == invoice.total


@pytest.mark.postgres
@on_postgres
def test_one_invoice_credited_twice_at_once_is_credited_once(app, world, owing):
    """Two people crediting the same invoice at the same moment: one credit note, the other refused
    as already credited (both read what was credited so far under the payer's lock)."""
    from app.billing import runs

    me, invoice = owing
    invoice_id, total = invoice.id, invoice.total
    outcomes = at_once(app, [lambda: runs.create_credit_note(invoice_id, None, "Charged in error") for _ in range(3)])
    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    assert all(o.ok or "line_ids" in o.messages for o in outcomes), [o.messages for o in outcomes]
    db.session.expire_all()
    credited = db.session.scalar(unscoped(select(func.sum(Invoice.total)).where(
        Invoice.credits_invoice_id == invoice_id)))
    assert credited == -total

