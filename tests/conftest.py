"""Fixtures shared by the app's tests.

`app` is built once per test session by `create_app("test")` against DATABASE_URL (PostgreSQL in
CI) or in-memory SQLite, with the schema made by the real Alembic migrations. Each test runs
inside a transaction that is rolled back afterwards, so tests see the seeded homes and users and
nothing another test wrote.
"""

from __future__ import annotations

import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

PASSWORD = "Test-password-1!"


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    from app import create_app
    from app.cli import ensure_roles, sync_permissions, upgrade_schema

    application = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with application.app_context():
        upgrade_schema()
        sync_permissions()
        ensure_roles()
        from tests.factories import seed_world

        seed_world()
    yield application


def _tables():
    from flask_appbuilder import Model

    from forms.store.sql import metadata as forms_metadata

    tables = list(Model.metadata.sorted_tables) + list(forms_metadata.sorted_tables)
    return [t for t in tables if t.name != "alembic_version"]


def _snapshot(engine) -> dict:
    with engine.connect() as conn:
        return {table: [dict(row._mapping) for row in conn.execute(table.select())] for table in _tables()}


def _restore(engine, snapshot: dict) -> None:
    """Put every table back as the seed left it (FK checks and the audit trigger off meanwhile)."""
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if not postgres:  # outside any transaction, or SQLite ignores it
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            if postgres:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table in reversed(_tables()):
                conn.execute(table.delete())
            for table in _tables():
                rows = snapshot.get(table)
                if rows:
                    conn.execute(table.insert(), rows)
        if not postgres:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


@pytest.fixture(scope="session")
def seed_snapshot(app):
    from app.extensions import db

    with app.app_context():
        return _snapshot(db.engine)


@pytest.fixture()
def db_session(app, seed_snapshot):
    """The test's session. Afterwards every table is restored to the seed, so tests are independent
    while requests commit for real, as in production."""
    from app.extensions import db

    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
            _restore(db.engine, seed_snapshot)


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and session), as in production,
    even though the test itself holds one open to use db.session."""

    def open(self, *args, **kwargs):
        from app.extensions import db

        db.session.commit()  # the test's own writes are visible to the request; its reads end
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()  # and the test's next reads see what the request wrote
        return response


@pytest.fixture()
def client(app, db_session):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture()
def runner(app, db_session):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str = "admin", password: str = PASSWORD, follow: bool = False):
        return self.client.post(
            "/login/", data={"username": username, "password": password}, follow_redirects=follow
        )

    def logout(self):
        return self.client.get("/logout/")

    def token(self, username: str = "admin", password: str = PASSWORD) -> str:
        response = self.client.post(
            "/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["access_token"]

    def headers(self, username: str = "admin") -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"}


@pytest.fixture()
def auth(client):
    return Auth(client)


@pytest.fixture()
def world(app, db_session):
    """The seeded homes, units, rooms, beds and users, looked up by name."""
    from tests.factories import World

    return World()
