"""Finding 17: the form engine cannot be made to hang or exhaust memory. A corpus of hostile
definitions and answers, each refused or handled within a time bound (hang or no hang: the engine's
own budgets are a few seconds) and, where a page is built, with a bounded page size."""

from __future__ import annotations

import copy
import time
from decimal import Decimal

import pytest
import wtforms
from werkzeug.datastructures import MultiDict

from forms import lint as lint_module
from forms.definition import find_definition_file, load_definition
from forms.engine import validate_and_score
from forms.lint import lint
from forms.rendering import build_form_class

BOUND = 10.0  # seconds: lint stops itself after 4, scoring after 2; anything hanging takes minutes
PAGE_BYTES = 300_000  # a form page of any definition stays this small


def T(text: str) -> dict:
    return {"en-GB": text, "cy": f"{text} (cy)"}


def definition(**fields) -> dict:
    """A one-page definition with these fields (all placed on the page)."""
    placed = [k for k, f in fields.items() if f.get("x-type") != "calculated"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": fields,
        "x-form": {"key": "hostile", "version": 1, "title": T("Hostile"), "locales": ["en-GB", "cy"]},
        "x-layout": {"pages": [{"key": "one", "sections": [{"key": "all", "fields": placed}]}]},
    }


def text(**schema) -> dict:
    return {"type": "string", "x-type": "text", "x-label": T("Note"), **schema}


def heavy_rule(rows: int = 300, inner: int = 150) -> dict:
    """About 180,000 steps: under the per-rule limit (200,000), so each rule alone is allowed."""
    return {"count": [{"map": [list(range(rows)), {"map": [list(range(inner)), {"+": [1, 1]}]}]}]}


def many_heavy_rules(count: int = 60, rows: int = 300) -> dict:
    """Calculations each within the per-rule limit, together minutes of work; with a worked example,
    which lint scores."""
    fields = {"note": text()}
    for i in range(count):
        fields[f"calc_{i}"] = {"type": "number", "x-type": "calculated", "x-label": T(f"Calc {i}"),
                               "x-calculate": heavy_rule(rows)}
    raw = definition(**fields)
    raw["x-examples"] = [{"name": "a note", "answers": {"note": "hello"}, "expect": {}}]
    return raw


