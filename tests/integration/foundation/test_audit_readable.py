"""The audit trail reads as who changed what: the record type and action in words, the home by name,
UK time, and each field by its label with the value before and after (protected fields say only that
they changed)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from app.residents.models import Resident


def test_an_edit_reads_as_field_labels_before_and_after(client, auth, world):
    resident = db.session.scalars(select(Resident).where(Resident.home_id == world.home_a.id)).first()
    auth.login("manager")
    edit = client.get(f"/residentview/edit/{resident.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', edit)
    data = {"first_name": resident.first_name, "last_name": resident.last_name, "preferred_name": "Sunny",
            "sex": resident.sex.value, "allergies": "Penicillin"}
    if token:
        data["csrf_token"] = token.group(1)
    assert client.post(f"/residentview/edit/{resident.id}", data=data).status_code == 302
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "Resident", AuditEvent.action == "update")
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None
    auth.logout()
    auth.login("auditor")
    listing = client.get("/auditeventview/list/").get_data(as_text=True)
    assert ">Changed<" in listing.replace("\n", "").replace(" ", "") or "Changed" in listing
    assert "Alder House" in listing
    page = client.get(f"/auditeventview/show/{event.id}").get_data(as_text=True)
    assert "Preferred name" in page and "Sunny" in page
    assert "Before" in page and "After" in page
    assert "changed (not shown: protected)" in page  # allergies are encrypted: the value never shows
    assert "Penicillin" not in page
    assert '"old"' not in page and '"new"' not in page and "Nhs number index" not in page
