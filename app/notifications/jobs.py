"""Notification jobs and triggers: email delivery (retried), jobs finished or failed, assessment
band actions, and the daily reminders (overdue assessments; other sources register themselves)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.forms_store import get_store
from app.jobs import Job, JobError, job_failed, job_finished, periodic
from app.notifications.messages import spec
from app.notifications.models import DeliveryStatus, NotificationOutbox
from app.notifications.services import ACTION_ROLES, CLINICAL_ROLES, KINDS, notify, recipients, send_email

log = logging.getLogger(__name__)

DOCUMENTS_LINK = "/documents/"
NOTIFICATIONS_LINK = "/notifications/"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------------------------------------
# Email delivery


def deliver_email(outbox_id: int) -> None:
    """Send one email row. A failure is recorded on the row and re-raised, so the job layer
    retries it with backoff; after the last attempt the row is marked failed."""
    row = db.session.get(NotificationOutbox, outbox_id)
    if row is None:
        raise JobError(str(_l("This notification no longer exists.")))
    if row.status == DeliveryStatus.sent.value:
        return
    from app.security import CareUser

    if row.user_id is None:  # someone who is not a user (a payer): the row holds the address
        address = row.to_address
    else:
        user = db.session.get(CareUser, row.user_id)
        address = user.email if user is not None and user.active else None
    if not address:
        row.status = DeliveryStatus.failed.value
        row.last_error = "no email address"
        db.session.commit()
        raise JobError(str(_l("The person has no email address.")))
    row.attempts = (row.attempts or 0) + 1
    try:
        if row.user_id is None:  # written in full by its sender, with its file
            files = [(row.attachment_name, row.attachment, row.attachment_type or "application/pdf")] \
                if row.attachment_name and row.attachment is not None else []
            send_email(address, row.subject, row.body, files)
        else:
            send_email(address, *_email_text(row))
    except (OSError, smtplib.SMTPException) as error:
        left = jobs.retries_left()
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        row.status = (DeliveryStatus.pending if left else DeliveryStatus.failed).value
        row.next_attempt_at = _now() + dt.timedelta(seconds=jobs.retry_delay()) if left else None
        db.session.commit()
        raise
    row.status = DeliveryStatus.sent.value
    row.sent_at = _now()
    row.next_attempt_at = None
    row.last_error = None


def _email_text(row: NotificationOutbox) -> tuple[str, str]:
    """Subject and body of the email. Email leaves the system, so it says what kind of thing
    happened and where, never the resident's name or clinical detail: those stay behind sign-in."""
    if row.kind == "password_reset":  # written in full by app/accounts/reset.py: the link is the point
        return row.subject, row.body
    from app.homes.models import CareHome

    kind = KINDS.get(row.kind)
    what = str(kind.label) if kind else row.kind
    home = db.session.get(CareHome, row.home_id) if row.home_id else None
    subject = str(_l("WriteCareNotes: %(what)s", what=what))
    or_at = str(_l(" or at %(url)s", url=row.link)) if row.link else ""
    parts = [str(_l("You have a new notification in WriteCareNotes%(where)s: %(what)s.",
                    where=f" ({home.name})" if home else "", what=what)),
             str(_l("Sign in to read it under the bell%(link)s.", link=or_at)),
             str(_l("You chose to receive these by email; change that under Notifications, Email settings."))]
    return subject, "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Jobs finished or failed


def _job_notification(app, job_id: str, finished: bool) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.user_id is None:
        return  # system jobs (email delivery, reminders) notify no one about themselves
    if finished:
        notify(
            [job.user_id], "job_finished", str(_l("Ready: %(what)s", what=job.description)),
            str(_l("Your document is ready to download from Documents and jobs.")) if job.result_path
            else str(_l("Done: %(what)s", what=job.description)),
            link=DOCUMENTS_LINK, home_id=job.home_id, dedup_key=f"job-finished:{job.id}:{job.attempts}",
        )
    else:
        notify(
            [job.user_id], "job_failed", str(_l("Failed: %(what)s", what=job.description)),
            job.error or "", link=DOCUMENTS_LINK, home_id=job.home_id,
            dedup_key=f"job-failed:{job.id}:{job.attempts}",
        )


@job_finished.connect
def _on_job_finished(app, job_id: str, **_):
    _job_notification(app, job_id, finished=True)


@job_failed.connect
def _on_job_failed(app, job_id: str, **_):
    _job_notification(app, job_id, finished=False)


# ---------------------------------------------------------------------------------------------
# Assessment band actions


def resident_label(resident_id: int | None) -> str:
    from app.documents.jobs import resident_label as label

    return label(resident_id)


