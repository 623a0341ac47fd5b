"""Fixtures shared by the app's tests.

`app` is built once per test session by `create_app("test")` against DATABASE_URL (PostgreSQL in
CI) or in-memory SQLite, with the schema made by the real Alembic migrations. Each test runs
inside a transaction that is rolled back afterwards, so tests see the seeded homes and users and
nothing another test wrote.
"""

from __future__ import annotations

import os

import pytest
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
def app():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        _reset_postgres(url)
    from app import create_app
    from app.cli import ensure_roles, sync_permissions, upgrade_schema

    application = create_app("test")
    with application.app_context():
        upgrade_schema()
        sync_permissions()
        ensure_roles()
        from tests.factories import seed_world

        seed_world()
    yield application


@pytest.fixture()
def db_session(app):
    """Run the test inside one outer transaction, rolled back at the end."""
    from app.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        session = db._make_scoped_session(
            {"bind": connection, "binds": {}, "join_transaction_mode": "create_savepoint"}
        )
        db.session = session
        app.appbuilder._session = session
        app.appbuilder.sm.__dict__.pop("session", None)
        try:
            yield session
        finally:
            session.remove()
            db.session = original
            app.appbuilder._session = original
            outer.rollback()
            connection.close()


@pytest.fixture()
def client(app, db_session):
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
