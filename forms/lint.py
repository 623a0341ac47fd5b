"""Lint a definition before it can be published.

Checks, each naming the field it concerns: structure (meta-schema), rules (allowlist, depth, unknown
references, cycles), options against the schema's enum, fields that can never be shown, missing
translations, the lowest and highest possible score (worked out exactly where the answer domains are
small, and compared with a declared `range`), bands that leave totals uncovered (info), and the
definition's own worked examples (`x-examples`), which must give the expected total, band and points.

A definition cannot make lint (or the pages built from it) hang or exhaust memory: all its rules,
score-range combinations and examples share one budget (LINT_STEPS, LINT_SECONDS), `pattern`s must
run on RE2, a scale offers at most MAX_SCALE_CHOICES answers and a repeating group starts with at most
MAX_REPEAT_ROWS rows. Reports are kept per definition hash, so showing a definition again (the form
builder's edit page) does not lint it again.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.definition import DefinitionError, FieldSpec, FormDefinition, Issue, load_definition
from forms.engine import validate_and_score
from forms.logic import BudgetExceeded, LogicError, budget, current_budget, evaluate, is_truthy, plain, to_decimal
from forms.plan import build_plan
from forms.scoring import item_points
from forms.validation import MAX_REPEAT_ITEMS, MAX_TEXT_LENGTH, UnsafePattern, safe_pattern

MAX_COMBINATIONS = 200_000
MAX_DOMAIN = 2_500
# The work one lint may take, all rules, combinations and examples together: 50 times what the
# largest standard form needs (MUST: about 20,000 steps), and a deadline behind it.
LINT_STEPS = 1_000_000
LINT_SECONDS = 4.0
MAX_SCALE_CHOICES = 101  # a scale's answers are each a button on the page
MAX_REPEAT_ROWS = 50  # rows of a repeating group a page starts with (minItems)
_CACHE: OrderedDict[tuple, tuple[LintReport, float]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 128
TIMED_OUT_KEPT_SECONDS = 300.0  # a lint stopped by the clock (not the steps) is tried again after this


@dataclass
class LintReport:
    key: str | None = None
    version: int | None = None
    sha256: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    info: list[Issue] = field(default_factory=list)
    min_score: Any = None
    max_score: Any = None
    definition: FormDefinition | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        def rows(items: list[Issue]) -> list[dict[str, Any]]:
            return [{"code": i.code, "field": i.field, "message": i.message} for i in items]

        return {
            "key": self.key,
            "version": self.version,
            "sha256": self.sha256,
            "ok": self.ok,
            "errors": rows(self.errors),
            "warnings": rows(self.warnings),
            "info": rows(self.info),
            "min_score": self.min_score,
            "max_score": self.max_score,
        }


def lint(source: FormDefinition | str | bytes | Path | Mapping[str, Any]) -> LintReport:
    """Lint a definition (loaded, or anything `load_definition` accepts). Never raises for bad input,
    never takes more than its budget. The same definition on the same day is linted once."""
    report = LintReport()
    try:
        definition = source if isinstance(source, FormDefinition) else load_definition(source)
    except DefinitionError as exc:
        report.errors.extend(exc.issues)
        return report
    cache_key = (definition.sha256, dt.date.today())
    with _CACHE_LOCK:
        cached, kept_until = _CACHE.get(cache_key, (None, 0.0))
        if cached is not None and time.monotonic() > kept_until:
            del _CACHE[cache_key]
            cached = None
        if cached is not None:
            _CACHE.move_to_end(cache_key)
    if cached is not None:
        return _copy(cached, definition)
    report.key, report.version, report.sha256, report.definition = (
        definition.key,
        definition.version,
        definition.sha256,
        definition,
    )
    timed_out = False
    try:
        with budget(LINT_STEPS, LINT_SECONDS, "checking this definition") as spent:
            _run_checks(report, definition)
    except BudgetExceeded:
        pass  # reported below: the examples also catch it, as a failed example
    if spent.exceeded:
        timed_out = spent.steps_left >= 0  # the deadline, not the steps, ran out: another try may pass
        report.errors.append(Issue(
            "too_much_work",
            f"checking this definition needs more work than allowed ({LINT_STEPS:,} rule steps or "
            f"{LINT_SECONDS:g} seconds): simplify its rules, narrow its answers or remove examples",
        ))
    kept_until = time.monotonic() + TIMED_OUT_KEPT_SECONDS if timed_out else float("inf")
    with _CACHE_LOCK:
        _CACHE[cache_key] = (_copy(report, definition), kept_until)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return report


def _copy(report: LintReport, definition: FormDefinition) -> LintReport:
    found = copy.copy(report)
    found.errors, found.warnings, found.info = list(report.errors), list(report.warnings), list(report.info)
    found.definition = definition
    return found


def _run_checks(report: LintReport, definition: FormDefinition) -> None:
    plan = build_plan(definition)
    report.errors.extend(plan.issues)
    _check_options(report, definition)
    _check_layout(report, definition)
    _check_translations(report, definition)
    _check_bounds(report, definition)
    if plan.ok:
        _check_never_shown(report, definition)
        _score_range(report, definition)
        _check_examples(report, definition)


def _check_bounds(report: LintReport, definition: FormDefinition) -> None:
    """What a page builds and what the engine runs must stay small, whatever the definition says."""
    for spec in _all_fields(definition):
        name = spec.key
        for pattern in _patterns(spec.schema):
            try:
                safe_pattern(pattern)
            except UnsafePattern as exc:
                report.errors.append(Issue("unsafe_pattern", str(exc), name))
        if spec.type == "scale":
            low, high = to_decimal(spec.minimum), to_decimal(spec.maximum)
            if isinstance(low, Decimal) and isinstance(high, Decimal) and high - low + 1 > MAX_SCALE_CHOICES:
                report.errors.append(Issue(
                    "scale_too_wide", f"a scale offers at most {MAX_SCALE_CHOICES} answers; use a number question",
                    name))
        if spec.type == "repeat":
            rows, most = spec.schema.get("minItems"), spec.schema.get("maxItems")
            if isinstance(rows, int) and rows > MAX_REPEAT_ROWS:
                report.errors.append(Issue(
                    "repeat_too_long", f"a repeating group may ask for at most {MAX_REPEAT_ROWS} rows at first", name))
            if isinstance(most, int) and most > MAX_REPEAT_ITEMS:
                report.errors.append(Issue(
                    "repeat_too_long", f"a repeating group may have at most {MAX_REPEAT_ITEMS} rows", name))
        if spec.type in ("text", "long_text"):
            longest = spec.schema.get("maxLength")
            if isinstance(longest, int) and longest > MAX_TEXT_LENGTH:
                report.warnings.append(Issue(
                    "max_length_capped",
                    f"answers are limited to {MAX_TEXT_LENGTH:,} characters whatever maxLength says", name))


def _patterns(schema: Any) -> Iterator[str]:
    """Every `pattern` and `patternProperties` key in a field's schema (not in x- keys)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.startswith("x-"):
                    continue
                if key == "pattern" and isinstance(value, str):
                    yield value
                elif key == "patternProperties" and isinstance(value, dict):
                    yield from (k for k in value if isinstance(k, str))
                    stack.extend(value.values())
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _check_options(report: LintReport, definition: FormDefinition) -> None:
    for spec in _all_fields(definition):
        if not spec.options:
            continue
        values = [o.value for o in spec.options]
        if len({(type(v), v) for v in values}) != len(values):
            report.errors.append(Issue("duplicate_option", "two options have the same value", spec.key))
        if spec.type == "yes_no":
            if sorted(values) != [False, True]:
                report.errors.append(
                    Issue("options_enum_mismatch", "yes/no options must be exactly true and false", spec.key)
                )
            continue
        schema = spec.schema.get("items", {}) if spec.type == "multiple_choice" else spec.schema
        enum = schema.get("enum")
        if enum is None:
            report.errors.append(
                Issue("options_enum_mismatch", "a choice question needs an enum in its schema", spec.key)
            )
            continue
        as_set = {(type(v), v) for v in values}
        enum_set = {(type(v), v) for v in enum}
        if as_set != enum_set:
            extra = sorted(str(v) for t, v in as_set - enum_set)
            missing = sorted(str(v) for t, v in enum_set - as_set)
            report.errors.append(
                Issue(
                    "options_enum_mismatch",
                    f"options and schema enum differ (options only: {extra}; enum only: {missing})",
                    spec.key,
                )
            )


