"""Which homes a user may see, and the one mechanism that scopes every query to them.

Every tenant-owned model inherits `HomeOwnedMixin` (a `home_id` column). Two session events
enforce the scope for all of them at once, so a new home-owned model needs no extra code:

* reads: `do_orm_execute` adds `with_loader_criteria(home_id IN scope)` to every ORM SELECT,
  UPDATE and DELETE (lists, shows, edits, deletes, APIs, related drop-downs, exports, lazy loads);
* writes: `before_flush` refuses new, changed or deleted rows outside the scope, fills `home_id`
  from the row's parent or the current home, and refuses links to rows the user cannot see.

Outside a request (CLI, jobs, migrations) nothing is scoped unless `scoped_to()` says so.

This module is part of the core and imports no domain model: the care home model marks itself
with `HomeRootMixin` and is found through `home_model()`, so imports only point from the homes
package down to here.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable

from flask import g, has_request_context, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, Integer, event, inspect, select
from sqlalchemy.orm import Session, declared_attr, mapped_column, relationship, with_loader_criteria

from app.exceptions import HomeScopeError

SESSION_KEY = "current_home_id"
ALL_HOMES = "all"

_explicit_scope: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar(
    "home_scope", default=None
)


class HomeOwnedMixin:
    """A row that belongs to one care home. Scoped everywhere, automatically."""

    @declared_attr
    def home_id(cls):
        return mapped_column(
            Integer, ForeignKey("care_home.id", ondelete="RESTRICT"), nullable=False, index=True
        )

    @declared_attr
    def home(cls):
        return relationship("CareHome", foreign_keys=[cls.home_id])


class HomeRootMixin:
    """The care home itself: its own id is its scope (and, in the audit trail, its home id).

    The one mapped class that inherits it registers itself here when it is defined, so the core
    can query homes without importing the homes package."""

    audit_home_is_own_id = True  # read by app.audit, which imports nothing from here
    _registered: type | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        HomeRootMixin._registered = cls


def home_model() -> type:
    """The care home model (app.homes.models.CareHome), once the models are imported."""
    if HomeRootMixin._registered is None:
        raise RuntimeError("no care home model is defined yet: import the app's models first")
    return HomeRootMixin._registered


# ---------------------------------------------------------------------------------------------
# The scope of the current user


def homes_of(user) -> list:
    """The homes a user works in, by name (every home for group-wide users). Read once per request
    for each user (the navigation bar, the scope and the pages all ask)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    from app.request_cache import request_memo

    memo = request_memo()
    if memo is None:
        return _read_homes_of(user)
    key = ("homes_of", user.id)
    if key not in memo:
        memo[key] = _read_homes_of(user)
    return list(memo[key])


def _read_homes_of(user) -> list:
    from app.extensions import db

    CareHome = home_model()
    query = select(CareHome).order_by(CareHome.name).execution_options(skip_home_scope=True)
    if not getattr(user, "all_homes", False):
        # the user's homes in one read (not the `homes` relationship and then the homes again), through
        # the link table of the user model's `homes`
        real = user._get_current_object() if hasattr(user, "_get_current_object") else user  # current_user
        link = inspect(real).mapper.relationships["homes"].secondary
        query = query.join(link, link.c.home_id == CareHome.id).where(link.c.user_id == user.id)
    return list(db.session.scalars(query))


def allowed_home_ids(user) -> frozenset[int]:
    return frozenset(h.id for h in homes_of(user))


def current_home_id() -> int | None:
    """The one home in scope (chosen in the navigation bar), or None when several are."""
    scope = current_scope()
    return next(iter(scope)) if scope and len(scope) == 1 else None


def acting_user():
    """The signed-in user of this request: by session cookie, or by JWT (FAB puts it in g.user)."""
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        return current_user
    user = g.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def _user_scope() -> frozenset[int]:
    user = acting_user()
    if user is None:
        return frozenset()
    cached = g.get("_allowed_home_ids")
    if cached is None or g.get("_allowed_home_ids_user") != user.id:
        cached = allowed_home_ids(user)
        g._allowed_home_ids = cached
        g._allowed_home_ids_user = user.id
    return cached


def current_scope() -> frozenset[int] | None:
    """The home ids queries are limited to now, or None for no limit (CLI and jobs)."""
    explicit = _explicit_scope.get()
    if explicit is not None:
        return explicit
    if not has_request_context():
        return None
    if g.get("_scope_bypass"):
        return None
    allowed = _user_scope()
    chosen = session.get(SESSION_KEY)
    if isinstance(chosen, int) and chosen in allowed:
        return frozenset([chosen])
    return allowed


@contextlib.contextmanager
def scoped_to(home_ids: Iterable[int]):
    """Limit every query in this block to these homes (for jobs acting for one home)."""
    token = _explicit_scope.set(frozenset(home_ids))
    try:
        yield
    finally:
        _explicit_scope.reset(token)


@contextlib.contextmanager
def unscoped():
    """For the security layer only: look up users' homes before the scope exists."""
    previous = g.get("_scope_bypass") if has_request_context() else None
    if has_request_context():
        g._scope_bypass = True
    try:
        yield
    finally:
        if has_request_context():
            g._scope_bypass = previous


