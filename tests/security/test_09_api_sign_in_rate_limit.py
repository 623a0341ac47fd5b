"""Finding 9: the API sign-in had no rate limit (130 attempts in 25 s, no 429).

It now has the browser sign-in's limit per address plus a limit per username (whatever the
address), answered with 429 and a JSON message. The test app runs with limits on, in memory.
"""

from __future__ import annotations

import pytest

from tests.conftest import FreshContextClient


@pytest.fixture(scope="module")
def limited_app(app):
    """One app with limits on for the module (each test uses its own usernames and addresses)."""
    from app import create_app

    return create_app(
        "test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMITED=True, RATELIMIT_STORAGE_URI="memory://", AUTH_RATE_LIMIT="6 per minute",
        AUTH_USERNAME_RATE_LIMIT="3 per minute",
    )


@pytest.fixture()
def limited_client(limited_app, db_session):
    limited = limited_app
    limited.test_client_class = FreshContextClient
    return limited.test_client()


def _api_sign_in(client, username, address):
    return client.post("/api/v1/security/login", json={"username": username, "password": "Wrong-password-1!",
                                                       "provider": "db"},
                       environ_base={"REMOTE_ADDR": address})


def test_the_api_sign_in_is_limited_per_address(limited_client):
    statuses = [_api_sign_in(limited_client, f"guess-{n}", "203.0.113.7").status_code for n in range(7)]
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 429
    response = _api_sign_in(limited_client, "another-guess", "203.0.113.7")
    assert response.status_code == 429
    assert response.is_json and "Too many" in response.get_json()["message"]
    # another address is not held up
    assert _api_sign_in(limited_client, "guess-x", "203.0.113.8").status_code == 401


def test_the_api_sign_in_is_limited_per_username_from_any_address(limited_client):
    statuses = [_api_sign_in(limited_client, "nurse", f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _api_sign_in(limited_client, "NURSE", "198.51.100.99").status_code == 429  # any case
    assert _api_sign_in(limited_client, "carer", "198.51.100.99").status_code == 401


def test_the_browser_sign_in_is_limited_per_username_too(limited_client):
    statuses = [
        limited_client.post("/login/", data={"username": "senior", "password": "Wrong-password-1!"},
                            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
