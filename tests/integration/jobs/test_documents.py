"""Printing an assessment as a user would: ask on the Documents and jobs page, watch the job,
download the PDF; refused for another home, a voided record, or someone else's job."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from app import jobs
from app.documents.jobs import render_assessment_pdf
from app.extensions import db
from app.jobs import Job
from tests.integration.jobs.conftest import user
from tests.unit.reports.definitions import TYPED, WELSH_NAME


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def jobs_of(username):
    return list(db.session.scalars(select(Job).where(Job.user_id == user(username).id)))


def test_manager_prints_an_assessment_inline_and_downloads_it(inline, auth, client, world, submit):
    submission = submit(world.home_a, note=f"Visited by {WELSH_NAME}. {TYPED}")
    manager = user("manager")
    manager.first_name, manager.last_name = "Dafydd", "ap Gwŷn"
    db.session.commit()
    auth.login("manager")
    page = client.get("/documents/")
    assert page.status_code == 200
    assert submission.id in page.get_data(as_text=True)  # offered for printing
    response = client.post(f"/documents/assessment/{submission.id}")
    assert response.status_code == 302
    [job] = jobs_of("manager")
    assert job.status == "finished" and job.progress == 100 and job.attempts == 1
    assert job.home_id == world.home_a.id and job.error is None
    listing = client.get("/documents/").get_data(as_text=True)
    assert "Ready" in listing and f"/documents/file/{job.id}" in listing
    download = client.get(f"/documents/file/{job.id}")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]  # never kept by a browser or proxy
    text = pdf_text(download.data)
    assert "Alder House" in text and "Wellbeing check" in text
    assert f"Visited by {WELSH_NAME}." in text
    for word in TYPED.split(" · "):
        assert word in text, word
    assert "by Dafydd ap Gwŷn (manager)" in text and "Page 1 of 1" in text
    assert f"SHA-256 {submission.sha256}" in text
    status = client.get("/documents/status.json").get_json()["jobs"]
    assert status == [{"id": job.id, "status": "finished", "progress": 100, "error": None,
                       "description": job.description, "retrying": False, "attempts": 1, "file_missing": False,
                       "download": f"/documents/file/{job.id}"}]
    # the audit trail shows who asked for it
    from app.audit import AuditEvent

    asked = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "Job")).all()
    assert [e.actor_name for e in asked if e.action == "insert"] == ["manager"]


def test_same_document_asked_twice_is_queued_once(app, auth, client, world, submit, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/15")  # nothing listens: stays queued
    submission = submit(world.home_a)
    auth.login("manager")
    client.post(f"/documents/assessment/{submission.id}")
    client.post(f"/documents/assessment/{submission.id}")
    [job] = jobs_of("manager")
    assert job.status == "queued" and job.enqueued_at is None
    assert "Waiting" in client.get("/documents/").get_data(as_text=True)


def test_another_homes_assessment_is_refused_at_the_door_and_in_the_job(inline, auth, client, world, submit):
    other = submit(world.home_b)
    auth.login("manager")
    assert client.post(f"/documents/assessment/{other.id}").status_code == 404
    assert client.post("/documents/assessment/not-an-id").status_code == 404
    assert jobs_of("manager") == []
    # a job asked for some other way still refuses it, with a reason and no file
    jobs.enqueue(render_assessment_pdf, other.id, user("manager").id, user_id=user("manager").id,
                 description="Assessment PDF")
    db.session.commit()
    [job] = jobs_of("manager")
    assert job.status == "failed" and job.result_path is None
    assert job.error == "This assessment belongs to a home you do not work in."
    assert "Traceback" not in client.get("/documents/").get_data(as_text=True)


def test_voided_assessment_is_refused(inline, auth, client, world, submit, store):
    submission = submit(world.home_a)
    store.void_submission(submission.id, reason="Entered for the wrong resident", by="nurse")
    auth.login("manager")
    response = client.post(f"/documents/assessment/{submission.id}", follow_redirects=True)
    assert "This assessment was voided, so it cannot be printed." in response.get_data(as_text=True)
    assert jobs_of("manager") == []


def test_job_whose_input_vanished_fails_with_a_clear_reason_and_can_be_retried(inline, auth, client, world):
    manager = user("manager")
    jobs.enqueue(render_assessment_pdf, "0" * 32, manager.id, user_id=manager.id, description="Assessment PDF")
    db.session.commit()
    [job] = jobs_of("manager")
    assert job.status == "failed"
    assert job.error == "This assessment no longer exists, so it cannot be printed."
    auth.login("manager")
    page = client.get("/documents/").get_data(as_text=True)
    assert "This assessment no longer exists" in page and f"/documents/retry/{job.id}" in page
    assert client.post(f"/documents/retry/{job.id}").status_code == 302
    db.session.refresh(job)
    assert job.status == "failed" and job.attempts == 2  # tried again; the reason still holds
    # failure notification for the person who asked
    from app.notifications.services import inbox

    assert any(n.subject.startswith("Failed: Assessment PDF") for n in inbox(manager.id))


def test_downloads_and_retries_are_only_for_the_person_who_asked(inline, auth, client, world, submit):
    submission = submit(world.home_a)
    auth.login("manager.ab")
    client.post(f"/documents/assessment/{submission.id}")
    [job] = jobs_of("manager.ab")
    assert job.status == "finished"
    auth.logout()
    auth.login("manager")  # same home, not the owner
    assert client.get(f"/documents/file/{job.id}").status_code == 404
    assert client.post(f"/documents/retry/{job.id}").status_code == 404
    assert client.get("/documents/file/..%2F..%2Fetc%2Fpasswd").status_code == 404
    auth.logout()
    # the owner loses access to the home: the file is no longer theirs to download
    owner = user("manager.ab")
    owner.homes = [world.home_b]
    db.session.commit()
    auth.login("manager.ab")
    assert client.get(f"/documents/file/{job.id}").status_code == 404


def test_who_may_print(inline, auth, client, world, submit):
    submission = submit(world.home_a)
    auth.login("carer")
    assert client.get("/documents/").status_code in (302, 403)
    assert client.post(f"/documents/assessment/{submission.id}").status_code in (302, 403)
    auth.logout()
    auth.login("office")  # may see the page, may not ask for clinical documents
    assert client.get("/documents/").status_code == 200
    assert client.post(f"/documents/assessment/{submission.id}").status_code in (302, 403)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    auth.logout()
    auth.login("nurse")
    assert client.post(f"/documents/assessment/{submission.id}").status_code == 302
    assert [j.status for j in jobs_of("nurse")] == ["finished"]


def test_rollback_discards_the_job(inline, world, db_session):
    manager = user("manager")
    jobs.enqueue(render_assessment_pdf, "0" * 32, manager.id, user_id=manager.id)
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_job_arguments_must_be_plain_values(inline, world):
    import pytest

    with pytest.raises(TypeError):
        jobs.enqueue(render_assessment_pdf, world.home_a, 1)


def test_old_files_are_removed_and_the_page_says_so(inline, auth, client, world, submit, files_dir):
    import datetime as dt

    submission = submit(world.home_a)
    auth.login("manager")
    client.post(f"/documents/assessment/{submission.id}")
    [job] = jobs_of("manager")
    path = jobs.result_file(job)
    assert path is not None and path.is_file()
    assert jobs.purge_old_results(client.application) == 0  # fresh: kept
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert jobs.purge_old_results(client.application, now=later) == 1
    assert not path.exists()
    db.session.commit()
    db.session.refresh(job)
    assert job.result_path is None and job.status == "finished"
    page = client.get(f"/documents/file/{job.id}")
    assert page.status_code == 410 and "This document is no longer available." in page.get_data(as_text=True)
    listing = client.get("/documents/").get_data(as_text=True)
    assert "The file was removed after 30 days." in listing and f"/documents/remake/{job.id}" in listing


def test_a_file_missing_from_the_files_folder_is_offered_to_be_made_again(inline, auth, client, world, submit):
    submission = submit(world.home_a)
    auth.login("manager")
    client.post(f"/documents/assessment/{submission.id}")
    [job] = jobs_of("manager")
    jobs.result_file(job).unlink()  # lost with a disk, or removed by hand
    listing = client.get("/documents/").get_data(as_text=True)
    assert "No longer available" in listing and "This file is no longer in the files folder." in listing
    assert f"/documents/file/{job.id}" not in listing  # no dead download link
    assert f"/documents/remake/{job.id}" in listing
    page = client.get(f"/documents/file/{job.id}")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "This document is no longer available." in text and f"/documents/remake/{job.id}" in text
    assert client.get("/documents/status.json").get_json()["jobs"][0]["download"] is None
    assert client.post(f"/documents/remake/{job.id}").status_code == 302  # made again (inline here)
    db.session.refresh(job)
    assert job.status == "finished" and jobs.result_file(job) is not None
    download = client.get(f"/documents/file/{job.id}")
    assert download.status_code == 200 and "Alder House" in pdf_text(download.data)
    # only a finished document can be made again, and only by the person who asked
    auth.logout()
    auth.login("nurse")
    assert client.post(f"/documents/remake/{job.id}").status_code == 404


def test_a_job_waiting_to_be_tried_again_says_so(inline, auth, client, world):
    manager = user("manager")
    job = jobs.enqueue(render_assessment_pdf, "0" * 32, manager.id, user_id=manager.id, description="Assessment PDF")
    db.session.commit()
    job.status, job.attempts, job.error = "queued", 1, "The worker stopped while running this job. (trying again)"
    job.active_key = job.key
    db.session.commit()
    auth.login("manager")
    listing = client.get("/documents/").get_data(as_text=True)
    assert "Trying again" in listing and "Failed, try again" not in listing
    assert client.get("/documents/status.json").get_json()["jobs"][0]["retrying"] is True
