"""Outage pages: while the database cannot be reached, every page answers 503 with a short page
in the user's language and `Retry-After` (JSON under /api/), instead of a bare 500.

Nothing here touches the database: the page is rendered without the menu or the signed-in user.
Connections that died with a restart are replaced before use (`pool_pre_ping`, config.py), so the
first request after the database is back succeeds.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 30  # seconds
_LOG_EVERY = 60.0  # at most one log line a minute per process, however many requests fail
_last_logged = [0.0]


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached or the connection broke (not a bad query or a constraint)."""
    if isinstance(error, (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def unavailable_message() -> str:
    return _("The care record is unavailable for a moment; nothing you saved is lost.")


def database_unavailable(error):
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is thrown away below
        pass
    try:
        db.session.remove()
    except Exception:
        pass
    now = time.monotonic()
    if now - _last_logged[0] > _LOG_EVERY:
        _last_logged[0] = now
        log.error("database unavailable: answering 503 (%s: %s)", type(error).__name__, str(error).strip()[:200])
    retry_after = str(int(current_app.config.get("OUTAGE_RETRY_AFTER", DEFAULT_RETRY_AFTER)))
    headers = {"Retry-After": retry_after, "Cache-Control": "no-store"}
    message = unavailable_message()
    if request.path.startswith("/api/"):
        return jsonify(message=message, status=503, retry_after=int(retry_after)), 503, headers
    # Straight from the template, without the app's context processors: they read the signed-in
    # user, the home switcher and the menu from the database.
    body = current_app.jinja_env.get_template("outage.html").render(
        message=message, retry_after=retry_after, title=_("Please try again in a moment"),
        lang=str(get_locale() or "en"), app_name=current_app.config.get("APP_NAME", "WriteCareNotes"),
        path=request.path,
    )
    return body, 503, headers


def init_app(app) -> None:
    for kind in (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError):
        app.register_error_handler(kind, database_unavailable)
