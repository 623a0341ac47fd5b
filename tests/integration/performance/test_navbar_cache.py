"""The menu bar is kept rendered per set of visible items and language (app/navbar.py): what each
role sees must be exactly what Flask-AppBuilder's own template, checking item by item, shows; a
change to a role's permissions shows on the person's next page; and Welsh readers get Welsh."""

from __future__ import annotations

import re

import pytest
from flask import current_app, render_template

from app.extensions import db
from tests.factories import ROLE_USERS

MENU = re.compile(r'<ul class="nav navbar-nav">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">', re.S)


def _menu(html: str) -> str:
    found = MENU.search(html)
    assert found, "no menu bar on the page"
    return " ".join(found.group(1).split())


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_each_role_sees_what_flask_appbuilder_would_show(app, client, auth, role):
    assert auth.login(ROLE_USERS[role]).status_code == 302
    first = _menu(client.get("/").get_data(as_text=True))
    again = _menu(client.get("/").get_data(as_text=True))  # from the cache
    assert first == again
    with client.session_transaction() as saved:
        cookie_session = dict(saved)
    with app.test_request_context("/"):
        from flask import session

        session.update(cookie_session)
        app.preprocess_request()
        expected = " ".join(render_template("appbuilder/_navbar_menu_full.html",
                                            menu=current_app.appbuilder.menu).split())
    assert again == expected


def test_a_permission_granted_shows_on_the_next_page(app, client, auth):
    from flask_appbuilder.security.sqla.models import Role

    sm = app.appbuilder.sm
    assert auth.login(ROLE_USERS["Carer"]).status_code == 302
    before = _menu(client.get("/").get_data(as_text=True))
    assert "/auditview/" not in before.lower()
    role = db.session.query(Role).filter_by(name="Carer").one()
    parent = next(item for item in app.appbuilder.menu.get_list()
                  if any(child and child.name == "Audit trail" for child in item.childs))
    added = [pv for pv in (sm.find_permission_view_menu("menu_access", name) for name in ("Audit trail", parent.name))
             if pv is not None and pv not in role.permissions]
    assert added, "the Audit trail menu item is registered"
    ids = [pv.id for pv in added]
    role.permissions.extend(added)
    db.session.commit()
    after = _menu(client.get("/").get_data(as_text=True))
    assert after != before and "Audit trail" in after
    role = db.session.query(Role).filter_by(name="Carer").one()
    role.permissions = [pv for pv in role.permissions if pv.id not in ids]
    db.session.commit()
    assert _menu(client.get("/").get_data(as_text=True)) == before


def test_the_menu_is_in_the_readers_language(client, auth):
    assert auth.login(ROLE_USERS["Home Manager"]).status_code == 302
    english = _menu(client.get("/").get_data(as_text=True))
    client.get("/lang/cy")
    welsh = _menu(client.get("/").get_data(as_text=True))
    assert english != welsh
    assert "Residents" in english and "Preswylwyr" in welsh


def test_the_sign_in_pages_menu_is_what_flask_appbuilder_would_show(app, client):
    """A visitor's menu comes from the public role in one read, not one query per item."""
    shown = _menu(client.get("/login/").get_data(as_text=True))
    with app.test_request_context("/login/"):
        app.preprocess_request()
        expected = " ".join(render_template("appbuilder/_navbar_menu_full.html",
                                            menu=current_app.appbuilder.menu).split())
    assert shown == expected


def test_the_sign_in_page_reads_the_menus_permissions_once(app, client, sql):
    client.get("/login/")
    with sql() as seen:
        assert client.get("/login/").status_code == 200
    assert len(seen) <= 5, seen  # not one or two per menu item (about 60 items)
