"""The users page in plain words: a home's administrator (a Home Manager) sees the people of their
homes with homes, roles and status; invites someone with only the homes and roles they may give; gives
a temporary password that must be changed before any other page; deactivates (ending every session
and token at once), reactivates and unlocks; every change is in the audit trail."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select

from app.accounts import sessions
from app.accounts.models import PasswordResetToken
from app.audit import AuditEvent
from app.extensions import db
from app.notifications.models import NotificationOutbox
from app.security import CareUser
from tests.factories import PASSWORD

NEW_PASSWORD = "Another-Secret-92!"
TEMPORARY = "Temporary-PW-42x!"


def _role(name):
    return db.session.scalars(select(Role).where(Role.name == name)).one()


def _user(username):
    db.session.expire_all()
    return db.session.scalars(select(CareUser).where(CareUser.username == username)).one_or_none()


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _invite(client, world, **overrides):
    data = {"first_name": "Nia", "last_name": "Roberts", "username": "nia.roberts", "email": "nia@test.example",
            "homes": [str(world.home_a.id)], "roles": [str(_role("Carer").id)], "how": "password",
            "password": TEMPORARY}
    data.update(overrides)
    return client.post("/people/new", data=data)


def test_a_home_manager_sees_the_people_of_their_home_by_name_with_homes_roles_and_status(client, auth, world):
    carer = _user("carer")
    carer.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    db.session.commit()
    auth.login("manager")
    page = client.get("/people/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-username="carer"' in html and 'data-username="nurse"' in html
    assert 'data-username="manager.b"' not in html  # works only in another home
    assert 'data-username="admin"' not in html  # group staff, managed by the group
    assert "Alder House" in html and "Paused after failed sign-ins" in html and "No second factor" in html
    names = [line.split('data-username="')[1].split('"')[0] for line in html.split("<tr ")[1:]]
    last_names = [_user(name).last_name.lower() + " " + _user(name).first_name.lower() for name in names]
    assert last_names == sorted(last_names)
    # the menu names it beside the roles
    home = client.get("/people/").get_data(as_text=True)
    assert 'href="/people/"' in home and 'href="/roles/"' in home


def test_invited_with_a_temporary_password_they_must_choose_their_own_before_any_page(app, client, auth, world):
    auth.login("manager")
    made = _invite(client, world)
    assert made.status_code == 302, made.get_data(as_text=True)
    nia = _user("nia.roberts")
    assert [home.name for home in nia.homes] == ["Alder House"] and [r.name for r in nia.roles] == ["Carer"]
    assert nia.must_change_password and not nia.all_homes
    event = _events("user_created")[-1]
    assert event.changes["roles"] == ["Carer"] and event.changes["how"] == "temporary password"
    assert "password" not in str(event.changes).replace("temporary password", "")

    other = app.test_client()
    other.post("/login/", data={"username": "nia.roberts", "password": TEMPORARY})
    for path in ("/", "/residentview/list/", "/people/"):
        answer = other.get(path)
        assert answer.status_code == 302 and "/password/new" in answer.headers["Location"], path
    refused = other.post("/password/new", data={"password": "short", "conf_password": "short"})
    assert refused.status_code == 422
    assert _user("nia.roberts").must_change_password
    chosen = other.post("/password/new", data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert chosen.status_code == 302
    assert not _user("nia.roberts").must_change_password
    assert other.get("/residentview/list/").status_code == 200
    fresh = app.test_client()
    assert fresh.post("/login/", data={"username": "nia.roberts", "password": NEW_PASSWORD}).status_code == 302
    assert fresh.get("/residentview/list/").status_code == 200


def test_a_home_manager_gives_only_their_homes_and_roles_they_may_give(client, auth, world):
    auth.login("manager")
    form = client.get("/people/new").get_data(as_text=True)
    assert "Alder House" in form and world.home_b.name not in form
    assert ">Administrator</label>" not in form.replace(" Administrator</label>", ">Administrator</label>")
    assert "Finance" not in form and "Works in every home" not in form
    for overrides, field_text in (
        ({"homes": [str(world.home_b.id)]}, "You cannot give a home you do not work in"),
        ({"roles": [str(_role("Administrator").id)]}, "You cannot give a role with more than your own roles allow"),
        ({"roles": [str(_role("Finance").id)]}, "You cannot give a role with more than your own roles allow"),
        ({"all_homes": "1"}, "Only a group administrator can say someone works in every home"),
        ({"roles": []}, "Choose at least one role"),
        ({"email": "not an address", "first_name": ""}, "Give the first name"),
    ):
        answer = _invite(client, world, **overrides)
        assert answer.status_code == 422, overrides
        text = answer.get_data(as_text=True)
        assert field_text in text, overrides
        assert 'value="nia.roberts"' in text  # what was typed is kept
    assert _user("nia.roberts") is None


def test_deactivation_ends_every_session_and_token_and_reactivation_lets_them_back(app, client, auth, world):
    carer_client = app.test_client()
    carer_client.post("/login/", data={"username": "carer", "password": PASSWORD})
    token = carer_client.post("/api/v1/security/login", json={"username": "carer", "password": PASSWORD,
                                                               "provider": "db"}).get_json()["access_token"]
    carer = _user("carer")
    assert len(sessions.live_ids_of(carer.id)) == 2
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/residents/", headers=bearer).status_code == 200
    auth.login("manager")
    done = client.post(f"/people/{carer.id}/deactivate", follow_redirects=True)
    assert "is deactivated" in done.get_data(as_text=True)
    assert not _user("carer").active and sessions.live_ids_of(carer.id) == []
    assert carer_client.get("/residentview/list/").status_code == 302  # signed out
    assert app.test_client().get("/api/v1/residents/", headers=bearer).status_code == 401
    assert carer_client.post("/login/", data={"username": "carer", "password": PASSWORD},
                             follow_redirects=True).request.path.startswith("/login")
    assert _events("user_deactivated")[-1].changes["sessions_ended"] == 2
    client.post(f"/people/{carer.id}/reactivate")
    assert _user("carer").active and _events("user_reactivated")


def test_unlock_and_reset_email_and_temporary_password(app, client, auth, world):
    carer = _user("carer")
    carer.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    carer.fail_login_count = 9
    db.session.commit()
    auth.login("manager")
    page = client.get(f"/people/{carer.id}/").get_data(as_text=True)
    assert "Paused after failed sign-ins" in page and "Unlock" in page
    client.post(f"/people/{carer.id}/unlock")
    assert _user("carer").locked_until is None and _user("carer").fail_login_count == 0
    assert _events("account_unlocked")

    client.post(f"/people/{carer.id}/password", data={"how": "email"})
    assert _user("carer").must_change_password
    mail = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.user_id == carer.id)
                              .order_by(NotificationOutbox.id.desc())).first()
    assert mail is not None and "/login/reset/" in mail.body
    assert db.session.scalars(select(PasswordResetToken).where(PasswordResetToken.user_id == carer.id)).first()

    refused = client.post(f"/people/{carer.id}/password", data={"how": "password", "password": "abc"},
                          follow_redirects=True)
    assert refused.status_code == 200
    client.post(f"/people/{carer.id}/password", data={"how": "password", "password": NEW_PASSWORD})
    assert _events("temporary_password_set")
    signed = app.test_client()
    signed.post("/login/", data={"username": "carer", "password": NEW_PASSWORD})
    assert "/password/new" in signed.get("/").headers["Location"]


def test_people_of_other_homes_and_stronger_people_are_not_changed_by_a_home_manager(client, auth, world):
    auth.login("manager")
    outsider = _user("manager.b")
    assert client.get(f"/people/{outsider.id}/").status_code == 404
    assert client.post(f"/people/{outsider.id}/deactivate").status_code == 404
    both = _user("manager.ab")  # also works in home B
    page = client.get(f"/people/{both.id}/").get_data(as_text=True)
    assert "their group administrator changes their access" in page
    client.post(f"/people/{both.id}/deactivate")
    assert _user("manager.ab").active
    # Nurses have no users page.
    auth.logout()
    auth.login("nurse")
    assert client.get("/people/").status_code in (302, 403)


def test_the_group_administrator_gives_every_home_and_any_role(client, auth, world):
    auth.login("admin")
    html = client.get("/people/").get_data(as_text=True)
    assert 'data-username="manager.b"' in html and 'data-username="admin"' in html
    made = _invite(client, world, homes=[], all_homes="1", roles=[str(_role("Auditor").id)], how="email",
                   password="")
    assert made.status_code == 302
    nia = _user("nia.roberts")
    assert nia.all_homes and not nia.must_change_password
    mail = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.user_id == nia.id)).first()
    assert mail is not None and "your new account" in mail.subject
