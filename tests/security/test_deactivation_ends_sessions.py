"""Deactivation ends every session and API token of the person, whichever way it happens.

Before, only the admin user form ended them (its post_update hook): a deactivation through the
people page, the command line or any other code left the person's browser signed in and their API
tokens working. Now it happens at the model level (app/accounts/sessions.py), in the same
transaction as the change; each path is tried here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.accounts.models import UserSession
from app.security import CareUser
from tests.conftest import PASSWORD
from tests.security.helpers import signed_in, user_named


def _sign_in(client, username="nurse"):
    client.post("/login/", data={"username": username, "password": PASSWORD})
    assert signed_in(client), f"{username} could not sign in"


def _token(client, username="nurse") -> str:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def _api_works(client, token) -> bool:
    return client.get("/api/v1/units/", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def _live_sessions(db_session, user_id) -> list:
    db_session.expire_all()
    return db_session.scalars(select(UserSession).where(UserSession.user_id == user_id,
                                                        UserSession.ended_at.is_(None))).all()


@pytest.fixture()
def nurse_everywhere(app, client, db_session):
    """The nurse signed in in a browser and holding an API token; returns (browser, token, user)."""
    token = _token(client)
    _sign_in(client)
    assert _api_works(client, token)
    nurse = user_named(db_session, "nurse")
    assert len(_live_sessions(db_session, nurse.id)) == 2
    return client, token, nurse


def _assert_signed_out_everywhere(db_session, browser, token, nurse):
    assert user_named(db_session, "nurse").active is False
    assert _live_sessions(db_session, nurse.id) == [], "a session of the deactivated user is still live"
    assert not signed_in(browser), "the deactivated user's browser is still signed in"
    assert not _api_works(browser, token), "the deactivated user's API token still works"


def test_the_people_page(app, nurse_everywhere, db_session):
    browser, token, nurse = nurse_everywhere
    if "PeopleView.deactivate" not in app.view_functions:
        pytest.skip("the people page (app/users) is not registered in this tree")
    admin = app.test_client()
    _sign_in(admin, "admin")
    response = admin.post(f"/people/{nurse.id}/deactivate")
    assert response.status_code in (302, 303), response.status_code
    _assert_signed_out_everywhere(db_session, browser, token, nurse)


def test_the_command_line(nurse_everywhere, runner, db_session):
    browser, token, nurse = nurse_everywhere
    result = runner.invoke(args=["users", "deactivate", "NURSE"])
    assert result.exit_code == 0, result.output
    assert "2 session(s)" in result.output
    _assert_signed_out_everywhere(db_session, browser, token, nurse)


def test_the_command_line_names_an_unknown_user(runner):
    result = runner.invoke(args=["users", "deactivate", "nobody-here"])
    assert result.exit_code != 0
    assert "No user 'nobody-here'" in result.output


def test_any_code_that_saves_the_user_inactive(nurse_everywhere, db_session):
    """A script, a job or a future page that just sets `active` and commits."""
    browser, token, nurse = nurse_everywhere
    user = db_session.get(CareUser, nurse.id)
    user.active = False
    db_session.commit()
    _assert_signed_out_everywhere(db_session, browser, token, nurse)


def test_a_bulk_update(nurse_everywhere, db_session):
    browser, token, nurse = nurse_everywhere
    db_session.execute(update(CareUser).where(CareUser.id == nurse.id).values(active=False))
    db_session.commit()
    _assert_signed_out_everywhere(db_session, browser, token, nurse)


def test_a_deactivation_rolled_back_keeps_the_sessions(nurse_everywhere, db_session):
    """Same transaction as the change: when the change is refused, nobody was signed out."""
    browser, token, nurse = nurse_everywhere
    user = db_session.get(CareUser, nurse.id)
    user.active = False
    db_session.flush()
    db_session.rollback()
    assert len(_live_sessions(db_session, nurse.id)) == 2
    assert signed_in(browser) and _api_works(browser, token)


def test_other_changes_to_a_user_end_nothing(nurse_everywhere, db_session):
    browser, token, nurse = nurse_everywhere
    user = db_session.get(CareUser, nurse.id)
    user.first_name = "Renamed"
    user.active = True
    db_session.commit()
    db_session.execute(update(CareUser).where(CareUser.id == nurse.id).values(active=True))
    db_session.commit()
    assert len(_live_sessions(db_session, nurse.id)) == 2
    assert signed_in(browser) and _api_works(browser, token)
