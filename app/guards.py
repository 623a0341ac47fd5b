"""Request guards that close Flask-AppBuilder's routes to malformed input, for every view at once.

FAB answers some junk with a 500: a text or out-of-range primary key in a URL (PostgreSQL and
SQLite both reject it), an unknown action name, a download of an uploaded file when there are
none, a NUL byte in any text (PostgreSQL refuses it), JSON or rison nested thousands deep (the
parser runs out of stack), a page number or page size that is not a small whole number, text in a
filter on a related record or a number column, ordering a list by something that is not a column.
These checks run before any view (sign-in included) and answer 404 or 400 instead, naming what
was wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote

from flask import Flask, abort, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Date, DateTime, Integer, Numeric
from werkzeug.datastructures import ImmutableMultiDict

MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100  # the same bound as app.crud's list pages and FAB_API_MAX_PAGE_SIZE
MAX_JSON_DEPTH = 64
MAX_RISON_DEPTH = 32
MAX_BODY_SCAN = 16 * 1024 * 1024  # a JSON body longer than this is refused

_FILTER_ARG = re.compile(r"_flt_(\d)_(.*)")


class JunkInput(Exception):
    """Input no view could use: answered with 400 and a message naming the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def valid_int_id(value) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return 0 < number <= MAX_ID


def _whole_number(value, low: int, high: int) -> bool:
    try:
        number = int(str(value).strip())
    except ValueError:
        return False
    return low <= number <= high


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


# ---------------------------------------------------------------------------------------------
# Text and structure


def _refuse_nul(field: str, value: str) -> None:
    if "\x00" in value:
        raise JunkInput(field, _("Text may not contain a NUL character."))


def nesting_depth(text: str, openers: str, closers: str, quotes: str) -> int:
    """The deepest nesting of brackets in `text`, skipping quoted strings (no recursion)."""
    depth = deepest = 0
    quote = None
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char in "\\!" and (char == "!" if quote == "'" else char == "\\"):
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in quotes:
            quote = char
        elif char in openers:
            depth += 1
            deepest = max(deepest, depth)
        elif char in closers:
            depth -= 1
    return deepest


