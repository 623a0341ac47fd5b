"""What the builder does with the form store: create, copy, import, save, publish, archive; each recorded
in the audit trail (the store writes with its own engine, so the ORM events do not see it)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.access import is_group_admin
from app.audit import record_event
from app.formbuilder.compose import KEY_RE, as_new_form
from app.forms_store import builder_homes, get_store, may_change
from app.guards import valid_int_id
from app.tenancy import acting_user, allowed_home_ids, current_home_id
from forms.definition import DefinitionError, Issue, definition_files, load_definition, parse_definition
from forms.lint import LintReport, lint
from forms.store import DRAFT, PUBLISHED, DefinitionVersion, StoreError

ENTITY = "form_definition"
MAX_IMPORT_BYTES = 2_000_000


class BuilderError(ValueError):
    """A builder action refused; `issues` are the engine's reasons (each may name a field)."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.issues = issues or []


def _who(user) -> str | None:
    return getattr(user, "username", None)


def _record(action: str, key: str, version: int, user, **changes: Any) -> None:
    record_event(f"formbuilder.{action}", ENTITY, f"{key}:{version}", changes=changes or None,
                 actor_id=getattr(user, "id", None), actor_name=_who(user))


def _homes():
    """Homes whose own forms the signed-in user sees (None: every form)."""
    return builder_homes(acting_user())


def forms_by_key() -> OrderedDict[str, list[DefinitionVersion]]:
    """The group's library and the user's homes' own forms (another home's own forms are not shown)."""
    grouped: OrderedDict[str, list[DefinitionVersion]] = OrderedDict()
    for record in get_store().list_definitions(homes=_homes()):
        grouped.setdefault(record.key, []).append(record)
    return grouped


def ownership(forms: Mapping[str, list[DefinitionVersion]], user) -> dict[str, tuple[str, bool]]:
    """Per form key: who owns it (the group's library or the home's name) and whether the user may change it."""
    from sqlalchemy import select

    from app.extensions import db
    from app.homes.models import CareHome

    names = dict(db.session.execute(select(CareHome.id, CareHome.name).execution_options(skip_home_scope=True)).all())
    out = {}
    for key, versions in forms.items():
        owner = versions[0].owner_home_id
        label = str(_l("Group library")) if owner is None else names.get(owner, str(owner))
        out[key] = (label, may_change(versions[0], user))
    return out


def _check_owner(record: DefinitionVersion, user) -> None:
    if not may_change(record, user):
        raise BuilderError(str(_l(
            "This form is in the group's library: only the group's administrators change it. "
            "Copy it to adapt it for your home.") if record.owner_home_id is None else _l(
            "This form belongs to another home.")))


def new_owner(user) -> int | None:
    """Who a new form (created, imported or copied) belongs to: the group when a group administrator
    makes it, else the user's current home (or their one home)."""
    if user is None or is_group_admin(user):
        return None
    home = current_home_id()
    homes = sorted(allowed_home_ids(user))
    if home is None and len(homes) == 1:
        home = homes[0]
    if home is None:
        raise BuilderError(str(_l("Choose the home this form is for in the navigation bar first.")))
    return home


def standard_forms() -> list[tuple[str, str]]:
    """(file stem, title) of the standard definitions shipped in form_definitions/."""
    out = []
    for path in definition_files():
        try:
            out.append((path.stem, load_definition(path).title["en-GB"]))
        except DefinitionError:
            continue
    return out


def _check_address(key: str, version: int) -> None:
    if not KEY_RE.match(key or "") or not valid_int_id(version):
        raise BuilderError(str(_l("No such form version.")))


def get_version(key: str, version: int) -> DefinitionVersion:
    _check_address(key, version)
    record = get_store().get_definition(key, version, homes=_homes())
    if record is None:
        raise BuilderError(str(_l("No such form version.")))
    return record


def get_draft(key: str, version: int) -> DefinitionVersion:
    record = get_version(key, version)
    if record.status != DRAFT:
        raise BuilderError(str(_l("Only a draft can be changed; start a new version to change this form.")))
    _check_owner(record, acting_user())
    return record


def _key_free(key: str) -> None:  # across every home: keys are unique in the group
    if get_store().list_definitions(key=key):
        raise BuilderError(str(_l("A form with the key %(key)s already exists.", key=key)))


