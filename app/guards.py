"""Request guards that close Flask-AppBuilder's routes to malformed input, for every view at once.

FAB answers some junk with a 500: a text or out-of-range primary key in a URL (PostgreSQL and
SQLite both reject it), an unknown action name, a download of an uploaded file when there are
none. These checks run before any view and answer 404 instead.
"""

from __future__ import annotations

from flask import Flask, abort, request
from sqlalchemy import Integer

MAX_ID = 2**31 - 1


def valid_int_id(value) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return 0 < number <= MAX_ID


def init_app(app: Flask) -> None:
    views = {view.__class__.__name__: view for view in app.appbuilder.baseviews}
    integer_pk = set()
    for name, view in views.items():
        mapper = getattr(getattr(getattr(view, "datamodel", None), "obj", None), "__mapper__", None)
        if mapper is not None and isinstance(mapper.primary_key[0].type, Integer):
            integer_pk.add(name)

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