def switch_home(home_id: int | str | None) -> bool:
    """Choose the current home for this browser session. Returns False if not allowed."""
    allowed = _user_scope()
    if home_id in (None, "", ALL_HOMES):
        session[SESSION_KEY] = ALL_HOMES
        return True
    try:
        home_id = int(home_id)
    except (TypeError, ValueError):
        return False
    if home_id not in allowed:
        return False
    session[SESSION_KEY] = home_id
    return True


# ---------------------------------------------------------------------------------------------
# Reads


_criteria_by_scope: dict[tuple[int, ...], tuple] = {}


def _in_scope_criteria(scope: tuple[int, ...]):
    """The loader criteria of a scope, built once per scope (not on every statement)."""
    criteria = _criteria_by_scope.get(scope)
    if criteria is None:
        if len(_criteria_by_scope) > 4096:  # bounded: one entry per distinct set of homes
            _criteria_by_scope.clear()
        criteria = _criteria_by_scope[scope] = (
            with_loader_criteria(HomeOwnedMixin, lambda cls: cls.home_id.in_(scope), include_aliases=True),
            with_loader_criteria(home_model(), lambda cls: cls.id.in_(scope), include_aliases=True),
        )
    return criteria


def _is_scoped(mapper) -> bool:
    return issubclass(mapper.class_, (HomeOwnedMixin, HomeRootMixin))


@event.listens_for(Session, "do_orm_execute")
def _scope_reads(state):
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement propagate to these
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("skip_home_scope"):
        return
    mappers = state.all_mappers
    if mappers and not any(_is_scoped(m) for m in mappers):
        return  # e.g. loading the signed-in user: no home-owned rows, and no recursion
    scope = current_scope()
    if scope is None:
        return
    state.statement = state.statement.options(*_in_scope_criteria(tuple(sorted(scope))))


# ---------------------------------------------------------------------------------------------
# Writes


def _home_of(obj) -> int | None:
    if isinstance(obj, HomeRootMixin):
        return obj.id
    return getattr(obj, "home_id", None)


def _parents(obj):
    """(relationship name, related object or None, fk value) for each many-to-one to a home-owned row."""
    mapper = inspect(obj).mapper
    state = inspect(obj)
    for rel in mapper.relationships:
        if rel.direction.name != "MANYTOONE" or rel.key == "home":
            continue
        target = rel.mapper.class_
        if not issubclass(target, (HomeOwnedMixin, HomeRootMixin)):
            continue
        local_cols = list(rel.local_columns)
        if len(local_cols) != 1:
            continue
        fk_attr = mapper.get_property_by_column(local_cols[0]).key
        related = state.dict.get(rel.key)
        yield rel.key, target, related, getattr(obj, fk_attr)


def _check_parents(session, obj, scope: frozenset[int] | None) -> None:
    for name, target, related, fk in _parents(obj):
        if related is None and fk is not None:
            with session.no_autoflush:
                related = session.get(target, fk)
            if related is None:
                raise HomeScopeError(
                    {name: [str(_l("No such record in your homes."))]}
                )
        if related is None:
            continue
        parent_home = _home_of(related)
        if scope is not None and parent_home is not None and parent_home not in scope:
            raise HomeScopeError({name: [str(_l("No such record in your homes."))]})
        if isinstance(obj, HomeOwnedMixin):
            if obj.home_id is None and obj.home is None and parent_home is not None:
                obj.home_id = parent_home
            elif parent_home is not None and (obj.home_id or getattr(obj.home, "id", None)) != parent_home:
                raise HomeScopeError(
                    {name: [str(_l("This belongs to another home than the record it is linked to."))]}
                )


def assign_home(session, obj, scope: frozenset[int] | None = None) -> None:
    """Check a row's links, and give a new home-owned row its home: from the row it hangs off
    (a room's unit), else the user's current home."""
    if isinstance(obj, (HomeOwnedMixin, HomeRootMixin)):
        _check_parents(session, obj, current_scope() if scope is None else scope)
    if not isinstance(obj, HomeOwnedMixin):
        return
    if obj.home_id is None and obj.home is not None:
        obj.home_id = obj.home.id
    if obj.home_id is None:
        home = current_home_id()
        if home is None:
            raise HomeScopeError({"home": [str(_l("Choose the home this record belongs to."))]})
        obj.home_id = home


@event.listens_for(Session, "before_flush")
def _guard_writes(session, flush_context, instances):
    scope = current_scope()
    for obj in list(session.new) + list(session.dirty):
        assign_home(session, obj, scope)
        if not isinstance(obj, HomeOwnedMixin):
            continue
        if scope is not None:
            before = inspect(obj).attrs.home_id.history.deleted
            homes = {obj.home_id, *[h for h in before if h is not None]}
            if not homes <= scope:
                raise HomeScopeError({"home": [str(_l("You do not work in that home."))]})
    if scope is None:
        return
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, HomeRootMixin) and obj.id not in scope:
            raise HomeScopeError({"home": [str(_l("You do not work in that home."))]})
    for obj in session.deleted:
        if isinstance(obj, HomeOwnedMixin) and obj.home_id not in scope:
            raise HomeScopeError({"home": [str(_l("You do not work in that home."))]})
