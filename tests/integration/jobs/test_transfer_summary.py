"""A nurse prints a resident's hospital transfer summary from the Documents and jobs page; another
home's or a voided resident is refused; expiring authorisations reach the right people daily."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.audit import acting_as
from app.extensions import db
from app.jobs import Job
from app.notifications.jobs import send_daily_reminders
from app.notifications.services import inbox
from app.residents.models import LegalKind, LegalRecord, LegalStatus
from tests.integration.jobs.conftest import user
from tests.integration.jobs.test_documents import pdf_text


def test_nurse_prints_the_transfer_summary_of_a_resident(inline, auth, client, world, submit):
    resident = world.resident_a
    with acting_as(None, "test"):
        resident.first_name, resident.last_name, resident.preferred_name = "Siân", "Ŵyn-Gwŷn", "Sia"
        resident.allergies = "Penicillin — anaphylaxis"
        resident.communication_needs = "Cymraeg yn gyntaf (Welsh first); hearing aid left ear"
        db.session.add(LegalRecord(home_id=resident.home_id, resident_id=resident.id, kind=LegalKind.dols,
                                   status=LegalStatus.in_force, authorised_on=dt.date.today() - dt.timedelta(days=300),
                                   expires_on=dt.date.today() + dt.timedelta(days=20), supervisory_body="Cyngor"))
        db.session.commit()
    submit(world.home_a, mood="low", resident_id=resident.id)
    auth.login("nurse")
    page = client.get("/documents/").get_data(as_text=True)
    assert 'id="transfer-summary-form"' in page and "Ŵyn-Gwŷn, Siân (Sia)" in page
    assert client.post("/documents/transfer-summary", data={"resident_id": resident.id}).status_code == 302
    [job] = db.session.scalars(select(Job).where(Job.user_id == user("nurse").id)).all()
    assert job.status == "finished", job.error
    assert job.description == "Hospital transfer summary: Siân Ŵyn-Gwŷn (Sia)"
    download = client.get(f"/documents/file/{job.id}")
    assert download.status_code == 200
    text = pdf_text(download.data)
    for expected in ("Hospital transfer summary", "Siân Ŵyn-Gwŷn", "(known as Sia)", "943 476 5919",
                     "Penicillin — anaphylaxis", "Cymraeg yn gyntaf", "Do not attempt CPR", "DoLS: In force",
                     "Seed Contact Daughter", "next of kin", "Alder House", "Room 1 bed S",
                     "Wellbeing check: total 2 Concern", "Page 1 of 1"):
        assert expected in text, expected
    # the summary's own name appears on the assessment documents and notifications too
    from app.documents.jobs import resident_label

    assert resident_label(resident.id) == "Siân Ŵyn-Gwŷn (Sia)"


def test_another_homes_or_a_voided_resident_is_refused(inline, auth, client, world):
    auth.login("nurse")
    assert client.post("/documents/transfer-summary", data={"resident_id": world.resident_b.id}).status_code == 404
    assert client.post("/documents/transfer-summary", data={"resident_id": "x"}).status_code == 404
    from app.residents.services import void_record
    from tests.factories import make_resident

    with acting_as(None, "test"):
        duplicate = make_resident(world.home_a, "Ada", "Duplicate")
        void_record(duplicate, "Duplicate record", user("manager").id)
        db.session.commit()
    response = client.post("/documents/transfer-summary", data={"resident_id": duplicate.id},
                           follow_redirects=True)
    assert "This resident&#39;s record was voided, so it cannot be printed." in response.get_data(as_text=True)
    assert db.session.scalars(select(Job)).all() == []


def test_expiring_authorisations_remind_managers_and_nurses_of_that_home_daily(inline, world):
    with acting_as(None, "test"):
        for resident, days in ((world.resident_a, 20), (world.resident_b, 40)):
            expires = dt.date.today() + dt.timedelta(days=days)
            db.session.add(LegalRecord(home_id=resident.home_id, resident_id=resident.id, kind=LegalKind.dols,
                                       status=LegalStatus.in_force, expires_on=expires))
        db.session.commit()
    today = dt.date.today().isoformat()
    send_daily_reminders(today)
    db.session.commit()
    when = (dt.date.today() + dt.timedelta(days=20)).strftime("%d %b %Y")
    expected = f"DoLS for Seed Resident Alder House expires on {when} (in 20 days)"
    for username in ("manager", "nurse", "manager.ab"):
        assert expected in {n.subject for n in inbox(user(username).id)}, username
    assert all("DoLS" not in n.subject for n in inbox(user("senior").id))
    assert all("DoLS" not in n.subject for n in inbox(user("manager.b").id))  # B's expires in 40 days
    assert send_daily_reminders(today) == 0


def test_every_resident_of_a_home_in_one_file_with_progress(inline, auth, client, world, monkeypatch):
    from app.documents import jobs as document_jobs
    from app.residents import stays
    from tests.factories import make_bed, make_resident

    with acting_as(None, "test"):
        for number, (first, last) in enumerate((("Gwilym", "Ŵatcyn"), ("Ffion", "Ŷd"), ("Mair", "Owen")), 1):
            resident = make_resident(world.home_a, first, last)
            bed = make_bed(world.room_a, f"B{number}")
            stays.admit_resident(resident.id, bed.id, dt.datetime.now(dt.UTC) - dt.timedelta(days=3), "permanent")
        db.session.commit()
    seen = []
    original = document_jobs.set_progress

    def recording(done, total=None):
        seen.append((done, total))
        original(done, total)

    monkeypatch.setattr(document_jobs, "set_progress", recording)
    auth.login("manager")
    assert 'id="home-summaries-form"' in client.get("/documents/").get_data(as_text=True)
    assert client.post("/documents/home-transfer-summaries", data={"home_id": world.home_b.id}).status_code == 404
    assert client.post("/documents/home-transfer-summaries", data={"home_id": world.home_a.id}).status_code == 302
    [job] = db.session.scalars(select(Job).where(Job.user_id == user("manager").id)).all()
    assert job.status == "finished" and job.progress == 100, job.error
    assert seen[:4] == [(1, 8), (2, 8), (3, 8), (4, 8)] and seen[-1] == (8, 8)  # gathering, then page by page
    from io import BytesIO

    from pypdf import PdfReader

    pages = PdfReader(BytesIO(client.get(f"/documents/file/{job.id}").data)).pages
    assert len(pages) == 4
    texts = [" ".join(p.extract_text().split()) for p in pages]
    names = ["Mair Owen", "Seed Resident Alder House", "Gwilym Ŵatcyn", "Ffion Ŷd"]  # Ŵ under W, Ŷ under Y
    for number, (text, name) in enumerate(zip(texts, names, strict=True), start=1):
        assert f"Hospital transfer summary: {name}" in text and f"Page {number} of 4" in text


def test_flask_jobs_daily_runs_todays_reminders_by_hand(inline, runner, world):
    with acting_as(None, "test"):
        db.session.add(LegalRecord(home_id=world.home_a.id, resident_id=world.resident_a.id, kind=LegalKind.dols,
                                   status=LegalStatus.in_force, expires_on=dt.date.today() + dt.timedelta(days=5)))
        db.session.commit()
    result = runner.invoke(args=["jobs", "daily"])
    assert result.exit_code == 0, result.output
    assert "ran app.notifications.jobs.daily_reminders_tick" in result.output
    db.session.commit()
    assert any("expires on" in n.subject for n in inbox(user("nurse").id))
    again = runner.invoke(args=["jobs", "daily"])  # the same day: nothing new
    assert again.exit_code == 0
    db.session.commit()
    assert len([n for n in inbox(user("nurse").id) if "expires on" in n.subject]) == 1


def test_a_worker_started_after_seven_runs_todays_daily_jobs_once(monkeypatch):
    from app.jobs import schedule as job_layer

    calls = []
    entry = {"func": lambda: calls.append("tick"), "cron": "0 7 * * *", "interval": None, "daily": True}
    monkeypatch.setattr(job_layer, "PERIODIC", [entry, {**entry, "daily": False}])
    job_layer.run_daily(dt.datetime(2026, 11, 28, 6, 59, tzinfo=dt.UTC))
    assert calls == []
    job_layer.run_daily(dt.datetime(2026, 11, 28, 7, 1, tzinfo=dt.UTC))
    assert calls == ["tick"]
