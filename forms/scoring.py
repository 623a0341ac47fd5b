"""Declarative scoring: per-item points, totals, the unanswered policy, bands and band actions.

Points of an item come from the chosen option(s) (`"options"`), from a numeric answer itself
(`"value"`), or from a rule. An item whose question was not shown is not applicable (points null, not
counted); an item that was shown but not answered is unanswered and handled by the policy:
`fail` (error on the field, no total), `prorate` (scale the answered sum up to all applicable items)
or `flag` (sum what was answered and mark the result incomplete). Bands are tried in order; the first
whose `min`/`max` (inclusive, on the total) and `when` rule all hold is the band; none -> band null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.definition import FieldSpec, FormDefinition
from forms.logic import LogicError, evaluate, is_truthy, plain, to_decimal
from forms.plan import build_plan


@dataclass
class Score:
    total: Any = None
    band: str | None = None
    band_spec: Mapping[str, Any] | None = None
    points: dict[str, Any] = field(default_factory=dict)
    applicable: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    prorated: bool = False
    incomplete: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # field -> message code


def option_points_range(spec: FieldSpec) -> tuple[Decimal, Decimal] | None:
    points = [o.points for o in spec.options if o.points is not None]
    if not points:
        return None
    if spec.type == "multiple_choice":
        return sum((p for p in points if p < 0), Decimal(0)), sum((p for p in points if p > 0), Decimal(0))
    return min(points), max(points)


def item_points(
    spec: FieldSpec, how: Any, value: Any, context: Mapping[str, Any], today: dt.date | None
) -> Decimal | None:
    """Points for one answered item; None if the rule says it cannot be scored from these answers."""
    if isinstance(how, dict):
        result = evaluate(how, context, today=today, checked=True)
        if result is None:
            return None
        if not isinstance(result, Decimal):
            raise LogicError(f"points rule gave {type(result).__name__}, not a number")
        return result
    if how == "value":
        number = to_decimal(value)
        if not isinstance(number, Decimal):
            raise LogicError("points 'value' needs a numeric answer")
        return number
    if spec.type == "multiple_choice":
        total = Decimal(0)
        for choice in value:
            opt = spec.option(choice)
            if opt is None or opt.points is None:
                raise LogicError(f"answer {choice!r} has no points")
            total += opt.points
        return total
    opt = spec.option(value)
    if opt is None or opt.points is None:
        raise LogicError(f"answer {value!r} has no points")
    return opt.points


def _reverse(spec: FieldSpec, how: Any, points: Decimal) -> Decimal:
    if how == "value":
        low, high = to_decimal(spec.minimum), to_decimal(spec.maximum)
    else:
        bounds = option_points_range(spec)
        low, high = bounds if bounds else (None, None)
    if not isinstance(low, Decimal) or not isinstance(high, Decimal):
        raise LogicError("a reversed item needs known lowest and highest points")
    return low + high - points


def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def choose_band(
    definition: FormDefinition, total: Decimal | None, context: Mapping[str, Any], today: dt.date | None = None
) -> Mapping[str, Any] | None:
    if total is None or not definition.scoring:
        return None
    for band in definition.scoring.get("bands", ()):
        if "min" in band and total < to_decimal(band["min"]):
            continue
        if "max" in band and total > to_decimal(band["max"]):
            continue
        if "when" in band and not is_truthy(evaluate(band["when"], context, today=today, checked=True)):
            continue
        return band
    return None


def score(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    computed: Mapping[str, Any],
    visible: set[str],
    *,
    today: dt.date | None = None,
) -> Score:
    """Score validated answers. Raises LogicError only if the definition's own rules misbehave."""
    scoring = definition.scoring
    result = Score()
    if not scoring:
        return result
    plan = build_plan(definition)
    context: dict[str, Any] = {**answers, **computed, "$today": today.isoformat() if today else None}
    points: dict[str, Decimal | None] = {}
    for item in plan.items:
        key, spec = item["key"], definition.fields[item["field"]]
        if item["field"] not in visible:
            points[key] = None
            continue
        result.applicable.append(key)
        value = computed.get(spec.key) if spec.type == "calculated" else answers.get(spec.key)
        if value is None:
            points[key] = None
            result.unanswered.append(key)
            continue
        got = item_points(spec, item["points"], value, context, today)
        if got is not None and item["reverse"]:
            got = _reverse(spec, item["points"], got)
        points[key] = got
        if got is None:
            result.unanswered.append(key)
    result.points = {k: plain(v) for k, v in points.items()}
    policy = scoring["unanswered"]
    if result.unanswered:
        if policy == "fail":
            for key in result.unanswered:
                field_key = next(i["field"] for i in plan.items if i["key"] == key)
                result.errors[field_key] = "required_for_score"
            return result
        if policy == "prorate" and len(result.unanswered) > scoring.get(
            "prorate_max_unanswered", len(result.applicable)
        ):
            result.errors["_form"] = "too_many_unanswered"
            return result
    answered = [p for p in points.values() if p is not None]
    context["$points"] = {k: v for k, v in points.items()}
    context["$item_points"] = answered
    total = scoring["total"]
    if total == "sum":
        value: Decimal | None = sum(answered, Decimal(0))
        if policy == "prorate" and result.unanswered:
            value = value * len(result.applicable) / len(answered) if answered else None
            result.prorated = True
    else:
        raw = evaluate(total["rule"], context, today=today, checked=True)
        if raw is not None and not isinstance(raw, Decimal):
            raise LogicError(f"total rule gave {type(raw).__name__}, not a number")
        value = raw
    if value is not None:
        value = _quantize(value, scoring.get("decimals", 0))
    result.incomplete = policy == "flag" and bool(result.unanswered)
    context["$total"] = value
    band = choose_band(definition, value, context, today)
    result.total = plain(value)
    result.band = band["code"] if band else None
    result.band_spec = band
    return result
