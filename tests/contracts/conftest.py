"""FormStore adapters for the contract suite.

- sql on SQLite: always
- sql on PostgreSQL: when DATABASE_URL starts with postgresql (in a dedicated schema, dropped afterwards;
  other tests share that database, so nothing else is touched)
- mongodb on mongomock: always
- mongodb on a real server: when MONGODB_URI is set (a dedicated database, dropped afterwards)
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) does not put the repo root on sys.path
    sys.path.insert(0, str(ROOT))


def _params():
    params = [pytest.param("sql-sqlite", id="sql-sqlite"), pytest.param("mongo-mongomock", id="mongo-mongomock")]
    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        params.append(pytest.param("sql-postgresql", id="sql-postgresql", marks=pytest.mark.postgres))
    if os.environ.get("MONGODB_URI"):
        params.append(pytest.param("mongo-server", id="mongo-server"))
    return params


def _sqlite_store():
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from forms.store.sql import SqlFormStore

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    store = SqlFormStore(engine)
    store.create_schema()
    yield store
    engine.dispose()


def _postgres_store():
    from sqlalchemy import create_engine, text

    from forms.store.sql import SqlFormStore

    schema = f"forms_contract_{uuid.uuid4().hex[:12]}"
    base = create_engine(os.environ["DATABASE_URL"])
    with base.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = base.execution_options(schema_translate_map={None: schema})
    store = SqlFormStore(engine)
    store.create_schema()
    try:
        yield store
    finally:
        with base.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        base.dispose()


def _mongo_store(uri: str):
    from forms.store.mongo import MongoFormStore

    store = MongoFormStore(uri)
    store.create_schema()
    try:
        yield store
    finally:
        store.drop_all()


def _mongo_server_uri() -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(os.environ["MONGODB_URI"])
    return urlunsplit(parts._replace(path=f"/forms_contract_{uuid.uuid4().hex[:12]}"))


@pytest.fixture(params=_params())
def store(request):
    kind = request.param
    if kind == "sql-sqlite":
        factory = _sqlite_store()
    elif kind == "sql-postgresql":
        factory = _postgres_store()
    elif kind == "mongo-mongomock":
        factory = _mongo_store(f"mongomock://localhost/forms_contract_{uuid.uuid4().hex[:12]}")
    else:
        factory = _mongo_store(_mongo_server_uri())
    yield next(factory)
    next(factory, None)
