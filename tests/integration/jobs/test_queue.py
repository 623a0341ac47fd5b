"""The real queue: each job kind through Redis and a burst worker, retries with RQ, the sweeper
after Redis was down, the worker command and the cron schedule. Skipped without TEST_REDIS_URL."""

from __future__ import annotations

import datetime as dt
import logging

from rq import Queue
from sqlalchemy import func, select

from app import jobs
from app.documents.jobs import render_assessment_pdf
from app.extensions import db
from app.jobs import QUEUE_NAME, Job, redis_connection
from app.notifications.jobs import deliver_email, notify_band_actions, schedule_daily_reminders
from app.notifications.models import NotificationOutbox
from app.notifications.services import notify, set_preferences
from tests.integration.jobs.conftest import TEST_REDIS_URL, user
from tests.integration.jobs.test_documents import pdf_text

# Emails to people who use the product (the test homes also hold billing documents emailed to
# payers, who are not users: their outbox rows have an address and no user).
TO_PEOPLE = NotificationOutbox.user_id.is_not(None)

BAD_REDIS = "redis://127.0.0.1:1/15"  # nothing listens there


def queued_ids(app):
    return Queue(QUEUE_NAME, connection=redis_connection(app)).get_job_ids()


def test_assessment_pdf_through_redis_and_a_worker(rq, auth, client, world, submit, drain):
    submission = submit(world.home_a)
    auth.login("manager")
    client.post(f"/documents/assessment/{submission.id}")
    [job] = db.session.scalars(select(Job)).all()
    assert job.status == "queued" and job.enqueued_at is not None
    assert queued_ids(rq) == [job.id]  # handed over after the commit, keyed by the row id
    client.post(f"/documents/assessment/{submission.id}")  # asked again while queued: not queued twice
    assert queued_ids(rq) == [job.id]
    assert drain() is True
    db.session.refresh(job)
    assert job.status == "finished" and job.progress == 100
    download = client.get(f"/documents/file/{job.id}")
    assert download.status_code == 200 and "Alder House" in pdf_text(download.data)


def test_failed_attempt_is_retried_by_rq_and_then_succeeds(rq, world, drain, tmp_path):
    manager = user("manager")
    jobs.enqueue("tests.integration.jobs.helpers.fails_first_time", str(tmp_path / "marker"),
                 user_id=manager.id, description="Flaky job")
    db.session.commit()
    drain()
    job = db.session.scalars(select(Job).where(Job.description == "Flaky job")).one()
    assert job.status == "finished" and job.attempts == 2 and job.error is None


def test_job_that_keeps_failing_ends_failed_with_a_readable_reason(rq, world, drain):
    manager = user("manager")
    jobs.enqueue("tests.integration.jobs.helpers.always_fails", "the printer was on fire",
                 user_id=manager.id, description="Doomed job")
    db.session.commit()
    drain()
    job = db.session.scalars(select(Job).where(Job.description == "Doomed job")).one()
    assert job.status == "failed" and job.attempts == 3  # first try and two retries
    assert job.error == ("Unexpected error (RuntimeError: the printer was on fire). "
                         "The details are in the worker's log.")
    from rq.job import Job as RQJob

    assert RQJob.fetch(job.id, connection=redis_connection(rq)).get_status() == "failed"


def test_the_retry_budget_is_kept_on_the_row_not_in_redis(rq, world, drain):
    manager = user("manager")
    jobs.enqueue("tests.integration.jobs.helpers.always_fails", "the printer was on fire",
                 user_id=manager.id, description="Budget job")
    db.session.commit()  # on Redis with RQ's full retry count, as after a Redis restart and a sweep
    job = db.session.scalars(select(Job).where(Job.description == "Budget job")).one()
    assert job.attempt_limit == 3  # JOB_RETRIES=2 here: three runs at most
    job.attempts = 2  # two attempts already used before Redis forgot them
    db.session.commit()
    drain()
    drain()
    db.session.refresh(job)
    assert job.status == "failed" and job.attempts == 3  # three means three
    assert not job.error.endswith("(trying again)")


def test_a_refusal_is_not_retried(rq, world, drain, submit):
    other = submit(world.home_b)
    manager = user("manager")
    jobs.enqueue(render_assessment_pdf, other.id, manager.id, user_id=manager.id)
    db.session.commit()
    drain()
    job = db.session.scalars(select(Job).where(Job.user_id == manager.id)).one()
    assert job.status == "failed" and job.attempts == 1
    assert job.error == "This assessment belongs to a home you do not work in."


