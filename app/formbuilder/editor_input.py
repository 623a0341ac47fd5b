"""The builder's posted HTML forms, read into the structured input `compose` takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.formbuilder.compose import RIGHTS, describe_rule
from app.formbuilder.compose_scoring import ACTION_TYPES

FIELD_NAMES = (
    "key", "type", "label_en", "label_cy", "help_en", "help_cy", "minimum", "maximum", "unit", "decimals",
    "widget", "visible_field", "visible_op", "visible_value", "visible_clear",
)
OPTION_PARTS = ("value", "label_en", "label_cy", "points")
BAND_PARTS = ("code", "label_en", "label_cy", "min", "max", "colour", "response_en", "response_cy")
ACTION_PARTS = ("type", "role", "urgency", "task_en", "task_cy")
CARE_PLAN_PARTS = ("matters", "outcome", "interventions", "risks")
MAX_ROWS = 200


def _count(form: Mapping[str, str], prefix: str) -> int:
    try:
        return max(0, min(MAX_ROWS, int(form.get(prefix, "0"))))
    except ValueError:
        return 0


def field_input(form) -> dict[str, Any]:
    data: dict[str, Any] = {name: form.get(name, "") for name in FIELD_NAMES}
    data["required"] = bool(form.get("required"))
    if "care_plan_parts" in form:  # a care-plan template's need: the starting wording of its parts
        data["care_plan"] = {part: (form.get(f"{part}_en", ""), form.get(f"{part}_cy", "")) for part in CARE_PLAN_PARTS}
    if "option_count" in form:
        data["options"] = [
            {part: form.get(f"option_{n}_{part}", "") for part in OPTION_PARTS}
            for n in range(_count(form, "option_count"))
        ]
    return data


def scoring_input(form, old_bands: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[dict], str, tuple]:
    """(scored question keys, band rows, unanswered policy, declared range); a band's rule and other
    actions are kept."""
    by_code = {b["code"]: b for b in old_bands}
    bands = []
    for n in range(_count(form, "band_count")):
        row: dict[str, Any] = {part: form.get(f"band_{n}_{part}", "") for part in BAND_PARTS}
        if form.get(f"band_{n}_delete"):
            continue
        old = by_code.get(form.get(f"band_{n}_original", ""))
        if old is not None:
            row["kept_actions"] = old.get("actions", [])
            if "when" in old:
                row["when"] = old["when"]
        row["actions"] = [
            {part: form.get(f"band_{n}_action_{m}_{part}", "") for part in ACTION_PARTS}
            for m in range(_count(form, f"band_{n}_action_count"))
        ]
        bands.append(row)
    declared = (form.get("range_min", ""), form.get("range_max", ""))
    return form.getlist("scored"), bands, form.get("unanswered", "fail"), declared


def permissions_input(form) -> dict[str, list[str]]:
    return {right: form.getlist(f"perm_{right}") for right in RIGHTS}


def _t(value: Any, locale: str) -> str:
    return (value or {}).get(locale, "") if isinstance(value, Mapping) else ""


def field_rows(definition: Mapping[str, Any], key: str) -> dict[str, Any]:
    """What the field editor shows for one question (the reverse of `field_input`)."""
    prop = definition["properties"][key]
    options = []
    for option in prop.get("x-options", ()):
        value = option["value"]
        if isinstance(value, bool):
            value = "yes" if value else "no"
        options.append({"value": value, "label_en": _t(option["label"], "en-GB"),
                        "label_cy": _t(option["label"], "cy"), "points": option.get("points", "")})
    rule = prop.get("x-visible-if")
    simple = describe_rule(rule)
    if simple and isinstance(simple["value"], bool):
        simple = {**simple, "value": "yes" if simple["value"] else "no"}
    return {
        "key": key, "type": prop["x-type"], "prop": prop,
        "label_en": _t(prop.get("x-label"), "en-GB"), "label_cy": _t(prop.get("x-label"), "cy"),
        "help_en": _t(prop.get("x-help"), "en-GB"), "help_cy": _t(prop.get("x-help"), "cy"),
        "required": prop.get("x-required") is True, "required_rule": isinstance(prop.get("x-required"), dict),
        "minimum": prop.get("minimum", ""), "maximum": prop.get("maximum", ""), "unit": prop.get("x-unit", ""),
        "decimals": prop.get("x-decimals", ""), "widget": prop.get("x-widget", ""),
        "options": options, "rule": simple, "custom_rule": rule is not None and simple is None,
        "care_plan": {part: {"en": _t((prop.get("x-care-plan") or {}).get(part), "en-GB"),
                             "cy": _t((prop.get("x-care-plan") or {}).get(part), "cy")} for part in CARE_PLAN_PARTS},
    }


def _wording(action: Mapping[str, Any]) -> Any:
    """The text a band action's row edits: a task's description or a care-plan need."""
    return action.get("task") or action.get("need")


def band_rows(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for band in (definition.get("x-scoring") or {}).get("bands", ()):
        actions = [
            {"type": a["type"], "role": a.get("role", ""), "urgency": a.get("urgency", "routine"),
             "task_en": _t(_wording(a), "en-GB"), "task_cy": _t(_wording(a), "cy")}
            for a in band.get("actions", ()) if a["type"] in ACTION_TYPES
        ]
        others = [a for a in band.get("actions", ()) if a["type"] not in ACTION_TYPES]
        rows.append({
            "code": band["code"], "label_en": _t(band["label"], "en-GB"), "label_cy": _t(band["label"], "cy"),
            "min": band.get("min", ""), "max": band.get("max", ""), "colour": band.get("colour", ""),
            "response_en": _t(band.get("response"), "en-GB"), "response_cy": _t(band.get("response"), "cy"),
            "actions": actions, "other_actions": others, "has_rule": "when" in band,
        })
    return rows
