"""Finding 12: no multi-factor sign-in for any role.

An authenticator app (TOTP) with QR enrolment and ten single-use recovery codes. The roles in
MFA_REQUIRED_ROLES (Administrator, Home Manager, Finance and Auditor by default; the test config
leaves it empty for the seeded users) must set it up after the password before any other page;
anyone with one enrolled must give a code after the password before any page; API tokens of
such users need the code too; an administrator can reset a user's second factor (audited).
"""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from app.accounts import mfa
from app.accounts.models import SecondFactor
from app.audit import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD
from tests.security.helpers import user_named

# Every page a signed-in person might ask for; each must lead to the second-factor step first.
PAGES = ["/", "/unitview/list/", "/carehomeview/list/", "/users/list/", "/notifications/",
         "/account/security", "/users/userinfo/", "/resetmypassword/form", "/swagger/v1"]
MFA_ROLES = "Administrator,Home Manager,Finance,Auditor"


@pytest.fixture()
def mfa_policy(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", MFA_ROLES)


def _enrol(db_session, username) -> pyotp.TOTP:
    """Give a user a confirmed authenticator app (as the enrolment page does); returns the app."""
    user = user_named(db_session, username)
    factor = mfa.begin_enrolment(user)
    secret = factor.secret
    factor.confirmed_at = factor.created_at
    db_session.commit()
    return pyotp.TOTP(secret)


def _next_code(totp: pyotp.TOTP, db_session, username) -> str:
    """A code the server has not accepted yet (each time step is accepted once)."""
    factor = db_session.get(SecondFactor, user_named(db_session, username).id)
    db_session.refresh(factor)
    step = int(__import__("time").time() // 30)
    if factor.last_step is not None and factor.last_step >= step:
        step = factor.last_step + 1
    return totp.at(step * 30)


def test_with_a_second_factor_enrolled_every_page_waits_for_the_code(client, db_session):
    totp = _enrol(db_session, "nurse")
    response = client.post("/login/", data={"username": "nurse", "password": PASSWORD})
    assert "/login/second-factor" in response.location
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login/second-factor" in response.location, page
    api = client.get("/api/v1/units/")
    assert api.status_code == 401
    # a wrong code changes nothing
    client.post("/login/second-factor", data={"code": "000000"})
    assert "/login/second-factor" in client.get("/").location
    response = client.post("/login/second-factor", data={"code": _next_code(totp, db_session, "nurse")})
    assert response.status_code == 302
    for page in ("/", "/unitview/list/", "/notifications/"):
        assert client.get(page).status_code == 200, (page, client.get(page).location)


def test_a_code_is_accepted_once(client, app, db_session):
    totp = _enrol(db_session, "nurse")
    code = _next_code(totp, db_session, "nurse")
    client.post("/login/", data={"username": "nurse", "password": PASSWORD})
    client.post("/login/second-factor", data={"code": code})
    assert client.get("/").status_code == 200
    other = app.test_client()
    other.post("/login/", data={"username": "nurse", "password": PASSWORD})
    other.post("/login/second-factor", data={"code": code})  # the same code, replayed
    assert "/login/second-factor" in other.get("/").location


def test_an_mfa_role_is_sent_to_enrolment_and_reaches_nothing_else_until_done(client, db_session, mfa_policy):
    response = client.post("/login/", data={"username": "manager", "password": PASSWORD})
    assert "/login/enrol" in response.location
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login/enrol" in response.location, page
    page = client.get("/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code
    secret = re.search(r'<code id="enrol-secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    # the codes are stored hashed, never as shown
    stored = db.session.execute(select(__import__("app.accounts.models", fromlist=["RecoveryCode"]).RecoveryCode
                                       .code_hash)).scalars().all()
    assert not set(codes) & set(stored) and len(stored) == 10


def test_a_role_without_the_requirement_signs_in_with_the_password(client, mfa_policy):
    response = client.post("/login/", data={"username": "carer", "password": PASSWORD})
    assert client.get("/").status_code == 200, response.location


def test_a_recovery_code_works_once(client, app, db_session):
    _enrol(db_session, "nurse")
    codes = mfa.new_recovery_codes(user_named(db_session, "nurse").id)
    db_session.commit()
    client.post("/login/", data={"username": "nurse", "password": PASSWORD})
    client.post("/login/second-factor", data={"code": codes[0].lower()})
    assert client.get("/").status_code == 200
    other = app.test_client()
    other.post("/login/", data={"username": "nurse", "password": PASSWORD})
    other.post("/login/second-factor", data={"code": codes[0]})
    assert "/login/second-factor" in other.get("/").location


def test_api_tokens_of_an_mfa_user_need_the_code(client, db_session, mfa_policy):
    totp = _enrol(db_session, "finance")
    body = {"username": "finance", "password": PASSWORD, "provider": "db"}
    refused = client.post("/api/v1/security/login", json=body)
    assert refused.status_code == 401 and refused.get_json()["second_factor"] is True
    wrong = client.post("/api/v1/security/login", json={**body, "totp": "123456"})
    assert wrong.status_code == 401
    good = client.post("/api/v1/security/login", json={**body, "totp": _next_code(totp, db_session, "finance")})
    assert good.status_code == 200 and good.get_json()["access_token"]
    # an MFA role that has not enrolled gets no token at all
    assert client.post("/api/v1/security/login", json={**body, "username": "auditor"}).status_code == 401


def test_an_administrator_resets_a_second_factor_and_it_is_audited(client, db_session):
    _enrol(db_session, "nurse")
    nurse = user_named(db_session, "nurse")
    client.post("/login/", data={"username": "admin", "password": PASSWORD})
    client.post("/users/action_post", data={"action": "reset_second_factor", "rowid": [str(nurse.id)]})
    assert db_session.get(SecondFactor, nurse.id) is None
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "second_factor_reset")).one()
    assert event.entity_id == str(nurse.id) and event.actor_name == "admin"
    client.get("/logout/")
    client.post("/login/", data={"username": "nurse", "password": PASSWORD})
    assert client.get("/").status_code == 200  # a password alone again (the role does not require it)


def test_a_nurse_cannot_reset_anyone_s_second_factor(client, db_session):
    _enrol(db_session, "senior")
    senior = user_named(db_session, "senior")
    client.post("/login/", data={"username": "nurse", "password": PASSWORD})
    client.post("/users/action_post", data={"action": "reset_second_factor", "rowid": [str(senior.id)]})
    assert db_session.get(SecondFactor, senior.id) is not None
