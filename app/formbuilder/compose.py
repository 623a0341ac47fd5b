"""The builder's editor input becomes a form definition (the JSON Schema document the engine expects).

Pure functions on plain dicts: each takes a definition and the editor's structured input and returns a
new definition; nothing here touches the store, the request or the database.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
LOCALES = ("en-GB", "cy")

#: The field types the builder offers (others, from a copied standard form, are kept as they are).
FIELD_TYPES = (
    "text", "long_text", "integer", "decimal", "date", "time", "date_time",
    "yes_no", "single_choice", "multiple_choice", "scale",
)
#: Each question type in plain words (the builder's drop-downs).
TYPE_LABELS = {
    "text": _l("Short text (one line)"),
    "long_text": _l("Long text (several lines)"),
    "integer": _l("Whole number"),
    "decimal": _l("Number with decimals"),
    "date": _l("Date"),
    "time": _l("Time of day"),
    "date_time": _l("Date and time"),
    "yes_no": _l("Yes or no"),
    "single_choice": _l("Choose one answer"),
    "multiple_choice": _l("Choose any answers"),
    "scale": _l("Scale (a number between two ends)"),
}


def type_label(ftype: str) -> str:
    """A question type in plain words; a type the builder does not offer (from a copied standard
    form) in a readable form of its code."""
    found = TYPE_LABELS.get(ftype)
    return str(found) if found is not None else str(ftype or "").replace("_", " ").capitalize()


CHOICE_TYPES = ("single_choice", "multiple_choice")
NUMBER_TYPES = ("integer", "decimal", "scale")
KINDS = ("assessment", "care_plan", "record")
RULE_OPS = {"is": "==", "is_not": "!=", "above": ">", "below": "<"}
COLOURS = ("green", "amber", "red", "grey", "blue")
RIGHTS = ("fill", "view", "sign")


class ComposeError(ValueError):
    """Editor input that cannot become a definition; `problems` maps an input name to a message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


def text(en: str | None, cy: str | None = None) -> dict[str, str]:
    """A text per locale; Welsh is left out when empty (lint then says it is missing)."""
    out = {"en-GB": (en or "").strip()}
    if (cy or "").strip():
        out["cy"] = cy.strip()
    return out


def _number(raw: Any, name: str, problems: dict[str, str], *, integer: bool = False) -> Any:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        problems[name] = _l("must be a number")
        return None
    if not value.is_finite() or abs(value) > Decimal("1e15"):
        problems[name] = _l("must be a number")
        return None
    if integer:
        if value != value.to_integral_value():
            problems[name] = _l("must be a whole number")
            return None
        return int(value)
    return int(value) if value == value.to_integral_value() else float(value)


def new_definition(key: str, title_en: str, title_cy: str = "", kind: str = "assessment") -> dict[str, Any]:
    """A new draft, version 1, with one text question so it is a valid definition from the start."""
    problems: dict[str, str] = {}
    if not KEY_RE.match(key or ""):
        problems["key"] = _l("use lower-case letters, digits and _ (starting with a letter)")
    if not (title_en or "").strip():
        problems["title_en"] = _l("a title is needed")
    if kind not in KINDS:
        problems["kind"] = _l("unknown kind")
    if problems:
        raise ComposeError(problems)
    return {
        "$schema": SCHEMA_URL,
        "type": "object",
        "additionalProperties": False,
        "properties": {"question_1": {"type": "string", "x-type": "text", "x-label": text("Question 1", "Cwestiwn 1")}},
        "x-form": {"key": key, "version": 1, "title": text(title_en, title_cy), "kind": kind,
                   "locales": list(LOCALES)},
        "x-layout": {"pages": [{"key": "main", "sections": [{"key": "questions", "fields": ["question_1"]}]}]},
    }


