"""Server-side sessions: one row per sign-in, checked on every request, ended on sign-out, password
change, deactivation, an administrator's action, idle time or old age.

The per-request cost is one primary-key lookup; `last_seen_at` is written at most once a minute,
with a Core UPDATE (bookkeeping, not an audited change).
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app, g, has_request_context, request, session
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from app.accounts.models import RefreshToken, UserSession
from app.extensions import db

SESSION_KEY = "wcn_sid"  # the Flask session's pointer to its UserSession row
TOUCH_EVERY = dt.timedelta(minutes=1)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=float(current_app.config.get("SESSION_IDLE_MINUTES") or 30))


def absolute_limit() -> dt.timedelta:
    return dt.timedelta(hours=float(current_app.config.get("SESSION_MAX_HOURS") or 12))


def start(user, kind: str = "browser", second_factor_due: bool = False) -> UserSession:
    """Open a session row for a sign-in that has just passed its password check (commits what the
    password check left open first)."""
    _fresh_transaction()
    row = UserSession(
        id=secrets.token_urlsafe(32), user_id=user.id, kind=kind, created_at=now(), last_seen_at=now(),
        second_factor_due=second_factor_due,
    )
    if has_request_context():
        row.user_agent = (request.user_agent.string or "")[:300]
        row.client_addr = (request.remote_addr or "")[:64]
    db.session.add(row)
    db.session.flush()
    return row


def why_not_live(row: UserSession | None, at: dt.datetime | None = None) -> str | None:
    """None while the session may be used; otherwise why it may not."""
    if row is None:
        return "unknown"
    if row.ended_at is not None:
        return row.end_reason or "ended"
    at = at or now()
    if at - aware(row.created_at) > absolute_limit():
        return "expired"
    if at - aware(row.last_seen_at) > idle_limit():
        return "idle"
    return None


def check(session_id: str | None, user_id: int | None = None) -> UserSession | None:
    """The live session with this id (of this user), touched; None (and ended, if it just timed out)
    otherwise."""
    if not session_id or not isinstance(session_id, str) or len(session_id) > 43:
        return None
    row = db.session.get(UserSession, session_id)
    if row is None or (user_id is not None and row.user_id != int(user_id)):
        return None
    at = now()
    reason = why_not_live(row, at)
    if reason is not None:
        if row.ended_at is None:
            end_sessions([row.id], reason)
        return None
    if at - aware(row.last_seen_at) >= TOUCH_EVERY:
        touch(row, at)
    return row


def _fresh_transaction() -> None:
    """End the read transaction before a write: on SQLite a write after another connection committed
    (an audit event of this request, or another request) would fail on the stale read snapshot."""
    db.session.commit()


def touch(row: UserSession, at: dt.datetime | None = None) -> None:
    at = at or now()
    _fresh_transaction()
    db.session.execute(
        update(UserSession).where(UserSession.id == row.id).values(last_seen_at=at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def end_sessions(session_ids, reason: str) -> int:
    """End these sessions (their browsers are signed out, their tokens refused). Commits."""
    ids = [sid for sid in session_ids if sid]
    if not ids:
        return 0
    _fresh_transaction()
    count = db.session.execute(
        update(UserSession).where(UserSession.id.in_(ids), UserSession.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason[:40]).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def live_ids_of(user_id: int) -> list[str]:
    return list(db.session.scalars(
        select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    ))


def end_all_of(user_id: int, reason: str, keep: str | None = None, commit: bool = True) -> int:
    """End every session and API token family of a user (but `keep`, the caller's own session)."""
    if commit:
        _fresh_transaction()
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep:
        query = query.where(UserSession.id != keep)
    count = db.session.execute(
        query.values(ended_at=now(), end_reason=reason[:40]).execution_options(synchronize_session=False)
    ).rowcount
    if commit:
        db.session.commit()
    return count


# -- the browser's own session -------------------------------------------------------------------


def current_id() -> str | None:
    return session.get(SESSION_KEY) if has_request_context() else None


def current() -> UserSession | None:
    """This browser request's live session row (looked up once per request by the user loader)."""
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return None
    return g.get("wcn_session")


def forget_browser_session() -> None:
    """Drop the sign-in from the Flask session cookie (Flask-Login's keys and ours)."""
    for key in (SESSION_KEY, "_user_id", "_fresh", "_id", "_remember"):
        session.pop(key, None)


# -- API token families ------------------------------------------------------------------------


def issue_refresh(session_id: str, jti: str) -> None:
    db.session.add(RefreshToken(jti=jti, session_id=session_id, created_at=now()))
    db.session.flush()


def use_refresh(jti: str) -> str | None:
    """Mark a refresh token used. Returns None if that worked, else why it is refused ("reused"
    ends the whole family: someone holds a copy)."""
    token = db.session.get(RefreshToken, jti)
    if token is None:
        return "unknown"
    marked = db.session.execute(
        update(RefreshToken).where(RefreshToken.jti == jti, RefreshToken.used_at.is_(None))
        .values(used_at=now()).execution_options(synchronize_session=False)
    ).rowcount
    if not marked:
        end_sessions([token.session_id], "refresh token reused")
        return "reused"
    return None


# -- deactivation, wherever it happens ---------------------------------------------------------
# The user form, FAB's user API, the people page, the CLI and a bulk UPDATE all end in a flush or an
# ORM statement, so the sessions end here, in the same transaction as the change: never forgotten by a
# new path, and rolled back with it.

DEACTIVATED = "deactivated"


def _end_live_sessions(connection, user_ids) -> int:
    table = UserSession.__table__
    return connection.execute(
        update(table).where(table.c.user_id.in_(list(user_ids)), table.c.ended_at.is_(None))
        .values(ended_at=now(), end_reason=DEACTIVATED)
    ).rowcount


@event.listens_for(Session, "after_flush")
def _end_sessions_of_deactivated_users(db_session, flush_context):
    user_ids = set()
    for obj in db_session.dirty:
        if isinstance(obj, User) and obj.id is not None:
            added = inspect(obj).attrs.active.history.added
            if added and not added[0]:
                user_ids.add(obj.id)
    if user_ids:
        _end_live_sessions(db_session.connection(bind_arguments={"mapper": UserSession.__mapper__}), user_ids)


def _sets_inactive(statement) -> bool:
    values = getattr(statement, "_values", None) or {}
    for key, value in values.items():
        if getattr(key, "key", key) == "active":
            literal = getattr(value, "value", value)
            return literal is not None and not literal
    return False


@event.listens_for(Session, "do_orm_execute")
def _end_sessions_after_bulk_deactivation(state):
    """`update(User).values(active=False)` bypasses the flush: end the sessions of every inactive user
    right after it."""
    if not state.is_update or not _sets_inactive(state.statement):
        return None
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, User):
        return None
    result = state.invoke_statement()
    users = User.__table__
    table = UserSession.__table__
    state.session.connection(bind_arguments={"mapper": UserSession.__mapper__}).execute(
        update(table).where(
            table.c.ended_at.is_(None),
            table.c.user_id.in_(select(users.c.id).where(users.c.active.is_(False))),
        ).values(ended_at=now(), end_reason=DEACTIVATED)
    )
    return result
