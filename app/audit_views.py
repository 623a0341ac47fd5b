"""The audit trail, read-only: a filtered list in the browser and a REST API.

Both use one permission, `can_read` on "Audit trail", and show only the events of the homes the
user may see (plus events that belong to no home, such as sign-ins, for group-wide staff).
Nothing here can add, change or delete an event.
"""

from __future__ import annotations

import json

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
    "occurred_at": _l("When (UTC)"),
    "actor_id": _l("User ID"),
    "actor_name": _l("Who"),
    "action": _l("Action"),
    "entity": _l("Record type"),
    "entity_id": _l("Record ID"),
    "home_id": _l("Home ID"),
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


def format_changes(changes) -> Markup:
    """Field changes as indented JSON, escaped."""
    if not changes:
        return Markup("")
    text = json.dumps(changes, indent=2, sort_keys=True, ensure_ascii=False)
    return Markup('<pre class="audit-changes">') + escape(text) + Markup("</pre>")


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
    formatters_columns = {"changes": format_changes}
    page_size = 25

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