def test_redis_down_when_asked_then_the_sweeper_hands_it_over(rq, auth, client, world, submit, drain, monkeypatch):
    submission = submit(world.home_a)
    monkeypatch.setitem(rq.config, "REDIS_URL", BAD_REDIS)
    auth.login("manager")
    assert client.post(f"/documents/assessment/{submission.id}").status_code == 302  # the user is not let down
    job = db.session.scalars(select(Job)).one()
    assert job.status == "queued" and job.enqueued_at is None
    monkeypatch.setitem(rq.config, "REDIS_URL", TEST_REDIS_URL)
    assert queued_ids(rq) == []
    assert jobs.sweep(rq, grace_seconds=0) == {"handed_over": 1, "retried": 0, "abandoned": 0}
    assert jobs.sweep(rq, grace_seconds=0) == {"handed_over": 0, "retried": 0, "abandoned": 0}  # not twice
    assert queued_ids(rq) == [job.id]
    drain()
    db.session.refresh(job)
    assert job.status == "finished"


def test_email_written_while_redis_is_down_is_delivered_when_it_is_back(rq, world, drain, monkeypatch, caplog):
    nurse = user("nurse")
    set_preferences(nurse.id, ["band_action"])
    db.session.commit()
    monkeypatch.setitem(rq.config, "REDIS_URL", BAD_REDIS)
    notify([nurse.id], "band_action", "NEWS2: urgent · Resident #904", "Tell the nurse in charge.",
           home_id=world.home_a.id, dedup_key="test-event")
    db.session.commit()
    email = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "email", TO_PEOPLE)).one()
    assert email.status == "pending"
    monkeypatch.setitem(rq.config, "REDIS_URL", TEST_REDIS_URL)
    jobs.sweep(rq, grace_seconds=0)
    with caplog.at_level(logging.INFO, logger="app.notifications.services"):
        drain()
    db.session.refresh(email)
    assert email.status == "sent" and email.attempts == 1 and email.sent_at is not None
    assert "To: nurse@test.example" in caplog.text
    assert "Subject: WriteCareNotes: An assessment result that needs action" in caplog.text
    assert "Resident #904" not in caplog.text  # no resident detail leaves the system by email


def test_email_delivery_is_retried_then_marked_failed(rq, world, drain, monkeypatch):
    monkeypatch.setitem(rq.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(rq.config, "MAIL_PORT", 1)  # connection refused, every time
    nurse = user("nurse")
    set_preferences(nurse.id, ["job_failed"])
    notify([nurse.id], "job_failed", "Failed: something", home_id=world.home_a.id)
    db.session.commit()
    drain()
    email = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "email", TO_PEOPLE)).one()
    assert email.status == "failed" and email.attempts == 3
    assert "ConnectionRefusedError" in email.last_error
    job = db.session.scalars(select(Job).where(Job.func == jobs.dotted_name(deliver_email))).one()
    assert job.status == "failed" and job.attempts == 3


def test_email_delivery_succeeds_on_retry(rq, world, drain, monkeypatch):
    from app.notifications import jobs as notification_jobs

    sent = []

    def flaky_send(to, subject, body):
        if not sent:
            sent.append("refused")
            raise ConnectionRefusedError("mail server restarting")
        sent.append(to)

    monkeypatch.setattr(notification_jobs, "send_email", flaky_send)
    nurse = user("nurse")
    set_preferences(nurse.id, ["job_failed"])
    notify([nurse.id], "job_failed", "Failed: something", home_id=world.home_a.id)
    db.session.commit()
    drain()
    email = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "email", TO_PEOPLE)).one()
    assert sent == ["refused", "nurse@test.example"]
    assert email.status == "sent" and email.attempts == 2


