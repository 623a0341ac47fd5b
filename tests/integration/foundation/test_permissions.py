"""Roles: menus show only what a role may use, every route checks its permission."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import permissions
from app.audit import AuditEvent
from app.extensions import db
from tests.factories import ROLE_USERS

MENU_LINKS = {
    "Care homes": "/carehomeview/list/",
    "Units": "/unitview/list/",
    "Rooms": "/roomview/list/",
    "Beds": "/bedview/list/",
    "Organisations": "/organisationview/list/",
    "Audit trail": "/auditeventview/list/",
}

PUBLIC = (
    "/login/", "/health", "/static/", "/appbuilder/", "/lang/", "/api/v1/security/login",
    "/api/v1/security/refresh",
    "/favicon.ico",  # the browser tab's icon, as public as the static files
)


def menu_hrefs(html: str) -> set[str]:
    navbar = html.split('<ul class="nav navbar-nav navbar-right">')[0]
    return set(re.findall(r'href="(/[^"]+)"', navbar))


@pytest.mark.parametrize("role", permissions.ROLE_NAMES)
def test_each_role_sees_exactly_its_menus(client, auth, role):
    auth.login(ROLE_USERS[role])
    hrefs = menu_hrefs(client.get("/").get_data(as_text=True))
    for resource, link in MENU_LINKS.items():
        allowed = role == "Administrator" or "r" in permissions.MATRIX[role].get(resource, "")
        assert (link in hrefs) == allowed, f"{role}: {resource} menu shown={link in hrefs}, allowed={allowed}"
    assert ("/users/list/" in hrefs) == (role == "Administrator")
    assert ("/roles/list/" in hrefs) == (role == "Administrator")


@pytest.mark.parametrize("role", permissions.ROLE_NAMES)
def test_each_role_is_refused_what_the_matrix_does_not_give(client, auth, world, role):
    headers = auth.headers(ROLE_USERS[role])
    grants = permissions.MATRIX.get(role, {})
    is_admin = role == "Administrator"
    for resource, api in (("Units", "units"), ("Beds", "beds"), ("Audit trail", "audit-events")):
        letters = "rwd" if is_admin else grants.get(resource, "")
        status = client.get(f"/api/v1/{api}/", headers=headers).status_code
        assert (status == 200) == ("r" in letters), f"{role} read {api}: {status}"
    letters = "rwd" if is_admin else grants.get("Units", "")
    status = client.put(f"/api/v1/units/{world.unit_a.id}", json={"floor": "Lower"}, headers=headers).status_code
    assert (status == 200) == ("w" in letters), f"{role} write units: {status}"


def test_permission_denials_are_audit_events(client, auth):
    auth.login("carer")
    response = client.get("/users/list/")
    assert response.status_code in (302, 403)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "permission_denied").order_by(AuditEvent.id.desc())
    ).all()
    assert events, "no permission_denied event recorded"
    assert events[0].actor_name == "carer"
    assert events[0].changes["path"] == "/users/list/"


def test_no_route_is_reachable_without_signing_in(app, client):
    reached = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(PUBLIC) or rule.rule == "/":
            continue
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        response = client.get(url)
        if response.status_code == 200:
            reached.append(url)
    assert reached == []
    # the start page sends a stranger to sign in
    assert "/login" in client.get("/").location


def test_administrator_creates_a_role_in_the_ui(client, auth):
    auth.login("admin")
    response = client.post("/roles/add", data={"name": "Activities Coordinator"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Activities Coordinator" in client.get("/roles/list/").get_data(as_text=True)


def test_matrix_sync_keeps_admin_edits_until_the_matrix_changes(app, db_session):
    sm = app.appbuilder.sm
    carer = sm.find_role("Carer")
    extra = sm.add_permission_view_menu("can_write", "Units")
    carer.permissions.append(extra)
    db_session.commit()
    assert sm.sync_roles() == []  # unchanged matrix: the administrator's edit stays
    assert extra in sm.find_role("Carer").permissions
    state = db_session.get(__import__("app.security", fromlist=["RoleSync"]).RoleSync, "Carer")
    state.matrix_hash = "changed"
    db_session.commit()
    assert sm.sync_roles() == ["Carer"]  # the matrix changed: the role is reset to it
    assert extra not in sm.find_role("Carer").permissions


def test_lockout_after_repeated_failed_sign_ins(app, client, auth):
    limit = app.config["AUTH_MAX_FAILED_LOGINS"]
    for _ in range(limit):
        auth.login("office", password="wrong-password")
    # even the right password is refused now
    auth.login("office")
    assert client.get("/unitview/list/").status_code != 200
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "User")))
    assert {"sign_in_failed", "sign_in_refused"} <= actions