def as_new_form(definition: Mapping[str, Any], key: str, version: int = 1) -> dict[str, Any]:
    """A copy of a definition under another key (or the next version of the same key), as a draft."""
    if not KEY_RE.match(key or ""):
        raise ComposeError({"key": _l("use lower-case letters, digits and _ (starting with a letter)")})
    out = copy.deepcopy(dict(definition))
    out["x-form"] = {**out["x-form"], "key": key, "version": version}
    if "$id" in out:
        out["$id"] = f"urn:writecarenotes:form:{key}:{version}"
    if key != definition["x-form"]["key"]:
        out.pop("x-migrations", None)
    return out


def field_keys(definition: Mapping[str, Any]) -> list[str]:
    """Field keys in layout order (then any not placed in the layout)."""
    order: list[str] = []
    for page in definition["x-layout"]["pages"]:
        for section in page["sections"]:
            order.extend(k for k in section["fields"] if k not in order)
    return order + [k for k in definition["properties"] if k not in order]


def _unique_key(definition: Mapping[str, Any], stem: str = "question") -> str:
    n = len(definition["properties"]) + 1
    while f"{stem}_{n}" in definition["properties"]:
        n += 1
    return f"{stem}_{n}"


def _default_prop(ftype: str, n: str) -> dict[str, Any]:
    label = text(f"Question {n}", f"Cwestiwn {n}")
    prop: dict[str, Any] = {"x-type": ftype, "x-label": label}
    yes_no = [{"value": "yes", "label": text("Yes", "Ie"), "points": 1},
              {"value": "no", "label": text("No", "Na"), "points": 0}]
    if ftype in ("text", "long_text", "date", "time", "date_time"):
        prop["type"] = "string"
        if ftype in ("date", "time", "date_time"):
            prop["format"] = {"date": "date", "time": "time", "date_time": "date-time"}[ftype]
    elif ftype in ("integer", "scale"):
        prop.update(type="integer", minimum=0, maximum=10 if ftype == "scale" else 100)
    elif ftype == "decimal":
        prop["type"] = "number"
    elif ftype == "yes_no":
        prop["type"] = "boolean"
    elif ftype == "single_choice":
        prop.update(type="string", enum=["yes", "no"], **{"x-options": yes_no})
    elif ftype == "multiple_choice":
        prop.update(type="array", uniqueItems=True, items={"type": "string", "enum": ["yes", "no"]},
                    **{"x-options": yes_no})
    else:
        raise ComposeError({"type": _l("unknown field type")})
    return prop


def add_field(definition: Mapping[str, Any], ftype: str, section_key: str | None = None) -> tuple[dict, str]:
    """Append a new question of a type to a section (default the last); returns (definition, its key)."""
    out = copy.deepcopy(dict(definition))
    key = _unique_key(out)
    out["properties"][key] = _default_prop(ftype, key.rsplit("_", 1)[1])
    sections = [s for p in out["x-layout"]["pages"] for s in p["sections"]]
    target = next((s for s in sections if s["key"] == section_key), sections[-1])
    target["fields"].append(key)
    return out, key


