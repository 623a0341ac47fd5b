"""The permission matrix: which role may do what, in one readable table.

Each resource is one Flask-AppBuilder permission namespace shared by its browser view and its
REST API (`class_permission_name`), with three permissions: read, write (add and edit) and
delete. "r", "w" and "d" in the matrix grant them; read also shows the resource's menu item.

The matrix is synced on start (`sync_roles`): a built-in role is created with exactly these
permissions, and reset to them whenever its row in this table changes. Between changes an
administrator may adjust built-in roles and create new ones in Security > Roles; start-up leaves
those adjustments alone.
"""

from __future__ import annotations

import hashlib
import json

# Resource -> menu category it appears under.
RESOURCES = {
    "Organisations": "Homes",
    "Care homes": "Homes",
    "Units": "Homes",
    "Rooms": "Homes",
    "Beds": "Homes",
    "Audit trail": "Audit trail",
    "Documents and jobs": "Documents and jobs",
    "Notifications": "Notifications",
    "Residents": "Residents",
    "Contacts": "Residents",
    "Legal register": "Residents",
    "Enquiries": "Residents",
    "Stays": "Residents",
    "Occupancy": "Residents",
    "Assessments": "Assessments",
    "Assessment signing": "Assessments",
    "Assessment schedules": "Assessments",
    "Tasks": "Assessments",
    "Care plans": "Assessments",
    "Form builder": "Forms",
    "Billing": "Billing",
    "Invoices": "Billing",
    "Invoice runs": "Billing",
    "Billing payers": "Billing",
    "Fee agreements": "Billing",
    "Extras": "Billing",
    "Payments": "Billing",
    "Aged debt": "Billing",
    "Billing settings": "Billing",
    "Roles": "People and roles",
    "Users": "People and roles",
    # Daily care records (app/care/)
    "Care notes": "Daily care",
    "Charts": "Daily care",
    "Vital signs": "Daily care",
    "Body map": "Daily care",
    "Unit board": "Daily care",
    "Handover": "Daily care",
}

# Daily care records: who records what (carers notes and charts, nurses vitals and the board).
CARE_RECORDING = {"Care notes": "rw", "Charts": "rw", "Body map": "rw"}
CARE_NURSING = {**CARE_RECORDING, "Vital signs": "rw", "Unit board": "r", "Handover": "r"}
CARE_READ = {r: "r" for r in ("Care notes", "Charts", "Vital signs", "Body map", "Unit board", "Handover")}

# Every billing resource, read-only (for roles that see the whole of a home's billing).
BILLING_READ = {r: "r" for r in ("Billing", "Invoices", "Invoice runs", "Billing payers", "Fee agreements", "Extras",
                                 "Payments", "Aged debt", "Billing settings")}

# Further menu items of a resource (pages of the same permission), shown with its read permission.
EXTRA_MENUS = {
    "Legal register": ["Legal dates due"],
    "Enquiries": ["Enquiry board"],
    "Assessments": ["Due and overdue"],
    "Care plans": ["Care plan reviews due"],
    "Charts": ["Record care"],
}

# Every signed-in role may switch home, see its own profile and change its own password. The user
# views are registered under the security manager's own class (app.security.CareUserView).
USER_VIEW = "CareUserView"
EVERYONE = [
    ("can_switch", "HomeSwitchView"),
    ("can_userinfo", USER_VIEW),
    ("resetmypassword", USER_VIEW),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("userinfoedit", USER_VIEW),
]

ROLE_NAMES = [
    "Administrator",
    "Home Manager",
    "Nurse",
    "Senior Carer",
    "Carer",
    "Office",
    "Finance",
    "HR",
    "Auditor",
    "Family",
]