def _all_fields(definition: FormDefinition) -> Iterator[FieldSpec]:
    for spec in definition.fields.values():
        yield spec
        yield from spec.children


def _check_layout(report: LintReport, definition: FormDefinition) -> None:
    placed: list[str] = []
    for page in definition.layout:
        for section in page["sections"]:
            for key in section["fields"]:
                if key not in definition.fields:
                    report.errors.append(
                        Issue("unknown_reference", f"layout section {section['key']} names an unknown field", key)
                    )
                elif key in placed:
                    report.errors.append(Issue("duplicate_layout", "field appears twice in the layout", key))
                placed.append(key)
    for key, spec in definition.fields.items():
        if key not in placed and spec.type != "calculated":
            report.errors.append(Issue("never_shown", "field is not placed on any page, so it can never be shown", key))


def _check_never_shown(report: LintReport, definition: FormDefinition) -> None:
    for key, spec in definition.fields.items():
        rule = spec.visible_if
        if rule is None:
            continue
        info = build_plan(definition).rules.get((key, "visibility"))
        if info is not None and not info.variables:
            try:
                shown = is_truthy(evaluate(rule, {}, today=dt.date.today(), checked=True))
            except LogicError:
                shown = True
            if not shown:
                report.errors.append(Issue("never_shown", "visibility rule is always false", key))
            continue
        if isinstance(rule, dict) and len(rule) == 1:
            op, args = next(iter(rule.items()))
            if (
                op in ("==", "in")
                and isinstance(args, list)
                and len(args) == 2
                and isinstance(args[0], dict)
                and "var" in args[0]
            ):
                target = definition.fields.get(str(args[0]["var"]))
                wanted = args[1] if op == "in" and isinstance(args[1], list) else [args[1]]
                if target and target.options and not any(target.option(w) for w in wanted):
                    report.errors.append(
                        Issue("never_shown", f"visibility waits for an answer {target.key} can never have", key)
                    )


