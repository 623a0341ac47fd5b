"""Every insert, update and delete becomes an audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest
from flask_appbuilder.security.sqla.models import Role, User
from sqlalchemy import text

from app import audit
from app.audit import AuditEvent, acting_as, json_safe, record_event, set_context_resolver
from app.homes.models import CareHome, Organisation, Unit

from .helpers import events, make_home, make_unit, raw_events


@pytest.fixture(autouse=True)
def _no_resolver():
    """No request here: the tests set their own resolver, and the app's is put back afterwards."""
    previous = audit._resolver
    set_context_resolver(None)
    yield
    set_context_resolver(previous)


def test_insert_records_new_values_and_home(session):
    home = make_home(session)
    unit = make_unit(session, home)
    session.commit()

    by_entity = {e.entity: e for e in events(session, action="insert")}
    assert set(by_entity) == {"Organisation", "CareHome", "Unit"}
    home_event = by_entity["CareHome"]
    assert home_event.entity_id == str(home.id)
    assert home_event.home_id == home.id  # a home's events belong to that home
    assert home_event.changes["service_type"] == {"old": None, "new": "nursing"}
    assert home_event.changes["registered_places"] == {"old": None, "new": 40}
    assert "id" not in home_event.changes
    assert by_entity["Unit"].home_id == home.id
    assert by_entity["Unit"].entity_id == str(unit.id)
    assert by_entity["Unit"].changes["name"] == {"old": None, "new": "Dementia unit"}
    assert by_entity["Organisation"].home_id is None
    assert all(e.actor_id is None and e.actor_name == "system" for e in by_entity.values())
    assert all(e.occurred_at is not None for e in by_entity.values())


def test_update_records_only_changed_fields_with_old_and_new(session):
    home = make_home(session)
    unit = make_unit(session, home)
    session.commit()

    unit.name = "Nursing unit"
    unit.floor = "Ground"  # same value: not a change
    session.commit()

    [update] = events(session, action="update")
    assert update.entity == "Unit"
    assert update.entity_id == str(unit.id)
    assert update.home_id == home.id
    assert update.changes == {"name": {"old": "Dementia unit", "new": "Nursing unit"}}


def test_old_value_of_an_attribute_never_loaded_is_read_from_the_database(session):
    home = make_home(session)
    unit = make_unit(session, home)
    session.commit()  # expires everything: the old name is not in memory

    unit.name = "First floor"
    session.commit()

    [update] = events(session, action="update")
    assert update.changes == {"name": {"old": "Dementia unit", "new": "First floor"}}


def test_delete_records_the_old_values_even_when_expired(session):
    home = make_home(session)
    unit = make_unit(session, home)
    unit_id = unit.id
    session.commit()

    session.delete(unit)
    session.commit()

    [deleted] = events(session, action="delete")
    assert deleted.entity == "Unit"
    assert deleted.entity_id == str(unit_id)
    assert deleted.home_id == home.id
    assert deleted.changes["name"] == {"old": "Dementia unit", "new": None}
    assert deleted.changes["floor"] == {"old": "Ground", "new": None}


def test_rollback_removes_both_the_change_and_its_event(session, engine):
    make_home(session)
    session.commit()
    before = len(events(session))

    session.add(Organisation(name="Never saved"))
    session.flush()
    assert len(events(session)) == before + 1  # written in the same transaction...
    session.rollback()

    assert len(events(session)) == before  # ...and gone with it
    assert session.query(Organisation).filter_by(name="Never saved").count() == 0
    assert len(raw_events(engine)) == before


def test_encrypted_field_changes_are_recorded_without_the_plaintext(session, engine):
    home = make_home(session, emergency_access_notes="Key safe QZXJ-one, alarm VWKP-two")
    session.commit()
    home.emergency_access_notes = "Key safe YQZT-three"
    session.commit()
    home.emergency_access_notes = None
    session.commit()

    raw = raw_events(engine)
    # Letters that hex hashes and timestamps can never contain, so a match is a real leak.
    dumped = json.dumps([{k: str(v) for k, v in row.items()} for row in raw])
    for secret in ("QZXJ", "VWKP", "YQZT", "Key safe"):
        assert secret not in dumped
    home_events = [r for r in raw if r["entity"] == "CareHome"]
    assert len(home_events) == 3
    for row in home_events:
        changes = row["changes"] if isinstance(row["changes"], dict) else json.loads(row["changes"])
        assert changes["emergency_access_notes"] == {"changed": True}


