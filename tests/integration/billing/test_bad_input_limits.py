"""Bad input at the edges of what the columns hold, through the REST API as a client would send it:
refused with the field named (422), never a database error (500), and nothing saved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.billing.models import Extra, FeeAgreement, Payer
from app.extensions import db
from tests.integration.billing.helpers import admit, payer


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model).execution_options(skip_home_scope=True))


def test_payer_details_longer_than_their_fields_are_refused_by_name(client, auth, world):
    headers = auth.headers("office")
    before = count(Payer)
    body = {"home_id": world.home_a.id, "name": "Long County Council", "kind": "local_authority",
            "address": "County Hall", "postcode": "BS1 1AA" * 5, "phone": "0" * 60, "account_reference": "A" * 50}
    answer = client.post("/api/v1/billing-payers/new", headers=headers, json=body)
    assert answer.status_code == 422, answer.get_json()
    assert set(answer.get_json()["message"]) == {"postcode", "phone", "account_reference"}
    assert count(Payer) == before


def test_amounts_too_large_for_an_invoice_are_refused_by_name(client, auth, world):
    headers = auth.headers("office")
    resident, stay = admit(world, "Huw", dt.date(2026, 3, 2))
    me = payer(world, "resident", "Huw Billing", resident)
    db.session.commit()
    before = count(FeeAgreement)
    for weekly in ("1e400", "9999999999.99", "250000.00"):
        answer = client.post("/api/v1/fee-agreements/new", headers=headers, json={
            "stay_id": stay.id, "effective_from": "2026-03-02", "weekly_fee": weekly,
            "shares": [{"payer_id": me.id, "basis": "remainder"}]})
        assert answer.status_code == 422 and "weekly_fee" in answer.get_json()["message"], (weekly, answer.get_json())
    assert count(FeeAgreement) == before
    before = count(Extra)
    for quantity, price in (("100000000", "1.00"), ("1", "99999999.00")):
        answer = client.post("/api/v1/billing-extras/new", headers=headers, json={
            "resident_id": resident.id, "payer_id": me.id, "on": "2026-04-02", "description": "Taxi",
            "quantity": quantity, "unit_price": price})
        assert answer.status_code == 422, answer.get_json()
        assert {"quantity", "unit_price"} & set(answer.get_json()["message"])
    assert count(Extra) == before
