"""The read-only audit view and API: one permission, newest first, only the user's homes."""

from __future__ import annotations

import flask
import pytest
from flask_appbuilder import AppBuilder
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_babel import Babel
from sqlalchemy import select

import app.audit_views as audit_views
from app.audit import AuditEvent, acting_as, record_event
from app.extensions import db
from app.security import CareUser

from .conftest import KEYS, fresh_database

PASSWORD = "Audit-test-1!"


class UsersWithHomes(SecurityManager):
    user_model = CareUser


@pytest.fixture(scope="module")
def fab_app(tmp_path_factory):
    """One small Flask-AppBuilder app for the module: building it takes about a second."""
    with fresh_database(tmp_path_factory.mktemp("views")) as (url, options):
        application = flask.Flask("audit_views_test")
        application.config.update(
            SECRET_KEY="audit-views-test",
            SQLALCHEMY_DATABASE_URI=url,
            SQLALCHEMY_ENGINE_OPTIONS=options,
            WTF_CSRF_ENABLED=False,
            FIELD_ENCRYPTION_KEYS=KEYS,
        )
        Babel(application)
        db.init_app(application)
        with application.app_context():
            _build(application)
        yield application  # no app context held: each request gets its own `g`
        with application.app_context():
            db.engine.dispose()


def _build(application):
    """Two roles (one may read the trail), two users, and events in homes 1, 1, 2 and none."""
    appbuilder = AppBuilder(security_manager_class=UsersWithHomes)
    appbuilder.init_app(application, db.session)
    audit_views.register_audit_views(appbuilder)
    sm = appbuilder.sm
    auditor = sm.add_role("Auditor")
    for perm, view in (("can_read", "Audit trail"), ("menu_access", "Audit trail")):
        sm.add_permission_role(auditor, sm.find_permission_view_menu(perm, view))
    sm.add_user("auditor", "Gareth", "Lloyd", "gareth@example.org", auditor, password=PASSWORD)
    sm.add_user("carer", "Carys", "Hughes", "carys@example.org", sm.add_role("Carer"), password=PASSWORD)
    sm.find_user(username="auditor").all_homes = True
    db.session.commit()
    with acting_as(None, "test"):
        for home_id in (1, 1, 2, None):
            record_event("sign_in", "User", entity_id=home_id, home_id=home_id, session=db.session)
    db.session.commit()


def _login(client, username):
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_one_read_permission_and_no_route_that_writes(fab_app):
    sm = fab_app.appbuilder.sm
    with fab_app.app_context():
        perms = {pv.permission.name for pv in sm.find_permissions_view_menu(sm.find_view_menu("Audit trail"))}
    assert perms == {"can_read", "menu_access"}
    rules = {(r.rule, m) for r in fab_app.url_map.iter_rules() for m in r.methods if "audit" in r.rule.lower()}
    assert not any(m in {"POST", "PUT", "DELETE", "PATCH"} for _rule, m in rules)
    assert not any(s in rule for rule, _m in rules for s in ("/add", "/edit", "/delete", "/action"))
    assert {cls.class_permission_name for cls in (audit_views.AuditEventView, audit_views.AuditEventApi)} == {
        "Audit trail"
    }


def test_auditor_reads_the_trail_newest_first_in_the_browser_and_the_api(fab_app, monkeypatch):
    monkeypatch.setattr(audit_views, "current_scope", lambda: None)  # group-wide: no limit
    client = fab_app.test_client()
    _login(client, "auditor")

    page = client.get("/auditeventview/list/")
    assert page.status_code == 200
    assert "Signed in" in page.get_data(as_text=True)  # the action in words, not its code

    listing = client.get("/api/v1/audit-events/")
    assert listing.status_code == 200
    ids = listing.get_json()["ids"]
    assert ids == sorted(ids, reverse=True)
    with fab_app.app_context():
        total = len(db.session.scalars(select(AuditEvent.id)).all())
    assert listing.get_json()["count"] == total
    shown = client.get(f"/api/v1/audit-events/{ids[0]}")
    assert shown.status_code == 200
    assert shown.get_json()["result"]["hash"]
    assert client.delete(f"/api/v1/audit-events/{ids[0]}").status_code in (404, 405)
    assert client.get("/api/v1/audit-events/junk").status_code == 404

    sign_ins = client.get("/api/v1/audit-events/?q=(filters:!((col:action,opr:eq,value:sign_in)))").get_json()
    assert sign_ins["count"] == 4 and {r["action"] for r in sign_ins["result"]} == {"sign_in"}
    filtered = client.get("/auditeventview/list/?_flt_0_home_id=2")
    assert filtered.status_code == 200


def test_a_user_without_the_permission_is_refused(fab_app, monkeypatch):
    monkeypatch.setattr(audit_views, "current_scope", lambda: None)
    client = fab_app.test_client()
    _login(client, "carer")
    assert client.get("/api/v1/audit-events/").status_code == 403
    assert client.get("/auditeventview/list/").status_code == 403


@pytest.mark.parametrize(
    ("all_homes", "visible"),
    [(False, {1}), (True, {1, None})],
)
def test_events_are_limited_to_the_homes_in_scope(fab_app, monkeypatch, all_homes, visible):
    monkeypatch.setattr(audit_views, "current_scope", lambda: frozenset({1}))
    monkeypatch.setattr(audit_views, "acting_user", lambda: type("U", (), {"all_homes": all_homes})())
    client = fab_app.test_client()
    _login(client, "auditor")

    result = client.get("/api/v1/audit-events/?page_size=100").get_json()["result"]
    assert {row["home_id"] for row in result} == visible
    with fab_app.app_context():
        other_home = db.session.scalars(select(AuditEvent.id).where(AuditEvent.home_id == 2)).one()
    assert client.get(f"/api/v1/audit-events/{other_home}").status_code == 404
    assert client.get(f"/auditeventview/show/{other_home}").status_code in (302, 404)