def test_sign_in_bookkeeping_is_not_an_event_and_passwords_are_never_recorded(session):
    nurse = Role(name="Nurse")
    user = User(
        first_name="Ada", last_name="Jones", username="ajones", email="ada@example.org",
        password="pbkdf2:sha256:secret-hash", roles=[nurse],
    )
    session.add(user)
    session.commit()
    [inserted] = events(session, entity="User")
    assert inserted.changes["password"] == {"changed": True}
    assert inserted.changes["roles"] == {"old": [], "new": [str(nurse.id)]}
    assert "secret-hash" not in json.dumps(inserted.changes)

    user.last_login = dt.datetime(2026, 1, 5, 9, 30)
    user.login_count = 1
    user.fail_login_count = 0
    user.changed_on = dt.datetime(2026, 1, 5, 9, 30)
    session.commit()
    assert len(events(session, entity="User")) == 1  # a sign-in is recorded as its own event

    manager = Role(name="Home Manager")
    user.roles = [manager]
    user.password = "pbkdf2:sha256:new-hash"
    user.login_count = 2
    session.commit()
    [update] = events(session, entity="User", action="update")
    assert update.changes == {
        "password": {"changed": True},
        "roles": {"old": [str(nurse.id)], "new": [str(manager.id)]},
    }


def test_actor_and_request_come_from_the_resolver_or_acting_as(session):
    set_context_resolver(
        lambda: {"actor_id": 7, "actor_name": "mjones", "request_id": "req-1", "client_addr": "10.0.0.9"}
    )
    session.add(Organisation(name="Resolver Group"))
    session.commit()
    with acting_as(None, "seed demo data"):
        session.add(Organisation(name="Seeded Group"))
        session.commit()

    resolved, seeded = events(session, entity="Organisation")
    assert (resolved.actor_id, resolved.actor_name, resolved.request_id, resolved.client_addr) == (
        7, "mjones", "req-1", "10.0.0.9",
    )
    assert (seeded.actor_id, seeded.actor_name) == (None, "seed demo data")


def test_record_event_joins_the_session_transaction(session):
    event_id = record_event("keys_rotated", "FieldEncryption", changes={"columns": {"care_home.x": 2}},
                            session=session)
    session.rollback()
    assert session.get(AuditEvent, event_id) is None

    with acting_as(3, "admin"):
        event_id = record_event("keys_rotated", "FieldEncryption", session=session)
    session.commit()
    stored = session.get(AuditEvent, event_id)
    assert (stored.action, stored.actor_id, stored.actor_name) == ("keys_rotated", 3, "admin")


def test_record_event_on_its_own_survives_the_request_rolling_back(session, engine):
    set_context_resolver(lambda: {"actor_id": None, "actor_name": "anonymous", "request_id": "r9"})
    session.execute(text("SELECT 1"))  # a request's session with an open (read) transaction
    event_id = record_event(
        "sign_in_failed", "User", changes={"username": "nobody"}, actor_name="nobody", engine=engine
    )
    session.rollback()

    stored = session.get(AuditEvent, event_id)
    assert (stored.action, stored.actor_name, stored.request_id) == ("sign_in_failed", "nobody", "r9")
    assert stored.changes == {"username": "nobody"}


def test_values_are_made_json_safe():
    class Colour(str, __import__("enum").Enum):
        red = "red"

    assert json_safe(
        {"when": dt.datetime(2026, 1, 2, 3, 4, 5), "on": dt.date(2026, 1, 2), "fee": decimal.Decimal("1.10"),
         "colour": Colour.red, "nan": float("nan"), "tags": ("a", "b"), 1: b"xy"}
    ) == {"when": "2026-01-02T03:04:05", "on": "2026-01-02", "fee": "1.10", "colour": "red",
          "nan": "nan", "tags": ["a", "b"], "1": "<2 bytes>"}


def test_audit_events_are_not_themselves_audited(session):
    make_home(session)
    session.commit()
    count = len(events(session))
    record_event("sign_out", "User", entity_id=1, session=session)
    session.commit()
    assert len(events(session)) == count + 1
    assert not events(session, entity="AuditEvent")


def test_unit_moved_between_homes_is_recorded_under_the_new_home(session):
    first = make_home(session, name="Ash Lodge")
    second = make_home(session, name="Beech Court", org=first.organisation)
    unit = make_unit(session, first)
    session.commit()
    unit.home_id = second.id
    session.commit()
    [moved] = events(session, action="update", entity="Unit")
    assert moved.home_id == second.id
    assert moved.changes == {"home_id": {"old": first.id, "new": second.id}}
    assert session.get(CareHome, first.id) is not None and session.get(Unit, unit.id) is not None