def test_daily_reminders_through_rq_cron_and_a_worker(rq, world, drain, submit):
    overdue = submit(world.home_a, mood="low", days_ago=8, resident_id=921)  # concern: review within 7 days
    submit(world.home_a, mood="good", days_ago=8, resident_id=922)  # fine: within 30 days
    submit(world.home_b, mood="low", days_ago=9, resident_id=923)  # another home's staff hear of this one
    scheduler = jobs.build_cron(redis_connection(rq))
    names = {cron_job.name for cron_job in scheduler.get_jobs()}
    # (the sweeper runs in the scheduler's own loop, not through the queue)
    assert names == {"app.jobs.schedule.purge_tick", "app.notifications.jobs.daily_reminders_tick"}
    for cron_job in scheduler.get_jobs():  # as if 07:00 had come
        cron_job.next_enqueue_time = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert len(scheduler.enqueue_jobs()) == 2
    drain()  # the ticks run, the tick queues the day's reminder job, the worker runs that too
    reminder_job = db.session.scalars(select(Job).where(Job.key.like("daily-reminders:%"))).one()
    assert reminder_job.status == "finished"
    subjects = {
        (n.user_id, n.subject)
        for n in db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.channel == "in_app"))
    }
    for username in ("manager", "nurse", "senior", "manager.ab"):
        assert (user(username).id, "Overdue: Wellbeing check for Resident #921") in subjects, username
    assert all("Resident #922" not in s for _, s in subjects)
    assert (user("manager").id, "Overdue: Wellbeing check for Resident #923") not in subjects
    assert (user("manager.b").id, "Overdue: Wellbeing check for Resident #923") in subjects
    # another scheduler asking the same day changes nothing
    assert schedule_daily_reminders(dt.datetime.now(dt.UTC).date()) is None
    assert overdue.id


def test_band_action_notifications_through_rq(rq, world, drain, submit):
    submission = submit(world.home_a, mood="low", resident_id=931)
    jobs.enqueue(notify_band_actions, submission.id, job_id=f"band-actions:{submission.id}")
    db.session.commit()
    drain()
    rows = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "band_action")).all()
    in_app = {r.user_id for r in rows if r.channel == "in_app"}
    assert in_app == {user(u).id for u in ("nurse", "manager", "manager.ab")}
    assert {r.subject for r in rows} == {"Wellbeing check: Concern (urgent) · Resident #931"}


def test_flask_worker_command_sweeps_and_drains_the_queue(rq, runner, world, submit, monkeypatch):
    submission = submit(world.home_a)
    manager = user("manager")
    monkeypatch.setitem(rq.config, "REDIS_URL", BAD_REDIS)
    jobs.enqueue(render_assessment_pdf, submission.id, manager.id, user_id=manager.id)
    db.session.commit()
    monkeypatch.setitem(rq.config, "REDIS_URL", TEST_REDIS_URL)
    result = runner.invoke(args=["worker", "--burst", "--simple"])
    assert result.exit_code == 0, result.output
    assert "1 queued job(s) handed to Redis" in result.output
    db.session.commit()
    assert db.session.scalars(select(Job).where(Job.user_id == manager.id)).one().status == "finished"


def test_flask_worker_needs_redis(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


def test_started_job_whose_worker_died_is_retried_by_the_sweeper_then_failed(rq, world):
    manager = user("manager")
    job = jobs.enqueue(render_assessment_pdf, "0" * 32, manager.id, user_id=manager.id)
    db.session.commit()
    # a worker took it and died: the row says started, its heartbeat stopped, Redis lost the job
    from rq.job import Job as RQJob

    RQJob.fetch(job.id, connection=redis_connection(rq)).delete()
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    job.status, job.attempts, job.started_at, job.heartbeat_at = "started", 1, an_hour_ago, an_hour_ago
    db.session.commit()
    assert jobs.sweep(rq, grace_seconds=0) == {"handed_over": 0, "retried": 1, "abandoned": 0}
    db.session.refresh(job)
    assert job.status == "queued" and job.is_retrying and "worker stopped" in job.error
    assert queued_ids(rq) == [job.id]  # on Redis again, within its own budget
    # the same again with its attempts used up: failed, not retried
    job.status, job.attempts, job.heartbeat_at = "started", job.attempt_limit, an_hour_ago
    db.session.commit()
    assert jobs.sweep(rq, grace_seconds=0) == {"handed_over": 0, "retried": 0, "abandoned": 1}
    db.session.refresh(job)
    assert job.status == "failed" and "worker stopped" in job.error
    assert job.active_key is None  # the same document may be asked for again
    # and the person who asked hears of it (in the app, and by email: on by default for failures)
    from app.notifications.services import inbox

    assert [n.subject for n in inbox(manager.id)] == [f"Failed: {job.description}"]
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.active_key.is_not(None))) == 1


def test_transfer_summary_through_redis_and_a_worker(rq, auth, client, world, drain):
    auth.login("nurse")
    client.post("/documents/transfer-summary", data={"resident_id": world.resident_a.id})
    job = db.session.scalars(select(Job).where(Job.user_id == user("nurse").id)).one()
    assert job.status == "queued" and queued_ids(rq) == [job.id]
    drain()
    db.session.refresh(job)
    assert job.status == "finished"
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    assert "Hospital transfer summary" in text and "Seed Resident Alder House" in text and "Page 1 of 1" in text
