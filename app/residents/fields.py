"""The resident's field groups and the resource whose permissions each follows, in one place.

The profile page, the resident forms and the REST API show and accept a group's fields only to
users whose roles give read (or write) on its resource in the matrix (app/permissions.py):
Office keeps the administrative record but not the clinical details; Finance sees neither the
legal register nor the contacts on the profile, as on their own pages.
"""

from __future__ import annotations

from flask import current_app

ADMINISTRATIVE = "Residents"
CLINICAL = "Clinical details"
LEGAL = "Legal register"
CONTACTS = "Contacts"

# group -> (resource, the resident's own columns in it). Legal records and contacts are rows of
# their own (with their own views and APIs); on the profile they are sections of the same names.
FIELD_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "administrative": (ADMINISTRATIVE, (
        "first_name", "last_name", "preferred_name", "date_of_birth", "nhs_number", "sex", "gender_identity",
        "gp_practice", "religion",
    )),
    "clinical": (CLINICAL, (
        "allergies", "key_risks", "conditions", "communication_needs", "dietary_needs", "what_matters_to_me",
    )),
    "legal": (LEGAL, ()),
    "contacts": (CONTACTS, ()),
}


def may(group: str, permission: str = "can_read") -> bool:
    """Whether the signed-in user (browser or token) has this permission on the group's resource."""
    return bool(current_app.appbuilder.sm.has_access(permission, FIELD_GROUPS[group][0]))


def refused_fields(permission: str) -> set[str]:
    """The resident's columns the signed-in user may not read ("can_read") or change ("can_write")."""
    refused: set[str] = set()
    for group, (_resource, columns) in FIELD_GROUPS.items():
        if columns and group != "administrative" and not may(group, permission):
            refused.update(columns)
    return refused


def sections() -> dict[str, bool]:
    """Which sections of the profile the signed-in user may read: {"clinical": True, ...}."""
    return {group: may(group) for group in FIELD_GROUPS}
