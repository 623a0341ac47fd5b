"""Notifications as people see them: the bell's unread count, the list, marking read, email
settings; the triggers (a job finished or failed, band actions, daily overdue reminders)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select

from app.extensions import db
from app.notifications.jobs import notify_band_actions, send_daily_reminders
from app.notifications.models import NotificationOutbox
from app.notifications.services import inbox, notify, preferences, unread_count
from tests.integration.jobs.conftest import user

# Notifications to people who use the product (the test homes also hold billing documents emailed
# to payers, who are not users: their outbox rows have an address and no user).
TO_PEOPLE = NotificationOutbox.user_id.is_not(None)


def test_bell_shows_unread_count_and_the_list_marks_them_read(inline, auth, client, world):
    nurse = user("nurse")
    notify([nurse.id], "assessment_overdue", "Overdue: MUST for Resident #903", "Due yesterday.",
           link="/documents/", home_id=world.home_a.id)
    notify([nurse.id], "job_finished", "Ready: Assessment PDF", home_id=world.home_a.id)
    db.session.commit()
    auth.login("nurse")
    home = client.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' in home and 'class="badge">2<' in home
    assert "Overdue: MUST for Resident #903" in home
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Overdue: MUST for Resident #903" in listing and "Due yesterday." in listing
    first = inbox(nurse.id)[-1]
    client.post(f"/notifications/read/{first.id}")
    assert unread_count(nurse.id) == 1
    assert 'class="badge">1<' in client.get("/").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert unread_count(nurse.id) == 0
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_the_bell_counts_every_unread_one_and_lists_the_latest(inline, auth, client, world):
    """The bell reads its count and its latest few in one query: more unread than it lists still
    shows the whole count, and one read is one fewer."""
    from app.notifications.views import BELL_ITEMS

    nurse = user("nurse")
    rows = [row for n in range(BELL_ITEMS + 3)
            for row in notify([nurse.id], "job_finished", f"Ready: report {n}", home_id=world.home_a.id)]
    db.session.commit()
    auth.login("nurse")
    home = client.get("/").get_data(as_text=True)
    assert f'class="badge">{BELL_ITEMS + 3}<' in home
    assert f"Ready: report {BELL_ITEMS + 2}" in home and "Ready: report 0<" not in home
    client.post(f"/notifications/read/{rows[-1].id}")
    home = client.get("/").get_data(as_text=True)
    assert f'class="badge">{BELL_ITEMS + 2}<' in home and f"Ready: report {BELL_ITEMS + 2}" in home


def test_nobody_reads_or_marks_someone_elses_notifications(inline, auth, client, world):
    nurse = user("nurse")
    [row] = notify([nurse.id], "job_finished", "Ready: private", home_id=world.home_a.id)
    db.session.commit()
    auth.login("carer")
    assert "Ready: private" not in client.get("/notifications/").get_data(as_text=True)
    client.post(f"/notifications/read/{row.id}")
    db.session.refresh(row)
    assert row.read_at is None
    assert client.post("/notifications/read/99999999999").status_code == 404


def test_family_see_their_bell_but_not_documents(inline, auth, client, world):
    auth.login("family")
    assert client.get("/notifications/").status_code == 200
    assert client.get("/documents/").status_code in (302, 403)


def test_email_settings_choose_which_kinds_are_emailed(inline, auth, client, world, caplog):
    nurse = user("nurse")
    assert preferences(nurse.id)["job_finished"] is False and preferences(nurse.id)["band_action"] is True
    auth.login("nurse")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "A document or job I asked for is ready" in page
    client.post("/notifications/settings", data={"email": ["job_finished"]})
    assert preferences(nurse.id) == {
        "band_action": False, "assessment_overdue": False, "authorisation_expiring": False,
        "job_finished": True, "job_failed": False,
    }
    with caplog.at_level(logging.INFO, logger="app.notifications.services"):
        notify([nurse.id], "job_finished", "Ready: the PDF", home_id=world.home_a.id)
        notify([nurse.id], "band_action", "NEWS2 urgent", home_id=world.home_a.id)
        db.session.commit()
    rows = db.session.scalars(select(NotificationOutbox).where(TO_PEOPLE).order_by(NotificationOutbox.id)).all()
    assert [(r.kind, r.channel, r.status) for r in rows] == [
        ("job_finished", "in_app", "sent"), ("job_finished", "email", "sent"), ("band_action", "in_app", "sent"),
    ]
    # email says what kind of thing happened and where, never the detail (that stays behind sign-in)
    assert "Subject: WriteCareNotes: A document or job I asked for is ready" in caplog.text
    assert "(Alder House)" in caplog.text and "Ready: the PDF" not in caplog.text
    assert "NEWS2 urgent" not in caplog.text


def test_a_finished_job_notifies_the_person_who_asked(inline, auth, client, world, submit):
    submission = submit(world.home_a)
    auth.login("manager")
    client.post(f"/documents/assessment/{submission.id}")
    [note] = inbox(user("manager").id)
    assert note.subject.startswith("Ready: Assessment PDF: wellbeing_check")
    assert note.link == "/documents/" and note.home_id == world.home_a.id


def test_band_actions_notify_the_nurse_in_charge_and_managers_of_that_home_once(inline, world, submit):
    submission = submit(world.home_a, mood="low", resident_id=905)
    calm = submit(world.home_a, mood="good", resident_id=906)
    assert notify_band_actions(submission.id) == 3 + 3  # in-app and email (on by default) for each
    assert notify_band_actions(submission.id) == 0  # never twice
    assert notify_band_actions(calm.id) == 0  # "fine" has no notify action
    db.session.commit()
    people = {r.user_id for r in db.session.scalars(select(NotificationOutbox).where(TO_PEOPLE))}
    assert people == {user(u).id for u in ("nurse", "manager", "manager.ab")}


def test_daily_reminders_name_overdue_assessments_once_a_day(inline, world, submit, store):
    submit(world.home_a, mood="low", days_ago=10, resident_id=941)
    submit(world.home_a, mood="low", days_ago=1, resident_id=941)  # newer one, not yet due: nothing
    submit(world.home_a, mood="low", days_ago=8, resident_id=942)
    voided = submit(world.home_a, mood="low", days_ago=9, resident_id=943)
    store.void_submission(voided.id, reason="Wrong resident", by="nurse")
    today = dt.date.today().isoformat()
    written = send_daily_reminders(today)
    db.session.commit()
    subjects = {n.subject for n in inbox(user("nurse").id) if n.subject.startswith("Overdue:")}
    assert subjects == {"Overdue: Wellbeing check for Resident #942"}
    assert send_daily_reminders(today) == 0
    assert written == db.session.scalar(select(func.count()).select_from(NotificationOutbox).where(TO_PEOPLE))
