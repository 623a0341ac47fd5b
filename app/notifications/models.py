"""The notification outbox and each user's email preferences."""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import mapped_column

from app import labels


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Channel(enum.StrEnum):
    in_app = "in_app"
    email = "email"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


labels.register({DeliveryStatus.pending: _l("Waiting to be sent"), DeliveryStatus.sent: _l("Sent"),
                 DeliveryStatus.failed: _l("Failed")})


class NotificationOutbox(Model):
    """One message to one person on one channel. Written in the same transaction as the event
    that caused it; in-app rows are delivered by being here, email rows by a job (retried, and
    handed to Redis again by the sweeper if it was down).

    An email to someone who is not a user (a payer receiving an invoice) has no `user_id` but a
    `to_address`, and may carry one attached file (`attachment`, read only when sent)."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        UniqueConstraint("user_id", "channel", "dedup_key", name="uq_notification_outbox_dedup"),
        Index("ix_notification_outbox_inbox", "user_id", "channel", "read_at"),
        CheckConstraint("user_id IS NOT NULL OR to_address IS NOT NULL", name="ck_notification_outbox_recipient"),
    )

    id = mapped_column(Integer, primary_key=True)
    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"))
    to_address = mapped_column(String(254))  # someone who is not a user (a payer): the address itself
    home_id = mapped_column(ForeignKey("care_home.id", ondelete="SET NULL"), index=True)
    kind = mapped_column(String(40), nullable=False)
    channel = mapped_column(String(16), nullable=False)
    subject = mapped_column(String(300), nullable=False)
    body = mapped_column(Text, nullable=False, default="")
    # {"subject": [key, values], "body": [key, values]}: shown in the reader's language (app/notifications/
    # messages.py); subject and body keep the English text (email, and rows written before)
    message = mapped_column(JSON)
    link = mapped_column(String(500))
    status = mapped_column(String(16), nullable=False, default=DeliveryStatus.pending.value, index=True)
    attempts = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(DateTime(timezone=True))
    last_error = mapped_column(Text)
    dedup_key = mapped_column(String(200))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    sent_at = mapped_column(DateTime(timezone=True))
    read_at = mapped_column(DateTime(timezone=True))
    attachment_name = mapped_column(String(200))
    attachment_type = mapped_column(String(100))
    attachment = mapped_column(LargeBinary, deferred=True)

    def __repr__(self) -> str:
        return self.subject or ""


class NotificationPreference(Model):
    """Whether a person wants one kind of notification by email as well as in the app."""

    __tablename__ = "notification_preference"

    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    kind = mapped_column(String(40), primary_key=True)
    email = mapped_column(Boolean, nullable=False, default=False)
