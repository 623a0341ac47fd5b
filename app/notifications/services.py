"""Writing notifications (in-app always, email where the person asked for it), reading the
inbox, preferences, and who receives what in a home."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.extensions import db
from app.notifications.models import Channel, DeliveryStatus, NotificationOutbox, NotificationPreference

DELIVER_EMAIL = "app.notifications.jobs.deliver_email"  # the job that sends one email of the outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    label: object
    email_by_default: bool


KINDS: dict[str, Kind] = {
    "band_action": Kind(_l("An assessment result that needs action"), True),
    "assessment_overdue": Kind(_l("Assessments and reviews that are overdue (daily)"), True),
    "authorisation_expiring": Kind(_l("Legal authorisations expiring within 28 days (daily)"), True),
    "job_finished": Kind(_l("A document or job I asked for is ready"), False),
    "job_failed": Kind(_l("A document or job I asked for failed"), True),
}

# Who a band action's "notify" role means, in our roles.
ACTION_ROLES = {
    "nurse_in_charge": ("Nurse", "Home Manager"),
    "home_manager": ("Home Manager",),
    "senior_carer": ("Senior Carer", "Nurse", "Home Manager"),
}
CLINICAL_ROLES = ("Home Manager", "Nurse", "Senior Carer")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------------------------------------
# Who


def recipients(home_id: int | None, roles: Iterable[str]) -> list[int]:
    """Active users with one of these roles who work in the home (or in every home)."""
    from flask_appbuilder.security.sqla.models import Role

    from app.security import CareUser, user_home

    wanted = set(roles)
    query = (
        select(CareUser.id)
        .join(CareUser.roles)
        .where(CareUser.active.is_(True), Role.name.in_(sorted(wanted)))
        .distinct()
    )
    if home_id is not None:
        works_there = select(user_home.c.user_id).where(user_home.c.home_id == home_id)
        query = query.where(or_(CareUser.all_homes.is_(True), CareUser.id.in_(works_there)))
    return sorted(db.session.scalars(query))


def wants_email(user_id: int, kind: str) -> bool:
    pref = db.session.get(NotificationPreference, (user_id, kind))
    if pref is not None:
        return bool(pref.email)
    known = KINDS.get(kind)
    return bool(known and known.email_by_default)


def preferences(user_id: int) -> dict[str, bool]:
    return {kind: wants_email(user_id, kind) for kind in KINDS}


def set_preferences(user_id: int, email_kinds: Iterable[str]) -> None:
    chosen = set(email_kinds) & set(KINDS)
    for kind in KINDS:
        pref = db.session.get(NotificationPreference, (user_id, kind))
        if pref is None:
            db.session.add(NotificationPreference(user_id=user_id, kind=kind, email=kind in chosen))
        else:
            pref.email = kind in chosen
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Writing


def notify(
    user_ids: Iterable[int],
    kind: str,
    subject: str,
    body: str = "",
    *,
    link: str | None = None,
    home_id: int | None = None,
    dedup_key: str | None = None,
    message: dict | None = None,
) -> list[NotificationOutbox]:
    """Write the notification for each person (in-app, and email if they want this kind by
    email). With a dedup_key, a person never gets the same notification twice."""
    from app.security import CareUser

    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    written = []
    for user_id in dict.fromkeys(user_ids):
        user = db.session.get(CareUser, user_id)
        if user is None or not user.active:
            continue
        channels = [Channel.in_app]
        if user.email and wants_email(user_id, kind):
            channels.append(Channel.email)
        for channel in channels:
            if dedup_key and _exists(user_id, channel, dedup_key):
                continue
            row = NotificationOutbox(
                user_id=user_id, home_id=home_id, kind=kind, channel=channel.value,
                subject=str(subject)[:300], body=str(body), link=link, dedup_key=dedup_key, message=message,
                status=(DeliveryStatus.sent if channel == Channel.in_app else DeliveryStatus.pending).value,
                sent_at=_now() if channel == Channel.in_app else None, created_at=_now(),
            )
            if not _insert_once(row):
                continue
            written.append(row)
            if channel == Channel.email:  # by name: the jobs module imports this one, not the reverse
                jobs.enqueue(
                    DELIVER_EMAIL, row.id, job_id=f"notification-email:{row.id}",
                    description=f"Email: {row.subject}"[:300], home_id=home_id,
                )
    return written


def email_address(
    to: str,
    kind: str,
    subject: str,
    body: str,
    *,
    attachment: tuple[str, bytes, str] | None = None,
    home_id: int | None = None,
    description: str | None = None,
) -> NotificationOutbox:
    """Write an email to someone who is not a user (a payer), with at most one attached file
    (name, bytes, media type), and queue its delivery: the same job as users' email, retried, its
    status and last error kept on the row. The text is sent as written."""
    name, data, media = attachment if attachment is not None else (None, None, None)
    row = NotificationOutbox(
        user_id=None, to_address=to.strip()[:254], home_id=home_id, kind=kind[:40], channel=Channel.email.value,
        subject=str(subject)[:300], body=str(body), status=DeliveryStatus.pending.value, created_at=_now(),
        attachment_name=name[:200] if name else None, attachment_type=media, attachment=data,
    )
    db.session.add(row)
    db.session.flush()
    jobs.enqueue(DELIVER_EMAIL, row.id, job_id=f"notification-email:{row.id}",
                 description=(description or f"Email: {row.subject}")[:300], home_id=home_id)
    return row


def _insert_once(row: NotificationOutbox) -> bool:
    """Write the row. With a dedup_key it goes in under a SAVEPOINT: when another worker or request
    wrote the same notification a moment ago (the unique index on user, channel and dedup_key says
    so), only this row is undone and the caller's transaction carries on. Returns whether written."""
    if not row.dedup_key:
        db.session.add(row)
        db.session.flush()
        return True
    db.session.flush()  # anything else pending fails (or not) on its own, outside the savepoint
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as error:
        message = str(error.orig)
        if "uq_notification_outbox_dedup" not in message and "notification_outbox.dedup_key" not in message:
            raise  # another rule broken: not ours to swallow
        log.info("Notification %r for user %s was already written by another request", row.dedup_key, row.user_id)
        return False
    return True


