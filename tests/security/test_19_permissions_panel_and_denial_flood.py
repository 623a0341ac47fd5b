"""Finding 19.

- A "who may use this form" panel saved with no box ticked for a right no longer means nobody:
  that right follows the role permissions (as a form without the panel does), and the builder
  says so in words.
- A signed-in user asking again and again for a page they may not see no longer floods the audit
  trail: one event per user, route and minute, and the next one says how many were not listed
  (whether one was recorded in the last minute is read from the trail itself).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from tests.integration.formbuilder.conftest import Builder


def test_a_panel_with_no_box_ticked_follows_the_role_permissions(client, auth):
    auth.login("admin")
    builder = Builder(client)
    builder.create()
    response = builder.client.post(builder.url("falls_check", action="permissions"),
                                   data={"perm_fill": [], "perm_view": ["Carer"], "anchor": "permissions"},
                                   follow_redirects=True)
    assert response.status_code == 200
    saved = builder.definition("falls_check").get("x-permissions") or {}
    assert saved.get("fill") != [] and saved.get("sign") != []  # never "nobody"
    assert saved.get("view") == ["Carer"]
    page = response.get_data(as_text=True)
    assert "no role ticked" in page  # the builder says what an empty row means

    from app.assessments.services import form_allows

    class Definition:
        key = "falls_check"
        raw = builder.definition("falls_check")

    class Nurse:
        roles = [type("Role", (), {"name": "Nurse"})()]

    assert form_allows(Definition, "fill", Nurse)
    assert not form_allows(Definition, "view", Nurse)


def _denials(username):
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "permission_denied", AuditEvent.actor_name == username)
        .order_by(AuditEvent.id)
    ))


@pytest.fixture()
def clean_tally(app):
    from app.audit_denials import tally

    tally._pending.clear()
    yield tally
    tally._pending.clear()


def test_repeated_denials_are_one_event_a_minute_with_a_count(client, auth, clean_tally, monkeypatch):
    now = [time.time()]
    monkeypatch.setattr(clean_tally, "clock", lambda: now[0])
    auth.login("carer")
    before = len(_denials("carer"))
    for _ in range(30):
        response = client.get("/formbuilder/")
        assert response.status_code in (302, 403)
    assert len(_denials("carer")) == before + 1
    # another route is recorded on its own
    client.get("/auditeventview/list/")
    assert len(_denials("carer")) == before + 2
    # a minute later, the next denial is recorded and says how many were not listed
    now[0] += 61
    client.get("/formbuilder/")
    events = _denials("carer")
    assert len(events) == before + 3
    assert events[-1].changes.get("repeats_since_last_event") == 29
