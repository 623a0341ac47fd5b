"""Roles in plain words: each area of the product (as the menu names it) by Read / Add and edit /
Delete. A role is edited through this grid, created by copying another, renamed, and its holders
listed. The grid is the permission matrix of `app/permissions.py` for one role; a role's other
permissions (the Advanced security pages of the administrator) are left as they are.

The Administrator role always has every permission and is not edited here.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import permissions
from app.audit import record_event
from app.exceptions import DomainError, NotFoundError
from app.extensions import db

LETTER_NAMES = OrderedDict([
    ("r", _l("Read")),
    ("w", _l("Add and edit")),
    ("d", _l("Delete")),
])
LETTER_HELP = {
    "r": _l("See its pages, lists and records, and its menu item."),
    "w": _l("Add records and change them (clinical and financial records are corrected, never rewritten)."),
    "d": _l("Remove records where the product allows it; clinical and financial records are voided instead."),
}
NAME_MAX = 64


class RoleError(DomainError):
    pass


def _sm():
    return current_app.appbuilder.sm


def areas() -> list[tuple[str, list[str]]]:
    """(menu category, [resources]) in menu order, as the grid shows them."""
    grouped: OrderedDict[str, list[str]] = OrderedDict()
    for resource, category in permissions.RESOURCES.items():
        grouped.setdefault(category, []).append(resource)
    return list(grouped.items())


def is_administrator(role) -> bool:
    return role.name == _sm().auth_role_admin


def grid_of(role) -> dict[str, str]:
    """{resource: letters} the role holds now, e.g. {"Residents": "rw"}."""
    held = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
    grid = {}
    for resource in permissions.RESOURCES:
        letters = "".join(letter for letter, perm in permissions.LETTERS.items() if (perm, resource) in held)
        if letters:
            grid[resource] = letters
    return grid


def _matrix_pairs() -> set[tuple[str, str]]:
    """Every pair the grid decides for some role: anything else a role holds is left alone."""
    every = {resource: "rwd" for resource in permissions.RESOURCES}
    return permissions.grid_permissions(every)


def clean_grid(grid: dict) -> dict[str, str]:
    """Only known areas and letters; write or delete without read gets read too (a page to work from)."""
    cleaned = {}
    for resource, letters in (grid or {}).items():
        if resource not in permissions.RESOURCES:
            raise RoleError({"grid": [str(_l("There is no area called %(name)s.", name=str(resource)[:80]))]})
        letters = "".join(letter for letter in "rwd" if letter in str(letters))
        if letters and "r" not in letters:
            letters = "r" + letters
        if letters:
            cleaned[resource] = letters
    return cleaned


def _check_name(name, role_id: int | None = None) -> str:
    from flask_appbuilder.security.sqla.models import Role

    name = " ".join(str(name or "").split())
    if not name:
        raise RoleError({"name": [str(_l("Give the role a name."))]})
    if len(name) > NAME_MAX:
        raise RoleError({"name": [str(_l("A role's name has at most %(n)s characters.", n=NAME_MAX))]})
    clash = db.session.scalar(select(Role).where(func.lower(Role.name) == name.lower()))
    if clash is not None and clash.id != role_id:
        raise RoleError({"name": [str(_l("There is already a role called %(name)s.", name=clash.name))]})
    return name


def get_role(role_id):
    from flask_appbuilder.security.sqla.models import Role

    role = db.session.get(Role, role_id) if isinstance(role_id, int) else None
    if role is None or role.name == _sm().auth_role_public:
        raise NotFoundError(str(_l("role")))
    return role


def is_group_administrator(user) -> bool:
    return user is None or any(is_administrator(role) for role in (user.roles or []))


def _own_pairs(user) -> set[tuple[str, str]]:
    return {(pv.permission.name, pv.view_menu.name) for role in (user.roles or []) for pv in role.permissions}


def may_change(user, role) -> bool:
    """A group administrator changes any role but Administrator; a home's administrator only roles
    the home made (built-in roles are shared by every home: copy one) and that hold nothing beyond
    their own permissions."""
    if is_administrator(role):
        return False
    if is_group_administrator(user):
        return True
    own = _own_pairs(user)
    return not is_built_in(role) and all((pv.permission.name, pv.view_menu.name) in own for pv in role.permissions)


def may_copy(user, role) -> bool:
    if is_group_administrator(user):
        return True
    own = _own_pairs(user)
    return not is_administrator(role) and all(
        (pv.permission.name, pv.view_menu.name) in own for pv in role.permissions)


def set_grid(role, grid: dict, by_user=None) -> dict[str, str]:
    """Give the role exactly the grid's permissions (and keep its permissions outside the grid)."""
    if is_administrator(role):
        raise RoleError({"role": [str(_l("The Administrator role always has every permission."))]})
    grid = clean_grid(grid)
    if by_user is not None and not is_group_administrator(by_user):
        if not may_change(by_user, role):
            raise RoleError({"role": [str(_l("Only a group administrator changes this role: copy it to make "
                                             "one of your own."))]})
        beyond = sorted({view for _perm, view in permissions.grid_permissions(grid) - _own_pairs(by_user)})
        if beyond:
            raise RoleError({"grid": [str(_l("You cannot give more than you may do yourself: %(areas)s.",
                                             areas=", ".join(str(_l(area)) for area in beyond)))]})
    before = grid_of(role)
    decided = _matrix_pairs()
    kept = [pv for pv in role.permissions if (pv.permission.name, pv.view_menu.name) not in decided]
    wanted = []
    for perm, view in sorted(permissions.grid_permissions(grid)):
        pv = _sm().add_permission_view_menu(perm, view)
        if pv is not None:
            wanted.append(pv)
    role.permissions = kept + wanted
    changes = {
        resource: {"old": _words(before.get(resource, "")), "new": _words(grid.get(resource, ""))}
        for resource in sorted(set(before) | set(grid)) if before.get(resource, "") != grid.get(resource, "")
    }
    if changes:
        record_event("role_permissions_changed", "Role", entity_id=role.id, changes=changes, session=db.session)
    db.session.flush()
    return grid


