"""A nurse reads a unit's handover for a shift on screen and prints it: who is on the at-risk list
(the board's rules), the shift's vital signs, body marks, tasks and care notes (late entries marked,
Welsh as typed); shift times follow UK clocks; carers read it but cannot print; another home's unit
is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.assessments.models import Task
from app.audit import acting_as
from app.care import bodymap, services
from app.care.handover import LONDON, current_shift, shift_bounds
from app.extensions import db
from app.jobs import Job
from tests.integration.jobs.conftest import files_dir, inline, user  # noqa: F401
from tests.integration.jobs.test_documents import pdf_text

NOTE = "Bwytaodd ŵy a thost; hwyliau da ŷ"


def yesterday() -> dt.date:
    return dt.datetime.now(LONDON).date() - dt.timedelta(days=1)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(yesterday(), dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


@pytest.fixture()
def shift_records(world):
    """Yesterday's day shift for the seeded resident of home A: a note entered late, a NEWS2 7 set with a
    soft sign, new pressure damage, a task due; and a note of the night after (not in the day shift)."""
    resident = world.resident_a
    nurse = user("nurse")
    with acting_as(nurse.id, "nurse"):
        resident.first_name, resident.last_name = "Siân", "Ŵyn"
        services.record_note(resident, "nutrition", NOTE, at(9, 15), nurse)
        services.record_note(resident, "night_check", "Asleep, comfortable (night)", at(23), nurse)
        services.record_vitals(resident, {"respiration_rate": 26, "spo2": 95, "supplemental_oxygen": 0,
                                          "systolic_bp": 120, "diastolic_bp": 80, "pulse": 115,
                                          "consciousness": "A", "temperature": "38.5"}, at(14, 5), nurse,
                               soft_signs=["new_confusion"], confirm=True)
        bodymap.record_mark(resident, nurse, side="back", x=50, y=44, kind="pressure_damage", category="category_2",
                            origin="home", first_seen_on=yesterday(), observed_at=at(11), length_mm=20, width_mm=15,
                            description="Broken skin")
        db.session.add(Task(home_id=resident.home_id, resident_id=resident.id, title="Dressing change to sacrum",
                            due_on=yesterday(), assigned_role="Nurse"))
        db.session.commit()
    return resident


def query(world, **extra) -> dict:
    return {"where": f"unit:{world.unit_a.id}", "date": yesterday().strftime("%d/%m/%Y"), "shift": "day", **extra}


def test_shifts_follow_uk_clocks():
    day_start, day_end = shift_bounds(dt.date(2026, 7, 1), "day")
    assert (day_start.hour, day_end.hour) == (7, 19)  # 08:00 and 20:00 BST
    start, end = shift_bounds(dt.date(2026, 10, 24), "night")  # clocks go back in the night
    assert end - start == dt.timedelta(hours=13)
    start, end = shift_bounds(dt.date(2026, 3, 28), "night")  # clocks go forward
    assert end - start == dt.timedelta(hours=11)
    assert current_shift(dt.datetime(2026, 11, 30, 7, 59, tzinfo=dt.UTC)) == (dt.date(2026, 11, 29), "night")
    assert current_shift(dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)) == (dt.date(2026, 11, 30), "day")
    assert current_shift(dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)) == (dt.date(2026, 11, 30), "night")


def test_nurse_reads_the_handover_of_a_unit_and_shift(client, auth, world, shift_records):
    auth.login("nurse")
    page = client.get("/care/handover/", query_string=query(world))
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    for expected in ("Siân Ŵyn", NOTE, "NEWS2 7", "New confusion", "Pressure damage (Category 2)",
                     "Sacrum and coccyx: new", "20 × 15 mm", "Dressing change to sacrum", "late entry, entered"):
        assert expected in text, expected
    assert "Asleep, comfortable (night)" not in text  # the night after is another shift
    risk = text.split("Needs attention now")[1].split("</div></div>")[0]
    assert "Siân Ŵyn" in risk and "NEWS2 7 in the last 24 hours" in risk
    night = client.get("/care/handover/", query_string=query(world, shift="night")).get_data(as_text=True)
    assert "Asleep, comfortable (night)" in night and NOTE not in night


@pytest.mark.usefixtures("inline")
def test_nurse_prints_the_handover_pdf_and_reads_it_back(client, auth, world, shift_records):
    auth.login("nurse")
    printed = client.post("/care/handover/print", data=query(world))
    assert printed.status_code == 302 and printed.location.endswith("/documents/")
    db.session.expire_all()
    [job] = db.session.scalars(select(Job).where(Job.user_id == user("nurse").id)).all()
    assert job.status == "finished", job.error
    assert job.progress == 100
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    for expected in (f"Handover: {world.unit_a.name}, Day shift", "Needs attention now", "Siân Ŵyn",
                     "NEWS2 7 in the last 24 hours", NOTE, "late entry, entered", "Pressure damage (Category 2)",
                     "Dressing change to sacrum", "Care notes", "Printed", "Nurse Tester (nurse)", "Page 1 of"):
        assert expected in text, expected
    assert text.index("Needs attention now") < text.index(NOTE)


@pytest.mark.usefixtures("inline")
def test_carer_reads_but_cannot_print_and_office_sees_nothing(client, auth, world, shift_records):
    auth.login("carer")
    page = client.get("/care/handover/", query_string=query(world))
    assert page.status_code == 200 and NOTE in page.get_data(as_text=True)
    assert "Print handover (PDF)" not in page.get_data(as_text=True)
    assert client.post("/care/handover/print", data=query(world)).status_code == 403
    auth.logout()
    auth.login("office")
    assert client.get("/care/handover/", query_string=query(world)).status_code in (302, 403)


@pytest.mark.usefixtures("inline")
def test_bad_choices_are_named_and_another_homes_unit_is_refused(client, auth, world, shift_records):
    auth.login("nurse")
    bad = client.get("/care/handover/", query_string=query(world, date="31/02/2026", shift="evening"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter a date as day/month/year" in text and "day or night shift" in text
    auth.logout()
    auth.login("manager.b")
    other = client.get("/care/handover/", query_string=query(world))
    assert other.status_code == 422 and NOTE not in other.get_data(as_text=True)
    client.post("/care/handover/print", data=query(world))
    db.session.expire_all()
    assert db.session.scalars(select(Job).where(Job.user_id == user("manager.b").id)).all() == []
