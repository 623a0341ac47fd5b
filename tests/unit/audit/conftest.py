"""A plain engine and session for the audit trail: SQLite, or PostgreSQL when DATABASE_URL says so.

On PostgreSQL each test gets its own schema (dropped afterwards), so the suites sharing that
database never see these tables.
"""

from __future__ import annotations

import base64
import contextlib
import os
import uuid

import flask
import pytest
from flask_appbuilder import Model
from flask_babel import Babel
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import app.audit  # noqa: F401  (registers the listeners and the audit_event table)
import app.homes.models  # noqa: F401

TABLES = [
    "audit_event", "organisation", "care_home", "unit", "room", "bed",
    "ab_user", "ab_role", "ab_user_role",
]
KEYS = "t1:" + base64.b64encode(b"k" * 32).decode()
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")


@pytest.fixture()
def flask_app():
    application = flask.Flask(__name__)
    application.config["FIELD_ENCRYPTION_KEYS"] = KEYS
    Babel(application)
    with application.app_context():
        yield application


@contextlib.contextmanager
def fresh_database(directory):
    """(url, engine options) of a new, empty database; dropped afterwards on PostgreSQL."""
    if not ON_POSTGRES:
        yield f"sqlite:///{directory / 'audit.db'}", {}
        return
    schema = f"audit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield DATABASE_URL, {"connect_args": {"options": f"-csearch_path={schema} -clock_timeout=10000"}}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture()
def engine_options(tmp_path):
    with fresh_database(tmp_path) as url_and_options:
        yield url_and_options


@pytest.fixture()
def engine(flask_app, engine_options):
    url, options = engine_options
    eng = create_engine(url, **options)
    Model.metadata.create_all(eng, tables=[Model.metadata.tables[name] for name in TABLES])
    yield eng
    eng.dispose()


@pytest.fixture()
def session(engine):
    with Session(engine) as s:
        yield s
