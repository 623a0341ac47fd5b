"""Form-level editor input: title and kind, scoring (which questions count, bands, band actions), and
which roles may fill in, view and sign the form. Pure functions, like `compose`."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from app.formbuilder.compose import (
    COLOURS,
    KEY_RE,
    KINDS,
    NUMBER_TYPES,
    RIGHTS,
    ComposeError,
    _number,
    text,
)

# The band actions the builder edits; any other action of a copied form is kept as it is.
ACTION_TYPES = ("notify", "create_task", "create_care_plan_need")
URGENCIES = ("routine", "soon", "urgent", "emergency")
UNANSWERED = ("fail", "prorate", "flag")


def update_settings(definition: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Title, description and kind of the form, and whether it has Welsh wording (a home's own form
    may be English only: Welsh is then not asked for)."""
    problems: dict[str, str] = {}
    if not str(data.get("title_en") or "").strip():
        problems["title_en"] = _l("a title is needed")
    if data.get("kind") not in KINDS:
        problems["kind"] = _l("unknown kind")
    review = str(data.get("review_interval_days") or "").strip()
    if review and not (review.isdigit() and 1 <= int(review) <= 366):
        problems["review_interval_days"] = _l("give a number of days from 1 to 366")
    if problems:
        raise ComposeError(problems)
    out = copy.deepcopy(dict(definition))
    form = out["x-form"]
    form["title"] = text(data.get("title_en"), data.get("title_cy"))
    description = text(data.get("description_en"), data.get("description_cy"))
    if description["en-GB"]:
        form["description"] = description
    else:
        form.pop("description", None)
    form["kind"] = data["kind"]
    if data.get("welsh_choice"):  # the "Welsh wording" tick was on the page (unticked sends nothing)
        form["locales"] = ["en-GB", "cy"] if data.get("welsh") else ["en-GB"]
    if review:
        form["review_interval_days"] = int(review)
    else:
        form.pop("review_interval_days", None)
    return out


def scorable(prop: Mapping[str, Any]) -> str | None:
    """How a question can score: "options" (its options carry points), "value" (a number), or None."""
    if prop.get("x-options") and any("points" in o for o in prop["x-options"]):
        return "options"
    if prop.get("x-type") in NUMBER_TYPES and "x-options" not in prop:
        return "value"
    return None


def update_scoring(
    definition: Mapping[str, Any],
    scored: Sequence[str],
    bands: Sequence[Mapping[str, Any]],
    unanswered: str = "fail",
    declared_range: Sequence[Any] = ("", ""),
) -> dict[str, Any]:
    """A summed total of the chosen questions, with bands; no questions chosen means no scoring.
    A declared range (lowest and highest possible total) is optional; lint checks it against the questions."""
    problems: dict[str, str] = {}
    low = _number(declared_range[0], "range_min", problems)
    high = _number(declared_range[1], "range_max", problems)
    if (low is None) != (high is None):
        problems["range_max" if high is None else "range_min"] = _l("give both ends of the range, or neither")
    props = definition["properties"]
    items = []
    kept = {i["field"]: i for i in (definition.get("x-scoring") or {}).get("items", ())}
    for key in scored:
        if key not in props:
            problems[f"score_{key}"] = _l("no such question")
            continue
        if key in kept and isinstance(kept[key].get("points"), dict):
            items.append(kept[key])  # a rule from a copied standard form is kept as it was
            continue
        how = scorable(props[key])
        if how is None:
            problems[f"score_{key}"] = _l("this question has no points to count")
            continue
        items.append({"field": key, "points": how})
    if unanswered not in UNANSWERED:
        problems["unanswered"] = _l("unknown choice")
    composed_bands = [compose_band(row, n, problems) for n, row in enumerate(bands) if _band_given(row)]
    codes = [b["code"] for b in composed_bands if b]
    if len(set(codes)) != len(codes):
        problems["bands"] = _l("two bands have the same code")
    if composed_bands and not items:
        problems["bands"] = _l("bands need at least one scored question")
    if problems:
        raise ComposeError(problems)
    out = copy.deepcopy(dict(definition))
    if not items:
        out.pop("x-scoring", None)
        return out
    old = out.get("x-scoring") or {}
    scoring: dict[str, Any] = {"items": items, "total": old.get("total", "sum"), "unanswered": unanswered}
    for part in ("prorate_max_unanswered", "decimals"):
        if part in old:
            scoring[part] = old[part]
    if low is not None and high is not None:
        scoring["range"] = [low, high]
    if composed_bands:
        scoring["bands"] = composed_bands
    out["x-scoring"] = scoring
    return out


