"""A nurse prints the SBARD summary of a resident for a GP or 111 call: read back, it carries the
latest NEWS2 set (total, band, each parameter with its points, soft signs), the record (allergies,
DNACPR, conditions, recent notes, no medicines recorded) and the five sections in order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.audit import acting_as
from app.care import services
from app.extensions import db
from app.jobs import Job
from tests.integration.jobs.conftest import drain, files_dir, inline, rq, user  # noqa: F401
from tests.integration.jobs.test_documents import pdf_text

VITALS = {"respiration_rate": 26, "spo2": 95, "supplemental_oxygen": 0, "systolic_bp": 120, "diastolic_bp": 80,
          "pulse": 115, "consciousness": "A", "temperature": "38.5"}


@pytest.mark.usefixtures("inline")
def test_nurse_prints_the_sbard_summary_from_the_latest_vitals(client, auth, world):
    resident = world.resident_a
    nurse = user("nurse")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with acting_as(nurse.id, "nurse"):
        resident.first_name, resident.last_name = "Gwenllïan", "Ŵyn"
        resident.allergies, resident.conditions = "Penicillin (rash)", "COPD; vascular dementia"
        services.record_note(resident, "mood_behaviour", "Mwy dryslyd heddiw (ŵ)", now - dt.timedelta(hours=2), nurse)
        obs = services.record_vitals(resident, VITALS, now - dt.timedelta(minutes=10), nurse,
                                     soft_signs=["new_confusion", "not_eating"], note="Chest sounds wet",
                                     confirm=True)
        db.session.commit()
    assert obs.news2_total == 7
    auth.login("nurse")
    profile = client.get(f"/residents/{resident.id}/").get_data(as_text=True)
    assert f"/care/sbard/resident/{resident.id}/print" in profile
    assert client.post(f"/care/sbard/resident/{resident.id}/print").status_code == 302
    db.session.expire_all()
    [job] = db.session.scalars(select(Job).where(Job.user_id == nurse.id)).all()
    assert job.status == "finished", job.error
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    positions = [text.index(word) for word in ("Situation", "Background", "Assessment", "Recommendation",
                                               "Decision")]
    assert positions == sorted(positions)
    for expected in (
        "SBARD escalation summary: Gwenllïan Ŵyn", "Their NEWS2 score is 7", obs.news2_band_label,
        "a score of 3 in a single parameter", "New confusion or more confused than usual", "Chest sounds wet",
        "Do not attempt CPR", "Penicillin (rash)", "COPD; vascular dementia", "Mwy dryslyd heddiw (ŵ)",
        "No medicines are recorded in WriteCareNotes", "Respiration rate", "NEWS2 total", "Emergency response",
        "NHS 943 476 5919", "Nurse Tester (nurse)",
    ):
        assert expected in text, expected


@pytest.mark.usefixtures("inline")
def test_who_may_print_it(client, auth, world):
    auth.login("carer")  # reads vital signs but has no documents
    assert client.post(f"/care/sbard/resident/{world.resident_a.id}/print").status_code == 403
    auth.logout()
    auth.login("office")
    assert client.post(f"/care/sbard/resident/{world.resident_a.id}/print").status_code in (302, 403)
    auth.logout()
    auth.login("nurse")
    assert client.post(f"/care/sbard/resident/{world.resident_b.id}/print").status_code == 404
    db.session.expire_all()
    assert db.session.scalars(select(Job)).all() == []


@pytest.mark.usefixtures("inline")
def test_without_any_vitals_it_says_take_a_set_first(client, auth, world):
    from app.care.sbard import build_sbard
    from app.residents.models import Resident
    from tests.factories import make_resident

    with acting_as(None, "test"):
        resident = make_resident(world.home_a, "Heb", "Arsylwadau")
        db.session.commit()
    auth.login("nurse")
    with client:
        client.get("/")
        document = build_sbard(db.session.get(Resident, resident.id))
    assert document.news2_total is None and document.vitals == []


def test_sbard_and_handover_through_redis_and_a_worker(rq, auth, client, world, drain):  # noqa: F811
    from app.care.handover import current_shift

    auth.login("nurse")
    client.post(f"/care/sbard/resident/{world.resident_a.id}/print")
    day, shift = current_shift()
    client.post("/care/handover/print", data={"where": f"home:{world.home_a.id}", "date": day.strftime("%d/%m/%Y"),
                                              "shift": shift})
    db.session.expire_all()
    queued = db.session.scalars(select(Job).where(Job.user_id == user("nurse").id)).all()
    assert sorted(j.status for j in queued) == ["queued", "queued"]
    assert drain() is True
    db.session.expire_all()
    for job in db.session.scalars(select(Job).where(Job.user_id == user("nurse").id)):
        assert job.status == "finished" and job.progress == 100, job.error
        text = pdf_text(client.get(f"/documents/file/{job.id}").data)
        assert "Seed Resident Alder House" in text and "Birch Court" not in text
