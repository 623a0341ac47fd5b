"""Finding 11: lockout could lock anyone out for good, and told which usernames exist.

A locked account answered differently from an unknown one, and stayed locked until an
administrator edited the user (which, with finding 1, gave the user every home). Now: a refused
sign-in answers the same whatever the reason (page and API), the lock is a pause that grows with
each further failure, and an administrator unlocks with an action outside the user form.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.audit import AuditEvent
from tests.conftest import PASSWORD
from tests.security.helpers import ago, flashed, signed_in, user_named


def _pause(db_session, username, minutes=10):
    user = user_named(db_session, username)
    user.fail_login_count = 20
    user.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    db_session.commit()


def _browser_answer(client, username, password):
    response = client.post("/login/", data={"username": username, "password": password})
    return response.status_code, response.location, flashed(client)


def test_the_sign_in_page_answers_the_same_for_unknown_wrong_and_locked(client, db_session):
    _pause(db_session, "office")
    unknown = _browser_answer(client, "nobody-by-that-name", "Wrong-password-1!")
    wrong = _browser_answer(client, "nurse", "Wrong-password-1!")
    locked_right_password = _browser_answer(client, "office", PASSWORD)
    locked_wrong_password = _browser_answer(client, "office", "Wrong-password-1!")
    assert unknown == wrong == locked_right_password == locked_wrong_password
    assert unknown[0] == 302 and unknown[2], unknown
    assert not signed_in(client)


def test_the_api_sign_in_answers_the_same_for_unknown_wrong_and_locked(client, db_session):
    _pause(db_session, "office")

    def answer(username, password):
        response = client.post("/api/v1/security/login",
                               json={"username": username, "password": password, "provider": "db"})
        return response.status_code, response.get_json()

    unknown = answer("nobody-by-that-name", "Wrong-password-1!")
    assert unknown == answer("nurse", "Wrong-password-1!") == answer("office", PASSWORD)
    assert unknown[0] == 401


def test_repeated_failures_pause_the_account_for_longer_each_time(app, client, db_session):
    limit = app.config["AUTH_MAX_FAILED_LOGINS"]
    for _ in range(limit):
        client.post("/login/", data={"username": "carer", "password": "Wrong-password-1!"})
    carer = user_named(db_session, "carer")
    first_pause = carer.locked_until
    assert first_pause is not None, "no pause after the limit of failed sign-ins"
    # the right password is refused while paused
    client.post("/login/", data={"username": "carer", "password": PASSWORD})
    assert not signed_in(client)

    # the pause is over; one more failure pauses it again, for longer
    carer.locked_until = ago(seconds=1)
    db_session.commit()
    before = dt.datetime.now(dt.UTC)
    client.post("/login/", data={"username": "carer", "password": "Wrong-password-1!"})
    carer = user_named(db_session, "carer")
    second = carer.locked_until.replace(tzinfo=carer.locked_until.tzinfo or dt.UTC) - before
    assert second > dt.timedelta(minutes=1.5), f"the second pause ({second}) is not longer than the first"

    # once the pause is over the right password works: nobody is locked out for good
    carer.locked_until = ago(seconds=1)
    db_session.commit()
    client.post("/login/", data={"username": "carer", "password": PASSWORD})
    assert signed_in(client)
    assert user_named(db_session, "carer").fail_login_count == 0
    refused = db_session.scalars(select(AuditEvent.action).where(AuditEvent.action == "sign_in_refused")).all()
    assert refused, "a refused sign-in while paused is not in the audit trail"


def test_an_administrator_unlocks_without_the_user_form(app, client, db_session, world):
    _pause(db_session, "office", minutes=60)
    office = user_named(db_session, "office")
    homes_before = ([h.id for h in office.homes], office.all_homes)
    client.post("/login/", data={"username": "admin", "password": PASSWORD})
    response = client.post("/users/action_post", data={"action": "unlock", "rowid": [str(office.id)]})
    assert response.status_code == 302
    client.get("/logout/")
    office = user_named(db_session, "office")
    assert office.locked_until is None and office.fail_login_count == 0
    assert ([h.id for h in office.homes], office.all_homes) == homes_before  # nothing else changed
    client.post("/login/", data={"username": "office", "password": PASSWORD})
    assert signed_in(client)
    unlocked = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "account_unlocked")).all()
    assert [e.entity_id for e in unlocked] == [str(office.id)]
