"""Server-side validation of answers: visibility, pruning, calculation, jsonschema, cross-field checks.

The server is the authority. On every submit it re-evaluates which questions were shown, drops answers
to hidden questions, ignores values posted for calculated fields and computes them itself, validates
each answer with jsonschema, checks required and required-if, then runs the definition's cross-field
checks. Errors come back per field (dotted path for repeating groups) in the user's language.

Hostile definitions and answers are bounded: a field's `pattern` runs on RE2 (linear time, no
backtracking: `^(a+)+$` cannot hang; a pattern RE2 cannot run is refused by lint and fails the
answer here), every text answer has a maximum length (MAX_TEXT_LENGTH unless the definition sets a
smaller one), and a repeating group takes at most MAX_REPEAT_ITEMS rows whatever it declares.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import jsonschema
import re2

from forms import jsonio
from forms.definition import FieldSpec, FormDefinition
from forms.logic import LogicError, evaluate, is_truthy, plain
from forms.messages import localised, message
from forms.plan import build_plan

FORM_ERROR_KEY = "_form"
MAX_TEXT_LENGTH = 10_000  # characters of one text answer, unless the definition allows fewer
MAX_REPEAT_ITEMS = 200  # rows of one repeating group, unless the definition allows fewer
MAX_PATTERN_LENGTH = 1_000
SIGNATURE_PART_LENGTH = 200
_TEXT_TYPES = ("text", "long_text")
UNUSABLE_ISSUES = {"bad_rule", "cycle", "unsupported", "no_calculation"}
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
_BASIC_TOP_KEYS = {"$schema", "$id", "title", "description", "type", "properties", "additionalProperties", "$defs"}

_KEYWORD_CODES = {
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
    "uniqueItems": "unique_items",
    "enum": "enum",
    "const": "enum",
    "pattern": "pattern",
    "required": "required",
}
_TYPE_CODES = {
    "integer": "type_integer",
    "number": "type_number",
    "string": "type_string",
    "boolean": "type_boolean",
    "array": "type_array",
    "object": "type_object",
}


@dataclass
class Validated:
    answers: dict[str, Any]
    computed: dict[str, Any]
    visible: set[str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    defaults_applied: list[str] = field(default_factory=list)

    def add(self, key: str, code: str, locale: str | None, **params: Any) -> None:
        text = message(code, locale, **params)
        if text not in self.errors.setdefault(key, []):
            self.errors[key].append(text)
            self.codes.setdefault(key, []).append(code)

    def add_text(self, key: str, code: str, text: str) -> None:
        self.errors.setdefault(key, []).append(text)
        self.codes.setdefault(key, []).append(code)


class UnsafePattern(ValueError):
    """A `pattern` RE2 cannot run in linear time (back-references, look-around) or too large."""


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 2 << 20  # a pattern that needs more than this is refused, not run


@lru_cache(maxsize=1024)
def safe_pattern(pattern: str):
    """The pattern compiled by RE2, which never backtracks; UnsafePattern if RE2 cannot run it."""
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"a pattern may have at most {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsafePattern(f"pattern cannot be run safely (no back-references or look-around): {detail}") from None


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        matched = safe_pattern(pattern).search(instance) is not None
    except UnsafePattern as exc:
        yield jsonschema.ValidationError(str(exc))
        return
    if not matched:
        yield jsonschema.ValidationError(f"does not match {pattern[:80]!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        try:
            compiled = safe_pattern(pattern)
        except UnsafePattern as exc:
            yield jsonschema.ValidationError(str(exc))
            return
        for key, value in instance.items():
            if compiled.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


#: JSON Schema 2020-12 with patterns on RE2 (the stock validator uses Python's backtracking `re`)
SafeValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties},
)


def _validators(definition: FormDefinition) -> dict[str, jsonschema.Draft202012Validator]:
    cached = definition.cache.get("validators")
    if cached is None:
        props = definition.answer_schema["properties"]
        cached = {key: SafeValidator(schema) for key, schema in props.items()}
        extra = set(definition.answer_schema) - _BASIC_TOP_KEYS
        if extra:
            cached[""] = SafeValidator(definition.answer_schema)
        definition.cache["validators"] = cached
    return cached


def _is_unanswered(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, dict):
        return len(value) == 0
    return False  # an empty list is an answer: "none of these" / "no entries"


def _schema_error(result: Validated, key: str, error: jsonschema.ValidationError, locale: str | None) -> None:
    path = (
        ".".join([key] + [str(p) for p in error.absolute_path])
        if key
        else ".".join(str(p) for p in error.absolute_path)
    )
    path = path or FORM_ERROR_KEY
    if error.validator == "type":
        expected = error.validator_value[0] if isinstance(error.validator_value, list) else error.validator_value
        result.add(path, _TYPE_CODES.get(expected, "invalid"), locale)
    elif error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        result.add(f"{path}.{missing}" if missing and path != FORM_ERROR_KEY else path, "required", locale)
    else:
        code = _KEYWORD_CODES.get(str(error.validator), "invalid")
        limit = error.validator_value if not isinstance(error.validator_value, (list, dict)) else ""
        result.add(path, code, locale, limit=plain(limit) if isinstance(limit, Decimal) else limit)


def _decimal_places(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def _format_ok(spec: FieldSpec, value: Any) -> str | None:
    """Return an error code when a date/time/decimal answer is not in the expected format."""
    try:
        if spec.type == "date":
            dt.date.fromisoformat(value)
            if len(value) != 10:
                return "format_date"
        elif spec.type == "time" and not _TIME_RE.match(value):
            return "format_time"
        elif spec.type == "date_time":
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if len(value) < 16 or value[10] not in "T ":
                return "format_date_time"
        elif spec.type == "signature":
            dt.datetime.fromisoformat(str(value.get("signed_at", "")).replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        return {"date": "format_date", "time": "format_time"}.get(spec.type, "format_date_time")
    return None


def text_limit(spec: FieldSpec) -> int:
    """The most characters a text answer may have: the definition's maxLength, at most MAX_TEXT_LENGTH."""
    declared = spec.schema.get("maxLength")
    if isinstance(declared, int) and not isinstance(declared, bool) and 0 <= declared < MAX_TEXT_LENGTH:
        return declared
    return MAX_TEXT_LENGTH


