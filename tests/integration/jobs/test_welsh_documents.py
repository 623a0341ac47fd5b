"""A Welsh reader's documents are printed in Welsh: the language of the person who asks is stored with
the job, and the PDF carries the form's Welsh title, the band's Welsh words and Welsh month names.
A job queued before the language was stored (no language argument) still prints, in English."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from sqlalchemy import select

from app.audit import acting_as
from app.careplans import services
from app.extensions import db
from app.jobs import Job
from tests.integration.jobs.conftest import user
from tests.integration.jobs.test_documents import pdf_text

MUST_CY = "Offeryn Sgrinio Diffyg Maeth Cyffredinol ('MUST')"


def welsh_month(day: dt.date) -> str:
    """How a Welsh document writes a date: 12 Tach 2026."""
    return format_date(day, "dd MMM y", locale="cy")


def english(day: dt.date) -> str:
    return day.strftime("%d %b %Y")


def last_job(username) -> Job:
    db.session.expire_all()
    jobs = list(db.session.scalars(select(Job).where(Job.user_id == user(username).id).order_by(Job.created_at)))
    assert jobs
    return jobs[-1]


def test_a_welsh_reader_prints_an_assessment_with_its_welsh_title_band_and_month(inline, auth, client, world, submit):
    from app.documents.jobs import render_assessment_pdf

    submission = submit(world.home_a)
    auth.login("manager")
    client.get("/lang/cy")
    assert client.post(f"/documents/assessment/{submission.id}").status_code == 302
    job = last_job("manager")
    assert job.status == "finished", job.error
    assert job.args[-1] == "cy"  # the language is stored with the job, for a worker to print in
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    taken = submission.taken_at.date()
    assert "Wellbeing check (cy)" in text and "Concern (cy)" in text
    assert welsh_month(taken) in text
    assert english(taken) not in text or welsh_month(taken) == english(taken)
    # a job queued before languages were stored (two arguments) still runs, in English
    from app import jobs

    old_job = jobs.enqueue(render_assessment_pdf, submission.id, user("manager").id,
                           user_id=user("manager").id, home_id=world.home_a.id)
    db.session.commit()
    db.session.expire_all()
    old_job = db.session.get(Job, old_job.id)
    assert old_job.args == [submission.id, user("manager").id] and old_job.status == "finished", old_job.error
    old = pdf_text(client.get(f"/documents/file/{old_job.id}").data)
    assert "Wellbeing check" in old and "Wellbeing check (cy)" not in old and english(taken) in old


def test_a_welsh_reader_prints_a_transfer_summary_with_welsh_form_titles_and_months(inline, auth, client, world,
                                                                                      submit):
    resident = world.resident_a
    submit(world.home_a, mood="low", resident_id=resident.id)
    auth.login("nurse")
    client.get("/lang/cy")
    assert client.post("/documents/transfer-summary", data={"resident_id": resident.id}).status_code == 302
    job = last_job("nurse")
    assert job.status == "finished", job.error
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    assert "Wellbeing check (cy): total 2 Concern (cy)" in text, text
    assert welsh_month(dt.datetime.now(dt.UTC).date()) in text  # when the assessment was taken, in Welsh
    client.get("/lang/en")
    assert client.post("/documents/transfer-summary", data={"resident_id": resident.id}).status_code == 302
    english_text = pdf_text(client.get(f"/documents/file/{last_job('nurse').id}").data)
    assert "Wellbeing check: total 2 Concern" in english_text


def test_a_welsh_reader_prints_a_care_plan_with_the_welsh_must_title_band_and_months(inline, auth, client, world):
    from app.assessments.models import AssessmentRecord, RecordStatus

    resident = world.resident_a
    with acting_as(None, "test"):
        db.session.add(AssessmentRecord(
            home_id=resident.home_id, resident_id=resident.id, form_key="must", version=1, sha256="0" * 64,
            token="pdf-welsh", answers={}, status=RecordStatus.submitted, submission_id="pdfwelsh",
            total="2", band="high", band_label="High risk (2 or more)",
            taken_at=dt.datetime(2026, 11, 12, 10, tzinfo=dt.UTC)))
        plan = services.create_care_plan(resident.id, "standard", None, None, title="Care plan")
        db.session.commit()
    auth.login("nurse")
    client.get("/lang/cy")
    assert client.post(f"/careplans/plan/{plan.id}/print").status_code == 302
    job = last_job("nurse")
    assert job.status == "finished", job.error
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    assert f"{MUST_CY}: 2, Risg uchel (2 neu fwy) (12 Tach 2026)" in text, text
    assert f"{plan.next_review_on.day:02d} " + format_date(plan.next_review_on, "MMM y", locale="cy") in text


def test_a_worker_prints_in_the_language_stored_with_the_job(rq, auth, client, world, submit, drain):
    submission = submit(world.home_a)
    auth.login("manager")
    client.get("/lang/cy")
    client.post(f"/documents/assessment/{submission.id}")
    job = last_job("manager")
    assert job.status == "queued" and job.args[-1] == "cy"
    assert drain() is True
    job = last_job("manager")
    assert job.status == "finished", job.error
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    assert "Wellbeing check (cy)" in text and welsh_month(submission.taken_at.date()) in text


def test_asked_in_english_then_in_welsh_while_waiting_makes_two_documents(app, auth, client, world, submit,
                                                                          files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/15")  # nothing listens: stays queued
    submission = submit(world.home_a)
    auth.login("manager")
    client.post(f"/documents/assessment/{submission.id}")
    client.post(f"/documents/assessment/{submission.id}")  # the same again: still one
    client.get("/lang/cy")
    client.post(f"/documents/assessment/{submission.id}")
    db.session.expire_all()
    jobs = db.session.scalars(select(Job).where(Job.user_id == user("manager").id)).all()
    assert sorted(job.args[-1] for job in jobs) == ["cy", "en-GB"]
