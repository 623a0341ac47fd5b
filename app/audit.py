"""The audit trail: append-only, hash-chained events written from ORM session events.

Every insert, update and delete of a mapped model (our domain models and Flask-AppBuilder's
own `ab_*` tables) becomes an `AuditEvent` in the same transaction as the change, so a rollback
removes both. `before_flush` notes what only the database still knows (old values of attributes
changed without being loaded, every column of a deleted row); `after_flush` reads attribute
history and the ids of inserted rows and appends the events with Core inserts on the flush's own
connection.

Each event stores the hash of the one before it (`prev_hash`) and the SHA-256 of its own canonical
JSON (`hash`), so `flask audit verify` can name the first event that was changed, removed or
inserted by hand. Writers are serialised: a transaction-scoped advisory lock on PostgreSQL, the
database write lock on SQLite.

Who and where come from `acting_as()` (CLI, seeders, jobs) or from the resolver the app installs
with `set_context_resolver()`; with neither, the actor is "system".
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import click
from flask.cli import AppGroup
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, Index, Integer, LargeBinary, String, event, inspect, select
from sqlalchemy.orm import Session, mapped_column
from sqlalchemy.orm.base import NO_VALUE

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"
# The pg_advisory_xact_lock key every audit writer takes: b"WCNaudit" read as a signed bigint.
PG_LOCK_KEY = int.from_bytes(b"WCNaudit", "big")

# Columns of FAB's User that change on every sign-in; a sign-in is recorded as its own event.
USER_NOISE_COLUMNS = frozenset({"last_login", "login_count", "fail_login_count", "changed_on"})
# Columns whose values never enter the trail, whatever the model ({"changed": true} instead).
SECRET_COLUMN_NAMES = frozenset({"password"})

_INFO_KEY = "_audit_before_flush"
_LOCK_HELD = "_audit_lock_held"  # session.info: its open transaction wrote events (holds the lock)


class AuditEvent(Model):
    """One thing that happened: who did what to which record, chained to the event before."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id"),
        {"sqlite_autoincrement": True},
    )

    id = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    actor_id = mapped_column(Integer)  # no foreign key: deactivating a user never breaks the chain
    actor_name = mapped_column(String(255), nullable=False)
    home_id = mapped_column(Integer, index=True)  # no foreign key, for the same reason
    entity = mapped_column(String(100), nullable=False)
    entity_id = mapped_column(String(100))
    action = mapped_column(String(40), nullable=False, index=True)
    changes = mapped_column(JSON)
    request_id = mapped_column(String(64))
    client_addr = mapped_column(String(64))
    prev_hash = mapped_column(String(64), nullable=False)
    hash = mapped_column(String(64), nullable=False, unique=True)

    def __repr__(self) -> str:
        return f"{self.action} {self.entity} {self.entity_id or ''}".strip()


HASHED_FIELDS = (
    "occurred_at", "actor_id", "actor_name", "home_id", "entity", "entity_id",
    "action", "changes", "request_id", "client_addr", "prev_hash",
)
_LENGTHS = {
    name: AuditEvent.__table__.c[name].type.length
    for name in ("actor_name", "entity", "entity_id", "action", "request_id", "client_addr")
}

PG_APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
"""

PG_APPEND_ONLY_DROP_SQL = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
DROP FUNCTION IF EXISTS audit_event_refuse_change();
"""


# ---------------------------------------------------------------------------------------------
# Who and where


_acting: contextvars.ContextVar[dict | None] = contextvars.ContextVar("audit_actor", default=None)
_resolver: Callable[[], Mapping[str, Any] | None] | None = None


def set_context_resolver(fn: Callable[[], Mapping[str, Any] | None] | None) -> None:
    """Install fn() -> {actor_id, actor_name, request_id, client_addr} or None (None to remove)."""
    global _resolver
    _resolver = fn


@contextlib.contextmanager
def acting_as(user_id: int | None, name: str | None):
    """Attribute every event written in this block to this actor (CLI, seeders, jobs)."""
    token = _acting.set({"actor_id": user_id, "actor_name": name or SYSTEM_ACTOR})
    try:
        yield
    finally:
        _acting.reset(token)


def current_context() -> dict[str, Any]:
    """The actor and request of the events written now."""
    ctx: dict[str, Any] = {
        "actor_id": None, "actor_name": SYSTEM_ACTOR, "request_id": None, "client_addr": None,
    }
    found = _resolver() if _resolver is not None else None
    if found:
        ctx.update({key: found.get(key) for key in ctx if key in found})
    acting = _acting.get()
    if acting is not None:
        ctx.update(acting)
    if not ctx["actor_name"]:
        ctx["actor_name"] = SYSTEM_ACTOR if ctx["actor_id"] is None else f"#{ctx['actor_id']}"
    return ctx


