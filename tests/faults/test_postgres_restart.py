"""PostgreSQL restarted under gunicorn (two workers): during the outage every page answers 503
with a short page saying nothing saved is lost, and `Retry-After` (JSON for the API); once the
database is back, the very first requests succeed (no stale pooled connections)."""

from __future__ import annotations

import sys

from tests.faults.conftest import PASSWORD, free_port, wait_for
from tests.faults.helpers import Browser, child_env, start, stop

MESSAGE = "The care record is unavailable for a moment; nothing you saved is lost."


def test_database_outage_pages_and_recovery_under_gunicorn(fault_app, pg_server, tmp_path):
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = child_env(DATABASE_URL=fault_app.config["SQLALCHEMY_DATABASE_URI"], FILES_DIR=str(tmp_path / "files"),
                    OUTAGE_RETRY_AFTER="7")
    server = start([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
                    # one secret for both workers (the test config makes a new one per process)
                    "app:create_app('test', SECRET_KEY='fault-suite-gunicorn-secret')"], env, log)
    browser = Browser(f"http://127.0.0.1:{port}")
    try:
        wait_for(lambda: browser.get("/health", timeout=5)[0] == 200, 90, 0.5, "gunicorn to serve", log)
        status, headers, _ = browser.post("/login/", {"username": "nurse", "password": PASSWORD})
        assert status == 302 and "/login" not in headers["Location"]
        status, _, body = browser.request("/api/v1/security/login", json_body={
            "username": "nurse", "password": PASSWORD, "provider": "db"})
        assert status == 200, body
        import json

        token = json.loads(body)["access_token"]
        api = {"Authorization": f"Bearer {token}"}
        for _ in range(10):  # both workers now hold pooled connections to the database
            status, _, body = browser.get("/")
            assert status == 200, log.read_text()[-3000:]

        pg_server.stop()
        try:
            status, headers, body = browser.get("/")
            assert status == 503, log.read_text()[-6000:]
            assert headers["Retry-After"] == "7" and MESSAGE in body and "Traceback" not in body
            status, headers, body = browser.get("/documents/")
            assert status == 503 and MESSAGE in body
            status, headers, body = browser.get("/api/v1/residents/", headers=api)
            assert status == 503 and headers["Retry-After"] == "7"
            assert json.loads(body)["message"] == MESSAGE
            status, _, body = browser.get("/health")
            assert status == 503 and json.loads(body)["status"] == "unavailable"
        finally:
            pg_server.start()

        statuses = [browser.get("/")[0] for _ in range(10)]  # the first request on each worker included
        assert statuses == [200] * 10, statuses
        assert browser.get("/api/v1/residents/", headers=api)[0] == 200
    finally:
        stop(server)
