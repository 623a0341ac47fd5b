"""Start-up (configuration, first run, re-run), /health and /metrics."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import config


def test_production_refuses_to_start_without_its_secrets_and_names_them(monkeypatch):
    for name in config.ProductionConfig.REQUIRED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    with pytest.raises(config.ConfigError) as error:
        config.load_config("production")
    message = str(error.value)
    assert "DATABASE_URL" in message and "FIELD_ENCRYPTION_KEYS" in message
    assert "SECRET_KEY" not in message


def test_development_generates_secrets_into_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_BLIND_INDEX_KEY", "DATABASE_URL"):
        monkeypatch.setattr(config.Config, name if name != "DATABASE_URL" else "SQLALCHEMY_DATABASE_URI", None)
    first = config.DevConfig()
    second = config.DevConfig()
    assert first.SECRET_KEY and first.SECRET_KEY == second.SECRET_KEY
    assert first.FIELD_ENCRYPTION_KEYS.startswith("k1:")
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert str(tmp_path) in first.SQLALCHEMY_DATABASE_URI


def test_unknown_environment_name_is_a_clear_error():
    with pytest.raises(config.ConfigError, match="WCN_ENV"):
        config.load_config("staging")


def test_health_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] is True


def test_health_reports_redis_when_configured(app, client):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set (CI sets it)")
    app.config["REDIS_URL"] = url
    try:
        assert client.get("/health").get_json()["checks"]["redis"]["ok"] is True
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
        response = client.get("/health")
        assert response.status_code == 200  # the app still serves; only background work waits
        body = response.get_json()
        assert body["status"] == "degraded" and body["degraded"] == ["redis"]
        assert body["checks"]["redis"]["ok"] is False and body["checks"]["database"]["ok"] is True
    finally:
        app.config["REDIS_URL"] = None


def test_metrics_need_the_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer test-metrics-token"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "wcn_http_requests_total" in text and 'wcn_dependency_up{dependency="database"} 1.0' in text


def test_swagger_and_openapi_for_signed_in_users(client, auth):
    headers = auth.headers("admin")
    spec = client.get("/api/v1/_openapi", headers=headers)
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert "/api/v1/care-homes/" in paths and "/api/v1/beds/{pk}" in paths
    auth.login("admin")
    assert client.get("/swagger/v1").status_code == 200


def test_first_run_creates_everything_and_a_second_run_changes_nothing(tmp_path):
    """`python run.py`'s set-up step, twice, on a fresh SQLite database in its own process."""
    script = (
        "import json, sys\n"
        "from app import create_app\n"
        "from app.cli import setup\n"
        "app = create_app('development')\n"
        "with app.app_context():\n"
        "    result = setup(load_demo=True)\n"
        "    from app.extensions import db\n"
        "    from sqlalchemy import text\n"
        "    counts = {t: db.session.execute(text(f'SELECT count(*) FROM {t}')).scalar()\n"
        "              for t in ('organisation','care_home','unit','room','bed','ab_user','ab_role')}\n"
        "print(json.dumps({'admin': bool(result['admin_password']), 'demo': bool(result['demo_logins']),\n"
        "                  'counts': counts}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["INSTANCE_PATH"] = str(tmp_path)
    env["WCN_ENV"] = "development"

    def run():
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
        )
        assert done.returncode == 0, done.stderr[-3000:]
        import json

        return json.loads(done.stdout.strip().splitlines()[-1])

    first = run()
    assert first["admin"] and first["demo"]
    counts = first["counts"]
    assert counts["care_home"] == 2 and counts["organisation"] == 1
    assert counts["ab_user"] == 13  # the administrator and a dozen demo users
    assert counts["ab_role"] >= 10
    second = run()
    assert not second["admin"] and not second["demo"]
    assert second["counts"] == counts


def test_demo_users_cover_every_role_but_the_administrator():
    from app.demo import USERS
    from app.permissions import ROLE_NAMES

    assert {role for *_, role, _homes in USERS} == set(ROLE_NAMES) - {"Administrator"}
