"""Write the anonymised copy: the schema by the app's own migrations, then every table row by row.

Reads the source through the app's tables (encrypted columns open with the source keys), replaces
what registry.py says is personal, and writes through plain tables: encrypted columns are sealed
with the copy's keys and the blind indexes recomputed under the copy's index key, so search works in
the copy. The audit trail's hash chain is recomputed over the anonymised events. The source is only
read: one read-only transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import os
import re
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Column, MetaData, Table, Text, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from app.anonymise import registry
from app.anonymise.fakes import Faker
from app.crypto import EncryptedDate, EncryptedText, KeyRing, normalise_for_index

BATCH = 500
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
_NUMBERISH = re.compile(r"^[£$€]?-?[\d,]*\.?\d+%?$")
# keys of audit changes written by record_event() that hold no personal data
AUDIT_PLAIN_KEYS = frozenset({
    "path", "method", "how", "api", "reason", "sessions", "sessions_ended", "had_one", "columns",
    "repeats_since_last_event", "copied_from", "homes", "roles", "all_homes", "endpoint", "route", "status",
    "kind", "form_key", "key", "version", "action", "changed", "name",
})


class AnonymiseError(Exception):
    """The copy cannot be made as asked (the message says why)."""


@dataclasses.dataclass
class Result:
    rows: dict[str, int]
    dropped: dict[str, int]
    users: list[tuple[str, str]]  # (username in the copy, roles)


def blind(key: str, value: str | None, purpose: str) -> str | None:
    """app.crypto.blind_index under an explicit key (the copy's)."""
    if value in (None, ""):
        return None
    msg = f"{purpose}:{normalise_for_index(value)}".encode()
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()


# -- the target ---------------------------------------------------------------------------------


def same_database(source_engine, target_url: str) -> bool:
    source, target = source_engine.url, make_url(target_url)
    if source.get_backend_name() != target.get_backend_name():
        return False
    if source.get_backend_name() == "sqlite":
        a, b = source.database or "", target.database or ""
        if a in ("", ":memory:") or b in ("", ":memory:"):
            return a == b
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b) or \
            os.path.abspath(a) == os.path.abspath(b)
    if source.database != target.database:
        return False
    # the same name on what may be the same server under another host name: ask both servers
    probe = "SELECT system_identifier::text FROM pg_control_system()"
    try:
        engine = create_engine(target_url)
        with engine.connect() as t, source_engine.connect() as s:
            return t.execute(text(probe)).scalar() == s.execute(text(probe)).scalar()
    except Exception:  # noqa: BLE001 - cannot tell: refuse, to be safe
        return True
    finally:
        engine.dispose()


def check_target(source_engine, target_url: str):
    if same_database(source_engine, target_url):
        raise AnonymiseError("The target is the source database: the copy must go into another database.")
    engine = create_engine(target_url)
    try:
        names = inspect(engine).get_table_names()
    except Exception as exc:  # noqa: BLE001 - shown to the operator
        engine.dispose()
        raise AnonymiseError(f"The target database cannot be opened: {exc}") from exc
    if names:
        engine.dispose()
        raise AnonymiseError(f"The target database is not empty ({len(names)} tables): give an empty one.")
    return engine


def migrate(target_url: str) -> None:
    """The schema of the copy, by the same migrations as the source, in a small app of its own."""
    from flask_migrate import Migrate, upgrade

    from app.extensions import db

    directory = current_app.extensions["migrate"].directory
    mini = Flask("anonymised-copy")
    mini.config.update(SQLALCHEMY_DATABASE_URI=target_url, SQLALCHEMY_TRACK_MODIFICATIONS=False)
    db.init_app(mini)
    Migrate(mini, db, directory=directory)
    with mini.app_context():
        upgrade(directory=directory, revision="heads")
        db.engine.dispose()


def source_at_head(connection) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    heads = set(script.get_heads())
    found = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    if found != heads:
        raise AnonymiseError(f"The source database is at {sorted(found)}, the code at {sorted(heads)}: "
                             "run `flask setup` on the source first.")


