"""Password reset by email: the "Forgot your password?" link on the sign-in page sends a single-use
link that expires; it answers the same whether or not the account exists; using the link sets the
new password, unlocks the account and ends every session of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from app.accounts.models import PasswordResetToken
from app.notifications.models import NotificationOutbox
from tests.conftest import PASSWORD
from tests.security.helpers import flashed, signed_in, user_named

NEW_PASSWORD = "Brecon-Beacons-88!"


@pytest.fixture()
def sent(monkeypatch):
    """Emails as the mail layer would send them (delivered by the job, here called directly)."""
    from app.notifications import jobs as notification_jobs

    outbox = []
    monkeypatch.setattr(notification_jobs, "send_email", lambda to, subject, body: outbox.append((to, subject, body)))
    return outbox


def _ask(client, who):
    client.post("/login/forgot", data={"username": who})
    return flashed(client)


def _deliver(db_session, sent):
    from app.notifications.jobs import deliver_email

    for row in db_session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "password_reset",
                                                                   NotificationOutbox.sent_at.is_(None))):
        deliver_email(row.id)
    db_session.commit()
    return sent


def _link(email) -> str:
    return re.search(r"https?://[^/\s]+(/login/reset/[A-Za-z0-9_-]+)", email[2]).group(1)


def test_the_sign_in_page_links_to_the_reset(client):
    page = client.get("/login/").get_data(as_text=True)
    assert 'href="/login/forgot"' in page


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, db_session, sent):
    assert _ask(client, "nobody-by-that-name") == _ask(client, "nurse") == _ask(client, "nurse@test.example")
    emails = _deliver(db_session, sent)
    assert [to for to, _, _ in emails] == ["nurse@test.example", "nurse@test.example"]
    assert all("/login/reset/" in body for _, _, body in emails)


def test_the_link_sets_a_new_password_once_unlocks_and_signs_out_everywhere(app, client, db_session, sent):
    other = app.test_client()
    other.post("/login/", data={"username": "nurse", "password": PASSWORD})
    assert signed_in(other)
    nurse = user_named(db_session, "nurse")
    nurse.fail_login_count, nurse.locked_until = 9, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    db_session.commit()

    _ask(client, "nurse")
    link = _link(_deliver(db_session, sent)[0])
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302 and "/login" in response.location
    assert not signed_in(other), "an old session survived the reset"
    client.post("/login/", data={"username": "nurse", "password": NEW_PASSWORD})
    assert signed_in(client), "the new password (and the unlock) did not take"
    client.get("/logout/")
    # the link works once
    assert client.get(link).status_code == 302
    client.post(link, data={"password": "Another-Pass-99!", "conf_password": "Another-Pass-99!"})
    client.post("/login/", data={"username": "nurse", "password": "Another-Pass-99!"})
    assert not signed_in(client)


def test_an_expired_link_is_refused(client, db_session, sent):
    _ask(client, "carer")
    link = _link(_deliver(db_session, sent)[0])
    db_session.execute(update(PasswordResetToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    db_session.commit()
    client.post(link, data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    client.post("/login/", data={"username": "carer", "password": NEW_PASSWORD})
    assert not signed_in(client)


def test_a_weak_password_is_refused_with_the_form_shown_again(client, db_session, sent):
    _ask(client, "carer")
    link = _link(_deliver(db_session, sent)[0])
    response = client.post(link, data={"password": "short", "conf_password": "short"})
    assert response.status_code == 200 and 'id="reset-form"' in response.get_data(as_text=True)
    assert db_session.scalars(select(PasswordResetToken.used_at)).one() is None  # still usable


def test_the_stored_token_is_a_hash_not_the_link(client, db_session, sent):
    _ask(client, "carer")
    token = _link(_deliver(db_session, sent)[0]).rsplit("/", 1)[1]
    stored = db_session.scalars(select(PasswordResetToken.token_hash)).one()
    assert token not in stored and len(stored) == 64
