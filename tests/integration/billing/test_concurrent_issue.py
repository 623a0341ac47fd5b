"""Several people issuing one home's invoices at the same moment (PostgreSQL row locks): every
invoice is issued once, and the home's numbers run on with no gap and no repeat."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.billing import runs
from app.billing.models import Invoice, InvoiceStatus, Payer
from app.extensions import db
from tests.integration.residents.races import assert_no_crash, at_once

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent writers need PostgreSQL (DATABASE_URL)",
)


def unscoped(query):
    return query.execution_options(skip_home_scope=True)


@pytest.mark.postgres
@on_postgres
def test_two_runs_issuing_at_once_leave_numbers_without_gaps_or_repeats(app, world):
    payer = db.session.scalar(unscoped(select(Payer).where(Payer.home_id == world.home_a.id)))
    made = []
    for n in range(24):
        invoice = Invoice(home_id=world.home_a.id, payer_id=payer.id, status=InvoiceStatus.approved,
                          period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30),
                          total=Decimal("100.00") + n)
        db.session.add(invoice)
        made.append(invoice)
    db.session.commit()
    ids = [i.id for i in made]
    home_id = world.home_a.id

    outcomes = at_once(app, [
        lambda: runs.issue_approved(home_id),  # two "issue everything approved" at once
        lambda: runs.issue_approved(home_id),
        *[(lambda i=i: runs.issue_invoice(i)) for i in ids[::6]],  # and four single invoices among them
    ])

    assert_no_crash(outcomes)
    for outcome in outcomes[2:]:  # a single invoice issued by someone else first is refused, by name
        assert outcome.ok or set(outcome.messages) == {"status"}, outcome.messages
    db.session.expire_all()
    issued = list(db.session.scalars(unscoped(select(Invoice).where(Invoice.home_id == home_id,
                                                                    Invoice.sequence.is_not(None)))))
    sequences = sorted(i.sequence for i in issued)
    assert sequences == list(range(1, len(sequences) + 1))  # no gap, no repeat
    assert len({i.number for i in issued}) == len(issued)
    mine = [i for i in issued if i.id in ids]
    assert len(mine) == len(ids) and all(i.status == InvoiceStatus.issued for i in mine)
