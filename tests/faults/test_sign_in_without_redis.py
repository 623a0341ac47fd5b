"""Signing in with Redis down: the sign-in rate limits fall back to each web process's memory
(logged once) instead of answering 500; /health says Redis is degraded while the app serves."""

from __future__ import annotations

import logging

from tests.faults.conftest import PASSWORD

WRONG = {"username": "nobody-at-all", "password": "not-the-password"}


def test_web_sign_in_works_while_redis_is_down(fault_app, redis_server, tmp_path, caplog):
    from app import create_app

    web = create_app(
        "test", SQLALCHEMY_DATABASE_URI=fault_app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_server.url,
        RATELIMIT_ENABLED=True, AUTH_RATE_LIMITED=True, RATELIMIT_STORAGE_URI=redis_server.url,
        AUTH_RATE_LIMIT="6 per minute", FILES_DIR=str(tmp_path / "files"),
    )
    if not redis_server.running:
        redis_server.start()
    redis_server.client().flushdb()
    nurse = {"username": "nurse", "password": PASSWORD}
    response = web.test_client().post("/login/", data=nurse)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]

    redis_server.stop()
    try:
        with caplog.at_level(logging.INFO):
            client = web.test_client()
            response = client.post("/login/", data=nurse)
            assert response.status_code == 302 and "/login" not in response.headers["Location"]
            assert client.get("/").status_code == 200  # signed in, and the pages work
            # the limit still holds, counted in this process's memory
            statuses = [web.test_client().post("/login/", data=WRONG).status_code for _ in range(8)]
            assert 429 in statuses, statuses
            health = web.test_client().get("/health")
        assert health.status_code == 200  # the app serves: no reason to take it out of the load balancer
        body = health.get_json()
        assert body["status"] == "degraded" and body["degraded"] == ["redis"]
        fallbacks = [r for r in caplog.records if "falling back to in-memory storage" in r.getMessage()]
        assert len(fallbacks) == 1  # said once, not on every request
    finally:
        redis_server.start()