def notify_band_actions(submission_id: str) -> int:
    """Notify the people a submitted assessment's band names (its "notify" actions). Returns how
    many notifications were written. Safe to run twice: each action notifies each person once."""
    from forms.messages import localised
    from forms.store import VOIDED

    store = get_store()
    submission = store.get_submission(submission_id)
    if submission is None:
        raise JobError(str(_l("This assessment no longer exists.")))
    if submission.status == VOIDED or not submission.band:
        return 0
    definition = store.load(submission.form_key, submission.version)
    band = next((b for b in (definition.scoring or {}).get("bands", ()) if b["code"] == submission.band), None)
    if band is None:
        return 0
    title = localised(definition.title)
    written = 0
    for index, action in enumerate(band.get("actions", ())):
        if action.get("type") != "notify":
            continue
        roles = ACTION_ROLES.get(action.get("role"), ("Home Manager",))
        urgency = action.get("urgency", "")
        subject = f"{title}: {localised(band.get('label'))}"
        if urgency:
            subject += f" ({urgency})"
        who = resident_label(submission.resident_id)
        subject += f" · {who}"
        body = localised(band.get("response")) or subject
        words = {"form": {"$form": submission.form_key},
                 "band": {"$band": [submission.form_key, submission.version, submission.band]}, "who": who}
        title_spec = (spec("band_action.subject_urgent", urgency=urgency, **words) if urgency
                      else spec("band_action.subject", **words))
        message = {"subject": title_spec, "body": spec("band_action.body", response={"$text": band.get("response")})
                   if band.get("response") else title_spec}
        written += len(notify(
            recipients(submission.home_id, roles), "band_action", subject, body,
            link=DOCUMENTS_LINK, home_id=submission.home_id, dedup_key=f"band:{submission.id}:{index}",
            message=message,
        ))
    return written


# ---------------------------------------------------------------------------------------------
# Daily reminders


@dataclass(frozen=True)
class Reminder:
    home_id: int
    kind: str
    key: str  # stable for the thing reminded about; the day is added, so it comes once a day
    subject: str
    body: str
    roles: tuple[str, ...] = CLINICAL_ROLES
    link: str | None = DOCUMENTS_LINK
    message: dict | None = None  # shown in the reader's language (app/notifications/messages.py)


REMINDER_SOURCES: list[Callable[[dt.datetime], Iterable[Reminder]]] = []


def reminder_source(func):
    """Register a function (now) -> reminders for the daily run (domains add theirs, e.g. legal
    authorisations expiring within 28 days once residents have them)."""
    REMINDER_SOURCES.append(func)
    return func


def review_interval(definition, band_code: str | None) -> dt.timedelta | None:
    """The review interval the band's `set_review_interval` action sets, if any."""
    band = next((b for b in (definition.scoring or {}).get("bands", ()) if b["code"] == band_code), None)
    for action in (band or {}).get("actions", ()):
        if action.get("type") == "set_review_interval":
            return dt.timedelta(days=action.get("days", 0), hours=action.get("hours", 0))
    return None


@reminder_source
def overdue_assessments(now: dt.datetime) -> Iterable[Reminder]:
    """Each resident's latest assessment of each form whose band set a review interval that has
    passed with no newer assessment. A form the home schedules is left to the home's count of
    overdue scheduled assessments (which keeps to the same interval), so nobody is told twice."""
    from app.assessments.models import AssessmentSchedule
    from app.homes.models import CareHome
    from forms.messages import localised
    from forms.store import VOIDED
    from reports.base import london

    store = get_store()
    for home in db.session.scalars(select(CareHome).where(CareHome.active.is_(True)).order_by(CareHome.id)):
        latest = {}
        for submission in store.list_submissions(home_id=home.id, limit=10_000):
            if submission.resident_id is None or submission.status == VOIDED:
                continue
            latest.setdefault((submission.resident_id, submission.form_key), submission)
        gone = _residents_not_living_in(home.id, {resident_id for resident_id, _ in latest})
        scheduled = set(db.session.scalars(select(AssessmentSchedule.form_key).where(
            AssessmentSchedule.home_id == home.id, AssessmentSchedule.active.is_(True))))
        for submission in latest.values():
            if submission.resident_id in gone or submission.form_key in scheduled:
                continue
            definition = store.load(submission.form_key, submission.version)
            interval = review_interval(definition, submission.band)
            if interval is None or submission.taken_at + interval > now:
                continue
            title = localised(definition.title)
            who = resident_label(submission.resident_id)
            due_at, band = submission.taken_at + interval, {"$band": [submission.form_key, submission.version,
                                                                      submission.band]}
            yield Reminder(
                home_id=home.id, kind="assessment_overdue", key=f"overdue:{submission.id}",
                subject=str(_l("Overdue: %(form)s for %(who)s", form=title, who=who)),
                body=str(_l("Due %(due)s; last taken %(taken)s (%(band)s).",
                            due=london(due_at), taken=london(submission.taken_at),
                            band=submission.band)),
                message={"subject": spec("assessment_overdue.subject", form={"$form": submission.form_key}, who=who),
                         "body": spec("assessment_overdue.body", due={"$datetime": due_at.isoformat()},
                                      taken={"$datetime": submission.taken_at.isoformat()}, band=band)},
            )


