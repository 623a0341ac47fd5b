"""One call for a submission: validate, then score. The result is what gets frozen and stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from forms.definition import FormDefinition
from forms.logic import BudgetExceeded, LogicError, budget
from forms.messages import localised, message, normalise_locale
from forms.scoring import score
from forms.validation import FORM_ERROR_KEY, validate

ENGINE_VERSION = "carelogic/1"
# The work one submission's rules may take together (validation, calculations, scoring): generous for
# any real form (NEWS2 takes under 100 steps), and no definition can make a request hang.
SCORE_STEPS = 200_000
SCORE_SECONDS = 2.0


@dataclass
class Result:
    """The outcome of validating and scoring one set of answers against one definition version."""

    form_key: str
    version: int
    sha256: str
    locale: str
    ok: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    error_codes: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Any] = field(default_factory=dict)
    points: dict[str, Any] = field(default_factory=dict)
    total: Any = None
    band: str | None = None
    band_label: str | None = None
    band_response: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    prorated: bool = False
    incomplete: bool = False
    dropped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    defaults_applied: list[str] = field(default_factory=list)
    engine: str = ENGINE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def record(self) -> dict[str, Any]:
        """The frozen values a store keeps with a submission (never recomputed on view)."""
        return {
            "answers": self.answers,
            "computed": self.computed,
            "points": self.points,
            "total": self.total,
            "band": self.band,
            "band_label": self.band_label,
            "actions": self.actions,
            "unanswered": self.unanswered,
            "prorated": self.prorated,
            "incomplete": self.incomplete,
            "engine": self.engine,
        }


def validate_and_score(
    definition: FormDefinition,
    answers: Any,
    *,
    locale: str | None = None,
    today: dt.date | None = None,
) -> Result:
    """Validate answers (visibility, pruning, calculation, jsonschema, checks) and score them.

    Never raises for anything in `answers`; a definition whose own rules fail, or need more work
    together than SCORE_STEPS / SCORE_SECONDS, is reported as a form error.
    """
    loc = normalise_locale(locale)
    try:
        with budget(SCORE_STEPS, SCORE_SECONDS, "this form"):
            return _validate_and_score(definition, answers, loc, today)
    except BudgetExceeded:
        result = Result(form_key=definition.key, version=definition.version, sha256=definition.sha256, locale=loc,
                        ok=False)
        result.errors = {FORM_ERROR_KEY: [message("too_much_work", loc)]}
        result.error_codes = {FORM_ERROR_KEY: ["too_much_work"]}
        return result


def _validate_and_score(definition: FormDefinition, answers: Any, loc: str, today: dt.date | None) -> Result:
    result = Result(form_key=definition.key, version=definition.version, sha256=definition.sha256, locale=loc, ok=False)
    checked = validate(definition, answers, locale=loc, today=today)
    result.answers, result.computed = checked.answers, checked.computed
    result.dropped, result.ignored, result.defaults_applied = checked.dropped, checked.ignored, checked.defaults_applied
    result.errors, result.error_codes = checked.errors, checked.codes
    if checked.errors:
        return result
    try:
        scored = score(definition, checked.answers, checked.computed, checked.visible, today=today)
    except LogicError as exc:
        result.errors = {FORM_ERROR_KEY: [message("rule_failed", loc, detail=str(exc))]}
        result.error_codes = {FORM_ERROR_KEY: ["rule_failed"]}
        return result
    if scored.errors:
        for key, code in scored.errors.items():
            result.errors.setdefault(key, []).append(message(code, loc))
            result.error_codes.setdefault(key, []).append(code)
        result.points = scored.points
        result.unanswered = scored.unanswered
        return result
    result.ok = True
    result.points = scored.points
    result.total = scored.total
    result.band = scored.band
    result.unanswered = scored.unanswered
    result.prorated = scored.prorated
    result.incomplete = scored.incomplete
    if scored.band_spec:
        result.band_label = localised(scored.band_spec["label"], loc)
        result.band_response = localised(scored.band_spec.get("response"), loc) or None
        result.actions = [_action(a, loc) for a in scored.band_spec.get("actions", ())]
    return result


def _action(action: Mapping[str, Any], locale: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in action.items():
        out[key] = localised(value, locale) if isinstance(value, dict) else value
    return out
