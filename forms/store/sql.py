"""SQL adapter of the FormStore port (SQLAlchemy 2 Core) on its own MetaData.

Tables: `form_definition_versions`, `form_submissions`, `form_submission_amendments`. JSON columns are
JSONB on PostgreSQL. The app's Alembic migrations include `metadata`; `create_schema()` is for tests and
embedded use only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from forms.store import (
    PUBLISHED,
    Amendment,
    DefinitionVersion,
    DuplicateSubmission,
    FormStore,
    StoreError,
    Submission,
)

metadata = MetaData()
JsonType = JSON().with_variant(JSONB(), "postgresql")

definition_versions = Table(
    "form_definition_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sha256", String(64)),
    Column("title", String(255), nullable=False),
    Column("definition", JsonType, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255)),
    Column("published_at", DateTime(timezone=True)),
    Column("published_by", String(255)),
    Column("archived_at", DateTime(timezone=True)),
    Column("owner_home_id", Integer, index=True),  # None: the group's library; else the home's own form
    UniqueConstraint("key", "version", name="uq_form_definition_versions_key_version"),
    Index("ix_form_definition_versions_key_status", "key", "status"),
)

submissions = Table(
    "form_submissions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("form_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("resident_id", Integer),
    Column("home_id", Integer),
    Column("status", String(16), nullable=False),
    Column("total", Numeric(12, 3)),
    Column("band", String(64)),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", String(255)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("data", JsonType, nullable=False),
    Index("ix_form_submissions_resident_form_taken", "resident_id", "form_key", "taken_at"),
    Index("ix_form_submissions_home_taken", "home_id", "taken_at"),
    Index("ix_form_submissions_form_version", "form_key", "version"),
    Index("ix_form_submissions_status", "status"),
    Index("ix_form_submissions_band", "band"),
    Index("ix_form_submissions_taken_at", "taken_at"),
)

amendments = Table(
    "form_submission_amendments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("submission_id", String(32), ForeignKey("form_submissions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("amended_at", DateTime(timezone=True), nullable=False),
    Column("amended_by", String(255)),
    Column("reason", Text, nullable=False),
    Column("changes", JsonType, nullable=False),
    UniqueConstraint("submission_id", "seq", name="uq_form_submission_amendments_seq"),
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _version(row: RowMapping) -> DefinitionVersion:
    return DefinitionVersion(
        key=row["key"],
        version=row["version"],
        status=row["status"],
        sha256=row["sha256"],
        title=row["title"],
        definition=row["definition"],
        created_at=_aware(row["created_at"]),
        updated_at=_aware(row["updated_at"]),
        created_by=row["created_by"],
        published_at=_aware(row["published_at"]),
        published_by=row["published_by"],
        archived_at=_aware(row["archived_at"]),
        owner_home_id=row["owner_home_id"],
    )


def _submission(row: RowMapping) -> Submission:
    return Submission(
        id=row["id"],
        form_key=row["form_key"],
        version=row["version"],
        sha256=row["sha256"],
        resident_id=row["resident_id"],
        home_id=row["home_id"],
        status=row["status"],
        total=_number(row["total"]),
        band=row["band"],
        taken_at=_aware(row["taken_at"]),
        submitted_at=_aware(row["submitted_at"]),
        submitted_by=row["submitted_by"],
        updated_at=_aware(row["updated_at"]),
        data=row["data"],
    )


def _submission_values(record: Submission) -> dict[str, Any]:
    values = dict(record.__dict__)
    values["total"] = None if record.total is None else Decimal(str(record.total))
    return values


class SqlFormStore(FormStore):
    """FormStore on any SQLAlchemy engine (SQLite embedded, PostgreSQL in production)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    def _get_version(self, key: str, version: int) -> DefinitionVersion | None:
        query = select(definition_versions).where(
            definition_versions.c.key == key, definition_versions.c.version == int(version)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _version(row) if row else None

    def _versions(self, key: str | None, status: str | None) -> list[DefinitionVersion]:
        query = select(definition_versions)
        if key is not None:
            query = query.where(definition_versions.c.key == key)
        if status is not None:
            query = query.where(definition_versions.c.status == status)
        with self.engine.connect() as conn:
            return [_version(r) for r in conn.execute(query).mappings()]

    def _published_heads(self) -> list[DefinitionVersion]:
        columns = [c for c in definition_versions.c if c.name != "definition"]
        query = select(*columns).where(definition_versions.c.status == PUBLISHED)
        with self.engine.connect() as conn:
            return [_version({**r, "definition": None}) for r in conn.execute(query).mappings()]

    def _save_version(self, record: DefinitionVersion, *, create: bool) -> None:
        values = dict(record.__dict__)
        try:
            with self.engine.begin() as conn:
                if create:
                    conn.execute(insert(definition_versions).values(**values))
                else:
                    conn.execute(
                        update(definition_versions)
                        .where(definition_versions.c.key == record.key, definition_versions.c.version == record.version)
                        .values(**values)
                    )
        except IntegrityError:
            raise StoreError(f"{record.key} version {record.version} already exists") from None

    def shares_transaction(self, connection: Any) -> bool:
        """True for a connection to this store's own database (the same engine's pool)."""
        return getattr(connection, "engine", None) is not None and connection.engine.pool is self.engine.pool

    def _insert_submission(self, record: Submission, connection: Any = None) -> None:
        statement = insert(submissions).values(**_submission_values(record))
        try:
            if connection is not None:
                with connection.begin_nested():  # a duplicate leaves the caller's transaction usable
                    connection.execute(statement)
            else:
                with self.engine.begin() as conn:
                    conn.execute(statement)
        except IntegrityError:
            raise DuplicateSubmission() from None

    def _get_submission(self, submission_id: str) -> Submission | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(submissions).where(submissions.c.id == submission_id)).mappings().first()
        return _submission(row) if row else None

    def _query_submissions(
        self, filters: dict[str, Any], taken_from: dt.datetime | None, taken_to: dt.datetime | None, limit: int
    ) -> list[Submission]:
        query = select(submissions)
        for name, value in filters.items():
            query = query.where(submissions.c[name] == value)
        if taken_from is not None:
            query = query.where(submissions.c.taken_at >= taken_from)
        if taken_to is not None:
            query = query.where(submissions.c.taken_at < taken_to)
        query = query.order_by(submissions.c.taken_at.desc(), submissions.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [_submission(r) for r in conn.execute(query).mappings()]

    def _count_submissions(self, key: str, version: int | None) -> int:
        query = select(func.count()).select_from(submissions).where(submissions.c.form_key == key)
        if version is not None:
            query = query.where(submissions.c.version == int(version))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _write_amendment(self, amendment: Amendment, updated: Submission) -> None:
        values = _submission_values(updated)
        values.pop("id")
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(amendments).values(**amendment.__dict__))
                conn.execute(update(submissions).where(submissions.c.id == updated.id).values(**values))
        except IntegrityError:
            raise StoreError("the submission was amended at the same time by someone else; try again") from None

    def _amendments(self, submission_id: str) -> list[Amendment]:
        query = select(amendments).where(amendments.c.submission_id == submission_id).order_by(amendments.c.seq)
        with self.engine.connect() as conn:
            return [
                Amendment(**{**dict(r), "amended_at": _aware(r["amended_at"])}) for r in conn.execute(query).mappings()
            ]
