"""Load, check the structure of, and hash form definitions.

A definition is a JSON Schema (draft 2020-12) document plus `x-` keys; `meta_schema.json` says what a
valid one is. `load_definition` returns a `FormDefinition` (an immutable, pre-digested view used by the
rest of the engine) or raises `DefinitionError` naming every problem. Rules inside are not checked here
(that is `forms.logic` / `forms.lint`): this module is the bottom of the engine and imports none of it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from forms import jsonio

META_SCHEMA_PATH = Path(__file__).with_name("meta_schema.json")
DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "form_definitions"

#: x-type -> JSON Schema "type" values it may use
TYPE_SCHEMA: dict[str, tuple[str, ...]] = {
    "text": ("string",),
    "long_text": ("string",),
    "integer": ("integer",),
    "decimal": ("number",),
    "date": ("string",),
    "time": ("string",),
    "date_time": ("string",),
    "yes_no": ("boolean",),
    "single_choice": ("string", "integer"),
    "multiple_choice": ("array",),
    "scale": ("integer",),
    "repeat": ("array",),
    "calculated": ("number", "integer", "string", "boolean"),
    "signature": ("object",),
}
SIGNATURE_PARTS = ("name", "role", "signed_at")
MAX_DEFINITION_DEPTH = 100  # rules may be 64 deep, inside a field inside a repeat


@dataclass(frozen=True)
class Issue:
    """One problem with a definition; `field` is the field key it concerns, or None for the form."""

    code: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class DefinitionError(ValueError):
    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues[:20]))


@dataclass(frozen=True)
class Option:
    value: Any
    label: Mapping[str, str]
    points: Decimal | None = None
    help: Mapping[str, str] | None = None


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    schema: Mapping[str, Any]
    label: Mapping[str, str]
    help: Mapping[str, str] | None = None
    unit: str | None = None
    widget: str | None = None
    options: tuple[Option, ...] = ()
    visible_if: Any = None
    required: Any = False
    calculate: Any = None
    decimals: int | None = None
    default: Any = None
    has_default: bool = False
    children: tuple[FieldSpec, ...] = ()
    print_hints: Mapping[str, Any] = field(default_factory=dict)
    scale_labels: Mapping[str, Any] = field(default_factory=dict)
    placeholder: Mapping[str, str] | None = None

    @property
    def minimum(self) -> Any:
        return self.schema.get("minimum")

    @property
    def maximum(self) -> Any:
        return self.schema.get("maximum")

    def option(self, value: Any) -> Option | None:
        for opt in self.options:
            if opt.value == value and type(opt.value) is type(value):
                return opt
        return None


@dataclass(frozen=True)
class FormDefinition:
    raw: Mapping[str, Any]
    key: str
    version: int
    sha256: str
    title: Mapping[str, str]
    locales: tuple[str, ...]
    fields: Mapping[str, FieldSpec]
    layout: tuple[Mapping[str, Any], ...]
    scoring: Mapping[str, Any] | None
    checks: tuple[Mapping[str, Any], ...]
    examples: tuple[Mapping[str, Any], ...]
    migrations: tuple[Mapping[str, Any], ...]
    notes: tuple[Mapping[str, Any], ...]
    source: Mapping[str, Any]
    answer_schema: Mapping[str, Any]
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __hash__(self) -> int:
        return hash((self.key, self.version, self.sha256))

    def layout_order(self) -> list[str]:
        order: list[str] = []
        for page in self.layout:
            for section in page.get("sections", ()):
                order.extend(k for k in section.get("fields", ()) if k not in order)
        return order

    def canonical_json(self) -> str:
        return jsonio.canonical_dumps(self.raw)


@lru_cache(maxsize=1)
def meta_schema() -> dict:
    return json.loads(META_SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _meta_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(meta_schema())


def definition_hash(raw: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a definition (sorted keys, no whitespace, UTF-8)."""
    return hashlib.sha256(jsonio.canonical_dumps(raw).encode("utf-8")).hexdigest()


def _field_of_path(path: Iterable[Any]) -> str | None:
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "properties" and isinstance(parts[1], str):
        return parts[1]
    return None


def _strip_x(schema: Any) -> Any:
    """Copy of a schema without x- keys (they mean nothing to jsonschema and slow it down)."""
    if isinstance(schema, dict):
        return {k: _strip_x(v) for k, v in schema.items() if not (isinstance(k, str) and k.startswith("x-"))}
    if isinstance(schema, list):
        return [_strip_x(v) for v in schema]
    return schema