def _residents_not_living_in(home_id: int, resident_ids: set[int]) -> set[int]:
    """Of these residents, those discharged, dead or voided: their reviews are no longer due."""
    from app.residents.models import Resident, ResidentStatus

    if not resident_ids:
        return set()
    living = (ResidentStatus.in_residence, ResidentStatus.hospital_leave, ResidentStatus.not_admitted)
    query = select(Resident.id).where(
        Resident.home_id == home_id, Resident.id.in_(sorted(resident_ids)),
        (Resident.voided_at.is_not(None)) | (Resident.status.not_in(living)),
    )
    return set(db.session.scalars(query))


EXPIRY_WARNING_DAYS = 28


@reminder_source
def expiring_authorisations(now: dt.datetime) -> Iterable[Reminder]:
    """Legal authorisations (DoLS and others with an expiry date) in force or applied for that
    expire within 28 days or have expired, for residents living in the home."""
    from app.labels import label
    from app.residents.models import LegalRecord, LegalStatus, Resident, ResidentStatus
    from reports.base import LONDON

    today = now.astimezone(LONDON).date()
    limit = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    query = (
        select(LegalRecord)
        .join(Resident, LegalRecord.resident_id == Resident.id)
        .where(
            LegalRecord.voided_at.is_(None), Resident.voided_at.is_(None),
            Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]),
            LegalRecord.status.in_([LegalStatus.in_force, LegalStatus.applied]),
            LegalRecord.expires_on.is_not(None), LegalRecord.expires_on <= limit,
        )
        .order_by(LegalRecord.expires_on)
    )
    for record in db.session.scalars(query):
        days = (record.expires_on - today).days
        kind = label(record.kind)
        when = record.expires_on.strftime("%d %b %Y")
        who = record.resident.full_name
        words = {"kind": {"$label": getattr(record.kind, "value", record.kind)}, "who": who,
                 "when": {"$date": record.expires_on.isoformat()}}
        if days < 0:
            subject = str(_l("%(kind)s for %(who)s expired on %(when)s", kind=kind, who=who, when=when))
            subject_spec = spec("authorisation_expired.subject", **words)
        else:
            subject = str(_l("%(kind)s for %(who)s expires on %(when)s (in %(days)s days)",
                             kind=kind, who=who, when=when, days=days))
            subject_spec = spec("authorisation_expiring.subject", days=days, **words)
        yield Reminder(
            home_id=record.home_id, kind="authorisation_expiring",
            key=f"legal-expiry:{record.id}:{record.expires_on.isoformat()}",
            subject=subject,
            body=str(_l("Apply for renewal in good time; the register shows the details.")),
            roles=("Home Manager", "Nurse"),
            link=f"/residents/{record.resident_id}/",
            message={"subject": subject_spec, "body": spec("authorisation_expiring.body")},
        )


def send_daily_reminders(on: str) -> int:
    """Write today's reminders. Each person gets each reminder once per day however often this runs."""
    now = dt.datetime.now(dt.UTC)
    written = 0
    for source in REMINDER_SOURCES:
        for reminder in source(now):
            written += len(notify(
                recipients(reminder.home_id, reminder.roles), reminder.kind, reminder.subject, reminder.body,
                link=reminder.link, home_id=reminder.home_id, dedup_key=f"{reminder.key}:{on}",
                message=reminder.message,
            ))
    return written


def schedule_daily_reminders(on: dt.date) -> Job | None:
    """Queue the day's reminder job once, whichever worker's scheduler asks first."""
    key = f"daily-reminders:{on.isoformat()}"
    if db.session.scalar(select(Job.id).where(Job.key == key).limit(1)) is not None:
        return None
    job = jobs.enqueue(send_daily_reminders, on.isoformat(), job_id=key, description="Daily reminders")
    db.session.commit()
    return job


@periodic(cron="0 7 * * *", daily=True)
def daily_reminders_tick() -> None:
    """Every morning at 07:00 UTC (RQ's cron scheduler, started by `flask worker`)."""
    app = jobs.job_app()
    with app.app_context():
        schedule_daily_reminders(dt.datetime.now(dt.UTC).date())