# The Administrator role is Flask-AppBuilder's admin role: every permission, always.
MATRIX: dict[str, dict[str, str]] = {
    "Home Manager": {
        "Organisations": "r", "Care homes": "rw", "Units": "rwd", "Rooms": "rwd", "Beds": "rwd",
        "Audit trail": "r", "Documents and jobs": "rw", "Notifications": "r",
        "Residents": "rw", "Contacts": "rw", "Legal register": "rw", "Enquiries": "rw", "Stays": "rw",
        "Occupancy": "r", "Form builder": "rw",
        "Assessments": "rw", "Assessment signing": "w", "Assessment schedules": "rwd", "Tasks": "rwd",
        "Care plans": "rw",
        **BILLING_READ,
        **CARE_NURSING,
        # the home's administrator: its people (app/users) and roles, within what the manager may do
        "Users": "rw", "Roles": "rw",
    },
    "Nurse": {
        "Care homes": "r", "Units": "r", "Rooms": "r", "Beds": "r",
        "Documents and jobs": "rw", "Notifications": "r",
        "Residents": "rw", "Contacts": "rw", "Legal register": "rw", "Enquiries": "r", "Stays": "r",
        "Assessments": "rw", "Assessment signing": "w", "Assessment schedules": "r", "Tasks": "rw",
        "Care plans": "rw",
        **CARE_NURSING,
    },
    "Senior Carer": {
        "Care homes": "r", "Units": "r", "Rooms": "r", "Beds": "r",
        "Documents and jobs": "rw", "Notifications": "r",
        "Residents": "r", "Contacts": "r", "Legal register": "r", "Stays": "r",
        "Assessments": "rw", "Assessment signing": "w", "Assessment schedules": "r", "Tasks": "rw",
        "Care plans": "rw",
        **CARE_NURSING,
    },
    "Carer": {
        "Care homes": "r", "Units": "r", "Rooms": "r", "Beds": "r", "Notifications": "r",
        "Residents": "r", "Contacts": "r", "Legal register": "r", "Stays": "r",
        "Assessments": "rw", "Assessment schedules": "r", "Tasks": "rw", "Care plans": "r",
        **CARE_RECORDING, "Vital signs": "r", "Handover": "r",
    },
    "Office": {
        "Care homes": "r", "Units": "r", "Rooms": "r", "Beds": "rw",
        "Documents and jobs": "r", "Notifications": "r",
        "Residents": "rw", "Contacts": "rw", "Legal register": "r", "Enquiries": "rw", "Stays": "rw",
        "Occupancy": "r",
        "Billing": "r", "Billing payers": "rw", "Fee agreements": "rw", "Extras": "rw", "Invoices": "r",
    },
    "Finance": {
        "Organisations": "r", "Care homes": "r", "Units": "r", "Rooms": "r", "Beds": "r",
        "Documents and jobs": "rw", "Notifications": "r",  # rw: prints billing documents
        "Residents": "r", "Stays": "r", "Occupancy": "r",
        **BILLING_READ,
        "Billing payers": "rw", "Fee agreements": "rw", "Extras": "rw", "Invoices": "rw", "Invoice runs": "rw",
        "Payments": "rw", "Billing settings": "rw",
    },
    "HR": {"Care homes": "r", "Documents and jobs": "r", "Notifications": "r"},
    "Auditor": {
        "Organisations": "r", "Care homes": "r", "Units": "r", "Rooms": "r", "Beds": "r",
        "Audit trail": "r", "Documents and jobs": "r", "Notifications": "r",
        "Residents": "r", "Contacts": "r", "Legal register": "r", "Enquiries": "r", "Stays": "r",
        "Occupancy": "r",
        "Assessments": "r", "Assessment schedules": "r", "Tasks": "r", "Care plans": "r",
        **BILLING_READ,
        **CARE_READ,
    },
    # Family: nothing of the residents' records yet (the family portal comes later).
    "Family": {"Notifications": "r"},
}

# Parts of a record that not every role of its resource may see, each its own resource (no page
# or menu of its own; app/access.py registers them). Administrator has them all.
# Clinical details: the resident's allergies, conditions, risks, communication and dietary needs
# and what matters to them (app/residents/fields.py), on the profile, the forms and the API.
# Emergency access notes: a home's key-safe and alarm codes, for the staff who open the door out
# of hours; each view of them is audited.
FIELD_RESOURCES = {  # resource: (menu category, {role: letters})
    "Clinical details": ("Residents", {"Home Manager": "rw", "Nurse": "rw", "Senior Carer": "r", "Carer": "r",
                                       "Auditor": "r"}),
    "Emergency access notes": ("Homes", {"Home Manager": "rw", "Nurse": "r", "Senior Carer": "r"}),
}
for _resource, (_category, _grants) in FIELD_RESOURCES.items():
    RESOURCES[_resource] = _category
    for _role, _letters in _grants.items():
        MATRIX[_role][_resource] = _letters

LETTERS = {"r": "can_read", "w": "can_write", "d": "can_delete"}

# Method -> permission, for every method Flask-AppBuilder exposes on a ModelView or ModelRestApi.
METHOD_PERMISSIONS = {
    # browser views
    "list": "read", "show": "read", "download": "read",
    "add": "write", "edit": "write", "action": "write", "action_post": "write",
    "delete": "delete",
    "api": "read", "api_read": "read", "api_get": "read", "api_readvalues": "read",
    "api_column_add": "write", "api_column_edit": "write",
    "api_create": "write", "api_update": "write", "api_delete": "delete",
    # REST APIs
    "get_list": "read", "get": "read", "info": "read",
    "post": "write", "put": "write", "bulk_delete": "delete",
}


def role_permissions(role: str) -> set[tuple[str, str]]:
    """(permission, view or menu) pairs the matrix gives a role."""
    if role not in MATRIX:
        return set()
    return grid_permissions(MATRIX[role])


def grid_permissions(grid: dict[str, str]) -> set[tuple[str, str]]:
    """(permission, view or menu) pairs of a row of the matrix: {resource: "rwd" letters}."""
    wanted: set[tuple[str, str]] = set(EVERYONE)
    for resource, letters in grid.items():
        for letter in letters:
            wanted.add((LETTERS[letter], resource))
        if "r" in letters:
            wanted.add(("menu_access", menu_label(resource)))
            wanted.add(("menu_access", RESOURCES[resource]))
            wanted.update(("menu_access", extra) for extra in EXTRA_MENUS.get(resource, []))
    return wanted


def menu_label(resource: str) -> str:
    """The menu item of a resource is named after it (Flask-AppBuilder checks menu_access by name)."""
    return resource


def matrix_hash(role: str) -> str:
    payload = json.dumps(sorted(role_permissions(role)), separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
