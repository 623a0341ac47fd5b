"""An administrator makes a role by copying one, grants it areas by Read / Add and edit / Delete in plain
words, and the people given it see exactly those menus; every change is in the audit trail."""

from __future__ import annotations

import re

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from tests.factories import PASSWORD, make_user
from tests.integration.foundation.test_every_menu_link import navbar_links


def _role(name):
    return db.session.scalars(select(Role).where(Role.name == name)).one()


def test_administrator_copies_carer_grants_read_on_residents_only_and_the_user_sees_that_menu(client, auth, world):
    auth.login("admin")
    listing = client.get("/roles/").get_data(as_text=True)
    assert "Carer" in listing and "New role" in listing
    carer = _role("Carer")
    made = client.post("/roles/new", data={"copy": carer.id, "name": "Activities coordinator"})
    assert made.status_code == 302
    role = _role("Activities coordinator")
    grid = client.get(f"/roles/{role.id}/").get_data(as_text=True)
    # a copy of Carer: Carer's areas are ticked, in plain words
    assert re.search(r'name="Assessments:r" value="1"[^>]*checked', grid)
    assert "Add and edit" in grid and "Read" in grid and "can_edit on" not in grid
    saved = client.post(f"/roles/{role.id}/", data={"Residents:r": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    held = {(pv.permission.name, pv.view_menu.name) for pv in _role("Activities coordinator").permissions}
    assert ("can_read", "Residents") in held and ("can_write", "Residents") not in held
    assert not any(view == "Assessments" for _perm, view in held)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role_permissions_changed")
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.changes["Assessments"]["new"] == "nothing"

    make_user("activities", "Activities coordinator", homes=[world.home_a])
    db.session.commit()
    auth.logout()
    auth.login("activities", PASSWORD)
    home = client.get("/")
    assert home.status_code == 200
    links = [link for link, _text in navbar_links(home.get_data(as_text=True))]
    menu = [link for link in links if not link.startswith(("/users/", "/resetmypassword", "/userinfoedit"))]
    assert "/residentview/list/" in menu
    assert not any(link.startswith(("/assessments", "/careplans", "/taskview", "/carehomeview", "/roles"))
                   for link in menu), menu
    assert client.get("/residentview/list/").status_code == 200
    assert client.get("/assessments/due/").status_code in (302, 403)


def test_only_whoever_may_change_roles_reaches_the_pages(client, auth):
    auth.login("nurse")
    assert client.get("/roles/").status_code in (302, 403)
    assert client.post("/roles/new", data={"copy": _role("Carer").id, "name": "Sneaky"}).status_code in (302, 403)
    assert db.session.scalars(select(Role).where(Role.name == "Sneaky")).first() is None


def test_bad_names_are_refused_naming_the_field_and_the_administrator_role_is_fixed(client, auth):
    auth.login("admin")
    carer = _role("Carer")
    page = client.post("/roles/new", data={"copy": carer.id, "name": "nurse"}, follow_redirects=True)
    assert "There is already a role called Nurse" in page.get_data(as_text=True)
    page = client.post("/roles/new", data={"copy": carer.id, "name": "   "}, follow_redirects=True)
    assert "Give the role a name" in page.get_data(as_text=True)
    admin = _role("Administrator")
    before = len(admin.permissions)
    assert client.post(f"/roles/{admin.id}/", data={"Residents:r": "1"}).status_code == 403
    db.session.expire_all()
    assert len(_role("Administrator").permissions) == before
    renamed = client.post(f"/roles/{carer.id}/rename", data={"name": "Care assistant"}, follow_redirects=True)
    assert "keeps its name" in renamed.get_data(as_text=True)
