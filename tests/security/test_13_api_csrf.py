"""Finding 13: a change through the REST API made with the browser's session cookie needs the
CSRF token (header `X-CSRFToken`), as every browser form does; a call with a JWT bearer token
(which another site cannot send) needs none, and reads need none."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.homes.models import Unit


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _token(client) -> str:
    html = client.get("/unitview/add").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _name(unit_id) -> str:
    db.session.expire_all()
    return db.session.get(Unit, unit_id).name


def test_session_cookie_write_without_token_is_refused(app, client, auth, world, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login("manager")  # the sign-in form's own token is not what this test is about
    app.config["WTF_CSRF_ENABLED"] = True
    before = _name(world.unit_a.id)
    for method in ("PUT", "POST", "DELETE"):
        url = f"/api/v1/units/{world.unit_a.id}" if method != "POST" else "/api/v1/units/"
        body = {"name": "Renamed by another site"} if method != "DELETE" else None
        response = client.open(url, method=method, json=body)
        assert response.status_code in (400, 403), (method, response.status_code)
        assert "CSRF" in response.get_data(as_text=True)
    assert _name(world.unit_a.id) == before
    # reads with the session still work
    assert client.get(f"/api/v1/units/{world.unit_a.id}").status_code == 200


def test_session_cookie_write_with_the_token_works(app, client, auth, world, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    token = _token(client)
    response = client.put(f"/api/v1/units/{world.unit_a.id}", json={"name": "Garden wing"},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _name(world.unit_a.id) == "Garden wing"


def test_bearer_token_calls_need_no_csrf_token(app, client, auth, world, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    headers = auth.headers("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.put(f"/api/v1/units/{world.unit_a.id}", json={"name": "Orchard wing"}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _name(world.unit_a.id) == "Orchard wing"