def repeat_limit(spec: FieldSpec) -> int:
    """The most rows a repeating group may have: the definition's maxItems, at most MAX_REPEAT_ITEMS."""
    declared = spec.schema.get("maxItems")
    if isinstance(declared, int) and not isinstance(declared, bool) and 0 <= declared < MAX_REPEAT_ITEMS:
        return declared
    return MAX_REPEAT_ITEMS


def _over_limits(result: Validated, spec: FieldSpec, value: Any, locale: str | None, name: str) -> bool:
    """Bounds every definition gets, checked before anything else looks at the answer."""
    if spec.type in _TEXT_TYPES and isinstance(value, str) and len(value) > text_limit(spec):
        result.add(name, "max_length", locale, limit=text_limit(spec))
        return True
    if spec.type == "signature" and isinstance(value, dict):
        long = [k for k, part in value.items() if isinstance(part, str) and len(part) > SIGNATURE_PART_LENGTH]
        for part in long:
            result.add(f"{name}.{part}", "max_length", locale, limit=SIGNATURE_PART_LENGTH)
        return bool(long)
    if spec.type == "repeat" and isinstance(value, list):
        if len(value) > repeat_limit(spec):
            result.add(name, "max_items", locale, limit=repeat_limit(spec))
            return True
        over = False
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            for child in spec.children:
                if _over_limits(result, child, item.get(child.key), locale, f"{name}.{index}.{child.key}"):
                    over = True
        return over
    return False


def _check_answer(
    result: Validated, definition: FormDefinition, spec: FieldSpec, value: Any, locale: str | None
) -> bool:
    if _over_limits(result, spec, value, locale, spec.key):
        return False
    validator = _validators(definition)[spec.key]
    errors = list(validator.iter_errors(value))
    for error in errors[:5]:
        _schema_error(result, spec.key, error, locale)
    if errors:
        return False
    code = _format_ok(spec, value) if spec.type in ("date", "time", "date_time", "signature") else None
    if code:
        result.add(spec.key if spec.type != "signature" else f"{spec.key}.signed_at", code, locale)
        return False
    if spec.type == "decimal" and spec.decimals is not None and _decimal_places(value) > spec.decimals:
        result.add(spec.key, "decimals", locale, places=spec.decimals)
        return False
    return True


def _calculated(spec: FieldSpec, value: Any) -> Any:
    if isinstance(value, Decimal) and spec.decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-spec.decimals), rounding=ROUND_HALF_UP)
    if isinstance(value, list):
        return None
    return plain(value)


