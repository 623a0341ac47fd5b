"""Request guards that close Flask-AppBuilder's routes to malformed input, for every view at once.

FAB answers some junk with a 500: a text or out-of-range primary key in a URL (PostgreSQL and
SQLite both reject it), an unknown action name, a download of an uploaded file when there are
none. These checks run before any view and answer 404 instead.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Flask, abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Integer

MAX_ID = 2**31 - 1


def valid_int_id(value) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return 0 < number <= MAX_ID


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`: the one check for every `next`.

    Browsers drop tabs and newlines inside a URL, strip control characters and spaces around it
    and read a backslash as a slash, so `/<tab>/evil.example/` or `/\\evil.example/` lead to another
    site although they start with one slash. Only a plain path is followed: it starts with one
    slash, and holds no backslash, whitespace or control character anywhere.
    """
    if not target or len(target) > 2000:
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    path = unquote(re.split(r"[?#]", target, maxsplit=1)[0])  # and its path, percent-decoded
    for text in (target, path):
        if text.startswith("//") or "\\" in text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127
                                                        for ch in text):
            return fallback
    return target


def api_write_needs_csrf_token() -> str | None:
    """A change through the REST API authenticated by the browser's session cookie must carry the
    session's CSRF token in `X-CSRFToken`, as browser forms carry it in a field: SameSite=Lax and
    JSON-only bodies alone should not be all that stops another site's write. A JWT bearer call
    needs none (another site cannot make a browser send an Authorization header). Returns the
    reason to refuse, or None."""
    from flask import current_app
    from flask_login import current_user
    from flask_wtf.csrf import ValidationError, validate_csrf

    if request.method in ("GET", "HEAD", "OPTIONS") or not request.path.startswith("/api/"):
        return None
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        from flask_jwt_extended import verify_jwt_in_request

        try:
            verify_jwt_in_request()
            return None  # a valid bearer token: the session plays no part
        except Exception:  # noqa: BLE001 - a bad token falls back to the session, which needs the token
            pass
    if not getattr(current_user, "is_authenticated", False):
        return None  # no session to borrow: the API answers 401 itself
    token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except ValidationError as error:
        return _("CSRF token missing or not valid (%(reason)s). Send the page's token in the "
                 "X-CSRFToken header, or call the API with a bearer token.", reason=error.args[0])
    return None


# ---------------------------------------------------------------------------------------------
# Access logs


# ten digits, perhaps written 3-3-4 with spaces (+, %20) or dashes, in a URL's query string
_NHS_IN_QUERY = re.compile(r"(?<![0-9])[0-9]{3}(?:\+|%20|-|%2D)?[0-9]{3}(?:\+|%20|-|%2D)?[0-9]{4}(?![0-9])",
                           re.IGNORECASE)


def _blank_query(text: str) -> str:
    path, mark, query = text.partition("?")
    if not mark:
        return text
    return path + mark + _NHS_IN_QUERY.sub("[NHS number]", query)


def redact_nhs_numbers(record) -> bool:
    """Logging filter for access logs: NHS numbers in a query string (a bookmarked search, an API
    search, a list filter) are written as [NHS number]. Paths (record ids) are left alone."""
    if isinstance(record.args, dict):  # gunicorn.access: atoms such as r (request line), q, U
        record.args = {k: _blank_query(v) if k in ("r", "q") and isinstance(v, str) else v
                       for k, v in record.args.items()}
        if "q" in record.args and isinstance(record.args["q"], str):
            record.args["q"] = _NHS_IN_QUERY.sub("[NHS number]", record.args["q"])
        return True
    if record.args:
        record.args = tuple(_blank_query(a) if isinstance(a, str) else a for a in record.args)
    elif isinstance(record.msg, str):
        record.msg = _blank_query(record.msg)
    return True


def _install_log_redaction() -> None:
    import logging

    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if redact_nhs_numbers not in logger.filters:
            logger.addFilter(redact_nhs_numbers)


def init_app(app: Flask) -> None:
    _install_log_redaction()
    views = {view.__class__.__name__: view for view in app.appbuilder.baseviews}
    integer_pk = set()
    for name, view in views.items():
        mapper = getattr(getattr(getattr(view, "datamodel", None), "obj", None), "__mapper__", None)
        if mapper is not None and isinstance(mapper.primary_key[0].type, Integer):
            integer_pk.add(name)

    @app.before_request
    def _api_writes_with_the_session_need_the_csrf_token():
        refused = api_write_needs_csrf_token()
        if refused is not None:
            return jsonify(message=refused), 400
        return None

    @app.before_request
    def _refuse_malformed_routes():
        endpoint = request.endpoint or ""
        view_name, _, method = endpoint.partition(".")
        view = views.get(view_name)
        if view is None:
            return
        args = request.view_args or {}
        if "pk" in args and view_name in integer_pk and not valid_int_id(args["pk"]):
            abort(404)
        if method == "download":  # no uploaded-file columns anywhere in WriteCareNotes
            abort(404)
        if method == "action" and args.get("name") not in getattr(view, "actions", {}):
            abort(404)
        if method == "action_post" and request.form.get("action") not in getattr(view, "actions", {}):
            abort(404)
