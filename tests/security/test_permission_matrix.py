"""For every registered route and REST endpoint and every role of app/permissions.py, what the role
may reach is exactly what the matrix declares.

Each route's permission is read from Flask-AppBuilder's own mapping (the view's
`class_permission_name` and the method's permission name, as `has_access` and `protect` check
them). A role reaches the route when the matrix gives it that (permission, resource) pair, or the
role is Administrator. Refused means what FAB answers: a redirect to the sign-in page (browser) or
403/401 (API). Reached means anything else: a 200, or a 404/400/422 for the record id that does
not exist which the route is sent (so nothing is changed).
"""

from __future__ import annotations

import re

import pytest

from app import permissions
from tests.factories import ROLE_USERS

NO_SUCH_ID = "2147483000"
# Routes whose page also checks a second permission: printing a care plan makes a document, so it
# needs "Documents and jobs" (write) as well as reading care plans; each billing page also needs
# write on the billing resource it changes.
ALSO_NEEDS = {
    "CarePlanPagesView.print_plan": ("can_write", "Documents and jobs"),
    "CarePlanPagesView.print_home": ("can_write", "Documents and jobs"),
    "HandoverView.print_handover": ("can_write", "Documents and jobs"),
    "SbardView.print_sbard": ("can_write", "Documents and jobs"),
    "BillingPagesView.run": ("can_write", "Invoice runs"),
    "BillingPagesView.close": ("can_write", "Invoice runs"),
    "BillingPagesView.export": ("can_write", "Invoice runs"),
    "BillingPagesView.payment": ("can_write", "Payments"),
    "BillingPagesView.bank": ("can_write", "Payments"),
    "BillingPagesView.bank_confirm": ("can_write", "Payments"),
    "BillingFormsView.payer": ("can_write", "Billing payers"),
    "BillingFormsView.extra": ("can_write", "Extras"),
    "BillingFormsView.agreement": ("can_write", "Fee agreements"),
    "BillingFormsView.version": ("can_write", "Fee agreements"),
}
SKIP_PREFIXES = ("/static", "/appbuilder/", "/swagger", "/lang/")


def _fill(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", NO_SUCH_ID, rule.rule)


def _protected_routes(app):
    """(method, url, (permission, resource), offered) for every route guarded by a FAB permission."""
    views = {v.__class__.__name__: v for v in app.appbuilder.baseviews}
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIP_PREFIXES):
            continue
        view_name, _, method_name = rule.endpoint.partition(".")
        if method_name == "download":
            continue  # closed to everyone by app.guards (no uploaded-file columns): 404 for all
        view = views.get(view_name)
        function = getattr(view, method_name, None) if view is not None else None
        if getattr(function, "_permission_name", None) is None:
            continue  # public by design (sign-in, health, language) or not a FAB route
        # as has_access and protect work it out at each call
        permission = (view.method_permission_name or {}).get(function.__name__) or function._permission_name
        pair = ("can_" + permission, view.class_permission_name)
        # a permission the view does not offer (FAB's read-only security views) is refused to all
        offered = pair[0] in view.base_permissions
        for http in sorted(rule.methods & {"GET", "POST", "PUT", "DELETE"}):
            routes.append((http, _fill(rule), (pair, ALSO_NEEDS.get(rule.endpoint)), offered))
    return routes


def _refused(url: str, response) -> bool:
    if url.startswith("/api/"):
        return response.status_code in (401, 403)
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


@pytest.mark.parametrize("role", permissions.ROLE_NAMES)
def test_each_role_reaches_exactly_what_the_matrix_declares(app, client, auth, role):
    username = ROLE_USERS[role]
    headers = auth.headers(username)
    auth.login(username)
    granted = permissions.role_permissions(role)
    wrong = []
    routes = _protected_routes(app)
    assert len(routes) > 100
    for http, url, pair, offered in routes:
        api = url.startswith("/api/")
        kwargs = {"headers": headers} if api else {}
        if http in ("POST", "PUT"):
            kwargs["json" if api else "data"] = {}
        response = client.open(url, method=http, **kwargs)
        pair, also = pair
        expected = offered and (role == "Administrator" or (pair in granted and (also is None or also in granted)))
        if _refused(url, response) == expected:
            wrong.append((http, url, pair, response.status_code, "expected " + ("reach" if expected else "refusal")))
    assert wrong == [], "\n".join(map(str, wrong))


def test_signed_out_every_protected_route_is_refused(app, client):
    reached = []
    for http, url, _pair, _offered in _protected_routes(app):
        response = client.open(url, method=http, json={} if url.startswith("/api/") and http != "GET" else None)
        if not _refused(url, response):
            reached.append((http, url, response.status_code))
    assert reached == [], "\n".join(map(str, reached))
