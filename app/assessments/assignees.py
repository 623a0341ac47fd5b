"""Who a task may be given to: staff of the task's home (working in it or in every home), never a
family user and never staff of another home only. The picker and the API use the same rule."""

from __future__ import annotations

from collections.abc import Iterable

from flask_appbuilder.security.sqla.models import Role
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, or_, select

from app.exceptions import DomainError
from app.extensions import db
from app.tenancy import assign_home, current_scope

FAMILY_ROLE = "Family"


def staff_user_ids(home_ids: Iterable[int] | None) -> list[int]:
    """Active users who work in one of these homes (or every home) and are not family users.
    None means every home (outside a request)."""
    from app.security import CareUser, user_home

    family = select(CareUser.id).join(CareUser.roles).where(Role.name == FAMILY_ROLE)
    query = select(CareUser.id).where(CareUser.active.is_(True), CareUser.id.not_in(family))
    if home_ids is not None:
        works_there = select(user_home.c.user_id).where(user_home.c.home_id.in_(sorted(set(home_ids))))
        query = query.where(or_(CareUser.all_homes.is_(True), CareUser.id.in_(works_there)))
    return sorted(db.session.scalars(query.execution_options(skip_home_scope=True)))


def assignable_user_ids() -> list[int]:
    """The people the "Person" picker offers: staff of the homes in the user's current scope."""
    scope = current_scope()
    return staff_user_ids(None if scope is None else scope)


def check_assignee(task) -> None:
    """Refuse a task given to someone who is not staff of its home (only when the person changes)."""
    session = db.session
    with session.no_autoflush:
        assign_home(session, task)
    user_id = task.assigned_user_id
    if user_id is None and task.assigned_user is not None:
        user_id = task.assigned_user.id
    if user_id is None:
        return
    state = inspect(task)
    if state.has_identity:
        changed = state.attrs.assigned_user_id.history.has_changes() or state.attrs.assigned_user.history.has_changes()
        if not changed:
            return
    if user_id not in staff_user_ids([task.home_id]):
        raise DomainError({"assigned_user": [str(_l("Choose a member of staff of this task's home."))]})
