"""Things read many times in one request and written rarely, read once per request.

Each request has its own memo (a dict kept on the request object, so two requests never share one,
even in tests that hold an app context open across requests). Outside a request there is no memo
and every read goes to the database, as before.

* permissions: Flask-AppBuilder asks the database once per check (one EXISTS query for each menu
  item, link and button of a page: 40 to 50 a page). Here the (permission, resource) pairs of a
  set of roles are read in one query and every check of the request is answered from that set.
  A change to roles or permissions flushed during the request empties the memo, so a later check
  in the same request sees it; the next request always reads afresh.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

_KEY = "_wcn_request_memo"


def request_memo() -> dict | None:
    """This request's memo, or None outside a request."""
    if not has_request_context():
        return None
    return request._get_current_object().__dict__.setdefault(_KEY, {})


def forget(prefix: str) -> None:
    """Drop this request's memo entries whose key starts with `prefix`."""
    memo = request_memo()
    if memo:
        for key in [k for k in memo if isinstance(k, tuple) and k and k[0] == prefix]:
            del memo[key]


# ---------------------------------------------------------------------------------------------
# Permissions of roles


def _pairs(sm, key, which) -> frozenset[tuple[str, str]] | None:
    """The (permission, resource) pairs of the roles `which(role_table, link_table)` selects, read once
    per request under `key` (None outside a request)."""
    memo = request_memo()
    if memo is None:
        return None
    pairs = memo.get(key)
    if pairs is None:
        pv, perm, view, role = sm.permissionview_model, sm.permission_model, sm.viewmenu_model, sm.role_model
        from flask_appbuilder.security.sqla.models import assoc_permissionview_role as link

        query = (
            select(perm.name, view.name)
            .select_from(pv)
            .join(link, link.c.permission_view_id == pv.id)
            .join(role, role.id == link.c.role_id)
            .join(perm, perm.id == pv.permission_id)
            .join(view, view.id == pv.view_menu_id)
            .where(which(role, link))
            .distinct()
        )
        pairs = memo[key] = frozenset(tuple(row) for row in sm.session.execute(query))
    return pairs


def role_permissions(sm, role_ids) -> frozenset[tuple[str, str]] | None:
    """The (permission, resource) pairs these roles give, read once per request (None outside one)."""
    ids = frozenset(role_ids)
    return _pairs(sm, ("role_permissions", ids), lambda _role, link: link.c.role_id.in_(sorted(ids)))


def public_permissions(sm) -> frozenset[tuple[str, str]] | None:
    """The (permission, resource) pairs of the public role (what anyone may do without signing in),
    read once per request in one query (Flask-AppBuilder reads the role, then its permissions, before
    every REST call); None outside a request."""
    return _pairs(sm, ("role_permissions", "public"), lambda role, _link: role.name == sm.auth_role_public)


def permission_view_menus(pairs, permission_name: str) -> list:
    """Stand-ins for the PermissionView rows FAB's menu check reads (`.view_menu.name`)."""
    return [
        SimpleNamespace(permission=SimpleNamespace(name=p), view_menu=SimpleNamespace(name=v))
        for p, v in pairs if p == permission_name
    ]


@event.listens_for(Session, "after_flush")
def _roles_changed(session, flush_context):
    """Roles or their permissions changed in this request: later checks read them again."""
    if not has_request_context():
        return
    from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu

    kinds = (Role, PermissionView, Permission, ViewMenu)
    if any(isinstance(obj, kinds) for obj in (*session.new, *session.dirty, *session.deleted)):
        forget("role_permissions")
