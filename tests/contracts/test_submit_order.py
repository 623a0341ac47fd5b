"""The order a submit follows when the form store cannot share the app's transaction (MongoDB; and
here every adapter on a database of its own): answers first, under the form's token, then the
record; a submit cut off between the two is finished or undone by the repair, once, and sending the
same form again never stores the answers twice. Runs on every adapter of conftest.py, against a
real MongoDB server too when MONGODB_URI is set."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from forms.store import DuplicateSubmission
from tests.contracts.test_form_store_contract import MORSE_HIGH, MORSE_LOW, T0, publish

KEY = "contract-token-0123456789abcdef"
LATER = dt.timedelta(hours=1)


def test_answers_are_stored_once_under_an_idempotency_key(store):
    publish(store)
    _, first = store.submit("morse_fall", MORSE_HIGH, resident_id=1, home_id=1, taken_at=T0, idempotency_key=KEY)
    with pytest.raises(DuplicateSubmission) as duplicate:
        store.submit("morse_fall", MORSE_LOW, resident_id=1, home_id=1, taken_at=T0, idempotency_key=KEY)
    assert duplicate.value.existing is not None and duplicate.value.existing.id == first.id
    assert duplicate.value.existing.total == first.total == 50
    assert store.find_submission(KEY).id == first.id
    assert store.find_submission("another-token-0123456789") is None
    assert store.count_submissions("morse_fall") == 1
    _, other = store.submit("morse_fall", MORSE_LOW, resident_id=1, home_id=1, taken_at=T0,
                            idempotency_key="another-token-0123456789")
    assert other.id != first.id and store.count_submissions("morse_fall") == 2


# ---- the app's submit on a store that cannot share its transaction ----------------------------


@pytest.fixture()
def app_store(app, db_session, store, monkeypatch):
    """This adapter as the app's form store (its own database: it cannot share the app's transaction)."""
    from app.extensions import db

    monkeypatch.setitem(app.extensions, "form_store", store)
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # band actions run inline
    assert not store.shares_transaction(db.session.connection())
    return store


@pytest.fixture()
def nurse(app_store, world):
    from app.extensions import db
    from app.security import CareUser

    return db.session.scalars(select(CareUser).where(CareUser.username == "nurse")).one()




def severe():
    from tests.integration.assessments.helpers import example

    return example("abbey_pain", name="14: lower edge of severe")["answers"]


def send(world, nurse, token: str = KEY):
    from app.assessments import services
    from app.extensions import db

    shown = services.definition("abbey_pain")
    db.session.commit()
    result, record = services.submit(world.resident_a, "abbey_pain", shown.version, shown.sha256, token, severe(),
                                     nurse)
    db.session.commit()
    return result, record


def record_of(token: str = KEY):
    from app.assessments.models import AssessmentRecord
    from app.extensions import db

    db.session.expire_all()
    return db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.token == token)).one_or_none()


def urgent_notes():
    from app.extensions import db
    from app.notifications.models import NotificationOutbox

    return list(db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "band_action",
                                                                    NotificationOutbox.channel == "in_app")))


def test_a_submit_writes_the_answers_then_completes_the_record(app_store, world, nurse):
    from app.assessments.models import RecordStatus

    result, record = send(world, nurse)
    assert result.ok
    record = record_of()
    assert record.status == RecordStatus.submitted and record.total == "14" and record.band == "severe_14_plus"
    assert record.submission_id == app_store.find_submission(KEY).id and record.taken_at is not None
    assert urgent_notes()  # severe pain: the nurse in charge hears about it


def test_a_submit_cut_off_after_the_answers_is_finished_by_the_repair_once(app_store, world, nurse, monkeypatch):
    from app.assessments import services
    from app.assessments.models import RecordStatus
    from app.extensions import db

    with monkeypatch.context() as patch:
        patch.setattr(services, "_finish", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("worker killed")))
        with pytest.raises(RuntimeError):
            send(world, nurse)
        db.session.rollback()
    stored = app_store.find_submission(KEY)
    assert stored is not None and stored.total == 14
    record = record_of()
    assert record.status == RecordStatus.draft and record.submission_id is None  # never "submitted" without answers
    assert services.repair_half_written_submissions() == {"finished": 0, "returned_to_draft": 0}  # may be in progress

    later = dt.datetime.now(dt.UTC) + LATER
    assert services.repair_half_written_submissions(now=later) == {"finished": 1, "returned_to_draft": 0}
    assert services.repair_half_written_submissions(now=later) == {"finished": 0, "returned_to_draft": 0}
    assert services.repair_record(record.id, app_store) is None  # a second repairer finds nothing to do
    record = record_of()
    assert record.status == RecordStatus.submitted and record.submission_id == stored.id
    taken = record.taken_at if record.taken_at.tzinfo else record.taken_at.replace(tzinfo=dt.UTC)
    assert record.total == "14" and record.band == "severe_14_plus" and taken == stored.taken_at
    assert record.band_label and record.band_label.startswith("Severe pain")
    assert urgent_notes()  # its band actions ran
    with pytest.raises(services.DuplicateSubmit):
        send(world, nurse)
    db.session.rollback()
    assert app_store.count_submissions("abbey_pain") == 1


def test_sending_the_form_again_finishes_from_the_answers_already_stored(app_store, world, nurse, monkeypatch):
    from app.assessments import services
    from app.assessments.models import RecordStatus
    from app.extensions import db

    with monkeypatch.context() as patch:
        patch.setattr(services, "_finish", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("worker killed")))
        with pytest.raises(RuntimeError):
            send(world, nurse)
        db.session.rollback()
    result, record = send(world, nurse)
    assert result.ok and record_of().status == RecordStatus.submitted
    assert record_of().submission_id == app_store.find_submission(KEY).id
    assert app_store.count_submissions("abbey_pain") == 1


def test_a_submit_cut_off_before_the_answers_is_returned_to_a_draft(app_store, world, nurse, monkeypatch):
    from app.assessments import services
    from app.assessments.models import RecordStatus
    from app.extensions import db

    with monkeypatch.context() as patch:
        patch.setattr(type(app_store), "_insert_submission",
                      lambda *a, **k: (_ for _ in ()).throw(ConnectionError("the store went away")))
        with pytest.raises(ConnectionError):
            send(world, nurse)
        db.session.rollback()
    assert app_store.find_submission(KEY) is None
    later = dt.datetime.now(dt.UTC) + LATER
    assert services.repair_half_written_submissions(now=later) == {"finished": 0, "returned_to_draft": 1}
    record = record_of()
    assert record.status == RecordStatus.draft and record.submitted_at is None
    assert record.answers == severe()  # what was typed is kept in the draft
    assert services.repair_half_written_submissions(now=later) == {"finished": 0, "returned_to_draft": 0}
    result, _ = send(world, nurse)
    assert result.ok and record_of().status == RecordStatus.submitted
    assert app_store.count_submissions("abbey_pain") == 1