def timed(fn, *args, **kwargs):
    started = time.monotonic()
    value = fn(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    return value


def codes(report) -> set[str]:
    return {i.code for i in report.errors}


def rendered(raw_or_definition, formdata=None) -> str:
    loaded = raw_or_definition if hasattr(raw_or_definition, "fields") else load_definition(raw_or_definition)
    form_class = timed(build_form_class, loaded, "en-GB", base_class=wtforms.Form, use_cache=False)
    form = timed(form_class, formdata)
    page = "".join(str(field) for field in form)
    assert len(page.encode()) < PAGE_BYTES, f"page of {len(page.encode()):,} bytes"
    return page


# ---- patterns ----------------------------------------------------------------------------------


def test_a_catastrophic_pattern_cannot_hang_scoring():
    raw = definition(note=text(pattern="^(a+)+$"))
    assert "unsafe_pattern" not in codes(timed(lint, raw))  # RE2 runs it in linear time
    loaded = load_definition(raw)
    result = timed(validate_and_score, loaded, {"note": "a" * 31 + "b"})
    assert result.errors["note"] == ["This answer is not in the expected format."]
    result = timed(validate_and_score, loaded, {"note": "a" * 5000 + "!"})
    assert not result.ok
    assert timed(validate_and_score, loaded, {"note": "aaaa"}).ok


@pytest.mark.parametrize("pattern", [r"(a+)\1", r"(?=a)a", r"(?<!b)a", "a" * 2000, r"((a{100}){100}){100}"])
def test_patterns_that_cannot_run_safely_are_refused_by_lint_and_fail_the_answer(pattern):
    raw = definition(note=text(pattern=pattern))
    report = timed(lint, raw)
    assert "unsafe_pattern" in codes(report)
    assert [i.field for i in report.errors if i.code == "unsafe_pattern"] == ["note"]
    result = timed(validate_and_score, load_definition(raw), {"note": "aaaa"})
    assert "note" in result.errors and not result.ok


# ---- one budget for all the rules -----------------------------------------------------------------


def test_rules_that_add_up_to_minutes_are_refused_by_lint_within_its_budget():
    report = timed(lint, many_heavy_rules())
    assert "too_much_work" in codes(report) and not report.ok


def test_scoring_rules_that_add_up_to_minutes_stop_with_a_message():
    loaded = load_definition(many_heavy_rules())
    result = timed(validate_and_score, loaded, {"note": "hello"})
    assert not result.ok
    assert result.error_codes == {"_form": ["too_much_work"]}
    assert "too much work" in result.errors["_form"][0]


def test_a_form_with_several_real_sized_rules_is_still_scored():
    loaded = load_definition(many_heavy_rules(count=5, rows=10))  # about 6,000 steps each
    assert timed(lint, many_heavy_rules(count=5, rows=10)).ok
    result = timed(validate_and_score, loaded, {"note": "hello"})
    assert result.ok and result.computed == {f"calc_{i}": 10 for i in range(5)}


def test_the_standard_forms_lint_clean_within_the_budget():
    for key in ("must", "news2", "waterlow", "barthel", "abbey_pain"):
        report = timed(lint, find_definition_file(key))
        assert report.ok, (key, report.errors)


# ---- what a page builds ---------------------------------------------------------------------------


def test_a_scale_from_nought_to_a_quadrillion_is_refused_and_never_built():
    raw = definition(level={"type": "integer", "minimum": 0, "maximum": 10**15, "x-type": "scale",
                            "x-label": T("Level")})
    assert "scale_too_wide" in codes(timed(lint, raw))
    page = rendered(raw)
    assert page.count("<input") <= 2  # a number box, not 10^15 buttons
    loaded = load_definition(raw)
    form = build_form_class(loaded, "en-GB", base_class=wtforms.Form, use_cache=False)(MultiDict({"level": "7"}))
    assert form.to_answers() == {"level": 7}
    assert validate_and_score(loaded, form.to_answers()).ok


def test_a_repeat_asking_for_a_hundred_thousand_rows_is_refused_and_built_small():
    row = {"type": "object", "properties": {"what": text()}}
    raw = definition(rows={"type": "array", "minItems": 100_000, "items": row, "x-type": "repeat",
                           "x-label": T("Rows")})
    assert "repeat_too_long" in codes(timed(lint, raw))
    page = rendered(raw)
    assert page.count("<input") <= 50


def test_a_posted_repeat_of_many_rows_is_read_only_up_to_the_limit():
    row = {"type": "object", "properties": {"what": text()}}
    raw = definition(rows={"type": "array", "items": row, "x-type": "repeat", "x-label": T("Rows")})
    posted = MultiDict({f"rows-{i}-what": "x" for i in range(5000)})
    loaded = load_definition(raw)
    form = timed(build_form_class(loaded, "en-GB", base_class=wtforms.Form, use_cache=False), posted)
    assert len(form.rows.entries) == 200
    answers = {"rows": [{"what": "x"}] * 5000}
    result = timed(validate_and_score, loaded, answers)
    assert result.error_codes["rows"] == ["max_items"]


# ---- text and numbers -------------------------------------------------------------------------------


def test_a_ten_megabyte_answer_is_refused_when_the_question_sets_no_maximum():
    loaded = load_definition(definition(note=text(), story={"type": "string", "x-type": "long_text",
                                                            "x-label": T("Story")}))
    for key in ("note", "story"):
        result = timed(validate_and_score, loaded, {key: "x" * 10_000_000})
        assert result.error_codes[key] == ["max_length"] and key not in result.answers
        assert "10000" in result.errors[key][0]
    assert validate_and_score(loaded, {"note": "x" * 10_000}).ok


def test_a_smaller_maximum_of_the_definition_still_counts():
    loaded = load_definition(definition(note=text(maxLength=20)))
    assert validate_and_score(loaded, {"note": "x" * 21}).error_codes["note"] == ["max_length"]
    page = rendered(loaded)
    assert 'maxlength="20"' in page


def test_a_repeat_row_text_and_a_signature_are_bounded_too():
    row = {"type": "object", "properties": {"what": text()}}
    signature = {"type": "object", "x-type": "signature", "x-label": T("Signed"),
                 "properties": {"name": {"type": "string"}, "role": {"type": "string"},
                                "signed_at": {"type": "string"}}}
    loaded = load_definition(definition(rows={"type": "array", "items": row, "x-type": "repeat",
                                              "x-label": T("Rows")}, signed=signature))
    result = timed(validate_and_score, loaded, {"rows": [{"what": "x" * 20_000}],
                                                "signed": {"name": "n" * 5000, "role": "Nurse",
                                                           "signed_at": "2025-01-01T10:00"}})
    assert set(result.error_codes) == {"rows.0.what", "signed.name"}


NON_FINITE = ["inf", "-inf", "Infinity", "-Infinity", "NaN", "nan", "sNaN", "-sNaN", "1e999", "twelve"]


@pytest.mark.parametrize("typed", NON_FINITE)
def test_non_finite_numbers_typed_into_news2_name_the_field(typed):
    loaded = load_definition(find_definition_file("news2"))
    form_class = build_form_class(loaded, "en-GB", base_class=wtforms.Form)
    for key, expected in (("temperature_c", "Enter a number."), ("respiration_rate", "Enter a whole number.")):
        form = form_class(MultiDict({key: typed}))
        result = validate_and_score(loaded, form.to_answers())
        assert result.errors[key] == [expected], (typed, key, result.errors.get(key))
        assert typed in str(form[key])  # shown again as typed


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), Decimal("sNaN"), Decimal("Infinity")])
def test_non_finite_numbers_sent_as_answers_name_the_field(value):
    loaded = load_definition(find_definition_file("news2"))
    result = validate_and_score(loaded, {"temperature_c": value})
    assert "temperature_c" in result.errors and not result.ok