# -- the copy -------------------------------------------------------------------------------------


class Anonymiser:
    def __init__(self, faker: Faker, ring: KeyRing, blind_key: str, password_hash: str):
        self.faker, self.ring, self.blind_key, self.password_hash = faker, ring, blind_key, password_hash
        self.usernames: dict[str, str] = {}  # real (casefolded) -> copy
        self.user_ids: dict[int, str] = {}  # id -> username in the copy
        self.emails: set[str] = set()
        self.codes: set[str] = set()  # option values and field names of every form definition
        self.entities = self._entities()
        self.prev_hash = None

    @staticmethod
    def _entities() -> dict[str, dict[str, str]]:
        """Audit entity name -> {attribute key: kind} (as app.audit names them)."""
        from flask_appbuilder import Model
        from flask_appbuilder.security.sqla.models import User

        out: dict[str, dict[str, str]] = {}
        for mapper in Model.registry.mappers:
            cls = mapper.class_
            entity = "User" if issubclass(cls, User) else cls.__name__
            kinds = out.setdefault(entity, {})
            for prop in mapper.column_attrs:
                kinds.setdefault(prop.key, registry.kind_of(prop.columns[0]) or "text")
        return out

    def learn_codes(self, definition: Any) -> None:
        if isinstance(definition, dict):
            for key, value in definition.items():
                self.codes.add(str(key))
                if key in ("enum", "const", "value", "key", "type", "format"):
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, str):
                            self.codes.add(item)
                self.learn_codes(value)
        elif isinstance(definition, list):
            for item in definition:
                self.learn_codes(item)

    # -- values ----------------------------------------------------------------------------------

    def username(self, value: str) -> str:
        return self.usernames.get(value.casefold()) or self.faker.username(value)

    def person(self, value: str) -> str:
        if value.casefold() in self.usernames or " " not in value.strip():
            return self.username(value)
        return self.faker.name(value)

    def _keep_string(self, value: str) -> bool:
        return value in self.codes or not value.strip() or bool(_ISO_DATE.match(value) or _NUMBERISH.match(value))

    def walk(self, value: Any, all_text: bool) -> Any:
        if isinstance(value, dict):
            return {k: self.walk(v, all_text) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, all_text) for v in value]
        if isinstance(value, str) and (all_text or not self._keep_string(value)):
            return value if _ISO_DATE.match(value) and not all_text else self.faker.text(value)
        return value

    def value(self, kind: str, value: Any, person=None) -> Any:
        """The copy's value of a column of this kind (plaintext; sealing is done by the caller)."""
        if value is None or kind == registry.KEEP:
            return value
        f = self.faker
        if kind == "null":
            return None
        if kind == "date_of_birth":
            if isinstance(value, str):
                return f.date_of_birth(dt.date.fromisoformat(value[:10]), person).isoformat()
            return f.date_of_birth(value, person)
        if kind in ("answers", "text_json"):
            return self.walk(value, all_text=kind == "text_json")
        if kind == "password":
            return self.password_hash
        if kind in ("nhs_index", "identity_index"):
            return None  # recomputed from the row (see row())
        if not isinstance(value, str):
            return self.walk(value, all_text=True) if isinstance(value, (dict, list)) else None
        handler = {
            "username": self.username, "person": self.person, "first_name": f.first_name,
            "last_name": f.last_name, "name": f.name, "names": f.names, "email": f.email, "phone": f.phone,
            "address": f.address, "address_line": f.address_line, "town": f.town, "postcode": f.postcode,
            "nhs_number": f.nhs_number, "place": f.place, "reference": f.reference, "text": f.text,
        }.get(kind, f.text)
        return handler(value)

    def audit_changes(self, entity: str, changes: Any) -> Any:
        if not isinstance(changes, dict):
            return self.walk(changes, all_text=False)
        kinds = self.entities.get(entity)
        out = {}
        for key, change in changes.items():
            kind = (kinds or {}).get(key)
            if kind is None:
                if key == "username":
                    kind = "username"
                elif key in AUDIT_PLAIN_KEYS:
                    kind = registry.KEEP
                else:
                    out[key] = self.walk(change, all_text=False)
                    continue
            if kind == "audit_changes":
                kind = "text_json"
            if kind in ("nhs_index", "identity_index"):
                kind = "null"
            if isinstance(change, dict) and set(change) <= {"old", "new", "changed"}:
                out[key] = {k: (v if k == "changed" else self.value(kind, v, person=(entity, key)))
                            for k, v in change.items()}
            else:
                out[key] = self.value(kind, change, person=(entity, key))
        return out

    # -- rows ------------------------------------------------------------------------------------

    def row(self, table, kinds: dict[str, str], row: dict[str, Any]) -> dict[str, Any]:
        person = self._person_of(table, row)
        new = {}
        for name, value in row.items():
            kind = kinds[name]
            if table.name == "audit_event" and name == "changes":
                new[name] = self.audit_changes(row.get("entity") or "", value)
            elif table.name == "audit_event" and name == "actor_name":
                actor = row.get("actor_id")
                new[name] = self.user_ids.get(actor) if actor in self.user_ids else (
                    self.username(value) if value and value.casefold() in self.usernames else value)
            else:
                new[name] = self.value(kind, value, person)
            if new[name] is None and value is not None and not table.c[name].nullable:
                filler = f"removed-{self.faker.number(name, value)}"
                new[name] = b"" if isinstance(value, (bytes, memoryview)) else filler
        self._derived(kinds, new)
        if table.name == "ab_user":
            self._user(new)
        if table.name == "audit_event":
            self._chain(new)
        return new

    def _person_of(self, table, row):
        if table.name == "resident":
            return ("resident", row.get("id"))
        if row.get("resident_id") is not None:
            return ("resident", row["resident_id"])
        return (table.name, tuple(row.get(c.name) for c in table.primary_key.columns))

    def _derived(self, kinds: dict[str, str], new: dict[str, Any]) -> None:
        by_kind = {kind: name for name, kind in kinds.items()}
        if "nhs_index" in by_kind and "nhs_number" in by_kind:
            new[by_kind["nhs_index"]] = blind(self.blind_key, new.get(by_kind["nhs_number"]), "nhs_number")
        if "identity_index" in by_kind:
            last, first = new.get(by_kind.get("last_name")), new.get(by_kind.get("first_name"))
            born = new.get(by_kind.get("date_of_birth"))
            new[by_kind["identity_index"]] = (
                blind(self.blind_key, f"{last}|{first}|{born.isoformat()}", "resident_identity")
                if last and first and born else None)

    def _user(self, new: dict[str, Any]) -> None:
        new["fail_login_count"] = 0
        if "locked_until" in new:
            new["locked_until"] = None
        if new.get("email"):
            email, n = new["email"], 1
            while email.casefold() in self.emails:
                n += 1
                email = new["email"].replace("@", f"-{n}@")
            self.emails.add(email.casefold())
            new["email"] = email

    def _chain(self, new: dict[str, Any]) -> None:
        from app.audit import GENESIS_HASH, compute_hash

        new["prev_hash"] = self.prev_hash or GENESIS_HASH
        new["hash"] = self.prev_hash = compute_hash(new)

    def plan_users(self, rows) -> None:
        """Usernames of the copy, unique, in id order (every later mention uses the same one)."""
        taken: set[str] = set()
        for user_id, username in rows:
            fake, n = self.faker.username(username), 1
            while fake in taken:
                n += 1
                fake = f"{self.faker.username(username)}{n}"
            taken.add(fake)
            self.usernames[username.casefold()] = fake
            self.user_ids[user_id] = fake


