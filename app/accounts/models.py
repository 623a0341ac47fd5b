"""Sign-in sessions, refresh tokens, second factors and password-reset tokens."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import mapped_column

from app.crypto import EncryptedText


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UserSession(Model):
    """One sign-in: a browser session or an API token family. The Flask session carries its id
    (`wcn_sid`) and every JWT carries it as the `sid` claim; each request checks it is still live,
    so ending the row signs that browser out and revokes every token of the family."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_live", "user_id", "ended_at"),)

    id = mapped_column(String(43), primary_key=True)  # random, URL-safe
    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    kind = mapped_column(String(8), nullable=False, default="browser")  # browser | api
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    last_seen_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now, info={"audit": "ignore"})
    # Whether this sign-in still owes its second factor (then only the code step is reachable).
    second_factor_due = mapped_column(Boolean, nullable=False, default=False)
    ended_at = mapped_column(DateTime(timezone=True))
    end_reason = mapped_column(String(40))
    user_agent = mapped_column(String(300))
    client_addr = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"session {self.id[:8]}"


class RefreshToken(Model):
    """A refresh token issued to an API session (its family). Each is used once: a refresh returns a
    new one; presenting a used one again means it was copied, and ends the whole family."""

    __tablename__ = "refresh_token"

    jti = mapped_column(String(64), primary_key=True)
    session_id = mapped_column(ForeignKey("user_session.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    used_at = mapped_column(DateTime(timezone=True))


class SecondFactor(Model):
    """A user's authenticator app (TOTP). `confirmed_at` is empty while enrolment is under way."""

    __tablename__ = "second_factor"

    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    secret = mapped_column(EncryptedText, nullable=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    confirmed_at = mapped_column(DateTime(timezone=True))
    # The last time step accepted: a code is accepted once, never replayed.
    last_step = mapped_column(Integer, info={"audit": "ignore"})


class RecoveryCode(Model):
    """One of the ten single-use recovery codes, stored as a SHA-256 hash (they are 80 random bits)."""

    __tablename__ = "recovery_code"

    id = mapped_column(Integer, primary_key=True)
    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash = mapped_column(String(64), nullable=False, unique=True, info={"audit": "secret"})
    used_at = mapped_column(DateTime(timezone=True))


class PasswordResetToken(Model):
    """A password-reset link sent by email: stored hashed, single use, expiring."""

    __tablename__ = "password_reset_token"

    id = mapped_column(Integer, primary_key=True)
    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = mapped_column(String(64), nullable=False, unique=True, info={"audit": "secret"})
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    expires_at = mapped_column(DateTime(timezone=True), nullable=False)
    used_at = mapped_column(DateTime(timezone=True))
    client_addr = mapped_column(String(64))
