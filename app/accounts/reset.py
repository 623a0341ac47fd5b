"""Password reset by email: a single-use link that expires, stored only as a hash. Using it sets
the new password, lifts a temporary lock and ends every session of the account."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import jobs
from app.accounts.models import PasswordResetToken
from app.accounts.sessions import aware, end_all_of, now
from app.extensions import db
from app.notifications.models import Channel, DeliveryStatus, NotificationOutbox

EMAIL_KIND = "password_reset"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=float(current_app.config.get("PASSWORD_RESET_MINUTES") or 30))


def find_account(username_or_email: str):
    """The active user with this username or email address, or None."""
    from app.security import CareUser

    value = (username_or_email or "").strip()[:256]
    if not value or "\x00" in value:
        return None
    query = select(CareUser).where((CareUser.username == value) | (CareUser.email == value))
    user = db.session.scalars(query.limit(1)).first()
    return user if user is not None and user.active and user.email else None


def base_url() -> str:
    configured = current_app.config.get("APP_BASE_URL")
    if configured:
        return configured.rstrip("/")
    return request.url_root.rstrip("/") if has_request_context() else "http://localhost"


def request_reset(username_or_email: str) -> PasswordResetToken | None:
    """Send a reset link to the account's email address, if there is such an account. The caller
    answers the same either way, so the page does not tell which accounts exist."""
    user = find_account(username_or_email)
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    row = PasswordResetToken(
        user_id=user.id, token_hash=_hash(token), created_at=now(), expires_at=now() + _lifetime(),
        client_addr=(request.remote_addr or "")[:64] if has_request_context() else None,
    )
    db.session.add(row)
    minutes = int(_lifetime().total_seconds() // 60)
    link = f"{base_url()}/login/reset/{token}"
    body = "\n\n".join([
        str(_l("Someone (we hope you) asked to reset the password of your WriteCareNotes account %(username)s.",
               username=user.username)),
        str(_l("Open this link within %(minutes)d minutes to choose a new password. It works once:",
               minutes=minutes)) + "\n" + link,
        str(_l("Resetting the password also unlocks the account and signs it out everywhere.")),
        str(_l("If you did not ask for this, ignore this email: your password stays as it is.")),
    ])
    outbox = NotificationOutbox(
        user_id=user.id, kind=EMAIL_KIND, channel=Channel.email.value,
        subject=str(_l("WriteCareNotes: reset your password")), body=body,
        status=DeliveryStatus.pending.value, created_at=now(),
    )
    db.session.add(outbox)
    db.session.flush()
    from app.notifications.jobs import deliver_email

    jobs.enqueue(deliver_email, outbox.id, job_id=f"notification-email:{outbox.id}",
                 description="Email: password reset")
    return row


def valid_token(token: str) -> PasswordResetToken | None:
    if not token or len(token) > 100:
        return None
    row = db.session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash(token))
    ).first()
    if row is None or row.used_at is not None or aware(row.expires_at) < now():
        return None
    return row


def use_token(token: str, new_password: str):
    """Set the new password with a valid link. Returns the user, or None (used, expired, unknown)."""
    row = valid_token(token)
    if row is None:
        return None
    taken = db.session.execute(
        update(PasswordResetToken).where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now()).execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        return None
    sm = current_app.appbuilder.sm
    user = sm.get_user_by_id(row.user_id)
    # Every other link of the account stops working too.
    db.session.execute(
        update(PasswordResetToken).where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now()).execution_options(synchronize_session=False)
    )
    user.fail_login_count = 0
    user.locked_until = None
    sm.reset_password(user.id, new_password)  # ends every session of the account, commits
    end_all_of(user.id, "password reset")
    return user
