"""MongoDB adapter of the FormStore port (mongoengine documents), chosen with FORMS_STORE=mongodb.

Collections mirror the SQL tables: `form_definition_versions`, `form_submissions`,
`form_submission_amendments`. A definition is kept as its canonical JSON text, because JSON Schema keys
such as `$schema` are not safe MongoDB field names. `mongomock://host/db` URIs use mongomock (tests).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import mongoengine
from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    DynamicField,
    IntField,
    StringField,
)
from mongoengine.errors import NotUniqueError

from forms.jsonio import canonical_dumps
from forms.store import Amendment, DefinitionVersion, DuplicateSubmission, FormStore, StoreError, Submission

ALIAS = "form_store"


class DefinitionDoc(Document):
    key = StringField(required=True, max_length=64)
    version = IntField(required=True)
    status = StringField(required=True, max_length=16)
    sha256 = StringField(max_length=64)
    title = StringField(required=True, max_length=255)
    definition_json = StringField(required=True)
    created_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)
    created_by = StringField()
    published_at = DateTimeField()
    published_by = StringField()
    archived_at = DateTimeField()
    owner_home_id = IntField()  # None: the group's library; else the home's own form
    meta = {
        "collection": "form_definition_versions",
        "db_alias": ALIAS,
        "indexes": [{"fields": ["key", "version"], "unique": True}, ["key", "status"]],
    }


class SubmissionDoc(Document):
    sid = StringField(primary_key=True)
    form_key = StringField(required=True)
    version = IntField(required=True)
    sha256 = StringField(required=True)
    resident_id = IntField()
    home_id = IntField()
    status = StringField(required=True)
    total = DynamicField()
    band = StringField()
    taken_at = DateTimeField(required=True)
    submitted_at = DateTimeField(required=True)
    submitted_by = StringField()
    updated_at = DateTimeField(required=True)
    data = DictField()
    meta = {
        "collection": "form_submissions",
        "db_alias": ALIAS,
        "indexes": [
            ["resident_id", "form_key", "-taken_at"],
            ["home_id", "-taken_at"],
            ["form_key", "version"],
            "status",
            "band",
            "-taken_at",
        ],
    }


class AmendmentDoc(Document):
    aid = StringField(primary_key=True)
    submission_id = StringField(required=True)
    seq = IntField(required=True)
    amended_at = DateTimeField(required=True)
    amended_by = StringField()
    reason = StringField(required=True)
    changes = DictField()
    meta = {
        "collection": "form_submission_amendments",
        "db_alias": ALIAS,
        "indexes": [{"fields": ["submission_id", "seq"], "unique": True}],
    }


DOCUMENTS = (DefinitionDoc, SubmissionDoc, AmendmentDoc)
_SUBMISSION_FIELDS = (
    "form_key",
    "version",
    "sha256",
    "resident_id",
    "home_id",
    "status",
    "total",
    "band",
    "taken_at",
    "submitted_at",
    "submitted_by",
    "updated_at",
    "data",
)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _plain(value: Any) -> Any:
    """Round-trip through JSON so stored dicts hold only JSON values."""
    return json.loads(canonical_dumps(value))


def _version(doc: DefinitionDoc) -> DefinitionVersion:
    return DefinitionVersion(
        key=doc.key,
        version=doc.version,
        status=doc.status,
        sha256=doc.sha256,
        title=doc.title,
        definition=json.loads(doc.definition_json),
        created_at=_aware(doc.created_at),
        updated_at=_aware(doc.updated_at),
        created_by=doc.created_by,
        published_at=_aware(doc.published_at),
        published_by=doc.published_by,
        archived_at=_aware(doc.archived_at),
        owner_home_id=doc.owner_home_id,
    )


def _submission(doc: SubmissionDoc) -> Submission:
    return Submission(
        id=doc.sid,
        form_key=doc.form_key,
        version=doc.version,
        sha256=doc.sha256,
        resident_id=doc.resident_id,
        home_id=doc.home_id,
        status=doc.status,
        total=doc.total,
        band=doc.band,
        taken_at=_aware(doc.taken_at),
        submitted_at=_aware(doc.submitted_at),
        submitted_by=doc.submitted_by,
        updated_at=_aware(doc.updated_at),
        data=dict(doc.data or {}),
    )


def _submission_values(record: Submission) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _SUBMISSION_FIELDS}
    for name in ("taken_at", "submitted_at", "updated_at"):
        values[name] = _naive(values[name])
    values["data"] = _plain(values["data"])
    return values


class MongoFormStore(FormStore):
    """FormStore on MongoDB (or mongomock for `mongomock://` URIs). One connection alias per process."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        mongoengine.disconnect(alias=ALIAS)
        for document in DOCUMENTS:
            document._collection = None
        parts = urlsplit(uri)
        db_name = parts.path.lstrip("/").split("?")[0] or "writecarenotes_forms"
        if parts.scheme == "mongomock":
            import mongomock

            mongoengine.connect(
                db=db_name,
                alias=ALIAS,
                host=f"mongodb://{parts.netloc or 'localhost'}",
                mongo_client_class=mongomock.MongoClient,
                tz_aware=False,
                uuidRepresentation="standard",
            )
        else:
            mongoengine.connect(db=db_name, alias=ALIAS, host=uri, tz_aware=False, uuidRepresentation="standard")

    def create_schema(self) -> None:
        for document in DOCUMENTS:
            document.ensure_indexes()

    def drop_all(self) -> None:
        """Drop this store's collections (tests against a real server)."""
        for document in DOCUMENTS:
            document.drop_collection()

    def _get_version(self, key: str, version: int) -> DefinitionVersion | None:
        doc = DefinitionDoc.objects(key=key, version=int(version)).first()
        return _version(doc) if doc else None

    def _versions(self, key: str | None, status: str | None) -> list[DefinitionVersion]:
        query = {k: v for k, v in (("key", key), ("status", status)) if v is not None}
        return [_version(d) for d in DefinitionDoc.objects(**query)]

    def _save_version(self, record: DefinitionVersion, *, create: bool) -> None:
        values = {
            "status": record.status,
            "sha256": record.sha256,
            "title": record.title,
            "definition_json": canonical_dumps(record.definition),
            "created_at": _naive(record.created_at),
            "updated_at": _naive(record.updated_at),
            "created_by": record.created_by,
            "published_at": _naive(record.published_at),
            "published_by": record.published_by,
            "archived_at": _naive(record.archived_at),
            "owner_home_id": record.owner_home_id,
        }
        if create:
            try:
                DefinitionDoc(key=record.key, version=record.version, **values).save(force_insert=True)
            except NotUniqueError:
                raise StoreError(f"{record.key} version {record.version} already exists") from None
        else:
            DefinitionDoc.objects(key=record.key, version=record.version).update_one(
                **{f"set__{k}": v for k, v in values.items()}
            )

    def _insert_submission(self, record: Submission, connection: Any = None) -> None:
        try:
            SubmissionDoc(sid=record.id, **_submission_values(record)).save(force_insert=True)
        except NotUniqueError:
            raise DuplicateSubmission() from None

    def _get_submission(self, submission_id: str) -> Submission | None:
        doc = SubmissionDoc.objects(sid=submission_id).first()
        return _submission(doc) if doc else None

    def _query_submissions(
        self, filters: dict[str, Any], taken_from: dt.datetime | None, taken_to: dt.datetime | None, limit: int
    ) -> list[Submission]:
        query = dict(filters)
        if taken_from is not None:
            query["taken_at__gte"] = _naive(taken_from)
        if taken_to is not None:
            query["taken_at__lt"] = _naive(taken_to)
        docs = SubmissionDoc.objects(**query).order_by("-taken_at", "sid").limit(limit)
        return [_submission(d) for d in docs]

    def _count_submissions(self, key: str, version: int | None) -> int:
        query: dict[str, Any] = {"form_key": key}
        if version is not None:
            query["version"] = int(version)
        return SubmissionDoc.objects(**query).count()

    def _write_amendment(self, amendment: Amendment, updated: Submission) -> None:
        try:
            AmendmentDoc(
                aid=amendment.id,
                submission_id=amendment.submission_id,
                seq=amendment.seq,
                amended_at=_naive(amendment.amended_at),
                amended_by=amendment.amended_by,
                reason=amendment.reason,
                changes=_plain(amendment.changes),
            ).save(force_insert=True)
        except NotUniqueError:
            raise StoreError("the submission was amended at the same time by someone else; try again") from None
        values = _submission_values(updated)
        SubmissionDoc.objects(sid=updated.id).update_one(**{f"set__{k}": v for k, v in values.items()})

    def _amendments(self, submission_id: str) -> list[Amendment]:
        return [
            Amendment(
                id=d.aid,
                submission_id=d.submission_id,
                seq=d.seq,
                amended_at=_aware(d.amended_at),
                amended_by=d.amended_by,
                reason=d.reason,
                changes=dict(d.changes or {}),
            )
            for d in AmendmentDoc.objects(submission_id=submission_id).order_by("seq")
        ]
