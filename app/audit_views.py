"""The audit trail, read-only: a filtered list in the browser and a REST API.

Both use one permission, `can_read` on "Audit trail", and show only the events of the homes the
user may see (plus events that belong to no home, such as sign-ins, for group-wide staff).
Nothing here can add, change or delete an event.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from flask import current_app, g
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.models.sqla.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import or_

from app.audit import AuditEvent
from app.crud import MAX_PAGE_SIZE, READ_ONLY_API, READ_ONLY_VIEW
from app.tenancy import acting_user, current_scope

RESOURCE = "Audit trail"
READ_ONLY = {**READ_ONLY_VIEW, **READ_ONLY_API}

LIST_COLUMNS = [
    "occurred_at", "actor_name", "action", "entity", "entity_id", "home_id", "request_id",
]
SHOW_COLUMNS = [
    "id", "occurred_at", "actor_id", "actor_name", "action", "entity", "entity_id", "home_id",
    "changes", "request_id", "client_addr", "prev_hash", "hash",
]
SEARCH_COLUMNS = ["occurred_at", "actor_name", "home_id", "entity", "entity_id", "action", "request_id"]
LABELS = {
    "id": _l("Event ID"),
    "occurred_at": _l("When"),
    "actor_id": _l("User ID"),
    "actor_name": _l("Who"),
    "action": _l("Action"),
    "entity": _l("Record type"),
    "entity_id": _l("Record ID"),
    "home_id": _l("Home"),
    "changes": _l("Changes"),
    "request_id": _l("Request ID"),
    "client_addr": _l("Client address"),
    "prev_hash": _l("Previous event's hash"),
    "hash": _l("Hash"),
}


class AuditScopeFilter(BaseFilter):
    """Events of the homes in the user's current scope; events of no home for group-wide staff.

    Read at request time, so switching home in the navigation bar narrows the trail too. Outside
    a request (CLI, jobs) nothing is filtered.
    """

    name = _l("In your homes")
    arg_name = None

    def apply(self, query, value):
        scope = current_scope()
        if scope is None:
            return query
        column = self.model.home_id
        condition = column.in_(sorted(scope))
        if getattr(acting_user(), "all_homes", False):
            condition = or_(condition, column.is_(None))
        return query.filter(condition)


ACTIONS = {
    "insert": _l("Added"), "update": _l("Changed"), "delete": _l("Deleted"),
    "sign_in": _l("Signed in"), "sign_out": _l("Signed out"), "sign_in_failed": _l("Sign-in failed"),
    "sign_in_refused": _l("Sign-in refused"), "permission_denied": _l("Refused: no permission"),
    "password_changed": _l("Password changed"), "account_unlocked": _l("Account unlocked"),
    "keys_rotated": _l("Encryption keys rotated"),
}


def humanise(code: str | None) -> str:
    """"date_of_birth" -> "Date of birth", "AssessmentRecord" -> "Assessment record"."""
    if not code:
        return ""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(code)).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


def format_action(action) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else humanise(action)


def _field_labels(entity: str) -> dict:
    """The labels a record type's own browser pages give its fields."""
    cache = g.setdefault("_audit_field_labels", {})
    if entity not in cache:
        labels = {}
        for view in current_app.appbuilder.baseviews:
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            if model is not None and model.__name__ == entity:
                # the labels the view's class gives, not the ones Flask-AppBuilder made up
                for key, value in (getattr(type(view), "label_columns", None) or {}).items():
                    labels.setdefault(key, str(value))
        cache[entity] = labels
    return cache[entity]


def _value_text(value) -> str:
    from app.ukdates import parse_uk_datetime, readable

    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        moment = parse_uk_datetime(value, zone=dt.UTC)
        return readable(moment) if moment else value
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        from app.ukdates import parse_uk_date

        day = parse_uk_date(value)
        return readable(day) if day else value
    return str(readable(value))


