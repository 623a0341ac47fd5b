"""Finding 6: a home's key-safe and alarm codes (emergency access notes) were readable by every role
that reads care homes, HR, Finance and Auditor included. They are stored encrypted, shown only to
roles with "Emergency access notes" in the matrix (Administrator, Home Manager, Nurse, Senior
Carer), and each view of them is an audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app import permissions
from app.audit import AuditEvent
from app.extensions import db
from app.homes.models import CareHome

CODE = "Key safe 7788, alarm 2468#"
ACTION = "viewed_emergency_access_notes"


def _set_code(world):
    home = db.session.get(CareHome, world.home_a.id)
    home.emergency_access_notes = CODE
    db.session.commit()


def _views(username=None):
    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == ACTION)
    if username:
        query = query.where(AuditEvent.actor_name == username)
    return db.session.scalars(query).all()


def test_the_codes_are_stored_encrypted(world):
    _set_code(world)
    raw = db.session.execute(text("SELECT emergency_access_notes FROM care_home WHERE id = :id"),
                             {"id": world.home_a.id}).scalar()
    assert raw and CODE not in raw and "7788" not in raw


@pytest.mark.parametrize("username", ["hr", "finance", "auditor", "office", "carer"])
def test_roles_without_the_right_do_not_read_the_codes(client, auth, world, username):
    _set_code(world)
    r = client.get(f"/api/v1/care-homes/{world.home_a.id}", headers=auth.headers(username))
    assert r.status_code == 200
    assert "emergency_access_notes" not in r.get_json()["result"]
    assert "7788" not in r.get_data(as_text=True)
    auth.login(username)
    page = client.get(f"/carehomeview/show/{world.home_a.id}").get_data(as_text=True)
    assert "7788" not in page
    assert _views(username) == []


@pytest.mark.parametrize("username", ["nurse", "senior", "manager", "admin"])
def test_roles_that_open_the_door_read_the_codes_and_each_view_is_audited(client, auth, world, username):
    _set_code(world)
    r = client.get(f"/api/v1/care-homes/{world.home_a.id}", headers=auth.headers(username))
    assert r.get_json()["result"]["emergency_access_notes"] == CODE
    [event] = _views(username)
    assert event.entity_id == str(world.home_a.id) and event.home_id == world.home_a.id
    auth.login(username)
    assert CODE in client.get(f"/carehomeview/show/{world.home_a.id}").get_data(as_text=True)
    assert len(_views(username)) == 2


def test_the_rule_is_its_own_resource_in_the_matrix():
    grants = {role: permissions.MATRIX[role].get("Emergency access notes", "") for role in permissions.MATRIX}
    assert {role for role, letters in grants.items() if "r" in letters} == {"Home Manager", "Nurse", "Senior Carer"}