def _exists(user_id: int, channel: Channel, dedup_key: str) -> bool:
    query = select(NotificationOutbox.id).where(
        NotificationOutbox.user_id == user_id,
        NotificationOutbox.channel == channel.value,
        NotificationOutbox.dedup_key == dedup_key,
    )
    pending = any(
        isinstance(o, NotificationOutbox) and o.user_id == user_id and o.channel == channel.value
        and o.dedup_key == dedup_key for o in db.session.new
    )
    return pending or db.session.scalar(query.limit(1)) is not None


# ---------------------------------------------------------------------------------------------
# Reading


def in_homes_of(user_id: int, home_column):
    """Rows of no home, or of a home the person works in now: what belonged to a home they have
    left (residents' names in subjects and descriptions) is no longer theirs to read."""
    from app.security import CareUser
    from app.tenancy import allowed_home_ids

    user = db.session.get(CareUser, user_id)
    homes = sorted(allowed_home_ids(user)) if user is not None else []
    return or_(home_column.is_(None), home_column.in_(homes))


def _inbox(user_id: int):
    return select(NotificationOutbox).where(
        NotificationOutbox.user_id == user_id, NotificationOutbox.channel == Channel.in_app.value,
        in_homes_of(user_id, NotificationOutbox.home_id),
    )


def unread_count(user_id: int) -> int:
    query = select(func.count()).select_from(NotificationOutbox).where(
        NotificationOutbox.user_id == user_id,
        NotificationOutbox.channel == Channel.in_app.value,
        NotificationOutbox.read_at.is_(None),
        in_homes_of(user_id, NotificationOutbox.home_id),
    )
    return int(db.session.scalar(query) or 0)


def bell(user_id: int, limit: int) -> tuple[int, list[NotificationOutbox]]:
    """The navigation bar's bell in one query: how many are unread, and the latest few (the unread
    are among the person's in-app notifications, so none at all means none unread)."""
    unread = select(func.count()).select_from(NotificationOutbox).where(
        NotificationOutbox.user_id == user_id,
        NotificationOutbox.channel == Channel.in_app.value,
        NotificationOutbox.read_at.is_(None),
        in_homes_of(user_id, NotificationOutbox.home_id),
    ).scalar_subquery()
    rows = db.session.execute(
        _inbox(user_id).add_columns(unread.label("unread"))
        .order_by(NotificationOutbox.created_at.desc(), NotificationOutbox.id.desc()).limit(limit)).all()
    return (int(rows[0][1] or 0) if rows else 0), [row[0] for row in rows]


def inbox(user_id: int, limit: int = 50) -> list[NotificationOutbox]:
    query = _inbox(user_id).order_by(NotificationOutbox.created_at.desc(), NotificationOutbox.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications (or all of them) read. Returns how many changed."""
    query = (
        update(NotificationOutbox)
        .where(
            NotificationOutbox.user_id == user_id,
            NotificationOutbox.channel == Channel.in_app.value,
            NotificationOutbox.read_at.is_(None),
        )
        .values(read_at=_now())
        .execution_options(synchronize_session=False)
    )
    if notification_id is not None:
        query = query.where(NotificationOutbox.id == notification_id)
    return db.session.execute(query).rowcount


# ---------------------------------------------------------------------------------------------
# Email


def send_email(to: str, subject: str, body: str, attachments: Iterable[tuple[str, bytes, str]] = ()) -> None:
    """Send over SMTP (MAIL_* settings); without MAIL_SERVER the message is written to the log.
    `attachments`: (file name, bytes, media type such as "application/pdf")."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or "no-reply@writecarenotes.local"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body or subject)
    files = list(attachments)
    for name, data, media in files:
        maintype, _, subtype = (media or "application/octet-stream").partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    server = config.get("MAIL_SERVER")
    if not server:
        log.info("Email (MAIL_SERVER is not set, so written here instead):\nTo: %s\nSubject: %s\n\n%s%s",
                 to, subject, body, "".join(f"\n[attached: {name}, {len(data)} bytes]" for name, data, _ in files))
        return
    with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 587), timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
