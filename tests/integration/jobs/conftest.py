"""Fixtures for the job, document and notification tests.

`inline` runs jobs in the request (no REDIS_URL). `rq` uses the real Redis named by
TEST_REDIS_URL (database 15 in CI), flushing only that database before and after each test, and
`drain()` empties the queue with a burst worker in this process (no sleep)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.unit.reports.definitions import answers, publish

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture()
def files_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FILES_DIR", str(tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture()
def inline(app, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    return app


def _flush(url: str) -> None:
    from redis import Redis

    Redis.from_url(url).flushdb()


@pytest.fixture()
def rq(app, files_dir, monkeypatch):
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: no Redis to run the real queue against (CI sets it)")
    monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "JOB_RETRIES", 2)
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [0])  # retry at once: a burst worker sees it
    _flush(TEST_REDIS_URL)
    yield app
    _flush(TEST_REDIS_URL)


@pytest.fixture()
def drain(app):
    """Run every queued job with a burst worker in this process; returns whether any ran."""

    def run() -> bool:
        from rq import SimpleWorker

        from app.extensions import db
        from app.jobs import QUEUE_NAME, redis_connection

        connection = redis_connection(app)
        if connection is None:
            return False
        db.session.commit()  # the worker sees what the test wrote
        worked = SimpleWorker([QUEUE_NAME], connection=connection).work(burst=True, logging_level="WARNING")
        db.session.commit()  # and the test's next reads see what the jobs wrote
        return worked

    return run


def _end_read(db) -> None:
    """The form store writes on its own connections; on SQLite (WAL) a session whose read began
    before such a write cannot then write itself, so the test's session starts afresh."""
    db.session.commit()


@pytest.fixture()
def store(app, db_session):
    from app.extensions import db
    from app.forms_store import get_store

    store = get_store()
    publish(store)
    _end_read(db)
    return store


@pytest.fixture()
def submit(store):
    """submit(home, mood=..., note=..., resident_id=..., days_ago=...) -> stored submission."""
    from app.extensions import db

    def make(home, mood="low", note=None, resident_id=911, days_ago=0, form="wellbeing_check", values=None):
        taken = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
        given = values if values is not None else (answers(mood=mood) if note is None else answers(note, mood))
        result, submission = store.submit(form, given, resident_id=resident_id, home_id=home.id,
                                          submitted_by="nurse", taken_at=taken)
        assert submission is not None, result.errors
        _end_read(db)
        return submission

    return make


def user(username):
    from sqlalchemy import select

    from app.extensions import db
    from app.security import CareUser

    return db.session.scalars(select(CareUser).where(CareUser.username == username)).one()
