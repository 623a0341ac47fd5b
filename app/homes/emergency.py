"""A home's emergency access notes (key-safe and alarm codes): stored encrypted (EncryptedText),
shown only to roles with "Emergency access notes" in the matrix, and each view audited."""

from __future__ import annotations

from flask import current_app

FIELD = "emergency_access_notes"
RESOURCE = "Emergency access notes"
VIEWED = "viewed_emergency_access_notes"


def may(permission: str = "can_read") -> bool:
    """Whether the signed-in user (browser or token) may read ("can_read") or change ("can_write") them."""
    return bool(current_app.appbuilder.sm.has_access(permission, RESOURCE))


def record_view(home_id) -> None:
    """One audit event per time the codes are shown to someone."""
    from app.audit import record_event

    record_event(VIEWED, "CareHome", entity_id=home_id, home_id=int(home_id))
