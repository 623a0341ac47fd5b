"""The daily reminders of overdue scheduled assessments and overdue care-plan reviews: one message a
day per home to the people of that home, gone once the work is done; and the demo's assessment
history that gives them something to say on a first start."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.assessments.models import AssessmentSchedule
from app.careplans.models import CarePlan
from app.extensions import db
from app.notifications.jobs import send_daily_reminders
from app.notifications.models import NotificationOutbox
from app.security import CareUser
from tests.factories import make_user
from tests.integration.assessments.helpers import example, fill

TODAY = dt.date.today()
TOMORROW = TODAY + dt.timedelta(days=1)


def reminders(username: str, words: str) -> list[NotificationOutbox]:
    db.session.expire_all()
    user = db.session.scalars(select(CareUser).where(CareUser.username == username)).one()
    return [n for n in db.session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.user_id == user.id, NotificationOutbox.kind == "assessment_overdue",
        NotificationOutbox.channel == "in_app").order_by(NotificationOutbox.id)) if words in n.subject]


def run_reminders(on: dt.date) -> None:
    send_daily_reminders(on.isoformat())
    db.session.commit()


def schedule_only(home, keys) -> None:
    """The home schedules these forms and no others."""
    for schedule in db.session.scalars(select(AssessmentSchedule).where(AssessmentSchedule.home_id == home.id)):
        schedule.active = schedule.form_key in keys


def test_a_home_with_an_overdue_assessment_hears_once_a_day_until_it_is_done(client, auth, world, inline):
    make_user("nurse.b", "Nurse", homes=[world.home_b])
    schedule_only(world.home_a, {"must"})  # the seeded resident of Alder House has never had one
    schedule_only(world.home_b, set())
    db.session.commit()

    run_reminders(TODAY)
    [note] = reminders("nurse", "assessments overdue")
    assert note.subject == "1 assessments overdue in Alder House"
    assert "'MUST') for Seed Resident Alder House, due " in note.body
    assert note.link == "/assessments/due/" and note.home_id == world.home_a.id
    assert [n.subject for n in reminders("senior", "assessments overdue")] == [note.subject]
    assert reminders("nurse.b", "assessments overdue") == []
    assert reminders("manager.b", "assessments overdue") == []

    run_reminders(TODAY)  # the same day again: nothing new
    assert len(reminders("nurse", "assessments overdue")) == 1

    auth.login("nurse")
    assert fill(client, world.resident_a.id, "must", example("must")["answers"]).status_code == 302
    run_reminders(TOMORROW)
    assert len(reminders("nurse", "assessments overdue")) == 1  # still only yesterday's


def test_the_reminder_counts_every_overdue_form_and_names_the_most_overdue(world, inline):
    from app.assessments.jobs import overdue_scheduled
    from app.forms_store import get_store

    published = len(get_store().list_definitions())
    schedule_only(world.home_b, set())
    db.session.commit()
    [reminder] = list(overdue_scheduled(dt.datetime.now(dt.UTC)))
    scheduled = db.session.scalars(select(AssessmentSchedule).where(
        AssessmentSchedule.home_id == world.home_a.id, AssessmentSchedule.active.is_(True))).all()
    assert reminder.subject == f"{len(scheduled)} assessments overdue in Alder House"
    assert reminder.body.count("for Seed Resident Alder House") == min(len(scheduled), 5)
    assert len(get_store().list_definitions()) == published  # a reminder publishes no form


def test_an_overdue_care_plan_review_reminds_the_manager_and_nurses_of_that_home(world, inline):
    from app.careplans import services

    make_user("nurse.b", "Nurse", homes=[world.home_b])
    plan = db.session.scalars(select(CarePlan).where(CarePlan.home_id == world.home_a.id)).one()
    plan.next_review_on = TODAY - dt.timedelta(days=3)  # the review date has passed
    db.session.commit()

    run_reminders(TODAY)
    [note] = reminders("nurse", "care plan reviews overdue")
    assert note.subject == "1 care plan reviews overdue in Alder House"
    assert "Seed plan Alder House for Seed Resident Alder House, review due " in note.body
    assert note.link == "/careplans/due/"
    assert len(reminders("manager", "care plan reviews overdue")) == 1
    assert reminders("senior", "care plan reviews overdue") == []  # reviews are for the trained staff
    assert reminders("nurse.b", "care plan reviews overdue") == []  # Birch Court's plan is not due yet
    assert reminders("manager.b", "care plan reviews overdue") == []

    run_reminders(TODAY)
    assert len(reminders("nurse", "care plan reviews overdue")) == 1

    nurse = db.session.scalars(select(CareUser).where(CareUser.username == "nurse")).one()
    services.review_care_plan(plan.id, [dict(s) for s in plan.current.sections], {"staff": "Nurse Tester"},
                              "given", "Seed Resident", "Reviewed with the resident", nurse, on=TODAY)
    db.session.commit()
    run_reminders(TOMORROW)
    assert len(reminders("nurse", "care plan reviews overdue")) == 1


DEMO_SCRIPT = """
import datetime as dt, json
from sqlalchemy import func, select
from app import create_app
from app.cli import setup
app = create_app('development')
with app.app_context():
    setup(load_demo=True)
    from app.assessments.demo import load_demo_assessments
    from app.assessments.jobs import overdue_in_home
    from app.assessments.models import AssessmentRecord, Task
    from app.extensions import db
    from app.homes.models import CareHome
    from app.notifications.jobs import send_daily_reminders
    from app.notifications.models import NotificationOutbox
    records = db.session.scalars(select(AssessmentRecord)).all()
    homes = db.session.scalars(select(CareHome).order_by(CareHome.id)).all()
    now = dt.datetime.now(dt.UTC)
    overdue = [[r.id for r, key, _ in overdue_in_home(h.id, now) if key in ('must', 'waterlow')
                and any(x.resident_id == r.id for x in records)] for h in homes]
    again = load_demo_assessments(homes)
    send_daily_reminders(dt.date.today().isoformat())
    db.session.commit()
    in_app = select(NotificationOutbox.subject).where(NotificationOutbox.channel == 'in_app')
    subjects = db.session.scalars(in_app).all()
    print(json.dumps({
        'records': [[r.resident_id, r.form_key, r.total, r.band, r.taken_at.isoformat()] for r in records],
        'band_tasks': db.session.scalar(select(func.count()).select_from(Task).where(Task.source.is_not(None))),
        'overdue': overdue, 'again': again, 'subjects': sorted(set(subjects)),
    }))
