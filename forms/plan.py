"""The evaluation plan of a definition: every rule checked once, fields in dependency order.

Built on first use and cached on the FormDefinition, so validating a submission never re-checks rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forms.definition import FieldSpec, FormDefinition, Issue
from forms.logic import LogicError, RuleInfo, check_rule

ENGINE_VARIABLES = {"$total", "$points", "$item_points", "$today"}


@dataclass
class Plan:
    order: list[str]
    rules: dict[tuple[str, str], RuleInfo] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def _rule(plan: Plan, owner: str, purpose: str, tree: Any, known: set[str], field_name: str | None) -> RuleInfo | None:
    try:
        info = check_rule(tree)
    except LogicError as exc:
        plan.issues.append(Issue("bad_rule", f"{purpose} rule: {exc}", field_name))
        return None
    unknown = sorted(v for v in info.variables if v not in known)
    if unknown:
        plan.issues.append(
            Issue("unknown_reference", f"{purpose} rule refers to unknown field(s) {', '.join(unknown)}", field_name)
        )
    plan.rules[(owner, purpose)] = info
    return info


def _topological(nodes: list[str], deps: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """Kahn's algorithm keeping the given order where possible; returns (order, nodes in cycles)."""
    remaining = {n: {d for d in deps.get(n, ()) if d in deps or d in nodes} - {n} for n in nodes}
    self_loops = [n for n in nodes if n in deps.get(n, ())]
    order: list[str] = []
    placed: set[str] = set()
    progress = True
    while progress:
        progress = False
        for n in nodes:
            if n not in placed and remaining[n] <= placed:
                order.append(n)
                placed.add(n)
                progress = True
    cyclic = [n for n in nodes if n not in placed] + [n for n in self_loops if n in placed]
    return order, cyclic


def _child_rules(plan: Plan, spec: FieldSpec, known: set[str]) -> None:
    sibling_names = {c.key for c in spec.children}
    for child in spec.children:
        name = f"{spec.key}.{child.key}"
        if child.visible_if is not None:
            _rule(plan, name, "visibility", child.visible_if, known | sibling_names, name)
        if isinstance(child.required, dict):
            _rule(plan, name, "required", child.required, known | sibling_names, name)
        if child.calculate is not None:
            plan.issues.append(
                Issue("unsupported", "calculated values inside a repeating group are not supported", name)
            )


def build_plan(definition: FormDefinition) -> Plan:
    cached = definition.cache.get("plan")
    if cached is not None:
        return cached
    fields = definition.fields
    known = set(fields) | ENGINE_VARIABLES
    plan = Plan(order=[])
    deps: dict[str, set[str]] = {}
    for key, spec in fields.items():
        deps[key] = set()
        if spec.visible_if is not None:
            info = _rule(plan, key, "visibility", spec.visible_if, set(fields), key)
            if info:
                deps[key] |= info.variables
        if isinstance(spec.required, dict):
            _rule(plan, key, "required", spec.required, set(fields), key)
        if spec.type == "calculated":
            if spec.calculate is None:
                plan.issues.append(Issue("no_calculation", "a calculated field needs x-calculate", key))
            else:
                info = _rule(plan, key, "calculation", spec.calculate, set(fields), key)
                if info:
                    deps[key] |= info.variables
        elif spec.calculate is not None:
            plan.issues.append(Issue("calculate_on_input", "only x-type calculated fields may have x-calculate", key))
        if spec.children:
            _child_rules(plan, spec, set(fields))
    plan.order, cyclic = _topological(list(fields), deps)
    for key in cyclic:
        plan.issues.append(Issue("cycle", "visibility or calculation rules depend on each other in a cycle", key))
        plan.order.append(key)
    for check in definition.checks:
        _rule(plan, f"check:{check['key']}", "check", check["assert"], set(fields), check["field"])
        if check["field"] not in fields:
            plan.issues.append(
                Issue("unknown_reference", f"check {check['key']} names an unknown field", check["field"])
            )
    _plan_scoring(plan, definition, known)
    definition.cache["plan"] = plan
    return plan


def _plan_scoring(plan: Plan, definition: FormDefinition, known: set[str]) -> None:
    scoring = definition.scoring
    if not scoring:
        return
    seen: set[str] = set()
    for item in scoring["items"]:
        key = item.get("key", item["field"])
        spec = definition.fields.get(item["field"])
        if key in seen:
            plan.issues.append(Issue("duplicate_item", f"score item {key} appears twice", key))
        seen.add(key)
        if spec is None:
            plan.issues.append(
                Issue("unknown_reference", f"score item {key} names unknown field {item['field']}", item["field"])
            )
            continue
        how = item.get("points", "options")
        if isinstance(how, dict):
            _rule(plan, f"item:{key}", "points", how, set(definition.fields), item["field"])
        elif how == "options":
            if not spec.options and spec.type != "yes_no":
                plan.issues.append(
                    Issue("no_points", "score item has no options with points and no points rule", item["field"])
                )
            elif any(o.points is None for o in spec.options) or not spec.options:
                plan.issues.append(Issue("no_points", "every option of a scored question needs points", item["field"]))
        elif how == "value" and spec.type not in ("integer", "decimal", "scale", "calculated"):
            plan.issues.append(Issue("bad_points", "points 'value' needs a numeric question", item["field"]))
        plan.items.append({"key": key, "field": item["field"], "points": how, "reverse": bool(item.get("reverse"))})
    total = scoring["total"]
    if isinstance(total, dict):
        _rule(plan, "total", "total", total["rule"], known, None)
    codes: set[str] = set()
    for band in scoring.get("bands", ()):
        if band["code"] in codes:
            plan.issues.append(Issue("duplicate_band", f"band code {band['code']} appears twice", None))
        codes.add(band["code"])
        if "when" in band:
            _rule(plan, f"band:{band['code']}", "band", band["when"], known, None)