def test_the_news2_fill_page_answers_with_the_message_not_an_error(client, auth, world):
    from tests.integration.assessments.helpers import open_form

    auth.login("nurse")
    for typed in ("inf", "-Infinity", "sNaN", "NaN"):
        _, shown = open_form(client, world.resident_a.id, "news2")
        response = client.post(f"/assessments/resident/{world.resident_a.id}/fill/news2",
                               data={**shown, "_action": "submit", "temperature_c": typed, "respiration_rate": "18"})
        assert response.status_code == 422, (typed, response.status_code)  # the form again, with its messages
        page = response.get_data(as_text=True)
        assert "Enter a number." in page and f'value="{typed}"' in page


# ---- the builder's page does not lint again -------------------------------------------------------------


def test_a_definition_is_linted_once_however_often_it_is_shown(monkeypatch):
    runs = []
    real = lint_module._run_checks
    monkeypatch.setattr(lint_module, "_run_checks", lambda report, d: (runs.append(d.sha256), real(report, d)))
    raw = copy.deepcopy(definition(note=text(), level={"type": "integer", "minimum": 0, "maximum": 5,
                                                       "x-type": "scale", "x-label": T("Level")}))
    raw["x-form"]["key"] = "shown_often"
    first = lint(raw)
    for _ in range(5):
        again = lint(copy.deepcopy(raw))
        assert again.ok == first.ok and again.errors == first.errors and again.errors is not first.errors
    assert len(runs) == 1
    raw["x-form"]["title"] = T("Changed")
    lint(raw)
    assert len(runs) == 2  # a changed definition is linted again


def test_the_hostile_definition_is_linted_once_on_the_builder_page(monkeypatch):
    runs = []
    real = lint_module._run_checks
    monkeypatch.setattr(lint_module, "_run_checks", lambda report, d: (runs.append(1), real(report, d)))
    raw = many_heavy_rules()
    raw["x-form"]["key"] = "hostile_twice"
    timed(lint, raw)
    started = time.monotonic()
    assert "too_much_work" in codes(lint(raw))
    assert time.monotonic() - started < 1.0 and len(runs) == 1
