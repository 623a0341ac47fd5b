"""Someone whose password is temporary (set by a manager) uses the API with a bearer token: they may
still sign in through the API, and every other call answers 403 with a message telling them to choose
their own password in the browser first, until they have."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.security import CareUser
from tests.factories import PASSWORD

MESSAGE = "Choose a new password in the browser first: yours is temporary."


def _carer():
    db.session.expire_all()
    return db.session.scalars(select(CareUser).where(CareUser.username == "carer")).one()


def _token(api) -> str:
    answer = api.post("/api/v1/security/login", json={"username": "carer", "password": PASSWORD, "provider": "db"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["access_token"]


def test_a_bearer_token_of_someone_with_a_temporary_password_is_refused_until_they_choose_one(app, world):
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {_token(api)}"}
    assert api.get("/api/v1/residents/", headers=bearer).status_code == 200  # an ordinary password: served

    carer = _carer()
    carer.must_change_password = True
    db.session.commit()
    token = _token(api)  # signing in through the API still works, so they can be told
    bearer = {"Authorization": f"Bearer {token}"}
    for method, path in (("get", "/api/v1/residents/"), ("post", "/api/v1/residents/")):
        answer = getattr(api, method)(path, headers=bearer, json={})
        assert answer.status_code == 403, (path, answer.get_data(as_text=True))
        assert answer.get_json() == {"message": MESSAGE}

    carer = _carer()
    carer.must_change_password = False
    db.session.commit()
    assert api.get("/api/v1/residents/", headers=bearer).status_code == 200