def _build_field(key: str, prop: Mapping[str, Any], issues: list[Issue], owner: str | None = None) -> FieldSpec:
    name = f"{owner}.{key}" if owner else key
    ftype = prop["x-type"]
    declared = prop.get("type")
    declared_types = tuple(declared) if isinstance(declared, list) else (declared,)
    allowed = TYPE_SCHEMA[ftype]
    if declared is None or not set(declared_types) <= set(allowed) | {"null"}:
        issues.append(
            Issue("type_mismatch", f"x-type {ftype} needs schema type {' or '.join(allowed)}, got {declared!r}", name)
        )
    options = tuple(
        Option(
            value=o["value"],
            label=o["label"],
            points=None
            if o.get("points") is None
            else Decimal(repr(o["points"]))
            if isinstance(o["points"], float)
            else Decimal(o["points"]),
            help=o.get("help"),
        )
        for o in prop.get("x-options", ())
    )
    children: list[FieldSpec] = []
    if ftype == "repeat":
        items = prop.get("items")
        if (
            not isinstance(items, dict)
            or items.get("type") != "object"
            or not isinstance(items.get("properties"), dict)
        ):
            issues.append(Issue("bad_repeat", "a repeating group needs items of type object with properties", name))
        else:
            for child_key, child in items["properties"].items():
                children.append(_build_field(child_key, child, issues, owner=name))
    if ftype == "signature":
        parts = prop.get("properties") or {}
        missing = [p for p in SIGNATURE_PARTS if p not in parts]
        if missing:
            issues.append(Issue("bad_signature", f"a signature needs properties {', '.join(missing)}", name))
    if ftype in ("single_choice", "multiple_choice") and not options:
        issues.append(Issue("no_options", "a choice question needs x-options", name))
    return FieldSpec(
        key=key,
        type=ftype,
        schema=prop,
        label=prop["x-label"],
        help=prop.get("x-help"),
        unit=prop.get("x-unit"),
        widget=prop.get("x-widget"),
        options=options,
        visible_if=prop.get("x-visible-if"),
        required=prop.get("x-required", False),
        calculate=prop.get("x-calculate"),
        decimals=prop.get("x-decimals"),
        default=prop.get("default"),
        has_default="default" in prop,
        children=tuple(children),
        print_hints=prop.get("x-print", {}),
        scale_labels=prop.get("x-scale-labels", {}),
        placeholder=prop.get("x-placeholder"),
    )


def _answer_schema(raw: Mapping[str, Any], fields: Mapping[str, FieldSpec]) -> dict:
    props = {k: _strip_x(v) for k, v in raw["properties"].items() if fields[k].type != "calculated"}
    schema = {k: copy.deepcopy(v) for k, v in _strip_x(raw).items() if k not in ("properties",)}
    schema["properties"] = props
    schema["additionalProperties"] = False
    schema.pop("required", None)
    return schema


def parse_definition(source: str | bytes | Path | Mapping[str, Any]) -> dict:
    """Read a definition from text, a path or a mapping into plain JSON values (no structure checks)."""
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise DefinitionError([Issue("unreadable", f"cannot read {source}: {exc.strerror}")]) from None
    try:
        if isinstance(source, (str, bytes, bytearray)):
            raw = jsonio.loads(source, max_depth=MAX_DEFINITION_DEPTH)
        else:
            jsonio.check_value(source, max_depth=MAX_DEFINITION_DEPTH)
            raw = json.loads(jsonio.dumps(source))
    except (jsonio.JsonInputError, TypeError, ValueError) as exc:
        raise DefinitionError([Issue("malformed_json", str(exc))]) from None
    if not isinstance(raw, dict):
        raise DefinitionError([Issue("not_object", "a form definition must be a JSON object")])
    return raw


def load_definition(source: str | bytes | Path | Mapping[str, Any]) -> FormDefinition:
    """Parse and structurally check a definition; raise DefinitionError listing every problem."""
    raw = parse_definition(source)
    issues: list[Issue] = []
    for error in sorted(_meta_validator().iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        message = error.message if len(error.message) < 300 else error.message[:300] + "..."
        if error.validator == "not" and not error.absolute_path:
            message = "use x-required on each field instead of a top-level 'required' list"
        issues.append(Issue("meta_schema", f"{where}: {message}", _field_of_path(error.absolute_path)))
    if issues:
        raise DefinitionError(issues)
    fields = {key: _build_field(key, prop, issues) for key, prop in raw["properties"].items()}
    if issues:
        raise DefinitionError(issues)
    form = raw["x-form"]
    return FormDefinition(
        raw=raw,
        key=form["key"],
        version=form["version"],
        sha256=definition_hash(raw),
        title=form["title"],
        locales=tuple(form["locales"]),
        fields=fields,
        layout=tuple(raw["x-layout"]["pages"]),
        scoring=raw.get("x-scoring"),
        checks=tuple(raw.get("x-checks", ())),
        examples=tuple(raw.get("x-examples", ())),
        migrations=tuple(raw.get("x-migrations", ())),
        notes=tuple(raw.get("x-notes", ())),
        source=raw.get("x-source", {}),
        answer_schema=_answer_schema(raw, fields),
    )


def definition_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or DEFINITIONS_DIR).glob("*.json"))


def find_definition_file(key: str, directory: Path | None = None) -> Path | None:
    """The file in form_definitions/ whose x-form.key is `key` (by file name first, then by content)."""
    directory = directory or DEFINITIONS_DIR
    candidate = directory / f"{key}.json"
    if candidate.is_file():
        return candidate
    for path in definition_files(directory):
        try:
            if parse_definition(path).get("x-form", {}).get("key") == key:
                return path
        except DefinitionError:
            continue
    return None


def upgrade_answers(answers: Mapping[str, Any], from_version: int, definition: FormDefinition) -> dict:
    """Carry answers given against an older version forward through the definition's x-migrations.

    Stored submissions are never changed; this is for cross-version reports and exports.
    """
    result = dict(answers)
    for step in sorted(definition.migrations, key=lambda m: m["from_version"]):
        if step["from_version"] < from_version:
            continue
        for old, new in step.get("rename", {}).items():
            if old in result:
                result[new] = result.pop(old)
        for key, mapping in step.get("recode", {}).items():
            value = result.get(key)
            if isinstance(value, list):
                result[key] = [mapping.get(str(v), v) for v in value]
            elif value is not None and str(value) in mapping:
                result[key] = mapping[str(value)]
        for key in step.get("drop", ()):
            result.pop(key, None)
    return result