def _texts(definition: FormDefinition) -> Iterator[tuple[str | None, str, Any]]:
    raw = definition.raw
    form = raw["x-form"]
    yield None, "form title", form["title"]
    if "description" in form:
        yield None, "form description", form["description"]
    for spec in _all_fields(definition):
        yield spec.key, "label", spec.label
        for name, text in (("help", spec.help), ("placeholder", spec.placeholder)):
            if text is not None:
                yield spec.key, name, text
        for end, text in spec.scale_labels.items():
            yield spec.key, f"scale label {end}", text
        for opt in spec.options:
            yield spec.key, f"option {opt.value!r}", opt.label
            if opt.help:
                yield spec.key, f"option {opt.value!r} help", opt.help
    for page in definition.layout:
        if "title" in page:
            yield None, f"page {page['key']} title", page["title"]
        for section in page["sections"]:
            for part in ("title", "help"):
                if part in section:
                    yield None, f"section {section['key']} {part}", section[part]
    scoring = definition.scoring or {}
    for item in scoring.get("items", ()):
        if "label" in item:
            yield item["field"], "score item label", item["label"]
    for band in scoring.get("bands", ()):
        for part in ("label", "response"):
            if part in band:
                yield None, f"band {band['code']} {part}", band[part]
        for action in band.get("actions", ()):
            for part in ("need", "to"):
                if part in action:
                    yield None, f"band {band['code']} action {part}", action[part]
    for note in definition.notes:
        yield None, f"note {note['key']}", note["text"]
    for check in definition.checks:
        yield check["field"], f"check {check['key']} message", check["message"]


LANGUAGE_NAMES = {"en-GB": "English", "cy": "Welsh"}


def _english(text: Any) -> str:
    if isinstance(text, dict):
        return str(text.get("en-GB") or next((v for v in text.values() if str(v).strip()), "") or "").strip()
    return str(text or "").strip()