def remove_field(definition: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Drop a question from the schema, the layout and the scoring; the last question stays."""
    if key not in definition["properties"]:
        raise ComposeError({"key": _l("no such field")})
    if len(definition["properties"]) == 1:
        raise ComposeError({"key": _l("a form needs at least one question")})
    out = copy.deepcopy(dict(definition))
    del out["properties"][key]
    for page in out["x-layout"]["pages"]:
        for section in page["sections"]:
            section["fields"] = [k for k in section["fields"] if k != key]
    _drop_score_items(out, key)
    out["x-checks"] = [c for c in out.get("x-checks", ()) if c["field"] != key]
    if not out["x-checks"]:
        del out["x-checks"]
    return out


def remove_extra(definition: Mapping[str, Any], part: str, name: str) -> dict[str, Any]:
    """Drop one worked example (x-examples, by name) or cross-field check (x-checks, by key) of a copied form."""
    ident = {"x-examples": "name", "x-checks": "key"}.get(part)
    if ident is None or not any(item[ident] == name for item in definition.get(part, ())):
        raise ComposeError({part: _l("no such entry")})
    out = copy.deepcopy(dict(definition))
    out[part] = [item for item in out[part] if item[ident] != name]
    if not out[part]:
        del out[part]
    return out


def _drop_score_items(out: dict, key: str) -> None:
    scoring = out.get("x-scoring")
    if not scoring:
        return
    scoring["items"] = [i for i in scoring["items"] if i["field"] != key]
    if not scoring["items"]:
        del out["x-scoring"]


def move_field(definition: Mapping[str, Any], key: str, step: int) -> dict[str, Any]:
    """Move a question one place up (-1) or down (+1) in the flat order, crossing section ends."""
    out = copy.deepcopy(dict(definition))
    sections = [s for p in out["x-layout"]["pages"] for s in p["sections"]]
    for index, section in enumerate(sections):
        if key not in section["fields"]:
            continue
        at = section["fields"].index(key)
        to = at + step
        if 0 <= to < len(section["fields"]):
            section["fields"][at], section["fields"][to] = section["fields"][to], key
        elif 0 <= index + step < len(sections):
            section["fields"].remove(key)
            neighbour = sections[index + step]["fields"]
            neighbour.insert(len(neighbour) if step < 0 else 0, key)
        return out
    raise ComposeError({"key": _l("no such field")})


def reorder_section(definition: Mapping[str, Any], section_key: str, keys: Sequence[str]) -> dict[str, Any]:
    """Set a section's question order (from drag and drop); the same questions must be given."""
    out = copy.deepcopy(dict(definition))
    for page in out["x-layout"]["pages"]:
        for section in page["sections"]:
            if section["key"] == section_key:
                if sorted(section["fields"]) != sorted(keys) or len(set(keys)) != len(keys):
                    raise ComposeError({"order": _l("the new order must name the section's questions once each")})
                section["fields"] = list(keys)
                return out
    raise ComposeError({"order": _l("no such section")})


def add_section(definition: Mapping[str, Any], title_en: str, title_cy: str = "") -> dict[str, Any]:
    """A new, empty section at the end of the last page; questions move into it with ▲/▼."""
    if not (title_en or "").strip():
        raise ComposeError({"section_title_en": _l("a section needs a title")})
    out = copy.deepcopy(dict(definition))
    taken = {s["key"] for p in out["x-layout"]["pages"] for s in p["sections"]}
    n = len(taken) + 1
    while f"section_{n}" in taken:
        n += 1
    out["x-layout"]["pages"][-1]["sections"].append(
        {"key": f"section_{n}", "title": text(title_en, title_cy), "fields": []})
    return out


def update_section(definition: Mapping[str, Any], section_key: str, title_en: str, title_cy: str = "",
                   remove: bool = False) -> dict[str, Any]:
    """Rename a section, or remove it when it holds no questions (a page keeps at least one section)."""
    out = copy.deepcopy(dict(definition))
    for page in out["x-layout"]["pages"]:
        for section in page["sections"]:
            if section["key"] != section_key:
                continue
            if remove:
                if section["fields"] or len(page["sections"]) == 1:
                    raise ComposeError({"section": _l("only an empty section that is not a page's last can go")})
                page["sections"].remove(section)
            elif (title_en or "").strip():
                section["title"] = text(title_en, title_cy)
            else:
                section.pop("title", None)
            return out
    raise ComposeError({"section": _l("no such section")})


def _option_value(raw: str, int_values: bool) -> Any:
    return int(raw) if int_values else raw


def compose_options(rows: Sequence[Mapping[str, Any]], problems: dict[str, str]) -> list[dict[str, Any]]:
    """Option rows (value, label_en, label_cy, points) -> x-options; blank rows are skipped."""
    options = []
    for n, row in enumerate(rows):
        value = str(row.get("value") or "").strip()
        if not value and not str(row.get("label_en") or "").strip():
            continue
        if not KEY_RE.match(value):
            problems[f"option_{n}_value"] = _l("an option value uses lower-case letters, digits and _")
            continue
        option: dict[str, Any] = {"value": value, "label": text(row.get("label_en") or value, row.get("label_cy"))}
        points = _number(row.get("points"), f"option_{n}_points", problems)
        if points is not None:
            option["points"] = points
        options.append(option)
    return options


def visibility_rule(definition: Mapping[str, Any], field: str, op: str, value: Any) -> dict | None:
    """The point-and-click rule "show when <field> is / is not / is above / is below <value>" as JSON Logic."""
    if not field:
        return None
    other = definition["properties"].get(field)
    if other is None or op not in RULE_OPS:
        raise ComposeError({"visible_field": _l("choose a question and a comparison")})
    ftype = other["x-type"]
    raw = str(value if value is not None else "").strip()
    problems: dict[str, str] = {}
    if ftype == "yes_no":
        if raw.lower() not in ("true", "false", "yes", "no"):
            raise ComposeError({"visible_value": _l("answer yes or no")})
        operand: Any = raw.lower() in ("true", "yes")
    elif ftype in NUMBER_TYPES:
        operand = _number(raw, "visible_value", problems, integer=ftype != "decimal")
        if operand is None:
            raise ComposeError(problems or {"visible_value": _l("must be a number")})
    else:
        operand = raw
        enum = other.get("enum") or other.get("items", {}).get("enum")
        if enum and all(isinstance(v, int) for v in enum) and raw.lstrip("-").isdigit():
            operand = int(raw)
    if op in ("above", "below") and ftype not in NUMBER_TYPES:
        raise ComposeError({"visible_op": _l("above and below need a number question")})
    if ftype == "multiple_choice":
        rule: dict = {"in": [operand, {"var": field}]}
        return rule if op == "is" else {"!": [rule]}
    return {RULE_OPS[op]: [{"var": field}, operand]}


def describe_rule(rule: Any) -> dict[str, Any] | None:
    """The editor's (field, op, value) for a rule the point-and-click editor made; None for anything else."""
    if not isinstance(rule, dict) or len(rule) != 1:
        return None
    (operator, args), = rule.items()
    if operator == "!" and isinstance(args, list) and len(args) == 1:
        inner = describe_rule(args[0])
        return {**inner, "op": "is_not"} if inner and inner["op"] == "is" and inner.get("multi") else None
    if operator == "in" and isinstance(args, list) and len(args) == 2 and _is_var(args[1]):
        return {"field": args[1]["var"], "op": "is", "value": args[0], "multi": True}
    ops = {v: k for k, v in RULE_OPS.items()}
    if operator in ops and isinstance(args, list) and len(args) == 2 and _is_var(args[0]):
        if isinstance(args[1], (str, int, float, bool)):
            return {"field": args[0]["var"], "op": ops[operator], "value": args[1]}
    return None


def _is_var(node: Any) -> bool:
    return isinstance(node, dict) and list(node) == ["var"] and isinstance(node["var"], str)


def update_field(definition: Mapping[str, Any], old_key: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the field editor's input to one question (renaming it everywhere it is named)."""
    if old_key not in definition["properties"]:
        raise ComposeError({"key": _l("no such field")})
    out = copy.deepcopy(dict(definition))
    old = out["properties"][old_key]
    problems: dict[str, str] = {}
    key = str(data.get("key") or old_key).strip()
    if not KEY_RE.match(key):
        problems["key"] = _l("use lower-case letters, digits and _ (starting with a letter)")
    elif key != old_key and key in out["properties"]:
        problems["key"] = _l("another question has this key")
    ftype = str(data.get("type") or old["x-type"])
    if ftype != old["x-type"] and ftype not in FIELD_TYPES:
        problems["type"] = _l("unknown field type")
    if not str(data.get("label_en") or "").strip():
        problems["label_en"] = _l("a label is needed")
    if problems:
        raise ComposeError(problems)
    prop = _default_prop(ftype, "1") if ftype != old["x-type"] else copy.deepcopy(old)
    if ftype == old["x-type"] and "x-options" in old:
        prop["x-options"] = old["x-options"]
    prop["x-label"] = text(data.get("label_en"), data.get("label_cy"))
    help_text = text(data.get("help_en"), data.get("help_cy"))
    _set(prop, "x-help", help_text if help_text["en-GB"] else None)
    _set(prop, "x-required", True if data.get("required") else None)
    if ftype in NUMBER_TYPES:
        integer = ftype != "decimal"
        low = _number(data.get("minimum"), "minimum", problems, integer=integer)
        high = _number(data.get("maximum"), "maximum", problems, integer=integer)
        if low is not None and high is not None and low > high:
            problems["maximum"] = _l("must not be below the minimum")
        _set(prop, "minimum", low)
        _set(prop, "maximum", high)
        _set(prop, "x-unit", str(data.get("unit") or "").strip()[:40] or None)
        if ftype == "decimal":
            _set(prop, "x-decimals", _number(data.get("decimals"), "decimals", problems, integer=True))
    if ftype in CHOICE_TYPES + ("yes_no",) and "options" in data:
        options = compose_options(data["options"], problems)
        if ftype == "yes_no":
            options = _yes_no_options(options)
        if ftype in CHOICE_TYPES and not options:
            problems["options"] = _l("a choice question needs at least one option")
        _set(prop, "x-options", options or None)
        if ftype == "single_choice":
            prop["enum"] = [o["value"] for o in options]
        elif ftype == "multiple_choice":
            prop["items"] = {"type": "string", "enum": [o["value"] for o in options]}
    if "care_plan" in data:
        parts = {part: text(en, cy) for part, (en, cy) in data["care_plan"].items()}
        _set(prop, "x-care-plan", {part: t for part, t in parts.items() if t["en-GB"]} or None)
    if ftype in ("single_choice", "scale") and data.get("widget") in ("radio", "select"):
        prop["x-widget"] = data["widget"]
    try:
        rule = visibility_rule(out, data.get("visible_field") or "", data.get("visible_op") or "is",
                               data.get("visible_value"))
    except ComposeError as exc:
        problems.update(exc.problems)
        rule = None
    if data.get("visible_field") == old_key or data.get("visible_field") == key:
        problems["visible_field"] = _l("a question cannot depend on itself")
    old_rule = old.get("x-visible-if")
    if rule is not None or data.get("visible_clear") or old_rule is None or describe_rule(old_rule) is not None:
        _set(prop, "x-visible-if", rule)  # a written rule from a copied form is kept unless replaced
    if problems:
        raise ComposeError(problems)
    out["properties"] = {(key if k == old_key else k): (prop if k == old_key else v)
                         for k, v in out["properties"].items()}
    if key != old_key:
        _rename_references(out, old_key, key)
    return out


def _yes_no_options(options: list[dict]) -> list[dict]:
    """Yes/no points are entered against "yes" and "no"; the engine keys them by true and false."""
    by_value = {o["value"]: o for o in options}
    if "yes" not in by_value and "no" not in by_value:
        return []
    return [{**by_value.get(word, {"label": text(word.title())}), "value": word == "yes"} for word in ("yes", "no")]


def _set(target: dict, key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _rename_references(out: dict, old: str, new: str) -> None:
    for page in out["x-layout"]["pages"]:
        for section in page["sections"]:
            section["fields"] = [new if k == old else k for k in section["fields"]]
    for item in (out.get("x-scoring") or {}).get("items", ()):
        if item["field"] == old:
            item["field"] = new
    for prop in out["properties"].values():
        for part in ("x-visible-if", "x-required", "x-calculate"):
            if part in prop and not isinstance(prop[part], bool):
                prop[part] = _rename_var(prop[part], old, new)


def _rename_var(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        if list(node) == ["var"] and node["var"] == old:
            return {"var": new}
        return {k: _rename_var(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_var(v, old, new) for v in node]
    return node