# ---------------------------------------------------------------------------------------------
# Values and hashes


def json_safe(value: Any) -> Any:
    """A JSON-ready copy: dates as ISO text, Decimal as text, enums as their value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, dt.timedelta)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return str(value)


def _utc_text(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back the UTC wall time it was given
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(fields: Mapping[str, Any]) -> str:
    """The exact text an event's hash is taken over (every field but id and hash)."""
    data = {name: fields.get(name) for name in HASHED_FIELDS}
    data["occurred_at"] = _utc_text(data["occurred_at"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def _clip(name: str, value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[: _LENGTHS[name]]


def _new_event(action, entity, entity_id, changes, home_id, ctx, occurred_at) -> dict[str, Any]:
    return {
        "occurred_at": occurred_at,
        "actor_id": int(ctx["actor_id"]) if ctx["actor_id"] is not None else None,
        "actor_name": _clip("actor_name", ctx["actor_name"]),
        "home_id": int(home_id) if home_id is not None else None,
        "entity": _clip("entity", entity),
        "entity_id": _clip("entity_id", entity_id),
        "action": _clip("action", action),
        "changes": json_safe(changes) if changes is not None else None,
        "request_id": _clip("request_id", ctx.get("request_id")),
        "client_addr": _clip("client_addr", ctx.get("client_addr")),
    }


def _lock(connection) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
    elif dialect == "sqlite":
        # A write that matches nothing takes SQLite's write lock before the last hash is read.
        connection.exec_driver_sql("UPDATE audit_event SET id = id WHERE 1 = 0")


def _append(connection, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chain and insert events under the writers' lock, in this connection's transaction."""
    table = AuditEvent.__table__
    _lock(connection)
    prev = connection.execute(
        select(table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).scalar() or GENESIS_HASH
    for ev in events:
        ev["prev_hash"] = prev
        ev["hash"] = prev = compute_hash(ev)
    if len(events) == 1:
        result = connection.execute(table.insert(), events[0])
        events[0]["id"] = result.inserted_primary_key[0]
    else:
        connection.execute(table.insert(), events)
    return events


def record_event(
    action: str,
    entity: str,
    entity_id: Any = None,
    changes: Mapping[str, Any] | None = None,
    home_id: int | None = None,
    actor_id: int | None = None,
    actor_name: str | None = None,
    session: Session | None = None,
    engine=None,
) -> int:
    """Write one event (sign-ins, denials, key rotations...). Returns its id (0 for a permission
    denial only counted, see app.audit_denials).

    With a session, the event joins that session's transaction. Without one it commits in its own
    short transaction on `engine` (default: the app's `db.engine`), so it survives a request that
    rolls back; except when the app's current session already holds the writers' lock (it wrote
    audited changes it has not committed yet): waiting for it would wait forever, so the event
    joins that transaction instead.
    """
    ctx = current_context()
    if action == "permission_denied" and entity_id is None:
        # at most one event per user, route and minute, with a count of those not listed
        from app.audit_denials import route_of, tally

        changes = dict(changes or {})
        entity_id = route_of(changes.get("path"))
        with (engine or _default_engine()).connect() as connection:
            earlier = tally.note(connection, actor_id or ctx.get("actor_id"), ctx.get("actor_name"), entity_id)
        if earlier is None:
            return 0
        if earlier:
            changes["repeats_since_last_event"] = earlier
    if actor_id is not None or actor_name is not None:
        same = actor_id is not None and actor_id == ctx["actor_id"]
        ctx["actor_name"] = actor_name or (ctx["actor_name"] if same else f"#{actor_id}")
        ctx["actor_id"] = actor_id
    ev = _new_event(action, entity, entity_id, changes, home_id, ctx, dt.datetime.now(dt.UTC))
    if session is not None:
        return _append(_connection_of(session), [ev])[0]["id"]
    if engine is None:
        from app.extensions import db

        engine = db.engine
        busy = _app_session_holding_lock(db)
        if busy is not None:
            return _append(busy, [ev])[0]["id"]
    with engine.begin() as connection:
        return _append(connection, [ev])[0]["id"]


def _default_engine():
    from app.extensions import db

    return db.engine


def _connection_of(session: Session):
    return session.connection(bind_arguments={"mapper": AuditEvent.__mapper__})


def _app_session_holding_lock(db):
    """The connection of this app context's session, if its open transaction wrote audit events
    (and so holds the writers' lock): waiting for our own lock would wait forever."""
    if not db.session.registry.has():
        return None
    session = db.session()
    if session.info.get(_LOCK_HELD) and session.in_transaction():
        return _connection_of(session)
    return None


# ---------------------------------------------------------------------------------------------
# What each model's rows look like in the trail


@dataclasses.dataclass(frozen=True)
class _Plan:
    entity: str
    pk_keys: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (attribute key, "value" | "secret" | "ignore")
    collections: tuple[str, ...]  # many-to-many relationships (e.g. a user's roles)


_plans: dict[Any, _Plan] = {}


def _column_kind(cls, key: str, column) -> str:
    """"secret" (record only that it changed), "ignore" (bookkeeping) or "value"."""
    audit = getattr(column, "info", {}).get("audit")
    if audit in ("secret", "ignore"):
        return audit
    if getattr(column.type, "encrypted", False) or isinstance(column.type, LargeBinary):
        return "secret"
    if key in SECRET_COLUMN_NAMES:
        return "secret"
    return "ignore" if issubclass(cls, User) and key in USER_NOISE_COLUMNS else "value"


def _plan(mapper) -> _Plan:
    plan = _plans.get(mapper)
    if plan is None:
        cls = mapper.class_
        pk_keys = tuple(mapper.get_property_by_column(col).key for col in mapper.primary_key)
        columns = tuple(
            (prop.key, _column_kind(cls, prop.key, prop.columns[0]))
            for prop in mapper.column_attrs
            if prop.key not in pk_keys
        )
        collections = tuple(
            rel.key for rel in mapper.relationships
            if rel.secondary is not None and rel.uselist and not rel.viewonly
        )
        entity = "User" if issubclass(cls, User) else cls.__name__  # the app's CareUser is a User
        plan = _plans[mapper] = _Plan(entity, pk_keys, columns, collections)
    return plan


def _audited(obj) -> bool:
    return isinstance(obj, Model) and not isinstance(obj, AuditEvent)


def _identity_text(values: Iterable[Any]) -> str | None:
    values = list(values)
    if any(v is None for v in values):
        return None
    return ",".join(str(json_safe(v)) for v in values)


def _ids(objects) -> list[str]:
    out = []
    for obj in objects or ():
        state = inspect(obj)
        keys = _plan(state.mapper).pk_keys
        out.append(_identity_text(state.dict.get(k) for k in keys) or "new")
    return sorted(out)


def _home_of(obj, values: Mapping[str, Any], entity_id: str | None) -> int | None:
    """A row's home: its `home_id`, or its own id for the care home itself (a model that says so
    with `audit_home_is_own_id`; this module imports no domain model)."""
    if getattr(type(obj), "audit_home_is_own_id", False):
        return int(entity_id) if entity_id else None
    return values.get("home_id")


def _pair(kind: str, old: Any, new: Any) -> dict[str, Any]:
    if kind == "secret":
        return {"changed": True}
    return {"old": json_safe(old), "new": json_safe(new)}


def _row_changes(values: Mapping[str, Any], plan: _Plan, inserted: bool) -> dict[str, Any]:
    """Every field of an inserted row as new values, or of a deleted row as old values."""
    changes = {}
    for key, kind in plan.columns:
        value = values.get(key)
        if value is not None and kind != "ignore":
            changes[key] = _pair(kind, None, value) if inserted else _pair(kind, value, None)
    for key in plan.collections:
        ids = _ids(values.get(key))
        if ids:
            changes[key] = {"old": [], "new": ids} if inserted else {"old": ids, "new": []}
    return changes


def _update_changes(state, plan: _Plan, fetched: Mapping[str, Any]) -> dict[str, Any]:
    changes = {}
    for key, kind in plan.columns:
        if kind == "ignore":
            continue
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        new = history.added[0] if history.added else None
        old = history.deleted[0] if history.deleted else fetched.get(key)
        if kind == "secret" or old != new:
            changes[key] = _pair(kind, old, new)
    for key in plan.collections:
        history = state.attrs[key].history
        if history.added or history.deleted:
            kept = list(history.unchanged)
            changes[key] = {
                "old": _ids(kept + list(history.deleted)), "new": _ids(kept + list(history.added))
            }
    return changes


# ---------------------------------------------------------------------------------------------
# Session events


def _fetch_unloaded_old_values(session, state, plan: _Plan) -> dict[str, Any]:
    """Old values of attributes that were set without being loaded first: ask the database."""
    missing = [
        key for key, kind in plan.columns
        if kind == "value" and state.committed_state.get(key, None) is NO_VALUE
    ]
    if not missing or state.identity is None:
        return {}
    cls = state.mapper.class_
    query = select(*[getattr(cls, key) for key in missing]).where(
        *[getattr(cls, key) == value for key, value in zip(plan.pk_keys, state.identity, strict=True)]
    )
    row = session.execute(query.execution_options(skip_home_scope=True)).first()
    return dict(zip(missing, row, strict=True)) if row is not None else {}


@event.listens_for(Session, "before_flush")
def _capture_before_flush(session, flush_context, instances):
    fetched: dict[Any, dict[str, Any]] = {}
    deleted: dict[Any, dict[str, Any]] = {}
    with session.no_autoflush:
        for obj in session.dirty:
            if _audited(obj):
                state = inspect(obj)
                fetched[state] = _fetch_unloaded_old_values(session, state, _plan(state.mapper))
        for obj in session.deleted:
            if not _audited(obj):
                continue
            state = inspect(obj)
            plan = _plan(state.mapper)
            for key in plan.pk_keys + tuple(k for k, _ in plan.columns):
                if key in state.unloaded:
                    getattr(obj, key)  # loads expired and deferred columns while the row exists
            deleted[state] = {key: state.dict.get(key) for key in plan.pk_keys}
            deleted[state].update({key: state.dict.get(key) for key, _ in plan.columns})
            deleted[state].update({key: state.dict.get(key) for key in plan.collections})
    session.info[_INFO_KEY] = (fetched, deleted)


@event.listens_for(Session, "after_flush")
def _write_after_flush(session, flush_context):
    fetched, deleted = session.info.pop(_INFO_KEY, None) or ({}, {})
    found = []  # (action, entity, entity id, changes, home id)
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            state = inspect(obj)
            plan = _plan(state.mapper)
            if action == "update":
                values, changes = state.dict, _update_changes(state, plan, fetched.get(state, {}))
            else:
                values = state.dict if action == "insert" else deleted.get(state) or dict(state.dict)
                changes = _row_changes(values, plan, inserted=action == "insert")
            if changes or action != "update":
                entity_id = _identity_text(values.get(k) for k in plan.pk_keys)
                found.append((action, plan.entity, entity_id, changes, _home_of(obj, values, entity_id)))
    if found:
        ctx, now = current_context(), dt.datetime.now(dt.UTC)
        _append(_connection_of(session), [_new_event(*item, ctx, now) for item in found])
        session.info[_LOCK_HELD] = True  # until this transaction ends (see below)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _lock_released(session, *args):
    session.info.pop(_LOCK_HELD, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    session.info.pop(_INFO_KEY, None)


# ---------------------------------------------------------------------------------------------
# Verifying the chain


_PROBLEMS = {
    "modified": _l("its content does not match its hash: it was changed after it was written"),
    "inserted": _l("it is not part of the chain: it was inserted after the events around it"),
    "broken_link": _l(
        "it does not follow the event before it (ID %(prev_id)s): that event was altered, or "
        "events between them were removed"
    ),
    "first": _l("it does not start the chain: earlier events were removed"),
}


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int  # events checked (all of them when ok)
    bad_id: int | None = None
    problem: str | None = None  # "modified" | "inserted" | "broken_link" | "first"
    prev_id: int | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def reason(self) -> str | None:
        if self.problem is None:
            return None
        return str(_PROBLEMS[self.problem]) % {"prev_id": self.prev_id}


def verify_chain(session: Session, batch_size: int = 1000) -> VerifyResult:
    """Walk every event in id order; report the first changed, removed or inserted one."""
    table = AuditEvent.__table__
    connection = _connection_of(session)
    result = connection.execute(
        select(table).order_by(table.c.id), execution_options={"yield_per": batch_size}
    )
    count = 0
    prev_hash, prev_id, hash_before_prev = GENESIS_HASH, None, None
    try:
        for row in result:
            event_ = row._mapping
            if compute_hash(event_) != event_["hash"]:
                return VerifyResult(False, count, event_["id"], "modified")
            if event_["prev_hash"] != prev_hash:
                if prev_id is not None and event_["prev_hash"] == hash_before_prev:
                    return VerifyResult(False, count - 1, prev_id, "inserted")
                problem = "first" if prev_id is None else "broken_link"
                return VerifyResult(False, count, event_["id"], problem, prev_id)
            hash_before_prev, prev_hash, prev_id = prev_hash, event_["hash"], event_["id"]
            count += 1
    finally:
        result.close()
    return VerifyResult(True, count)


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1))
def verify_command(batch_size: int) -> None:
    """Check that no audit event was changed, removed or inserted by hand."""
    from app.extensions import db

    try:
        result = verify_chain(db.session, batch_size=batch_size)
    finally:
        db.session.rollback()
    if result.ok:
        click.echo(str(_l("Audit trail intact: %(count)s events", count=result.count)))
        return
    click.echo(
        str(_l("Audit trail broken at event %(id)s: %(reason)s", id=result.bad_id, reason=result.reason))
    )
    raise click.exceptions.Exit(1)
