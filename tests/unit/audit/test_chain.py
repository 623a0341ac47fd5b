"""The hash chain: `flask audit verify` finds the first event changed, removed or inserted by hand."""

from __future__ import annotations

import datetime as dt
import threading

import flask
import pytest
from flask_babel import Babel
from sqlalchemy import exc, func, insert, select, text
from sqlalchemy.orm import Session

from app.audit import (
    GENESIS_HASH,
    PG_APPEND_ONLY_DROP_SQL,
    PG_APPEND_ONLY_SQL,
    AuditEvent,
    audit_cli,
    compute_hash,
    record_event,
    verify_chain,
)
from app.extensions import db
from app.homes.models import Organisation

from .conftest import ON_POSTGRES
from .helpers import make_home, make_unit, raw_events

TABLE = AuditEvent.__table__


@pytest.fixture()
def trail(session):
    """Seven events: three inserts, an update, a delete, two sign-ins."""
    home = make_home(session)
    unit = make_unit(session, home)
    session.commit()
    unit.name = "Nursing unit"
    session.commit()
    session.delete(unit)
    session.commit()
    for user_id in (1, 2):
        record_event("sign_in", "User", entity_id=user_id, actor_id=user_id, actor_name=f"u{user_id}",
                     session=session)
    session.commit()
    ids = [e["id"] for e in raw_events(session.get_bind())]
    assert len(ids) == 7
    return ids


def _execute(engine, sql, **params):
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _forge(engine, event_id, prev_hash):
    """A made-up event that hashes correctly over its own content."""
    forged = {
        "id": event_id, "occurred_at": dt.datetime.now(dt.UTC), "actor_id": None, "actor_name": "system",
        "home_id": None, "entity": "User", "entity_id": "1", "action": "sign_in", "changes": None,
        "request_id": None, "client_addr": None, "prev_hash": prev_hash,
    }
    forged["hash"] = compute_hash(forged)
    with engine.begin() as conn:
        conn.execute(insert(TABLE), forged)


def _skip_an_id(engine):
    if engine.dialect.name == "postgresql":
        _execute(engine, "SELECT nextval(pg_get_serial_sequence('audit_event', 'id'))")
    else:
        _execute(engine, "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'audit_event'")