"""


def test_the_demo_has_assessment_history_with_trends_risks_and_overdue_reviews(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(tmp_path), WCN_ENV="development")
    done = subprocess.run([sys.executable, "-c", DEMO_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    records = found["records"]
    musts: dict[int, list] = {}
    for resident_id, key, total, *_ in sorted(records, key=lambda r: r[4]):
        if key == "must":
            musts.setdefault(resident_id, []).append(int(total))
    assert len(musts) >= 10  # both homes
    assert sum(len(totals) >= 3 for totals in musts.values()) >= 4
    assert any(totals[0] < totals[-1] for totals in musts.values())  # a trend the chart shows
    bands = {band for *_, band, _ in records}
    assert {"medium", "high", "at_risk_10_14", "high_risk_15_19"} <= bands
    assert found["band_tasks"] >= 2  # MUST high refers to the dietitian
    assert all(len(home) >= 2 for home in found["overdue"])  # some reviews fell overdue in each home
    assert found["again"] == 0  # loading again adds nothing
    assert any("assessments overdue in Willow Bank House" in s for s in found["subjects"])


def test_a_scheduled_form_past_its_band_review_is_told_once_in_the_homes_count(world, inline):
    from app.assessments import services

    schedule_only(world.home_a, {"must"})
    schedule_only(world.home_b, set())
    db.session.commit()
    shown = services.definition("must")
    answers = example("must", name="BMI 18.4 scores 2")["answers"]  # high: review in 30 days
    taken = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    result, record = services.submit(world.resident_a, "must", shown.version, shown.sha256, "reminder-token",
                                     answers, None, taken_at=taken)
    assert result.ok
    db.session.commit()  # the band's actions run (inline here) once the submission is committed
    db.session.refresh(record)
    assert record.next_due_at is not None

    run_reminders(TODAY)
    [count] = reminders("nurse", "assessments overdue")
    assert count.subject == "1 assessments overdue in Alder House"
    assert reminders("nurse", "Overdue:") == []  # not told a second time by the band's own review

    schedule_only(world.home_a, set())  # no longer scheduled: the band's review still reminds
    db.session.commit()
    run_reminders(TOMORROW)
    assert [n.subject for n in reminders("nurse", "Overdue:")] == [
        "Overdue: Malnutrition Universal Screening Tool ('MUST') for Seed Resident Alder House"]
