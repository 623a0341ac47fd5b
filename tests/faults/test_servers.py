"""The fault suite's own servers: each answers, stops (and is then unreachable) and comes back."""

from __future__ import annotations

import psycopg2
import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select


def test_private_postgres_answers_stops_and_restarts(pg_server):
    url = pg_server.create_database("wcn_faults_smoke")
    conn = psycopg2.connect(url, connect_timeout=2)
    with conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE note (body text)")
        cursor.execute("INSERT INTO note VALUES ('kept')")
    conn.close()

    pg_server.stop()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, connect_timeout=2)

    pg_server.start()
    conn = psycopg2.connect(url, connect_timeout=2)
    with conn.cursor() as cursor:
        cursor.execute("SELECT body FROM note")
        assert cursor.fetchall() == [("kept",)]  # a restart keeps what was committed
    conn.close()

    pg_server.restart()
    assert pg_server.is_ready()


def test_terminate_connections_cuts_other_sessions(pg_server):
    url = pg_server.create_database("wcn_faults_cut")
    conn = psycopg2.connect(url, connect_timeout=2)
    assert pg_server.terminate_connections("wcn_faults_cut") == 1
    with pytest.raises(psycopg2.OperationalError), conn.cursor() as cursor:
        cursor.execute("SELECT 1")
    conn.close()


def test_private_redis_answers_stops_and_restarts(redis_server):
    client = Redis.from_url(redis_server.url, socket_connect_timeout=1, socket_timeout=1)
    client.set("wcn:smoke", "1")
    assert client.get("wcn:smoke") == b"1"

    redis_server.stop()
    with pytest.raises(RedisConnectionError):
        client.ping()

    redis_server.start()
    assert client.ping()
    assert client.get("wcn:smoke") is None  # nothing is saved to disk: a restart starts empty


def test_fault_app_has_the_seeded_world(fault_app):
    from app.extensions import db
    from app.homes.models import CareHome

    with fault_app.app_context():
        assert db.engine.dialect.name == "postgresql"
        names = db.session.scalars(select(CareHome.name).execution_options(skip_home_scope=True)).all()
        assert len(names) >= 2
    response = fault_app.test_client().post("/login/", data={"username": "admin", "password": "Test-password-1!"})
    assert response.status_code == 302
