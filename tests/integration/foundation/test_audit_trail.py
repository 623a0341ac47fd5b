"""The audit trail as a user meets it: who changed what, from where, and tamper evidence."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.audit import AuditEvent
from app.extensions import db
from app.homes.models import CareHome, Unit


def last_event(**where):
    query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id.desc()).limit(1)
    return db.session.scalars(query).first()


def test_a_browser_edit_is_recorded_with_who_what_where_and_request_id(client, auth, world):
    auth.login("manager")
    response = client.post(
        f"/unitview/edit/{world.unit_a.id}",
        data={"name": "Orchard wing", "floor": "Ground", "home": world.home_a.id},
        headers={"X-Request-Id": "req-audit-1"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 302
    event = last_event(entity="Unit", action="update")
    assert event.entity_id == str(world.unit_a.id)
    assert event.actor_name == "manager"
    assert event.home_id == world.home_a.id
    assert event.request_id == "req-audit-1"
    assert event.client_addr == "10.1.2.3"
    assert event.changes["name"] == {"old": "Alder House unit", "new": "Orchard wing"}


def test_api_insert_and_delete_are_recorded(client, auth, world):
    headers = auth.headers("manager")
    response = client.post("/api/v1/beds/", json={"room": world.room_a.id, "label": "C"}, headers=headers)
    bed_id = response.get_json()["id"]
    assert last_event(entity="Bed", action="insert").entity_id == str(bed_id)
    client.delete(f"/api/v1/beds/{bed_id}", headers=headers)
    deleted = last_event(entity="Bed", action="delete")
    assert deleted.entity_id == str(bed_id) and deleted.changes["label"]["old"] == "C"


def test_sign_in_and_failed_sign_in_are_events(client, auth):
    auth.login("nurse", password="not-the-password")
    failed = last_event(action="sign_in_failed")
    assert failed.changes["username"] == "nurse"
    auth.login("nobody-by-that-name", password="x")
    assert last_event(action="sign_in_failed").changes["username"] == "nobody-by-that-name"
    auth.login("nurse")
    assert last_event(action="sign_in").actor_name == "nurse"


def test_encrypted_field_is_not_stored_or_audited_in_plaintext(client, auth, world):
    secret = "Key safe 9876, alarm 2468"
    response = client.put(
        f"/api/v1/care-homes/{world.home_a.id}", json={"emergency_access_notes": secret},
        headers=auth.headers("admin"),
    )
    assert response.status_code == 200, response.get_json()
    raw = db.session.execute(
        text("SELECT emergency_access_notes FROM care_home WHERE id = :id"), {"id": world.home_a.id}
    ).scalar()
    assert secret not in raw and "9876" not in raw
    assert raw.startswith("t1:")
    # the application reads it back
    db.session.expire_all()
    assert db.session.get(CareHome, world.home_a.id).emergency_access_notes == secret
    event = last_event(entity="CareHome", action="update")
    assert event.changes["emergency_access_notes"] == {"changed": True}
    raw_changes = db.session.execute(text("SELECT changes FROM audit_event WHERE id = :id"), {"id": event.id}).scalar()
    assert "9876" not in str(raw_changes)


def test_audit_trail_is_read_only_for_auditors_and_hidden_from_carers(client, auth):
    auth.login("auditor")
    assert client.get("/auditeventview/list/").status_code == 200
    assert client.post("/auditeventview/add").status_code in (404, 405)
    headers = auth.headers("auditor")
    assert client.get("/api/v1/audit-events/", headers=headers).status_code == 200
    assert client.delete("/api/v1/audit-events/1", headers=headers).status_code in (404, 405)
    auth.logout()
    carer = auth.headers("carer")
    assert client.get("/api/v1/audit-events/", headers=carer).status_code == 403


def test_flask_audit_verify_passes_then_detects_a_row_edited_by_hand(app, client, auth, world, runner):
    client.put(f"/api/v1/units/{world.unit_a.id}", json={"floor": "Basement"}, headers=auth.headers("manager"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    target = last_event(entity="Unit", action="update").id
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:  # the append-only trigger refuses edits; a database owner could still disable it
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        conn.execute(text("UPDATE audit_event SET actor_name = 'someone-else' WHERE id = :id"), {"id": target})
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    db.session.commit()  # end the test session's read snapshot: the command shares this app context
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {target}" in result.output


def test_append_only_on_postgresql(app, db_session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the hash chain alone")
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_event WHERE id = (SELECT min(id) FROM audit_event)"))


def test_flask_keys_rotate_re_encrypts_under_the_new_key(app, runner, world):
    import base64

    old = app.config["FIELD_ENCRYPTION_KEYS"]
    new_key = "t2:" + base64.b64encode(b"\x02" * 32).decode()
    app.config["FIELD_ENCRYPTION_KEYS"] = f"{new_key},{old}"
    try:
        result = runner.invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "now under key 't2'" in result.output
        raw = db.session.execute(
            text("SELECT emergency_access_notes FROM care_home WHERE id = :id"), {"id": world.home_b.id}
        ).scalar()
        assert raw.startswith("t2:")
        db.session.expire_all()
        assert db.session.get(CareHome, world.home_b.id).emergency_access_notes == "Key safe code 4321"
        assert last_event(action="keys_rotated") is not None
    finally:
        app.config["FIELD_ENCRYPTION_KEYS"] = old


def test_every_domain_model_is_audited(app):
    """A change to any mapped model writes an event: none is excluded by accident."""
    from app.audit import _audited

    unit = Unit(name="x", home_id=1)
    assert _audited(unit)