def _prune_repeat(
    result: Validated, spec: FieldSpec, items: list, context: Mapping[str, Any], locale: str | None
) -> list:
    pruned = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            pruned.append(item)
            continue
        kept = {}
        scope = {**context, **item}
        for child in spec.children:
            name = f"{spec.key}.{index}.{child.key}"
            visible = True
            if child.visible_if is not None:
                try:
                    visible = is_truthy(evaluate(child.visible_if, scope, checked=True))
                except LogicError as exc:
                    result.add(name, "rule_failed", locale, detail=str(exc))
            value = item.get(child.key)
            if not visible:
                if value is not None:
                    result.dropped.append(name)
                continue
            if not _is_unanswered(value):
                kept[child.key] = value
            required = child.required
            if isinstance(required, dict):
                try:
                    required = is_truthy(evaluate(required, scope, checked=True))
                except LogicError as exc:
                    result.add(name, "rule_failed", locale, detail=str(exc))
                    required = False
            if required and _is_unanswered(value):
                result.add(name, "required", locale)
        kept.update({k: v for k, v in item.items() if k not in {c.key for c in spec.children}})
        pruned.append(kept)
    return pruned


def validate(
    definition: FormDefinition,
    answers: Any,
    *,
    locale: str | None = None,
    today: dt.date | None = None,
) -> Validated:
    """Prune, calculate and validate answers. Never raises for bad answers: errors are in the result."""
    plan = build_plan(definition)
    result = Validated(answers={}, computed={}, visible=set())
    if not isinstance(answers, Mapping):
        result.add(FORM_ERROR_KEY, "answers_not_object", locale)
        return result
    broken = [i for i in plan.issues if i.code in UNUSABLE_ISSUES]
    if broken:
        result.add(FORM_ERROR_KEY, "rule_failed", locale, detail=str(broken[0]))
        return result
    fields = definition.fields
    usable: dict[str, Any] = {}
    for key, value in answers.items():
        spec = fields.get(key) if isinstance(key, str) else None
        if spec is None:
            result.add(str(key)[:80], "unknown_field", locale)
            continue
        if spec.type == "calculated":
            result.ignored.append(key)
            continue
        try:
            jsonio.check_value(value, max_depth=16, max_nodes=20_000)
        except jsonio.JsonInputError as exc:
            result.add(key, "bad_value", locale, detail=str(exc))
            continue
        if not _is_unanswered(value):
            usable[key] = value
    context: dict[str, Any] = {"$today": today.isoformat() if today else None}
    for key in plan.order:
        spec = fields[key]
        visible = True
        if spec.visible_if is not None:
            try:
                visible = is_truthy(evaluate(spec.visible_if, context, today=today, checked=True))
            except LogicError as exc:
                result.add(key, "rule_failed", locale, detail=str(exc))
        if not visible:
            if key in usable:
                result.dropped.append(key)
            continue
        result.visible.add(key)
        if spec.type == "calculated":
            try:
                value = _calculated(spec, evaluate(spec.calculate, context, today=today, checked=True))
            except LogicError as exc:
                result.add(key, "rule_failed", locale, detail=str(exc))
                value = None
            if value is not None:
                result.computed[key] = value
                context[key] = value
            continue
        value = usable.get(key)
        if value is None and spec.has_default and key not in answers:
            value = spec.default
            result.defaults_applied.append(key)
        if value is None:
            continue
        if not _check_answer(result, definition, spec, value, locale):
            continue
        if spec.children and isinstance(value, list):
            value = _prune_repeat(result, spec, value, context, locale)
        result.answers[key] = value
        context[key] = value
    _check_required(result, definition, context, today, locale)
    if "" in _validators(definition) and not result.errors:
        for error in _validators(definition)[""].iter_errors(result.answers):
            _schema_error(result, "", error, locale)
    _run_checks(result, definition, context, today, locale)
    return result


def _check_required(
    result: Validated, definition: FormDefinition, context: Mapping[str, Any], today: dt.date | None, locale: str | None
) -> None:
    for key in build_plan(definition).order:
        if key not in result.visible:
            continue
        spec = definition.fields[key]
        if spec.type == "calculated" or key in result.answers or key in result.errors:
            continue
        required = spec.required
        if isinstance(required, dict):
            try:
                required = is_truthy(evaluate(required, context, today=today, checked=True))
            except LogicError as exc:
                result.add(key, "rule_failed", locale, detail=str(exc))
                continue
        if required:
            result.add(key, "required", locale)


def _run_checks(
    result: Validated, definition: FormDefinition, context: Mapping[str, Any], today: dt.date | None, locale: str | None
) -> None:
    plan = build_plan(definition)
    for check in definition.checks:
        info = plan.rules.get((f"check:{check['key']}", "check"))
        if info is None or any(v in result.errors or v not in context for v in info.variables):
            continue
        try:
            passed = is_truthy(evaluate(check["assert"], context, today=today, checked=True))
        except LogicError as exc:
            result.add(check["field"], "rule_failed", locale, detail=str(exc))
            continue
        if not passed:
            result.add_text(check["field"], f"check:{check['key']}", localised(check["message"], locale))
