"""The menu bar, rendered once for each set of items a user may see and each language.

Flask-AppBuilder renders its menu bar on every page: for each of some 60 items a permission check,
a URL built and a label translated, about a fifth of a list page's time. What it shows depends only
on which items the user may see (the same permission checks FAB makes, answered from the request's
permission set), the reader's language and where the app is mounted. So the checks are still made
on every request, exactly as FAB makes them, and the markup for that answer is kept: a person whose
roles change sees the new menu on their next page, because the set of visible items is the key.

The cache is a plain dict per app of finished HTML keyed by those inputs (no request's state is
kept on a shared object); it is bounded and emptied when full.
"""

from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_jwt_extended import current_user as current_user_jwt
from flask_login import current_user
from markupsafe import Markup

MAX_ENTRIES = 512


def _items(menu_items):
    for item in menu_items:
        yield item
        yield from _items(item.childs or [])


def visible_names(appbuilder) -> frozenset[str]:
    """The names of the menu items (and sub-items) the current user may see: FAB's own check of all of
    them at once (`get_user_menu_access`, answered from the request's permission set) for a signed-in,
    active user and for a visitor (the public role: the sign-in page); otherwise, FAB's check item by
    item (`has_access`, as its menu template does)."""
    sm = appbuilder.sm
    names = [item.name for item in _items(appbuilder.menu.get_list()) if item and item.name != "-"]
    user = g.get("user")
    if g.get("_api_key_user"):
        bulk = False
    elif current_user.is_authenticated:
        bulk = user is not None and getattr(user, "is_active", False)
    else:  # a visitor (the public role), or a bearer token's user
        jwt_user = current_user_jwt
        bulk = not jwt_user or getattr(jwt_user, "is_active", False)
    if bulk:
        return frozenset(names) & frozenset(sm.get_user_menu_access(names))
    return frozenset(name for name in names if sm.has_access("menu_access", name))


def navbar_menu() -> Markup:
    appbuilder = current_app.appbuilder
    cache = current_app.extensions["wcn_navbar"]
    key = (str(get_locale()), request.script_root, visible_names(appbuilder))
    html = cache.get(key)
    if html is None:
        html = Markup(render_template("appbuilder/_navbar_menu_full.html", menu=appbuilder.menu))
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = html
    return html


def init_app(app) -> None:
    app.extensions["wcn_navbar"] = {}
    app.jinja_env.globals["navbar_menu"] = navbar_menu