def save(definition: Mapping[str, Any], user, action: str = "save_draft", owner_home_id: int | None = None,
         **changes: Any) -> DefinitionVersion:
    """Save a draft of a form the user may change (a new key belongs to `owner_home_id`); a
    definition the engine cannot load is refused with its reasons."""
    key = (definition.get("x-form") or {}).get("key") if isinstance(definition, Mapping) else None
    existing = get_store().list_definitions(key=key) if isinstance(key, str) else []
    if existing:
        _check_owner(existing[0], user)
    try:
        record = get_store().save_draft(definition, by=_who(user), owner_home_id=owner_home_id)
    except DefinitionError as exc:
        raise BuilderError(str(_l("The form was not saved.")), exc.issues) from None
    except StoreError as exc:
        raise BuilderError(str(exc), exc.issues) from None
    _record(action, record.key, record.version, user, **changes)
    return record


def create(definition: Mapping[str, Any], user, action: str, **changes: Any) -> DefinitionVersion:
    """A new form: the group's when a group administrator makes it, else the user's home's own."""
    owner = new_owner(user)
    _key_free(definition["x-form"]["key"])
    return save(definition, user, action, owner_home_id=owner, **changes)


def copy_form(source: str, new_key: str, user) -> DefinitionVersion:
    """Copy a standard form ("file:<stem>") or a stored version ("<key>:<version>") to a new key, v1 draft."""
    if source.startswith("file:"):
        path = next((p for p in definition_files() if p.stem == source[5:]), None)
        if path is None:
            raise BuilderError(str(_l("No such standard form.")))
        raw = parse_definition(path)
    else:
        key, _, version = source.rpartition(":")
        if not version.isdigit():
            raise BuilderError(str(_l("No such form version.")))
        raw = dict(get_version(key, int(version)).definition)
    return create(as_new_form(raw, new_key), user, "copy", source=source)


def import_json(data: bytes, user, key: str = "") -> tuple[DefinitionVersion, LintReport]:
    """A definition file uploaded: read, checked by the engine, saved as version 1 draft of its own key
    (or of `key` when given)."""
    if not data:
        raise BuilderError(str(_l("Choose a JSON file to import.")))
    if len(data) > MAX_IMPORT_BYTES:
        raise BuilderError(str(_l("The file is too large for a form definition.")))
    try:
        raw = parse_definition(data)
        load_definition(raw)
    except DefinitionError as exc:
        raise BuilderError(str(_l("The file is not a form definition the engine can read.")), exc.issues) from None
    raw = as_new_form(raw, key or raw["x-form"]["key"])
    record = create(raw, user, "import")
    return record, lint(record.definition)


def new_version(key: str, version: int, user) -> DefinitionVersion:
    """A draft of the next version, copied from a published or archived one."""
    _check_address(key, version)
    versions = get_store().list_definitions(key=key)
    if any(v.status == DRAFT for v in versions):
        raise BuilderError(str(_l("This form already has a draft; edit that one.")))
    source = get_version(key, version)
    _check_owner(source, user)
    latest = max(v.version for v in versions)
    return save(as_new_form(source.definition, key, latest + 1), user, "new_version", source=version)


def publish(key: str, version: int, user) -> DefinitionVersion:
    record = get_version(key, version)
    _check_owner(record, user)
    locales = ((record.definition or {}).get("x-form") or {}).get("locales") or []
    if record.owner_home_id is None and "cy" not in locales:
        raise BuilderError(str(_l("The form was not published: the group’s library forms need Welsh wording "
                                  "(tick Welsh wording under Title and kind).")))
    try:
        record = get_store().publish(key, version, by=_who(user))
    except StoreError as exc:
        raise BuilderError(str(_l("The form was not published: it has errors to put right first.")),
                           exc.issues) from None
    _record("publish", key, version, user, sha256=record.sha256)
    return record


def archive(key: str, version: int, user) -> DefinitionVersion:
    record = get_version(key, version)
    _check_owner(record, user)
    if record.status != PUBLISHED:
        raise BuilderError(str(_l("Only a published version can be archived.")))
    record = get_store().archive(key, version)
    _record("archive", key, version, user)
    return record


def issues_by_field(report: LintReport) -> dict[str | None, list[Issue]]:
    """Lint errors and warnings grouped by the field they concern (None: the form as a whole)."""
    grouped: dict[str | None, list[Issue]] = {}
    for issue in report.errors + report.warnings:
        grouped.setdefault(issue.field.split(".")[0] if issue.field else None, []).append(issue)
    return grouped
