"""Field-level encryption (AES-256-GCM) with key ids, and HMAC blind indexes.

`FIELD_ENCRYPTION_KEYS` is "kid:base64key[,kid:base64key...]": the first key encrypts, every
key listed decrypts, so keys rotate by putting a new key first and running `flask keys rotate`.
A stored value reads "kid:base64(nonce || ciphertext+tag)"; the key id is also bound into the
ciphertext as associated data so a value cannot be relabelled to another key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import unicodedata

import click
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, has_app_context
from flask.cli import AppGroup
from sqlalchemy import String, Text, select
from sqlalchemy.types import TypeDecorator

NONCE_BYTES = 12


class KeyError_(ValueError):
    """The encryption keys are missing, malformed, or do not open a stored value."""


class KeyRing:
    def __init__(self, spec: str):
        self.keys: dict[str, bytes] = {}
        self.order: list[str] = []
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            kid, sep, b64 = part.partition(":")
            if not sep or not kid:
                raise KeyError_("FIELD_ENCRYPTION_KEYS entries must look like 'kid:base64key'")
            try:
                key = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                raise KeyError_(f"FIELD_ENCRYPTION_KEYS key {kid!r} is not valid base64") from None
            if len(key) != 32:
                raise KeyError_(f"FIELD_ENCRYPTION_KEYS key {kid!r} must be 32 bytes (AES-256)")
            self.keys[kid] = key
            self.order.append(kid)
        if not self.order:
            raise KeyError_("FIELD_ENCRYPTION_KEYS is empty")

    @property
    def current_kid(self) -> str:
        return self.order[0]

    def encrypt(self, plaintext: str) -> str:
        kid = self.current_kid
        nonce = os.urandom(NONCE_BYTES)
        ct = AESGCM(self.keys[kid]).encrypt(nonce, plaintext.encode("utf-8"), kid.encode())
        return f"{kid}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, stored: str) -> str:
        kid, sep, b64 = stored.partition(":")
        if not sep or kid not in self.keys:
            raise KeyError_(f"no key {kid!r} in FIELD_ENCRYPTION_KEYS to open a stored value")
        raw = base64.b64decode(b64)
        try:
            plain = AESGCM(self.keys[kid]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kid.encode())
        except InvalidTag:
            raise KeyError_("a stored encrypted value failed its integrity check") from None
        return plain.decode("utf-8")

    @staticmethod
    def kid_of(stored: str) -> str:
        return stored.partition(":")[0]


_rings: dict[str, KeyRing] = {}


def keyring(spec: str | None = None) -> KeyRing:
    if spec is None:
        if not has_app_context():
            raise KeyError_("field encryption needs an application context or explicit keys")
        spec = current_app.config.get("FIELD_ENCRYPTION_KEYS") or ""
    ring = _rings.get(spec)
    if ring is None:
        ring = _rings[spec] = KeyRing(spec)
    return ring


class EncryptedText(TypeDecorator):
    """A text column stored encrypted. Reads give the plaintext; the database never sees it."""

    impl = Text
    cache_ok = True
    encrypted = True  # the audit trail records that such a field changed, never its value

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().decrypt(value)


class EncryptedDate(EncryptedText):
    """A date stored encrypted (ISO text inside). Python sees a `datetime.date`."""

    cache_ok = True

    @property
    def python_type(self):
        return dt.date

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            value = dt.date.fromisoformat(str(value))
        return super().process_bind_param(value.isoformat(), dialect)

    def process_result_value(self, value, dialect):
        plain = super().process_result_value(value, dialect)
        return None if plain is None else dt.date.fromisoformat(plain)


def normalise_for_index(value: str) -> str:
    return unicodedata.normalize("NFKC", value).replace(" ", "").strip().casefold()


def blind_index(value: str | None, purpose: str) -> str | None:
    """A keyed HMAC-SHA256 of a normalised value, for exact-match search of an encrypted field."""
    if value in (None, ""):
        return None
    key = (current_app.config.get("FIELD_BLIND_INDEX_KEY") or "").encode()
    if not key:
        raise KeyError_("FIELD_BLIND_INDEX_KEY is not set")
    msg = f"{purpose}:{normalise_for_index(value)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def blind_index_column():
    return String(64)


# ---------------------------------------------------------------------------------------------
# flask keys rotate


def encrypted_columns(base):
    """(model class, primary key column, column) for every EncryptedText column of every model."""
    for mapper in base.registry.mappers:
        cls = mapper.class_
        for column in mapper.columns:
            if isinstance(column.type, EncryptedText) and column.table is mapper.local_table:
                yield cls, mapper.primary_key[0], column


def rotate_keys(session, base) -> dict[str, int]:
    """Re-encrypt every value not under the current key. Returns rows changed per column."""
    ring = keyring()
    changed: dict[str, int] = {}
    for _cls, pk, column in encrypted_columns(base):
        table = column.table
        rows = session.execute(
            select(table.c[pk.key], column, column.cast(Text)).where(column.is_not(None))
        ).all()
        count = 0
        for row_id, plaintext, stored in rows:
            if ring.kid_of(stored) == ring.current_kid:
                continue
            session.execute(
                table.update().where(table.c[pk.key] == row_id).values({column.key: plaintext})
            )
            count += 1
        if count:
            changed[f"{table.name}.{column.key}"] = count
    return changed


keys_cli = AppGroup("keys", help="Field-encryption keys.")


@keys_cli.command("rotate")
def rotate_command():
    """Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEYS."""
    from flask_appbuilder import Model

    from app.audit import acting_as, record_event
    from app.extensions import db

    with acting_as(None, "flask keys rotate"):
        changed = rotate_keys(db.session, Model)
        record_event("keys_rotated", "FieldEncryption", changes={"columns": changed}, session=db.session)
        db.session.commit()
    ring = keyring()
    total = sum(changed.values())
    for name, count in sorted(changed.items()):
        click.echo(f"{name}: {count} re-encrypted")
    click.echo(f"{total} value(s) now under key {ring.current_kid!r}.")


_ENCRYPTED: dict[type, tuple] = {}


def encrypted_attributes(model) -> tuple:
    """The model's field-encrypted columns, to leave out of a read that shows none of them (each is
    then read, and decrypted, only if something asks for it)."""
    if model not in _ENCRYPTED:
        from sqlalchemy import inspect

        _ENCRYPTED[model] = tuple(getattr(model, prop.key) for prop in inspect(model).column_attrs
                                  if any(isinstance(c.type, EncryptedText) for c in prop.columns))
    return _ENCRYPTED[model]