def _band_given(row: Mapping[str, Any]) -> bool:
    return any(str(row.get(k) or "").strip() for k in ("code", "label_en", "min", "max"))


def compose_band(row: Mapping[str, Any], n: int, problems: dict[str, str]) -> dict[str, Any]:
    """One band row: code, label en/cy, min, max, colour, response en/cy, actions."""
    code = str(row.get("code") or "").strip()
    if not KEY_RE.match(code):
        problems[f"band_{n}_code"] = _l("a band code uses lower-case letters, digits and _")
    if not str(row.get("label_en") or "").strip():
        problems[f"band_{n}_label_en"] = _l("a band needs a label")
    band: dict[str, Any] = {"code": code, "label": text(row.get("label_en"), row.get("label_cy"))}
    low = _number(row.get("min"), f"band_{n}_min", problems)
    high = _number(row.get("max"), f"band_{n}_max", problems)
    if low is not None:
        band["min"] = low
    if high is not None:
        band["max"] = high
    if low is not None and high is not None and low > high:
        problems[f"band_{n}_max"] = _l("must not be below the minimum")
    colour = str(row.get("colour") or "").strip()
    if colour:
        if colour not in COLOURS:
            problems[f"band_{n}_colour"] = _l("unknown colour")
        else:
            band["colour"] = colour
    response = text(row.get("response_en"), row.get("response_cy"))
    if response["en-GB"]:
        band["response"] = response
    actions = [_action(a, n, m, problems) for m, a in enumerate(row.get("actions") or ()) if a.get("type")]
    kept = [a for a in row.get("kept_actions") or () if a.get("type") not in ACTION_TYPES]
    if actions or kept:
        band["actions"] = kept + actions
    if "when" in row:
        band["when"] = row["when"]
    return band


def _action(row: Mapping[str, Any], n: int, m: int, problems: dict[str, str]) -> dict[str, Any]:
    kind = row.get("type")
    role = str(row.get("role") or "").strip()
    if kind not in ACTION_TYPES:
        problems[f"band_{n}_action_{m}"] = _l("unknown action")
        return {}
    if not role and kind != "create_care_plan_need":  # a need's task goes to a nurse unless a role is chosen
        problems[f"band_{n}_action_{m}_role"] = _l("choose a role")
    action: dict[str, Any] = {"type": kind, "role": role} if role else {"type": kind}
    urgency = row.get("urgency") or "routine"
    if urgency not in URGENCIES:
        problems[f"band_{n}_action_{m}_urgency"] = _l("unknown urgency")
    action["urgency"] = urgency
    if kind == "create_task":
        task = text(row.get("task_en"), row.get("task_cy"))
        if not task["en-GB"]:
            problems[f"band_{n}_action_{m}_task"] = _l("describe the task")
        action["task"] = task
    elif kind == "create_care_plan_need":
        need = text(row.get("task_en"), row.get("task_cy"))
        if not need["en-GB"]:
            problems[f"band_{n}_action_{m}_task"] = _l("name the need")
        action["need"] = need
    return action


def update_permissions(
    definition: Mapping[str, Any], chosen: Mapping[str, Sequence[str]], known_roles: Sequence[str]
) -> dict[str, Any]:
    """x-permissions from the roles ticked for each right; unknown role names are refused. A right
    with no role ticked is left out, so it follows the role permissions as on a form without the
    panel (an empty list would mean nobody but administrators)."""
    block: dict[str, list[str]] = {}
    for right in RIGHTS:
        roles = list(dict.fromkeys(chosen.get(right) or ()))
        unknown = [r for r in roles if r not in known_roles]
        if unknown:
            raise ComposeError({right: _l("unknown role: %(roles)s", roles=", ".join(unknown))})
        if roles:
            block[right] = roles
    out = copy.deepcopy(dict(definition))
    out["x-permissions"] = block
    return out
