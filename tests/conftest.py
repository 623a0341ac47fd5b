"""Fixtures shared by the app's tests.

`app` is built once per test session by `create_app("test")` against DATABASE_URL (PostgreSQL in
CI) or in-memory SQLite, with the schema made by the real Alembic migrations. Each test runs
inside a transaction that is rolled back afterwards, so tests see the seeded homes and users and
nothing another test wrote.
"""

from __future__ import annotations

import os

import pytest
from flask.globals import app_ctx
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.util import ScopedRegistry

PASSWORD = "Test-password-1!"


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _app_ctx_id() -> int:
    return id(app_ctx._get_current_object())


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


@pytest.fixture()
def db_session(app):
    """Run the test inside one outer transaction, rolled back at the end."""
    from app.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        connection.name = connection.dialect.name  # FAB asks get_bind().name, an Engine attribute
        # Every holder of db.session (FAB's views and schemas too) gets sessions bound to this
        # connection: a plain SQLAlchemy session, since Flask-SQLAlchemy's would pick the engine.
        original = db.session.registry
        db.session.registry = ScopedRegistry(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), _app_ctx_id
        )
        app.extensions["audit_bind"] = connection
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session.registry = original
            app.extensions.pop("audit_bind", None)
            outer.rollback()
            connection.close()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and session), as in production,
    even though the test itself holds one open to use db.session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


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