def _plain_table(table) -> Table:
    """The table as the copy is written: encrypted columns as the sealed text they hold."""
    columns = [Column(c.name, Text() if isinstance(c.type, EncryptedText) else c.type, primary_key=c.primary_key)
               for c in table.columns]
    return Table(table.name, MetaData(), *columns)


def _seal(ring: KeyRing, column, value):
    if value is None or not isinstance(column.type, EncryptedText):
        return value
    if isinstance(column.type, EncryptedDate):
        value = value.isoformat() if isinstance(value, dt.date) else str(value)
    return ring.encrypt(str(value))


def _no_foreign_key_checks(connection) -> None:
    if connection.dialect.name == "postgresql":
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser: rows go in dependency order anyway
            pass
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


def _reset_sequences(connection, tables) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        pks = list(table.primary_key.columns)
        if len(pks) != 1 or not isinstance(pks[0].type, registry.Integer):
            continue
        seq = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                 {"t": table.name, "c": pks[0].name}).scalar()
        if seq:
            top = f'(SELECT MAX("{pks[0].name}") FROM "{table.name}")'  # noqa: S608 - our own table names
            connection.execute(text(f"SELECT setval(:s, COALESCE({top}, 1), {top} IS NOT NULL)"), {"s": seq})


def copy_database(source_engine, target_engine, anonymiser: Anonymiser, progress=None) -> Result:
    tables = registry.all_tables()
    missing = registry.unclassified(tables)
    if missing:
        raise AnonymiseError("These columns are not classified in app/anonymise/registry.py, so the copy "
                             f"could leak them: {', '.join(missing)}")
    rows_done, dropped = {}, {}
    with source_engine.connect() as source, target_engine.connect() as target:
        source_at_head(source)
        target_tables = set(inspect(target).get_table_names())
        target.rollback()
        forms_definitions = [t for t in tables if t.name == "form_definition_versions"]
        for table in forms_definitions:
            for (definition,) in source.execute(select(table.c.definition)):
                anonymiser.learn_codes(definition)
        try:
            from app.notifications.messages import MESSAGES

            anonymiser.codes.update(MESSAGES)  # a notification's message keys (its values are replaced)
        except ImportError:
            pass
        if "ab_user" in {t.name for t in tables}:
            users = next(t for t in tables if t.name == "ab_user")
            anonymiser.plan_users(source.execute(select(users.c.id, users.c.username).order_by(users.c.id)))
        with target.begin():
            _no_foreign_key_checks(target)
            for table in reversed(tables):  # rows the migrations wrote (e.g. FNC rates): the source has its own
                if table.name in target_tables:
                    target.execute(_plain_table(table).delete())
            for table in tables:
                count = source.execute(select(text("count(*)")).select_from(table)).scalar()
                if table.name in registry.DROPPED_TABLES:
                    dropped[table.name] = count
                    continue
                if table.name not in target_tables:
                    raise AnonymiseError(f"The copy has no table {table.name} after its migrations.")
                kinds = {c.name: registry.kind_of(c) for c in table.columns}
                plain = _plain_table(table)
                order = list(table.primary_key.columns) or list(table.columns)[:1]
                result = source.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
                batch, written = [], 0
                for row in result.mappings():
                    new = anonymiser.row(table, kinds, dict(row))
                    batch.append({c.name: _seal(anonymiser.ring, c, new[c.name]) for c in table.columns})
                    if len(batch) >= BATCH:
                        target.execute(plain.insert(), batch)
                        written += len(batch)
                        batch = []
                if batch:
                    target.execute(plain.insert(), batch)
                    written += len(batch)
                rows_done[table.name] = written
                if progress:
                    progress(table.name, written)
            _reset_sequences(target, [t for t in tables if t.name not in registry.DROPPED_TABLES])
        users = _users_of_copy(target)
    return Result(rows_done, dropped, users)


def _users_of_copy(connection) -> list[tuple[str, str]]:
    query = text("SELECT u.username, r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
                 "JOIN ab_role r ON r.id = ur.role_id WHERE u.active ORDER BY r.name, u.id")
    found: dict[str, list[str]] = {}
    for username, role in connection.execute(query):
        found.setdefault(username, []).append(role)
    return [(username, ", ".join(roles)) for username, roles in found.items()]