def _words(letters: str) -> str:
    return ", ".join(str(LETTER_NAMES[letter]) for letter in letters) or str(_l("nothing"))


def copy_role(source, name: str, by_user=None):
    """A new role with the source's grid (and nothing of the Administrator's)."""
    from flask_appbuilder.security.sqla.models import Role

    if by_user is not None and not may_copy(by_user, source):
        raise RoleError({"copy": [str(_l("You cannot copy a role that may do more than you may."))]})
    name = _check_name(name)
    role = Role(name=name)
    db.session.add(role)
    db.session.flush()
    grid = {resource: "rwd" for resource in permissions.RESOURCES} if is_administrator(source) else grid_of(source)
    set_grid(role, grid, by_user)
    record_event("role_created", "Role", entity_id=role.id, changes={"name": name, "copied_from": source.name},
                 session=db.session)
    return role


def is_built_in(role) -> bool:
    return role.name in permissions.ROLE_NAMES or role.name == _sm().auth_role_public


def rename_role(role, name: str, by_user=None):
    """Rename a role the home made; built-in roles keep their names (copy one to make your own)."""
    if is_built_in(role):
        raise RoleError({"name": [str(_l("A built-in role keeps its name: copy it to make a role of your own."))]})
    if by_user is not None and not may_change(by_user, role):
        raise RoleError({"name": [str(_l("Only a group administrator changes this role."))]})
    name = _check_name(name, role.id)
    old = role.name
    if name != old:
        role.name = name
        record_event("role_renamed", "Role", entity_id=role.id, changes={"name": {"old": old, "new": name}},
                     session=db.session)
        db.session.flush()
    return role


def holders(role) -> list:
    return sorted(role.user, key=lambda user: ((user.last_name or "").lower(), (user.first_name or "").lower()))


def roles_with_counts() -> list[tuple]:
    from flask_appbuilder.security.sqla.models import Role

    roles = list(db.session.scalars(select(Role).order_by(Role.name)))
    return [(role, len(role.user)) for role in roles if role.name != _sm().auth_role_public]