def _walk_json(value, path: str = "body", depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise JunkInput(path, _("The request body is nested too deeply."))
    if isinstance(value, str):
        _refuse_nul(path, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(path, str(key))
            _walk_json(item, str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            _walk_json(item, path, depth + 1)


def check_text(args, form) -> None:
    _refuse_nul("path", request.path)
    for source in (args, form):
        for key, values in source.lists():
            _refuse_nul(key, key)
            for value in values:
                _refuse_nul(key, value)


def check_json_body() -> None:
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    if len(raw) > MAX_BODY_SCAN:
        raise JunkInput("body", _("The request body is too large."))
    text = raw.decode("utf-8", errors="replace")
    brackets = text.count("[") + text.count("{")
    if brackets > MAX_JSON_DEPTH and nesting_depth(text, "[{", "]}", '"') > MAX_JSON_DEPTH:
        raise JunkInput("body", _("The request body is nested too deeply."))
    try:
        body = json.loads(text)
    except ValueError:
        return  # not JSON at all: the view answers that
    _walk_json(body)


# ---------------------------------------------------------------------------------------------
# List arguments (browser lists and REST lists)


def _column_kind(datamodel, name: str) -> str | None:
    """'relation', 'int', 'number', 'date', 'datetime' or None (text and anything else)."""
    model = getattr(datamodel, "obj", None)
    mapper = getattr(model, "__mapper__", None)
    if mapper is None:
        return None
    if name in mapper.relationships:
        return "relation"
    column = mapper.columns.get(name)
    if column is None:
        return None
    kind = column.type
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Numeric):
        return "number"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    return None


def _value_fits(kind: str | None, value) -> bool:
    if kind is None:
        return True
    if isinstance(value, (list, tuple)):
        return all(_value_fits(kind, v) for v in value)
    text = str(value).strip()
    if kind == "relation":
        return text == "" or valid_int_id(text)
    if kind == "int":
        return text == "" or _whole_number(text, -MAX_ID - 1, MAX_ID)
    if kind == "number":
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text == ""
        return number.is_finite() and abs(number) < Decimal(10) ** 12
    if kind in ("date", "datetime"):
        if text == "":
            return True
        try:
            (dt.datetime if kind == "datetime" else dt.date).fromisoformat(text)
        except ValueError:
            try:
                dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
            except ValueError:
                return False
        return True
    return True


def check_list_args(args, views: dict) -> ImmutableMultiDict | None:
    """Page, page size, order and filter arguments of FAB's browser lists. Returns the arguments
    with an over-large page size brought down to the largest allowed, when one was."""
    clamped = None
    view = views.get((request.endpoint or "").partition(".")[0])
    for key, values in args.lists():
        value = values[-1]
        if "page_" in key or key.startswith("psize_") or "psize_" in key:
            is_size = "psize_" in key
            if not _whole_number(value, 1 if is_size else 0, 10**30):
                raise JunkInput(key, _("Give a whole number of at least %(low)d.", low=1 if is_size else 0))
            number = int(value)
            if not is_size and number > MAX_PAGE:
                raise JunkInput(key, _("There is no such page."))
            if is_size and number > MAX_PAGE_SIZE:
                clamped = clamped or {k: list(v) for k, v in args.lists()}
                clamped[key] = [str(MAX_PAGE_SIZE)]
        elif key.startswith("_oc_"):
            target = views.get(key[4:])
            order_columns = getattr(target, "order_columns", None)
            if target is not None and order_columns is not None and value not in order_columns:
                raise JunkInput(key, _("A list can only be sorted by one of its sortable columns."))
        elif view is not None and _FILTER_ARG.fullmatch(key):
            index, column = _FILTER_ARG.fullmatch(key).groups()
            filters = getattr(view, "_filters", None)
            available = getattr(filters, "_all_filters", {}).get(column)
            if available is None:
                continue  # FAB ignores filters on unknown columns
            if int(index) >= len(available):
                raise JunkInput(key, _("No such filter."))
            kind = _column_kind(getattr(view, "datamodel", None), column)
            if not _value_fits(kind, values):
                raise JunkInput(column, _("This filter needs a value of the column's kind "
                                          "(a record id, a number or a date)."))
    if clamped is not None:
        return ImmutableMultiDict([(k, v) for k, vs in clamped.items() for v in vs])
    return None


def _read_q(raw: str):
    """`q` as Flask-AppBuilder reads it: rison, or JSON when it is not rison (FAB_API_ALLOW_JSON_QS).
    None when neither (FAB answers an unreadable q itself, 400)."""
    import prison

    try:
        return prison.loads(raw)
    except prison.decoder.ParserException:
        if not current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
            return None
    except Exception:  # noqa: BLE001 - e.g. "2.5e" as a number: FAB would not catch it (a 500)
        raise JunkInput("q", _("The query cannot be read.")) from None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def check_rison(args, views: dict) -> None:
    """`q=` of the REST API: depth first (the parser recurses), then page, order and filters."""
    raw = args.get("q")
    if raw is None or not request.path.startswith("/api/"):
        return  # elsewhere q is what someone searched for
    if nesting_depth(raw, "(", ")", "'") > MAX_RISON_DEPTH or nesting_depth(raw, "[{", "]}", '"') > MAX_RISON_DEPTH:
        raise JunkInput("q", _("The query is nested too deeply."))
    query = _read_q(raw)
    if not isinstance(query, dict):
        return
    for key, low in (("page", 0), ("page_size", 1)):
        if key in query and not (isinstance(query[key], int) and not isinstance(query[key], bool)
                                 and low <= query[key] <= MAX_PAGE):
            raise JunkInput(key, _("Give a whole number of at least %(low)d.", low=low))
    if "order_direction" in query and query["order_direction"] not in ("asc", "desc"):
        raise JunkInput("order_direction", _("Sort ascending (asc) or descending (desc)."))
    api = views.get((request.endpoint or "").partition(".")[0])
    if api is None:
        return
    if "order_column" in query:
        order_columns = getattr(api, "order_columns", None) or []
        if query["order_column"] not in order_columns:
            raise JunkInput("order_column", _("A list can only be sorted by one of its sortable columns."))
    filters = query.get("filters")
    if filters is None:
        return
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise JunkInput("filters", _("Filters are a list of (col, opr, value)."))
    for item in filters:
        kind = _column_kind(getattr(api, "datamodel", None), str(item.get("col", "")))
        if not _value_fits(kind, item.get("value")):
            raise JunkInput(str(item.get("col")), _("This filter needs a value of the column's kind "
                                                    "(a record id, a number or a date)."))


# ---------------------------------------------------------------------------------------------


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


def _refusal(error: JunkInput):
    if request.path.startswith("/api/"):
        return jsonify(message={error.field: [error.message]}), 400
    message = f"{error.field}: {error.message}"
    return message, 400, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    _install_log_redaction()
    views = {view.__class__.__name__: view for view in app.appbuilder.baseviews}
    integer_pk = set()
    for name, view in views.items():
        mapper = getattr(getattr(getattr(view, "datamodel", None), "obj", None), "__mapper__", None)
        if mapper is not None and isinstance(mapper.primary_key[0].type, Integer):
            integer_pk.add(name)

    @app.before_request
    def _refuse_junk_input():
        try:
            check_text(request.args, request.form)
            check_json_body()
            clamped = check_list_args(request.args, views)
            if clamped is not None:
                request.args = clamped
            check_rison(request.args, views)
        except JunkInput as error:
            return _refusal(error)
        return None

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