def _plain_where(definition: FormDefinition, field_key: str | None, where: str) -> str:
    """What a missing wording belongs to, in words a form's author knows (the question's own label)."""
    labels = {spec.key: _english(spec.label) or spec.key for spec in _all_fields(definition)}
    question = f"the question \u2018{labels.get(field_key, field_key)}\u2019"
    bands = {b.get("code"): _english(b.get("label")) or b.get("code")
             for b in (definition.scoring or {}).get("bands", ())}
    parts = where.split(" ")
    if where == "form title":
        return "The form\u2019s title"
    if where == "form description":
        return "The form\u2019s description"
    if where == "label":
        return question[0].upper() + question[1:]
    if where in ("help", "placeholder"):
        return f"The {'help text' if where == 'help' else 'example text'} of {question}"
    if where.startswith("scale label"):
        return f"The \u2018{parts[-1]}\u2019 end of the scale in {question}"
    if where.startswith("option "):
        value = where[len("option "):].removesuffix(" help").strip("'\"")
        spec = next((f for f in _all_fields(definition) if f.key == field_key), None)
        option = next((o for o in (spec.options if spec else ()) if str(o.value) == value), None)
        name = _english(option.label) if option is not None else value
        what = "The help of the answer" if where.endswith(" help") else "The answer"
        return f"{what} \u2018{name}\u2019 of {question}"
    if parts[0] in ("page", "section") and len(parts) >= 3:
        return f"The {parts[-1] if parts[-1] != 'title' else 'title'} of the {parts[0]} \u2018{parts[1]}\u2019"
    if where == "score item label":
        return f"The score label of {question}"
    if parts[0] == "band" and len(parts) >= 3:
        band = f"the band \u2018{bands.get(parts[1], parts[1])}\u2019"
        if parts[2] == "label":
            return band[0].upper() + band[1:]
        if parts[2] == "response":
            return f"What to do for {band}"
        return f"The care-plan {parts[-1]} of {band}"
    if parts[0] == "note":
        return f"The note \u2018{parts[1]}\u2019"
    if parts[0] == "check":
        return f"The message of the check \u2018{parts[1]}\u2019"
    return where[0].upper() + where[1:]


def _check_translations(report: LintReport, definition: FormDefinition) -> None:
    for field_key, where, text in _texts(definition):
        if not isinstance(text, dict):
            continue
        missing = [loc for loc in definition.locales if not str(text.get(loc, "")).strip()]
        if missing:
            what = _plain_where(definition, field_key, where)
            names = " or ".join(LANGUAGE_NAMES.get(loc, loc) for loc in missing)
            advice = "add it, or untick Welsh for this form" if missing == ["cy"] else "add it"
            report.errors.append(Issue("missing_translation", f"{what} has no {names} wording: {advice}", field_key))


def _domain(spec: FieldSpec) -> list[Any] | None:
    values: list[Any] | None
    if spec.options:
        values = [o.value for o in spec.options]
    elif spec.type == "yes_no":
        values = [True, False]
    elif spec.type in ("integer", "scale", "decimal"):
        low, high = to_decimal(spec.minimum), to_decimal(spec.maximum)
        if not isinstance(low, Decimal) or not isinstance(high, Decimal):
            return None
        step = Decimal(1).scaleb(-(spec.decimals if spec.type == "decimal" and spec.decimals is not None else 0))
        if spec.type == "decimal" and spec.decimals is None:
            return None
        count = int((high - low) / step) + 1
        if count > MAX_DOMAIN:
            return None
        values = [low + step * i for i in range(count)]
        values = [int(v) if spec.type != "decimal" else float(v) for v in values]
    else:
        return None
    if spec.type == "multiple_choice":
        if len(values) > 10:
            return None
        values = [list(c) for r in range(len(values) + 1) for c in itertools.combinations(values, r)]
    if spec.required is not True:
        values = values + [None]
    return values


def _components(definition: FormDefinition) -> list[set[str]]:
    plan = build_plan(definition)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for (owner, purpose), info in plan.rules.items():
        if purpose in ("visibility", "calculation") and owner in definition.fields:
            for v in info.variables:
                if v in definition.fields:
                    union(owner, v)
    for item in plan.items:
        find(item["field"])
        info = plan.rules.get((f"item:{item['key']}", "points"))
        for v in info.variables if info else ():
            if v in definition.fields:
                union(item["field"], v)
    groups: dict[str, set[str]] = {}
    for item in plan.items:
        groups.setdefault(find(item["field"]), set())
    for key in list(parent):
        root = find(key)
        if root in groups:
            groups[root].add(key)
    return list(groups.values())


