"""An assessment submit whose PostgreSQL connections are cut between its steps (as a crashed
server or a dying worker would) leaves either a complete record or none, never one "submitted"
without its answers; sending the same form again saves it once."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import DBAPIError

from forms.store.sql import SqlFormStore

APP_DB = "wcn_faults"  # fault_app's database


def severe() -> dict:
    from tests.integration.assessments.helpers import example

    return example("abbey_pain", name="14: lower edge of severe")["answers"]


def fresh_pool() -> None:
    """Forget the cut connections (what pool_pre_ping does for a running app)."""
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()


def send(token: str):
    from app.assessments import services
    from app.extensions import db
    from app.security import CareUser
    from tests.factories import World

    world = World()
    nurse = db.session.scalars(select(CareUser).where(CareUser.username == "nurse")).one()
    shown = services.definition("abbey_pain")
    db.session.commit()
    result, record = services.submit(world.resident_a, "abbey_pain", shown.version, shown.sha256, token, severe(),
                                     nurse)
    db.session.commit()
    return result, record


def state(token: str):
    from app.assessments.models import AssessmentRecord
    from app.extensions import db
    from app.forms_store import get_store

    db.session.expire_all()
    record = db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.token == token)).one_or_none()
    return record, get_store().find_submission(token)


def cut_then(pg_server, original):
    def step(*args, **kwargs):
        pg_server.terminate_connections(APP_DB)
        return original(*args, **kwargs)

    return step


def assert_whole_or_none(token: str) -> None:
    from app.assessments.models import RecordStatus

    record, submission = state(token)
    if record is not None and record.status != RecordStatus.draft:
        assert submission is not None and record.submission_id == submission.id and record.taken_at is not None
        assert record.total == "14"


def test_a_connection_cut_before_the_answers_are_written_saves_nothing(fault_app, pg_server, monkeypatch):
    token = f"fault-{uuid.uuid4().hex}"
    with fault_app.app_context():
        with monkeypatch.context() as patch:
            patch.setattr(SqlFormStore, "_insert_submission",
                          cut_then(pg_server, SqlFormStore._insert_submission))
            with pytest.raises(DBAPIError):
                send(token)
        fresh_pool()
        assert_whole_or_none(token)
        assert state(token) == (None, None)  # one transaction: neither the record nor its answers

        result, _ = send(token)
        record, submission = state(token)
        assert result.ok and record.submission_id == submission.id and record.total == "14"
        fresh_pool()


def test_a_connection_cut_after_the_answers_are_written_saves_nothing(fault_app, pg_server, monkeypatch):
    from app.assessments import services

    token = f"fault-{uuid.uuid4().hex}"
    with fault_app.app_context():
        with monkeypatch.context() as patch:
            patch.setattr(services, "_finish", cut_then(pg_server, services._finish))
            with pytest.raises(DBAPIError):
                send(token)
        fresh_pool()
        assert_whole_or_none(token)
        assert state(token) == (None, None)  # the answers went with the transaction they were written in

        send(token)
        record, submission = state(token)
        assert record.submission_id == submission.id
        fresh_pool()


def test_a_store_that_cannot_share_the_transaction_is_finished_by_the_repair(fault_app, pg_server, monkeypatch):
    """Answers on a database of their own (as with MongoDB): cut after they are written, the record
    is a draft, never "submitted" without answers, and the repair completes it."""
    from app.assessments import services
    from app.assessments.models import RecordStatus

    token = f"fault-{uuid.uuid4().hex}"
    forms_engine = create_engine(pg_server.create_database("wcn_faults_forms"))
    store = SqlFormStore(forms_engine)
    store.create_schema()
    try:
        with fault_app.app_context():
            monkeypatch.setitem(fault_app.extensions, "form_store", store)
            with monkeypatch.context() as patch:
                patch.setattr(services, "_finish", cut_then(pg_server, services._finish))
                with pytest.raises(DBAPIError):
                    send(token)
            fresh_pool()
            record, submission = state(token)
            assert submission is not None and submission.total == 14
            assert record.status == RecordStatus.draft and record.submission_id is None

            later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            assert services.repair_half_written_submissions(now=later)["finished"] >= 1
            record, submission = state(token)
            assert record.status == RecordStatus.submitted and record.submission_id == submission.id
            assert_whole_or_none(token)
            assert services.repair_record(record.id, store) is None
            fresh_pool()
    finally:
        forms_engine.dispose()


def test_two_repairs_at_once_finish_a_cut_off_submit_once(fault_app, pg_server, monkeypatch):
    """The start-up repair and the sweeper (or two workers) at the same moment: one finishes the
    record, the other finds nothing to do; its band actions are queued once."""
    from app.assessments import services
    from app.extensions import db
    from app.jobs import Job

    token = f"fault-{uuid.uuid4().hex}"
    forms_engine = create_engine(pg_server.create_database("wcn_faults_forms_race"))
    store = SqlFormStore(forms_engine)
    store.create_schema()
    try:
        with fault_app.app_context():
            monkeypatch.setitem(fault_app.extensions, "form_store", store)
            with monkeypatch.context() as patch:
                patch.setattr(services, "_finish", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed")))
                with pytest.raises(RuntimeError):
                    send(token)
                db.session.rollback()
            record, _ = state(token)
            record_id = record.id

        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        start = threading.Barrier(2, timeout=30)
        outcomes: list = []

        def repair() -> None:
            with fault_app.app_context():
                start.wait()
                outcomes.append(services.repair_half_written_submissions(now=later))
                db.session.remove()

        workers = [threading.Thread(target=repair) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert len(outcomes) == 2, "a repair did not finish"
        assert sum(o["finished"] for o in outcomes) == 1 and sum(o["returned_to_draft"] for o in outcomes) == 0
        with fault_app.app_context():
            record, submission = state(token)
            assert record.submission_id == submission.id
            assert db.session.scalar(select(func.count()).select_from(Job).where(
                Job.key == f"band-actions:{record_id}")) == 1
            db.session.remove()
    finally:
        forms_engine.dispose()
