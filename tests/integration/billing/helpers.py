"""Small builders for the billing tests: residents admitted on a date, payers, agreements, runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.billing import runs, services
from app.billing.models import Invoice, InvoiceLine
from app.extensions import db
from app.residents import stays
from tests.factories import make_bed, make_resident, make_room

_rooms: dict[int, object] = {}


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def admit(world, first_name: str, admitted: dt.date):
    """A new resident of home A admitted at noon on `admitted` to a bed of their own."""
    room = make_room(world.unit_a, f"B{first_name}")
    bed = make_bed(room, "A")
    resident = make_resident(world.home_a, first_name, "Billing")
    stay = stays.admit_resident(resident.id, bed.id, noon(admitted), "permanent")
    return resident, stay


def payer(world, kind: str, name: str, resident=None, **values):
    body = {"name": name, "kind": kind, "address": "1 Test Street, Bristol", **values}
    if resident is not None:
        body["resident_id"] = resident.id
    return services.save_payer(body, home_id=world.home_a.id)


def agreement(stay, weekly_fee: str, shares: list[dict], effective_from: dt.date | None = None, **terms):
    values = {"effective_from": (effective_from or services.stay_start(stay)).isoformat(), "weekly_fee": weekly_fee,
              "shares": shares, **terms}
    return services.create_agreement(stay.id, values)


def run(world, month: str):
    return runs.run_invoices(world.home_a.id, month)


def lines_for(stay, payer_obj=None, run_obj=None) -> list[InvoiceLine]:
    query = select(InvoiceLine).join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(
        InvoiceLine.stay_id == stay.id)
    if payer_obj is not None:
        query = query.where(Invoice.payer_id == payer_obj.id)
    if run_obj is not None:
        query = query.where(Invoice.run_id == run_obj.id)
    return list(db.session.scalars(query.order_by(InvoiceLine.start_on, InvoiceLine.id)))


def amounts(lines) -> list[Decimal]:
    return [line.amount for line in lines]


def total(lines) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


def issue_all(world, run_obj, on: dt.date | None = None):
    runs.approve_run(run_obj.id)
    return runs.issue_approved(world.home_a.id, run_obj.id, on=on)


D = Decimal