def test_an_untouched_trail_verifies(session, trail):
    result = verify_chain(session, batch_size=2)  # several batches
    assert result.ok and bool(result)
    assert result.count == 7
    first = session.get(AuditEvent, trail[0])
    assert first.prev_hash == GENESIS_HASH
    hashes = [e.hash for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    prevs = [e.prev_hash for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert prevs[1:] == hashes[:-1]


def test_an_empty_trail_verifies(session):
    assert verify_chain(session) == verify_chain(session).__class__(True, 0)


def test_changes_edited_by_hand_are_reported_at_that_event(session, engine, trail):
    _execute(engine, "UPDATE audit_event SET changes = :c WHERE id = :id",
             c='{"name": {"old": "x", "new": "y"}}', id=trail[3])
    result = verify_chain(session)
    assert (result.ok, result.bad_id, result.problem) == (False, trail[3], "modified")
    assert "changed after it was written" in result.reason


def test_an_actor_edited_by_hand_is_reported(session, engine, trail):
    _execute(engine, "UPDATE audit_event SET actor_name = 'someone else' WHERE id = :id", id=trail[5])
    assert verify_chain(session).bad_id == trail[5]


def test_an_event_edited_and_rehashed_is_reported_at_the_next_event(session, engine, trail):
    with engine.connect() as conn:
        row = dict(conn.execute(select(TABLE).where(TABLE.c.id == trail[2])).one()._mapping)
    row["actor_name"] = "someone else"
    _execute(engine, "UPDATE audit_event SET actor_name = :n, hash = :h WHERE id = :id",
             n="someone else", h=compute_hash(row), id=trail[2])
    result = verify_chain(session)
    assert (result.bad_id, result.problem, result.prev_id) == (trail[3], "broken_link", trail[2])


def test_a_removed_event_is_reported_at_the_event_after_it(session, engine, trail):
    _execute(engine, "DELETE FROM audit_event WHERE id = :id", id=trail[3])
    result = verify_chain(session)
    assert (result.ok, result.bad_id, result.problem) == (False, trail[4], "broken_link")
    assert result.count == 3
    assert str(trail[2]) in result.reason


def test_removing_the_first_event_is_reported(session, engine, trail):
    _execute(engine, "DELETE FROM audit_event WHERE id = :id", id=trail[0])
    result = verify_chain(session)
    assert (result.bad_id, result.problem) == (trail[1], "first")


def test_a_forged_event_slipped_into_the_chain_is_reported_at_its_id(session, engine, trail):
    _skip_an_id(engine)
    record_event("sign_out", "User", entity_id=1, engine=engine)
    real = raw_events(engine)[-1]
    assert real["id"] == trail[-1] + 2
    _forge(engine, trail[-1] + 1, prev_hash=raw_events(engine)[-2]["hash"])

    result = verify_chain(session)
    assert (result.bad_id, result.problem) == (trail[-1] + 1, "inserted")


def test_a_forged_event_appended_out_of_chain_is_reported(session, engine, trail):
    _forge(engine, trail[-1] + 1, prev_hash=raw_events(engine)[2]["hash"])
    result = verify_chain(session)
    assert (result.bad_id, result.problem) == (trail[-1] + 1, "broken_link")


def test_writers_in_parallel_keep_one_chain(engine, session):
    errors = []

    def writer(n):
        try:
            for i in range(8):
                with Session(engine) as s:
                    s.add(Organisation(name=f"Group {n}-{i}"))
                    s.commit()
                record_event("sign_in", "User", entity_id=n, engine=engine)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = verify_chain(session)
    assert (result.ok, result.count) == (True, 64)


# ---------------------------------------------------------------------------------------------
# Through the app's db and the CLI


@pytest.fixture()
def cli_app(engine_options, engine):
    url, options = engine_options
    application = flask.Flask("audit_cli_test")
    application.config.update(
        FIELD_ENCRYPTION_KEYS=flask.current_app.config["FIELD_ENCRYPTION_KEYS"],
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
    )
    Babel(application)
    db.init_app(application)
    application.cli.add_command(audit_cli)
    with application.app_context():  # the CLI runs in the app context it finds
        yield application
        db.session.remove()
        db.engine.dispose()


def test_cli_verify_exits_0_when_intact_and_1_naming_the_event_when_broken(cli_app, engine, trail):
    runner = cli_app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == "Audit trail intact: 7 events"

    _execute(engine, "UPDATE audit_event SET home_id = 99 WHERE id = :id", id=trail[1])
    broken = runner.invoke(args=["audit", "verify", "--batch-size", "3"])
    assert broken.exit_code == 1
    assert broken.output.startswith(f"Audit trail broken at event {trail[1]}: ")


def test_own_transaction_event_uses_the_app_engine_and_survives_rollback(cli_app, engine):
    with cli_app.app_context():
        db.session.execute(select(func.count()).select_from(TABLE))  # a read transaction is open
        event_id = record_event("permission_denied", "CareHomeView", changes={"path": "/carehome/list/"})
        db.session.rollback()
    assert [e["id"] for e in raw_events(engine)] == [event_id]


def test_event_written_while_the_app_session_holds_the_writers_lock_does_not_wait_on_itself(cli_app, engine):
    with cli_app.app_context():
        db.session.add(Organisation(name="Unsaved Group"))
        db.session.flush()  # its audit event holds the writers' lock until commit
        event_id = record_event("permission_denied", "UnitView")
        db.session.commit()
        assert verify_chain(db.session).ok
    assert [e["action"] for e in raw_events(engine)] == ["insert", "permission_denied"]
    assert raw_events(engine)[-1]["id"] == event_id


# ---------------------------------------------------------------------------------------------
# PostgreSQL refuses to change or remove an event


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger is PostgreSQL's")
def test_postgres_trigger_refuses_update_delete_and_truncate(engine, trail):
    _execute(engine, PG_APPEND_ONLY_SQL)
    for sql in (
        "UPDATE audit_event SET actor_name = 'x'",
        "DELETE FROM audit_event WHERE id = %d" % trail[0],
        "TRUNCATE audit_event",
    ):
        with pytest.raises(exc.DBAPIError, match="append-only"):
            _execute(engine, sql)
    record_event("sign_out", "User", entity_id=1, engine=engine)  # appending still works
    assert len(raw_events(engine)) == 8

    _execute(engine, PG_APPEND_ONLY_DROP_SQL)
    _execute(engine, "UPDATE audit_event SET actor_name = 'x' WHERE id = %d" % trail[0])