def format_changes(changes, entity: str | None = None) -> Markup:
    """Who changed what: each field by its label, before and after; secret fields say only that
    they changed. Anything that is not field changes (e.g. a sign-in's details) is listed as is."""
    if not changes:
        return Markup("")
    if not isinstance(changes, dict):
        text = json.dumps(changes, ensure_ascii=False)
        return Markup('<pre class="audit-changes">') + escape(text) + Markup("</pre>")
    labels = _field_labels(entity) if entity else {}
    rows = []
    for key in sorted(changes):
        if key.endswith("_index"):
            continue  # search keys of encrypted fields: meaningless to a reader
        change = changes[key]
        label = labels.get(key) or humanise(key)
        if isinstance(change, dict) and change.get("changed") is True and len(change) == 1:
            before, after = "", str(_l("changed (not shown: protected)"))
        elif isinstance(change, dict) and set(change) <= {"old", "new"}:
            before = _value_text(change.get("old")) if change.get("old") is not None else ""
            after = _value_text(change.get("new")) if change.get("new") is not None else ""
        else:
            before, after = "", _value_text(change)
        rows.append(Markup("<tr><th>{}</th><td>{}</td><td>{}</td></tr>").format(label, before, after))
    head = Markup("<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>").format(
        _l("Field"), _l("Before"), _l("After"))
    return Markup('<table class="table table-condensed audit-changes">') + head + Markup("<tbody>") + \
        Markup("").join(rows) + Markup("</tbody></table>")


def format_home(home_id) -> str:
    if home_id is None:
        return ""
    from app.extensions import db
    from app.homes.models import CareHome

    names = g.setdefault("_audit_home_names", {})
    if home_id not in names:
        home = db.session.get(CareHome, home_id)
        names[home_id] = home.name if home is not None else str(home_id)
    return names[home_id]


class AuditEventView(ModelView):
    """Audit events, newest first: who did what to which record, and when."""

    datamodel = SQLAInterface(AuditEvent)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY
    base_permissions = ["can_read"]
    include_route_methods = {"list", "show"}
    base_filters = [["home_id", AuditScopeFilter, None]]
    base_order = ("id", "desc")

    list_title = _l("Audit events")
    show_title = _l("Audit event")
    list_columns = LIST_COLUMNS
    show_columns = SHOW_COLUMNS
    search_columns = SEARCH_COLUMNS
    order_columns = ["occurred_at", "actor_name", "action", "entity", "home_id"]
    label_columns = LABELS
    formatters_columns = {
        "action": format_action, "entity": humanise, "home_id": format_home,
    }
    page_size = 25

    def __init__(self, **kwargs):
        from app.ukdates import format_datetime

        self.formatters_columns = {**self.formatters_columns, "occurred_at": format_datetime}
        super().__init__(**kwargs)

    def _get_show_widget(self, pk, item, **kwargs):
        # The changes read as field labels of that record type, before and after.
        widgets = super()._get_show_widget(pk, item, **kwargs)
        widget = widgets.get("show")
        if widget is not None:
            formatters = dict(widget.template_args.get("formatters_columns") or {})
            formatters["changes"] = lambda changes: format_changes(changes, item.entity)
            widget.template_args["formatters_columns"] = formatters
        return widgets

    def _get_list_widget(self, *args, page_size=None, **kwargs):
        page_size = min(page_size or self.page_size, MAX_PAGE_SIZE)
        return super()._get_list_widget(*args, page_size=page_size, **kwargs)


class AuditEventApi(ModelRestApi):
    """GET /api/v1/audit-events/ (filtered, newest first) and /api/v1/audit-events/<id>."""

    resource_name = "audit-events"
    datamodel = SQLAInterface(AuditEvent)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY
    base_permissions = ["can_read"]
    include_route_methods = {"get", "get_list", "info"}
    allow_browser_login = True
    base_filters = [["home_id", AuditScopeFilter, None]]
    base_order = ("id", "desc")

    list_columns = ["id"] + LIST_COLUMNS + ["actor_id", "changes", "client_addr"]
    show_columns = SHOW_COLUMNS
    search_columns = SEARCH_COLUMNS
    order_columns = ["id", "occurred_at", "actor_name", "action", "entity", "home_id"]
    label_columns = LABELS
    page_size = 25


def register_audit_views(appbuilder) -> None:
    """The "Audit trail" menu with its "Audit events" page, and the REST API."""
    appbuilder.add_view(
        AuditEventView,
        RESOURCE,
        label=_l("Audit events"),
        icon="fa-list-alt",
        category=RESOURCE,
        category_label=_l("Audit trail"),
        category_icon="fa-shield-alt",
    )
    appbuilder.add_api(AuditEventApi)
