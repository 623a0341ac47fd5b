"""FormStore: the port through which definitions, submissions and amendments are persisted.

Two adapters implement the same small set of primitives (`sql`, the default, and `mongodb`); everything
with rules in it lives here, once, in `FormStore`: publishing only what lints clean, freezing published
versions, keeping field keys stable once a version has submissions, validating and scoring on submit,
amending append-only. Methods take plain values and return plain dataclasses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from forms.definition import DefinitionError, FormDefinition, Issue, load_definition
from forms.engine import Result, validate_and_score
from forms.jsonio import canonical_dumps

DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
SUBMITTED, AMENDED, VOIDED = "submitted", "amended", "voided"


class StoreError(ValueError):
    """A store operation that is not allowed (frozen version, unknown id, lint errors...)."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


class DuplicateSubmission(StoreError):
    """Answers were already stored under this idempotency key; `existing` is that submission."""

    def __init__(self, existing: Submission | None = None) -> None:
        super().__init__("answers were already stored under this idempotency key")
        self.existing = existing


def submission_id_for(idempotency_key: str) -> str:
    """The submission id answers sent under this key are stored as (the same key, the same id)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"writecarenotes:submission:{idempotency_key}").hex


@dataclass(frozen=True)
class DefinitionVersion:
    key: str
    version: int
    status: str
    sha256: str | None
    title: str
    definition: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str | None = None
    published_at: dt.datetime | None = None
    published_by: str | None = None
    archived_at: dt.datetime | None = None
    # Who owns the form (every version of a key): None for the group's library, else the id of
    # the home whose own form it is (seen, filled and changed in that home only).
    owner_home_id: int | None = None

    def visible_to(self, homes) -> bool:
        """Whether a user or page limited to these home ids sees it (homes None: no limit)."""
        return homes is None or self.owner_home_id is None or self.owner_home_id in homes


@dataclass(frozen=True)
class Submission:
    id: str
    form_key: str
    version: int
    sha256: str
    resident_id: int | None
    home_id: int | None
    status: str
    total: Any
    band: str | None
    taken_at: dt.datetime
    submitted_at: dt.datetime
    submitted_by: str | None
    updated_at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def answers(self) -> dict[str, Any]:
        return self.data.get("answers", {})

    @property
    def computed(self) -> dict[str, Any]:
        return self.data.get("computed", {})

    @property
    def points(self) -> dict[str, Any]:
        return self.data.get("points", {})


@dataclass(frozen=True)
class Amendment:
    id: str
    submission_id: str
    seq: int
    amended_at: dt.datetime
    amended_by: str | None
    reason: str
    changes: dict[str, Any]


def utc(value: dt.datetime | None) -> dt.datetime:
    """Aware UTC, truncated to milliseconds (what both adapters can store exactly)."""
    value = value or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        if canonical_dumps(before.get(key)) != canonical_dumps(after.get(key)):
            changes[key] = {"from": before.get(key), "to": after.get(key)}
    return changes


class FormStore(ABC):
    """The port. Adapters implement the underscore primitives; callers use the public methods."""

    # A host may give the store a memo for reads of definitions: a callable returning a dict for the
    # current unit of work (the app: one per web request) or None (no memo: every read asks the
    # adapter). Published versions are read once per unit of work, all keys in one read; any write
    # of a definition through this store empties the memo. The engine's parsed definitions are kept
    # across units of work by (key, version, sha256), which never change once published (`load`).
    read_memo = None

    def _memo(self) -> dict | None:
        memo = self.read_memo() if self.read_memo is not None else None
        return None if memo is None else memo.setdefault(("form_store", id(self)), {})

    def _forget_reads(self) -> None:
        memo = self._memo()
        if memo is not None:
            memo.pop("form_store_published", None)
            memo.pop("form_store_versions", None)

    def _write_version(self, record: DefinitionVersion, *, create: bool) -> None:
        try:
            self._save_version(record, create=create)
        finally:
            self._forget_reads()

    def _published_heads(self) -> list[DefinitionVersion] | None:
        """Adapter option: every published version without its definition (None in its place), to
        be completed from the bodies kept by (key, version, sha256). None: not offered."""
        return None

    def _with_body(self, head: DefinitionVersion) -> DefinitionVersion | None:
        bodies: dict = self.__dict__.setdefault("_published_bodies", {})
        address = (head.key, head.version, head.sha256)
        if address not in bodies:
            full = self._get_version(head.key, head.version)
            if full is None or full.sha256 != head.sha256:
                return full
            bodies[address] = full.definition
        return replace(head, definition=bodies[address])

    def _published_versions(self, key: str | None) -> list[DefinitionVersion]:
        memo = self._memo()
        if memo is None:
            return self._versions(key, PUBLISHED)
        every = memo.get("form_store_published")
        if every is None:
            heads = self._published_heads()
            if heads is None:
                every = self._versions(None, PUBLISHED)
            else:  # a published version's body never changes: read each once per process
                every = [v for v in (self._with_body(h) for h in heads) if v is not None and v.status == PUBLISHED]
            memo["form_store_published"] = every
        return [v for v in every if key is None or v.key == key]

    def _version_read(self, key: str, version: int) -> DefinitionVersion | None:
        memo = self._memo()
        if memo is None:
            return self._get_version(key, version)
        published = memo.get("form_store_published")
        if published is not None:
            for found in published:
                if found.key == key and found.version == int(version):
                    return found
        versions = memo.setdefault("form_store_versions", {})
        if (key, int(version)) not in versions:
            versions[(key, int(version))] = self._get_version(key, version)
        return versions[(key, int(version))]

    # ---- primitives (adapters) -------------------------------------------------------------
    @abstractmethod
    def _get_version(self, key: str, version: int) -> DefinitionVersion | None:
        """Adapter primitive."""

    @abstractmethod
    def _versions(self, key: str | None, status: str | None) -> list[DefinitionVersion]:
        """Adapter primitive."""

    @abstractmethod
    def _save_version(self, record: DefinitionVersion, *, create: bool) -> None:
        """Adapter primitive."""

    @abstractmethod
    def _insert_submission(self, record: Submission, connection: Any = None) -> None:
        """Adapter primitive: insert once (DuplicateSubmission if the id exists), in `connection`'s
        transaction when given (only where `shares_transaction` says it can)."""

    def shares_transaction(self, connection: Any) -> bool:
        """Whether this store can write in the caller's transaction on this SQLAlchemy connection."""
        return False

    @abstractmethod
    def _get_submission(self, submission_id: str) -> Submission | None:
        """Adapter primitive."""

    @abstractmethod
    def _query_submissions(
        self, filters: dict[str, Any], taken_from: dt.datetime | None, taken_to: dt.datetime | None, limit: int
    ) -> list[Submission]:
        """Adapter primitive."""

    @abstractmethod
    def _count_submissions(self, key: str, version: int | None) -> int:
        """Adapter primitive."""

    @abstractmethod
    def _write_amendment(self, amendment: Amendment, updated: Submission) -> None:
        """Adapter primitive: append the amendment and update the submission, together."""

    @abstractmethod
    def _amendments(self, submission_id: str) -> list[Amendment]:
        """Adapter primitive."""

    @abstractmethod
    def create_schema(self) -> None:
        """Create tables/collections and indexes (tests and embedded use; production uses migrations)."""

    # ---- definitions ---------------------------------------------------------------------------
    def save_draft(
        self, definition: Mapping[str, Any] | str | bytes, *, by: str | None = None, now: dt.datetime | None = None,
        owner_home_id: int | None = None,
    ) -> DefinitionVersion:
        """Create or replace the draft for the definition's (key, version). Published versions are frozen.
        A new key belongs to `owner_home_id` (None: the group); a key keeps the owner it has."""
        loaded = load_definition(definition)
        existing = self._get_version(loaded.key, loaded.version)
        if existing and existing.status != DRAFT:
            raise StoreError(f"{loaded.key} version {loaded.version} is {existing.status} and cannot be changed")
        self._check_keys_kept(loaded)
        earlier = self._versions(loaded.key, None)
        if earlier:
            owner_home_id = earlier[0].owner_home_id
        stamp = utc(now)
        record = DefinitionVersion(
            key=loaded.key,
            version=loaded.version,
            status=DRAFT,
            sha256=None,
            title=loaded.title["en-GB"],
            definition=dict(loaded.raw),
            created_at=existing.created_at if existing else stamp,
            updated_at=stamp,
            created_by=existing.created_by if existing else by,
            owner_home_id=owner_home_id,
        )
        self._write_version(record, create=existing is None)
        return record

    def _check_keys_kept(self, loaded: FormDefinition) -> None:
        """Field keys of a version with submissions may only go away through a declared migration."""
        earlier = [v for v in self._versions(loaded.key, None) if v.version < loaded.version and v.status != DRAFT]
        if not earlier:
            return
        previous = max(earlier, key=lambda v: v.version)
        if not self._count_submissions(previous.key, previous.version):
            return
        declared: set[str] = set()
        for step in loaded.migrations:
            if step["from_version"] >= previous.version:
                declared |= set(step.get("rename", {})) | set(step.get("drop", ()))
        gone = sorted(set(previous.definition["properties"]) - set(loaded.fields) - declared)
        if gone:
            issues = [
                Issue(
                    "key_changed",
                    f"field of version {previous.version} (which has submissions) is missing "
                    "and no x-migrations rename or drop declares it",
                    k,
                )
                for k in gone
            ]
            raise StoreError(f"field keys cannot change once a version has submissions: {', '.join(gone)}", issues)

    def publish(
        self, key: str, version: int, *, by: str | None = None, now: dt.datetime | None = None
    ) -> DefinitionVersion:
        """Lint and freeze a draft; from now on it is addressed by (key, version, sha256)."""
        from forms.lint import lint

        existing = self._get_version(key, version)
        if existing is None:
            raise StoreError(f"no draft {key} version {version}")
        if existing.status != DRAFT:
            raise StoreError(f"{key} version {version} is already {existing.status}")
        report = lint(existing.definition)
        if not report.ok:
            raise StoreError(f"{key} version {version} does not lint clean", report.errors)
        stamp = utc(now)
        record = DefinitionVersion(
            key=key,
            version=version,
            status=PUBLISHED,
            sha256=report.sha256,
            title=existing.title,
            definition=existing.definition,
            created_at=existing.created_at,
            updated_at=stamp,
            created_by=existing.created_by,
            published_at=stamp,
            published_by=by,
            owner_home_id=existing.owner_home_id,
        )
        self._write_version(record, create=False)
        return record

    def archive(self, key: str, version: int, *, now: dt.datetime | None = None) -> DefinitionVersion:
        existing = self._get_version(key, version)
        if existing is None or existing.status != PUBLISHED:
            raise StoreError(f"{key} version {version} is not a published version")
        stamp = utc(now)
        record = DefinitionVersion(
            **{**existing.__dict__, "status": ARCHIVED, "archived_at": stamp, "updated_at": stamp}
        )
        self._write_version(record, create=False)
        return record

    def get_definition(self, key: str, version: int | None = None, *, homes=None) -> DefinitionVersion | None:
        """A specific version (any status), or with version None the latest published one; with
        `homes`, None unless it is the group's or one of those homes' own (`visible_to`)."""
        if version is not None:
            found = self._version_read(key, version)
        else:
            published = self._published_versions(key)
            found = max(published, key=lambda v: v.version) if published else None
        return found if found is not None and found.visible_to(homes) else None

    def list_definitions(
        self, key: str | None = None, status: str | None = None, *, homes=None
    ) -> list[DefinitionVersion]:
        """Every version (of a key, in a status); with `homes`, only the group's and those homes' own."""
        versions = self._published_versions(key) if status == PUBLISHED else self._versions(key, status)
        found = [v for v in versions if v.visible_to(homes)]
        return sorted(found, key=lambda v: (v.key, v.version))

    def load(self, key: str, version: int | None = None) -> FormDefinition:
        """The engine's view of a stored version (latest published when version is None)."""
        record = self.get_definition(key, version)
        if record is None:
            raise StoreError(
                f"no {'published ' if version is None else ''}definition {key}"
                f"{'' if version is None else f' version {version}'}"
            )
        cache: dict = self.__dict__.setdefault("_loaded", {})
        cache_key = (record.key, record.version, record.sha256 or canonical_dumps(record.definition))
        if cache_key not in cache:
            cache[cache_key] = load_definition(record.definition)
        return cache[cache_key]

    # ---- submissions ---------------------------------------------------------------------------
    def submit(
        self,
        key: str,
        answers: Any,
        *,
        resident_id: int | None,
        home_id: int | None,
        taken_at: dt.datetime | None = None,
        submitted_by: str | None = None,
        version: int | None = None,
        locale: str | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
        idempotency_key: str | None = None,
        connection: Any = None,
    ) -> tuple[Result, Submission | None]:
        """Validate and score against a published version and store the frozen result.

        Returns the engine result and the stored submission, or (result with errors, None).
        With an `idempotency_key` the answers are stored once under it: sending them again raises
        DuplicateSubmission carrying what was stored. With a `connection` the store writes in that
        transaction (see `shares_transaction`).
        """
        if connection is not None and not self.shares_transaction(connection):
            raise StoreError("this form store cannot write in the caller's transaction")
        record = self.get_definition(key, version)
        if record is None or record.status == DRAFT:
            raise StoreError(f"{key} has no published version{'' if version is None else f' {version}'}")
        definition = self.load(key, record.version)
        taken = utc(taken_at)
        result = validate_and_score(definition, answers, locale=locale, today=today or taken.date())
        if not result.ok:
            return result, None
        stamp = utc(now)
        submission = Submission(
            id=uuid.uuid4().hex if idempotency_key is None else submission_id_for(idempotency_key),
            form_key=key,
            version=definition.version,
            sha256=definition.sha256,
            resident_id=resident_id,
            home_id=home_id,
            status=SUBMITTED,
            total=result.total,
            band=result.band,
            taken_at=taken,
            submitted_at=stamp,
            submitted_by=submitted_by,
            updated_at=stamp,
            data=result.record(),
        )
        try:
            self._insert_submission(submission, connection)
        except DuplicateSubmission:
            raise DuplicateSubmission(self._get_submission(submission.id)) from None
        return result, submission

    def get_submission(self, submission_id: str) -> Submission | None:
        return self._get_submission(str(submission_id))

    def find_submission(self, idempotency_key: str) -> Submission | None:
        """The submission stored under this idempotency key, if any."""
        return self._get_submission(submission_id_for(idempotency_key))

    def list_submissions(
        self,
        *,
        resident_id: int | None = None,
        home_id: int | None = None,
        form_key: str | None = None,
        version: int | None = None,
        status: str | None = None,
        band: str | None = None,
        taken_from: dt.datetime | None = None,
        taken_to: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[Submission]:
        """Newest first by taken_at. taken_from is inclusive, taken_to exclusive."""
        filters = {
            k: v
            for k, v in (
                ("resident_id", resident_id),
                ("home_id", home_id),
                ("form_key", form_key),
                ("version", version),
                ("status", status),
                ("band", band),
            )
            if v is not None
        }
        return self._query_submissions(
            filters,
            utc(taken_from) if taken_from else None,
            utc(taken_to) if taken_to else None,
            max(1, min(int(limit), 10_000)),
        )

    def count_submissions(self, key: str, version: int | None = None) -> int:
        return self._count_submissions(key, version)

    def amend_submission(
        self,
        submission_id: str,
        answers: Any,
        *,
        reason: str,
        amended_by: str | None,
        locale: str | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
    ) -> tuple[Result, Submission | None]:
        """Replace the answers of a submission with a corrected full set, scored against the same version.

        The original values stay in the append-only amendment record (who, when, reason, what changed).
        """
        if not reason or not str(reason).strip():
            raise StoreError("an amendment needs a reason")
        current = self._get_submission(str(submission_id))
        if current is None:
            raise StoreError(f"no submission {submission_id}")
        if current.status == VOIDED:
            raise StoreError("a voided submission cannot be amended")
        definition = self.load(current.form_key, current.version)
        result = validate_and_score(definition, answers, locale=locale, today=today or current.taken_at.date())
        if not result.ok:
            return result, None
        stamp = utc(now)
        after = result.record()
        changes = {"answers": _diff(current.answers, after["answers"])}
        for part in ("total", "band"):
            if current.data.get(part) != after.get(part):
                changes[part] = {"from": current.data.get(part), "to": after.get(part)}
        updated = Submission(
            **{
                **current.__dict__,
                "status": AMENDED,
                "total": result.total,
                "band": result.band,
                "data": after,
                "updated_at": stamp,
            }
        )
        self._amend(current, updated, reason, amended_by, stamp, changes)
        return result, updated

    def void_submission(
        self, submission_id: str, *, reason: str, by: str | None, now: dt.datetime | None = None
    ) -> Submission:
        if not reason or not str(reason).strip():
            raise StoreError("voiding needs a reason")
        current = self._get_submission(str(submission_id))
        if current is None:
            raise StoreError(f"no submission {submission_id}")
        if current.status == VOIDED:
            raise StoreError("submission is already voided")
        stamp = utc(now)
        updated = Submission(**{**current.__dict__, "status": VOIDED, "updated_at": stamp})
        self._amend(current, updated, reason, by, stamp, {"status": {"from": current.status, "to": VOIDED}})
        return updated

    def _amend(
        self,
        current: Submission,
        updated: Submission,
        reason: str,
        by: str | None,
        stamp: dt.datetime,
        changes: dict[str, Any],
    ) -> None:
        seq = len(self._amendments(current.id)) + 1
        amendment = Amendment(
            id=uuid.uuid4().hex,
            submission_id=current.id,
            seq=seq,
            amended_at=stamp,
            amended_by=by,
            reason=str(reason).strip(),
            changes=changes,
        )
        self._write_amendment(amendment, updated)

    def list_amendments(self, submission_id: str) -> list[Amendment]:
        return sorted(self._amendments(str(submission_id)), key=lambda a: a.seq)


def build_store(config: Mapping[str, Any], engine: Any = None) -> FormStore:
    """Choose the adapter from configuration: FORMS_STORE = "sql" (default) or "mongodb" (needs MONGODB_URI).

    For sql, pass the app's SQLAlchemy engine; without one, an engine is made from FORMS_DATABASE_URL,
    SQLALCHEMY_DATABASE_URI or DATABASE_URL.
    """
    kind = str(config.get("FORMS_STORE") or "sql").strip().lower()
    if kind == "sql":
        from forms.store.sql import SqlFormStore

        if engine is None:
            url = (
                config.get("FORMS_DATABASE_URL") or config.get("SQLALCHEMY_DATABASE_URI") or config.get("DATABASE_URL")
            )
            if not url:
                raise StoreError("FORMS_STORE=sql needs an engine or a database URL")
            from sqlalchemy import create_engine

            engine = create_engine(url)
        return SqlFormStore(engine)
    if kind in ("mongodb", "mongo"):
        uri = config.get("MONGODB_URI")
        if not uri:
            raise StoreError("FORMS_STORE=mongodb needs MONGODB_URI")
        from forms.store.mongo import MongoFormStore

        return MongoFormStore(str(uri))
    raise StoreError(f"unknown FORMS_STORE {kind!r}: use 'sql' or 'mongodb'")


__all__ = [
    "ARCHIVED",
    "AMENDED",
    "DRAFT",
    "PUBLISHED",
    "SUBMITTED",
    "VOIDED",
    "Amendment",
    "DefinitionError",
    "DefinitionVersion",
    "DuplicateSubmission",
    "FormStore",
    "StoreError",
    "Submission",
    "build_store",
    "submission_id_for",
    "utc",
]
