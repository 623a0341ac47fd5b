"""A submitted assessment is saved whole or not at all: with the SQL form store the record and its
answers share one transaction; a record left half written (as the old code could leave it when a
request died between its steps) breaks no page and no daily job, is finished or returned to a
draft by the repair, and its form can be sent again."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.assessments import services
from app.assessments.models import AssessmentRecord, RecordStatus
from app.assessments.services import repair_half_written_submissions
from app.extensions import db
from app.forms_store import get_store
from app.notifications.jobs import send_daily_reminders
from app.notifications.models import NotificationOutbox
from app.security import CareUser
from forms.store.sql import SqlFormStore
from tests.integration.assessments.helpers import example, open_form, post_form

TOKEN = "half-written-0123456789abcdef"
SEVERE = example("abbey_pain", name="14: lower edge of severe")["answers"]
LATER = dt.timedelta(hours=1)  # the repair leaves alone what may still be in progress


def user(username: str) -> CareUser:
    return db.session.scalars(select(CareUser).where(CareUser.username == username)).one()


def mine(resident_id: int, key: str = "abbey_pain") -> list[AssessmentRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(AssessmentRecord).where(
        AssessmentRecord.resident_id == resident_id, AssessmentRecord.form_key == key,
        AssessmentRecord.token.not_like("seed-%")).order_by(AssessmentRecord.id)))


def urgent_notes(username: str) -> list[NotificationOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.user_id == user(username).id, NotificationOutbox.kind == "band_action",
        NotificationOutbox.channel == "in_app")))


def half_written(world, token: str = TOKEN, answers: dict | None = None, age: dt.timedelta = LATER):
    """What the old submit left when its request died after claiming the record: "submitted", with
    no answers in the form store, no total, band or time."""
    shown = services.definition("abbey_pain")
    record = AssessmentRecord(
        home_id=world.home_a.id, resident_id=world.resident_a.id, form_key="abbey_pain", version=shown.version,
        sha256=shown.sha256, token=token, status=RecordStatus.submitted, answers=answers or {},
        created_at=dt.datetime.now(dt.UTC) - age, created_by_id=user("nurse").id,
    )
    db.session.add(record)
    db.session.commit()
    return record


def dying_insert(self, record, *args, **kwargs):
    raise OperationalError("INSERT INTO form_submissions", {}, Exception("server closed the connection"))


def test_a_store_write_that_dies_leaves_no_submitted_record_and_sending_again_saves_once(world, inline, monkeypatch):
    shown = services.definition("abbey_pain")
    db.session.commit()
    nurse = user("nurse")
    with monkeypatch.context() as patch:
        patch.setattr(SqlFormStore, "_insert_submission", dying_insert)
        with pytest.raises(OperationalError):
            services.submit(world.resident_a, "abbey_pain", shown.version, shown.sha256, TOKEN, SEVERE, nurse)
        db.session.rollback()
    assert [r for r in mine(world.resident_a.id) if r.status != RecordStatus.draft] == []
    assert get_store().list_submissions(resident_id=world.resident_a.id, form_key="abbey_pain") == []

    result, record = services.submit(world.resident_a, "abbey_pain", shown.version, shown.sha256, TOKEN, SEVERE,
                                     nurse)
    db.session.commit()
    assert result.ok
    [record] = mine(world.resident_a.id)
    assert record.status == RecordStatus.submitted and record.total == "14" and record.band == "severe_14_plus"
    assert record.taken_at is not None and record.submission_id
    [submission] = get_store().list_submissions(resident_id=world.resident_a.id, form_key="abbey_pain")
    assert submission.id == record.submission_id and submission.total == 14
    [note] = urgent_notes("nurse")  # severe pain: the nurse in charge hears about it
    assert "urgent" in note.subject and note.home_id == world.home_a.id
    with pytest.raises(services.DuplicateSubmit):
        services.submit(world.resident_a, "abbey_pain", shown.version, shown.sha256, TOKEN, SEVERE, nurse)
    db.session.rollback()
    assert len(mine(world.resident_a.id)) == 1


def test_a_half_written_record_breaks_no_page_and_no_daily_job(client, auth, world, inline, caplog):
    record = half_written(world)
    caplog.set_level(logging.WARNING)
    auth.login("nurse")
    rid = world.resident_a.id
    for url in (f"/residents/{rid}/", f"/assessments/resident/{rid}/", "/assessments/due/",
                f"/assessments/resident/{rid}/history/abbey_pain"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    tab = client.get(f"/assessments/resident/{rid}/").get_data(as_text=True)
    assert "Incomplete record, reported" in tab
    assert "Incomplete record, reported" in client.get("/assessments/due/").get_data(as_text=True)
    assert f"assessment record {record.id}" in caplog.text
    opened = client.get(f"/assessments/record/{record.id}/")
    assert opened.status_code == 302  # not a 404: back to the resident's assessments, with a message
    assert opened.headers["Location"].endswith(f"/assessments/resident/{rid}/")

    caplog.clear()
    send_daily_reminders(dt.date.today().isoformat())  # every home's reminders still go out
    db.session.commit()
    assert f"assessment record {record.id}" in caplog.text


def test_sending_again_the_form_of_a_half_written_record_saves_it_and_runs_its_band_actions(
        client, auth, world, inline):
    record = half_written(world, age=dt.timedelta(0))
    auth.login("nurse")
    _, shown = open_form(client, world.resident_a.id, "abbey_pain")
    shown["_token"] = TOKEN  # the same form, sent again
    response = post_form(client, world.resident_a.id, "abbey_pain", SEVERE, shown)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/record/{record.id}/")
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "already saved" not in text and '<span class="assessment-total">14</span>' in text
    [saved] = mine(world.resident_a.id)
    assert saved.id == record.id and saved.status == RecordStatus.submitted and saved.band == "severe_14_plus"
    assert len(get_store().list_submissions(resident_id=world.resident_a.id, form_key="abbey_pain")) == 1
    [note] = urgent_notes("nurse")
    assert "urgent" in note.subject


def test_the_repair_returns_a_half_written_record_to_a_draft_once_and_it_can_be_submitted(
        client, auth, world, inline, caplog):
    answers = {"vocalisation": SEVERE["vocalisation"]}
    record = half_written(world, answers=answers)
    recent = half_written(world, token="still-in-progress-0123456789", age=dt.timedelta(0))
    caplog.set_level(logging.WARNING)
    assert repair_half_written_submissions() == {"finished": 0, "returned_to_draft": 1}
    assert f"assessment record {record.id}" in caplog.text
    assert repair_half_written_submissions() == {"finished": 0, "returned_to_draft": 0}  # idempotent
    db.session.expire_all()
    repaired = db.session.get(AssessmentRecord, record.id)
    assert repaired.status == RecordStatus.draft and repaired.submission_id is None
    assert repaired.answers == answers  # what was typed is kept
    assert db.session.get(AssessmentRecord, recent.id).status == RecordStatus.submitted  # too recent to touch

    auth.login("nurse")
    page, shown = open_form(client, world.resident_a.id, "abbey_pain", draft=record.id)
    assert shown["_token"] == TOKEN
    response = post_form(client, world.resident_a.id, "abbey_pain", SEVERE, shown)
    assert response.headers["Location"].endswith(f"/assessments/record/{record.id}/")
    assert client.get(response.headers["Location"]).status_code == 200


def test_flask_setup_repairs_half_written_records(runner, world, inline):
    record = half_written(world)
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(AssessmentRecord, record.id).status == RecordStatus.draft


def test_the_assessment_jobs_import_the_services_and_not_the_reverse():
    import ast
    from pathlib import Path

    import app.assessments.services as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "app.assessments.jobs" not in imported


def test_the_sweeper_repairs_half_written_records(world, rq):
    from app.jobs.schedule import sweep

    record = half_written(world)
    sweep(rq)
    db.session.expire_all()
    assert db.session.get(AssessmentRecord, record.id).status == RecordStatus.draft
