"""Who may act for the whole group, and permission checks for a given user (session or token).

A group administrator works in every home and may change the organisation (the Administrator
role in the matrix, or a role an administrator gives "can write" on Organisations). Only they
add care homes and change the group's form library; a home's managers change their own home.
"""

from __future__ import annotations

from flask import current_app

from app.tenancy import acting_user

GROUP_RESOURCE = "Organisations"


def may(user, permission: str, resource: str) -> bool:
    """Whether this user's roles give `permission` ("can_read", "can_write", ...) on a resource."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(current_app.appbuilder.sm._has_view_access(user, permission, resource))


def is_group_admin(user=None) -> bool:
    """Works in every home and may change the organisation (the signed-in user by default)."""
    user = acting_user() if user is None else user
    return bool(getattr(user, "all_homes", False)) and may(user, "can_write", GROUP_RESOURCE)


def register_field_resources(appbuilder) -> None:
    """Give each field-level resource of the matrix (app.permissions.FIELD_RESOURCES) its read and
    write permissions, as a view with no pages: the Administrator role gets them like any view's."""
    from flask_appbuilder import BaseView

    from app.permissions import FIELD_RESOURCES

    for resource in FIELD_RESOURCES:
        name = "".join(word.title() for word in resource.split()) + "Fields"
        view = type(name, (BaseView,), {
            "route_base": f"/_fields/{name.lower()}", "class_permission_name": resource,
            "base_permissions": ["can_read", "can_write"], "__doc__": f"Permissions of: {resource}.",
        })
        appbuilder.add_view_no_menu(view)
