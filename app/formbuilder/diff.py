"""A readable difference between two versions of a form: questions added, removed and changed (labels,
type, required, options and their points, range, rules), the order, scoring and bands, and permissions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.formbuilder.compose import field_keys


@dataclass(frozen=True)
class Change:
    kind: str  # added / removed / changed
    where: str  # a field key, "form", "order", "scoring", "band <code>", "permissions"
    what: str  # the aspect: label, options, points, visible if...
    before: str = ""
    after: str = ""


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Mapping) and set(value) <= {"en-GB", "cy"}:
        return " / ".join(value[k] for k in ("en-GB", "cy") if k in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


FIELD_ASPECTS = (
    ("x-type", "type"), ("x-label", "label"), ("x-help", "help"), ("x-required", "required"),
    ("minimum", "minimum"), ("maximum", "maximum"), ("x-unit", "unit"), ("x-visible-if", "shown when"),
    ("x-calculate", "calculation"), ("x-widget", "widget"),
)


def diff_definitions(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for aspect, name in (("title", "title"), ("description", "description"), ("kind", "kind")):
        a, b = before["x-form"].get(aspect), after["x-form"].get(aspect)
        if a != b:
            changes.append(Change("changed", "form", name, _show(a), _show(b)))
    old_props, new_props = before["properties"], after["properties"]
    for key in new_props:
        if key not in old_props:
            changes.append(Change("added", key, "question", "", _show(new_props[key].get("x-label"))))
    for key in old_props:
        if key not in new_props:
            changes.append(Change("removed", key, "question", _show(old_props[key].get("x-label")), ""))
    for key in new_props:
        if key in old_props:
            changes.extend(_field_changes(key, old_props[key], new_props[key]))
    common_old = [k for k in field_keys(before) if k in new_props]
    common_new = [k for k in field_keys(after) if k in old_props]
    if common_old != common_new:
        changes.append(Change("changed", "order", "question order", ", ".join(common_old), ", ".join(common_new)))
    changes.extend(_scoring_changes(before.get("x-scoring") or {}, after.get("x-scoring") or {}))
    a, b = before.get("x-permissions"), after.get("x-permissions")
    if a != b:
        for right in ("fill", "view", "sign"):
            ra, rb = (a or {}).get(right), (b or {}).get(right)
            if ra != rb:
                changes.append(Change("changed", "permissions", right, ", ".join(ra or ["—"]),
                                      ", ".join(rb or ["—"])))
    return changes


def _field_changes(key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out = []
    for aspect, name in FIELD_ASPECTS:
        if old.get(aspect) != new.get(aspect):
            out.append(Change("changed", key, name, _show(old.get(aspect)), _show(new.get(aspect))))
    old_opts = {json.dumps(o["value"]): o for o in old.get("x-options", ())}
    new_opts = {json.dumps(o["value"]): o for o in new.get("x-options", ())}
    for value, option in new_opts.items():
        if value not in old_opts:
            out.append(Change("added", key, f"option {_show(option['value'])}", "",
                              f"{_show(option['label'])} ({_show(option.get('points'))})"))
        else:
            was = old_opts[value]
            if was["label"] != option["label"]:
                out.append(Change("changed", key, f"option {_show(option['value'])} label",
                                  _show(was["label"]), _show(option["label"])))
            if was.get("points") != option.get("points"):
                out.append(Change("changed", key, f"option {_show(option['value'])} points",
                                  _show(was.get("points")), _show(option.get("points"))))
    for value, option in old_opts.items():
        if value not in new_opts:
            out.append(Change("removed", key, f"option {_show(option['value'])}",
                              f"{_show(option['label'])} ({_show(option.get('points'))})", ""))
    return out


def _scoring_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out = []
    old_items = [i["field"] for i in old.get("items", ())]
    new_items = [i["field"] for i in new.get("items", ())]
    if old_items != new_items:
        out.append(Change("changed", "scoring", "questions counted", ", ".join(old_items) or "—",
                          ", ".join(new_items) or "—"))
    if old.get("unanswered") != new.get("unanswered"):
        out.append(Change("changed", "scoring", "unanswered", _show(old.get("unanswered")),
                          _show(new.get("unanswered"))))
    old_bands = {b["code"]: b for b in old.get("bands", ())}
    new_bands = {b["code"]: b for b in new.get("bands", ())}
    for code, band in new_bands.items():
        if code not in old_bands:
            out.append(Change("added", f"band {code}", "band", "", f"{_show(band['label'])} {_range(band)}"))
            continue
        was = old_bands[code]
        for aspect in ("label", "min", "max", "colour", "response", "actions", "when"):
            if was.get(aspect) != band.get(aspect):
                out.append(Change("changed", f"band {code}", aspect, _show(was.get(aspect)), _show(band.get(aspect))))
    for code, band in old_bands.items():
        if code not in new_bands:
            out.append(Change("removed", f"band {code}", "band", f"{_show(band['label'])} {_range(band)}", ""))
    return out


def _range(band: Mapping[str, Any]) -> str:
    return f"[{_show(band.get('min'))}–{_show(band.get('max'))}]"
