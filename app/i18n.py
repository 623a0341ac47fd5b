"""Translatable names that live in data rather than in code (coded values: see app.labels).

Role names are rows of `ab_role` and menu labels are rendered by Flask-AppBuilder with `_(label)`, so
`pybabel extract` cannot find them on its own. Listing them here with `lazy_gettext` puts them in the
catalogue (see `translations/update.sh`); templates show a role in the user's language with the
`role_label` filter that `init_app` registers:

    {{ role.name | role_label }}

Roles an administrator creates in the UI have no translation and are shown as typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.permissions import ROLE_NAMES

# One entry per name in app.permissions.ROLE_NAMES (tests/integration/test_translations.py checks).
ROLE_LABELS = {
    "Administrator": _l("Administrator"),
    "Home Manager": _l("Home Manager"),
    "Nurse": _l("Nurse"),
    "Senior Carer": _l("Senior Carer"),
    "Carer": _l("Carer"),
    "Office": _l("Office"),
    "Finance": _l("Finance"),
    "HR": _l("HR"),
    "Auditor": _l("Auditor"),
    "Family": _l("Family"),
}

# Menu categories and items registered with plain-string labels; FAB's navbar translates them with _().
MENU_LABELS = (
    _l("Homes"),
    _l("Care homes"),
    _l("Units"),
    _l("Rooms"),
    _l("Beds"),
    _l("Organisations"),
    _l("Audit trail"),
    _l("Audit events"),
    _l("Security"),
    _l("Language"),
)

def role_label(role) -> str:
    """A role (or role name) in the current language; unknown names unchanged."""
    name = getattr(role, "name", role)
    if name is None:
        return ""
    label = ROLE_LABELS.get(str(name))
    return str(label) if label is not None else str(name)


def init_app(app) -> None:
    """Register the Jinja filters; call from create_app()."""
    app.jinja_env.filters["role_label"] = role_label


__all__ = ["MENU_LABELS", "ROLE_LABELS", "ROLE_NAMES", "init_app", "role_label"]
