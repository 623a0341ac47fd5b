"""Finding 10: nothing was revoked.

After a password change the old access and refresh tokens and the old browser session still
worked; a session cookie copied before sign-out worked after it; there was no idle timeout. Each
sign-in is now a server-side session (browser cookie and API token family alike) that sign-out,
a password change, deactivation, "sign out everywhere" and an administrator end, that times out
after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS at most. Access tokens live 15
minutes; refresh tokens rotate, and a reused one revokes its whole family.
"""

from __future__ import annotations

import jwt as pyjwt
import pytest
from sqlalchemy import select, update

from app.accounts.models import UserSession
from app.accounts.sessions import aware
from tests.conftest import PASSWORD
from tests.security.helpers import ago, signed_in, user_named

NEW_PASSWORD = "Severn-Bridge-73!"


@pytest.fixture()
def second_client(app, client):
    return app.test_client()  # the same FreshContextClient class as `client`


def _sign_in(client, username="nurse", password=PASSWORD):
    client.post("/login/", data={"username": username, "password": password})
    assert signed_in(client), f"{username} could not sign in"


def _tokens(client, username="nurse", password=PASSWORD):
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _api_works(client, access_token) -> bool:
    return client.get("/api/v1/units/", headers={"Authorization": f"Bearer {access_token}"}).status_code == 200


def _refresh(client, refresh_token):
    return client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {refresh_token}"})


def test_a_password_change_ends_the_other_sessions_and_tokens(client, second_client):
    _sign_in(client)
    tokens = _tokens(second_client)
    assert _api_works(second_client, tokens["access_token"])
    _sign_in(second_client)
    response = second_client.post("/resetmypassword/form",
                                  data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not signed_in(client), "the other browser is still signed in after the password change"
    assert not _api_works(client, tokens["access_token"]), "the old access token still works"
    assert _refresh(client, tokens["refresh_token"]).status_code == 401, "the old refresh token still works"
    assert signed_in(second_client), "the browser that changed the password was signed out"


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client):
    _sign_in(client)
    copied = client.get_cookie("session").value
    client.get("/logout/")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not signed_in(thief)


def test_an_idle_session_ends_after_the_idle_time(app, client, db_session):
    _sign_in(client)
    idle = app.config["SESSION_IDLE_MINUTES"]
    db_session.execute(update(UserSession).values(last_seen_at=ago(minutes=idle - 2)))
    db_session.commit()
    assert signed_in(client), "signed out before the idle time"
    db_session.execute(update(UserSession).values(last_seen_at=ago(minutes=idle + 1)))
    db_session.commit()
    assert not signed_in(client), "still signed in after the idle time"
    row = db_session.scalars(select(UserSession)).one()
    assert row.ended_at is not None and row.end_reason == "idle"


def test_a_session_ends_after_its_longest_lifetime_however_busy(app, client, db_session):
    _sign_in(client)
    hours = app.config["SESSION_MAX_HOURS"]
    db_session.execute(update(UserSession).values(created_at=ago(hours=hours, minutes=1), last_seen_at=ago(seconds=5)))
    db_session.commit()
    assert not signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(client, db_session):
    _sign_in(client)
    db_session.execute(update(UserSession).values(last_seen_at=ago(seconds=20)))
    db_session.commit()
    before = db_session.scalars(select(UserSession.last_seen_at)).one()
    client.get("/")
    db_session.expire_all()
    assert db_session.scalars(select(UserSession.last_seen_at)).one() == before
    db_session.execute(update(UserSession).values(last_seen_at=ago(seconds=90)))
    db_session.commit()
    client.get("/")
    db_session.expire_all()
    assert aware(db_session.scalars(select(UserSession.last_seen_at)).one()) > ago(seconds=30)


def test_deactivating_a_user_ends_their_sessions_and_tokens(client, second_client, db_session):
    tokens = _tokens(client)
    _sign_in(client)
    nurse = user_named(db_session, "nurse")
    _sign_in(second_client, "admin")
    second_client.post(f"/users/edit/{nurse.id}", data={
        "first_name": nurse.first_name, "last_name": nurse.last_name, "username": "nurse", "email": nurse.email,
        "roles": [str(r.id) for r in nurse.roles], "homes": [str(h.id) for h in nurse.homes],
        "fail_login_count": "0",  # "active" unticked
    })
    assert user_named(db_session, "nurse").active is False
    assert not signed_in(client)
    assert not _api_works(client, tokens["access_token"])
    live = db_session.scalars(select(UserSession).where(UserSession.user_id == nurse.id,
                                                        UserSession.ended_at.is_(None))).all()
    assert live == []


def test_sign_out_everywhere_from_the_user_menu(client, second_client):
    tokens = _tokens(client)
    _sign_in(client)
    _sign_in(second_client)
    assert 'id="sign-out-everywhere"' in second_client.get("/").get_data(as_text=True)
    second_client.post("/account/sign-out-everywhere")
    assert not signed_in(second_client)
    assert not signed_in(client)
    assert not _api_works(client, tokens["access_token"])


def test_an_administrator_signs_a_user_out_everywhere(client, second_client, db_session):
    tokens = _tokens(client)
    nurse = user_named(db_session, "nurse")
    _sign_in(second_client, "admin")
    second_client.post("/users/action_post", data={"action": "end_sessions", "rowid": [str(nurse.id)]})
    assert not _api_works(client, tokens["access_token"])


def test_access_tokens_are_short_lived_and_carry_their_sign_in(app, client):
    tokens = _tokens(client)
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["sid"]


def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(client):
    first = _tokens(client)
    response = _refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _api_works(client, second["access_token"])
    # someone replays the first refresh token (a copy): the whole family is revoked
    assert _refresh(client, first["refresh_token"]).status_code == 401
    assert not _api_works(client, second["access_token"])
    assert _refresh(client, second["refresh_token"]).status_code == 401
    # other sign-ins of the same user are untouched
    assert _api_works(client, _tokens(client)["access_token"])