def _score_range(report: LintReport, definition: FormDefinition) -> None:
    scoring = definition.scoring
    if not scoring or scoring["total"] != "sum":
        return
    plan = build_plan(definition)
    low_total, high_total = Decimal(0), Decimal(0)
    for component in _components(definition):
        order = [k for k in plan.order if k in component]
        inputs = [k for k in order if definition.fields[k].type != "calculated"]
        domains = [_domain(definition.fields[k]) for k in inputs]
        size = 1
        for d in domains:
            size = size * len(d) if d is not None else MAX_COMBINATIONS + 1
        if size > MAX_COMBINATIONS:
            report.warnings.append(
                Issue(
                    "score_range_unknown",
                    "answer domain too large to work out the score range exactly",
                    sorted(component)[0],
                )
            )
            return
        items = [i for i in plan.items if i["field"] in component]
        low: Decimal | None = None
        high: Decimal | None = None
        spent = current_budget()
        for combo in itertools.product(*domains):
            if spent is not None:
                spent.spend(len(order) + 1)
            subtotal = _combo_points(definition, order, dict(zip(inputs, combo)), items)
            if subtotal is None:
                continue
            low = subtotal if low is None or subtotal < low else low
            high = subtotal if high is None or subtotal > high else high
        if low is None or high is None:
            return
        low_total += low
        high_total += high
    report.min_score, report.max_score = plain(low_total), plain(high_total)
    report.info.append(Issue("score_range", f"possible total {report.min_score} to {report.max_score}"))
    declared = scoring.get("range")
    if declared and [to_decimal(declared[0]), to_decimal(declared[1])] != [low_total, high_total]:
        report.errors.append(
            Issue(
                "score_range_mismatch",
                f"declared range {declared} but the possible total is {report.min_score} to {report.max_score}",
            )
        )
    _band_coverage(report, definition, low_total, high_total)


def _combo_points(
    definition: FormDefinition, order: list[str], values: dict[str, Any], items: list[dict]
) -> Decimal | None:
    context: dict[str, Any] = {}
    visible: set[str] = set()
    try:
        for key in order:
            spec = definition.fields[key]
            if spec.visible_if is not None and not is_truthy(evaluate(spec.visible_if, context, checked=True)):
                continue
            visible.add(key)
            value = evaluate(spec.calculate, context, checked=True) if spec.type == "calculated" else values.get(key)
            if value is not None:
                context[key] = plain(value)
        subtotal = Decimal(0)
        for item in items:
            if item["field"] not in visible:
                continue
            value = context.get(item["field"])
            if value is None:
                return None
            got = item_points(definition.fields[item["field"]], item["points"], value, context, None)
            if got is None:
                return None
            subtotal += got
        return subtotal
    except LogicError:
        return None


def _band_coverage(report: LintReport, definition: FormDefinition, low: Decimal, high: Decimal) -> None:
    bands = (definition.scoring or {}).get("bands", ())
    if not bands or any("when" in b for b in bands) or low != low.to_integral_value() or high - low > 10_000:
        return
    uncovered = [
        t
        for t in range(int(low), int(high) + 1)
        if not any(("min" not in b or t >= b["min"]) and ("max" not in b or t <= b["max"]) for b in bands)
    ]
    if uncovered:
        report.info.append(
            Issue("band_gap", f"totals {uncovered[0]}..{uncovered[-1]} ({len(uncovered)} values) get no band")
        )


def _check_examples(report: LintReport, definition: FormDefinition) -> None:
    for example in definition.examples:
        today = dt.date.fromisoformat(example["today"]) if example.get("today") else None
        result = validate_and_score(definition, example["answers"], today=today)
        expect = example["expect"]
        name = example["name"]
        wanted_errors = expect.get("errors")
        if wanted_errors is not None:
            if sorted(result.errors) != sorted(wanted_errors):
                report.errors.append(
                    Issue(
                        "example_failed",
                        f"example '{name}': expected errors on {sorted(wanted_errors)}, got {sorted(result.errors)}",
                    )
                )
            continue
        if not result.ok:
            for key, messages in result.errors.items():
                report.errors.append(Issue("example_failed", f"example '{name}': {'; '.join(messages)}", key))
            continue
        if "total" in expect and to_decimal(expect["total"]) != to_decimal(result.total):
            report.errors.append(
                Issue("example_failed", f"example '{name}': expected total {expect['total']}, got {result.total}")
            )
        if "band" in expect and expect["band"] != result.band:
            report.errors.append(
                Issue("example_failed", f"example '{name}': expected band {expect['band']}, got {result.band}")
            )
        for key, value in expect.get("points", {}).items():
            if to_decimal(value) != to_decimal(result.points.get(key)):
                report.errors.append(
                    Issue(
                        "example_failed",
                        f"example '{name}': expected {value} points, got {result.points.get(key)}",
                        key,
                    )
                )
        for key, value in expect.get("computed", {}).items():
            if to_decimal(value) != to_decimal(result.computed.get(key)):
                report.errors.append(
                    Issue(
                        "example_failed",
                        f"example '{name}': expected calculated {value}, got {result.computed.get(key)}",
                        key,
                    )
                )
