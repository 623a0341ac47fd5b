"""Server-side validation: visibility, pruning, calculation, jsonschema, required-if, checks, languages."""

from __future__ import annotations

import pytest

from forms.definition import load_definition
from forms.engine import validate_and_score

VALID = {"height_m": 1.7, "weight_kg": 70.0, "has_pain": False, "mood": "ok", "risks": []}


def run(definition, answers, **kw):
    return validate_and_score(definition, answers, **kw)


def test_valid_answers_are_scored_and_calculated(care_review):
    result = run(care_review, {**VALID, "has_pain": True, "pain_score": 4, "risks": ["choking"]})
    assert result.ok, result.errors
    assert result.computed == {"bmi": 24.2}
    assert result.points == {"mood": 1, "risks": 2, "pain_score": 4}
    assert (result.total, result.band) == (7, "concern")


def test_hidden_answers_are_dropped_before_validation(care_review):
    result = run(care_review, {**VALID, "pain_score": "not even a number"})
    assert result.ok, result.errors
    assert "pain_score" not in result.answers
    assert result.dropped == ["pain_score"]
    assert result.points["pain_score"] is None  # not asked, so not applicable and not counted


def test_posted_calculated_values_are_ignored(care_review):
    result = run(care_review, {**VALID, "bmi": 99})
    assert result.ok and result.computed["bmi"] == 24.2 and result.ignored == ["bmi"]


def test_required_and_required_if(care_review):
    result = run(care_review, {"has_pain": True, "diastolic": 80})
    assert set(result.error_codes) == {"height_m", "weight_kg", "pain_score", "mood", "systolic"}
    assert all(codes == ["required"] for codes in result.error_codes.values())


ERRORS = [
    ({"height_m": "tall"}, "height_m", "type_number"),
    ({"height_m": 3}, "height_m", "maximum"),
    ({"weight_kg": 70.25}, "weight_kg", "decimals"),
    ({"mood": "ecstatic"}, "mood", "enum"),
    ({"has_pain": "yes"}, "has_pain", "type_boolean"),
    ({"risks": ["falls", "falls"]}, "risks", "unique_items"),
    ({"risks": "falls"}, "risks", "type_array"),
    ({"summary": "x" * 81}, "summary", "max_length"),
    ({"seen_on": "02/01/2025"}, "seen_on", "format_date"),
    ({"seen_on": "2025-02-30"}, "seen_on", "format_date"),
    ({"seen_time": "25:00"}, "seen_time", "format_time"),
    ({"next_review_at": "tomorrow"}, "next_review_at", "format_date_time"),
    ({"wounds": [{"length_cm": 2}]}, "wounds.0.site", "required"),
    ({"wounds": [{"site": "heel", "depth": 1}]}, "wounds.0", "invalid"),
    ({"signature": {"name": "A", "role": "RN"}}, "signature.signed_at", "required"),
    ({"signature": {"name": "A", "role": "RN", "signed_at": "soon"}}, "signature.signed_at", "format_date_time"),
    ({"diastolic": 90, "systolic": 80}, "systolic", "check:bp_order"),
    ({"pulse": 80}, "pulse", "unknown_field"),
    ({"height_m": [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}, "height_m", "bad_value"),
    ({"height_m": float("inf")}, "height_m", "bad_value"),
]


@pytest.mark.parametrize(("changes", "path", "code"), ERRORS)
def test_bad_answers_give_per_field_errors(care_review, changes, path, code):
    result = run(care_review, {**VALID, **changes})
    assert not result.ok
    assert code in result.error_codes.get(path, []), result.error_codes
    assert result.total is None and result.band is None


@pytest.mark.parametrize("answers", [None, [], "text", 3, [{"height_m": 1}]])
def test_answers_that_are_not_an_object(care_review, answers):
    result = run(care_review, answers)
    assert not result.ok and result.error_codes == {"_form": ["answers_not_object"]}


def test_errors_are_in_the_users_language(care_review):
    english = run(care_review, {**VALID, "mood": None, "height_m": 9}, locale="en-GB")
    welsh = run(care_review, {**VALID, "mood": None, "height_m": 9}, locale="cy-GB")
    assert english.errors["mood"] == ["This question needs an answer."]
    assert welsh.errors["mood"] == ["Mae angen ateb y cwestiwn hwn."]
    assert welsh.errors["height_m"] == ["Rhowch 2.5 neu lai."]
    check = run(care_review, {**VALID, "diastolic": 90, "systolic": 80}, locale="cy")
    assert check.errors["systolic"] == ["Rhaid i'r systolig fod yn uwch."]


def test_empty_strings_are_unanswered(care_review):
    result = run(care_review, {**VALID, "summary": "   ", "mood": ""})
    assert result.error_codes == {"mood": ["required"]}


def test_hidden_repeat_children_and_visibility_inside_groups(care_review_raw):
    child = care_review_raw["properties"]["wounds"]["items"]["properties"]
    child["length_cm"]["x-visible-if"] = {"!=": [{"var": "site"}, "unknown"]}
    definition = load_definition(care_review_raw)
    result = run(
        definition, {**VALID, "wounds": [{"site": "unknown", "length_cm": 3}, {"site": "heel", "length_cm": 2}]}
    )
    assert result.ok, result.errors
    assert result.answers["wounds"] == [{"site": "unknown"}, {"site": "heel", "length_cm": 2}]
    assert result.dropped == ["wounds.0.length_cm"]


def test_calculation_that_cannot_be_done_leaves_the_value_unanswered(care_review_raw):
    care_review_raw["properties"]["height_m"]["x-required"] = False
    definition = load_definition(care_review_raw)
    result = run(definition, {k: v for k, v in VALID.items() if k != "height_m"})
    assert result.ok and "bmi" not in result.computed  # never silently 0


def test_schema_default_is_applied_only_when_omitted(library):
    news2 = library["news2"]
    base = {
        "respiration_rate": 16,
        "spo2_percent": 90,
        "supplemental_oxygen": False,
        "systolic_bp": 120,
        "pulse": 70,
        "consciousness": "A",
        "temperature_c": 37.0,
    }
    result = run(news2, base)
    assert result.ok and result.defaults_applied == ["spo2_scale"] and result.answers["spo2_scale"] == 1
    assert run(news2, {**base, "spo2_scale": None}).error_codes == {"spo2_scale": ["required"]}


def test_waterlow_mst_visibility(library):
    waterlow = library["waterlow"]
    answers = dict(waterlow.examples[0]["answers"])
    answers.update(
        mst_lost_weight_recently="yes", mst_weight_loss_amount="10_to_15_kg", mst_eating_poorly_or_lack_of_appetite=True
    )
    result = run(waterlow, answers)
    assert result.ok
    assert result.dropped == ["mst_eating_poorly_or_lack_of_appetite"]
    assert result.points["mst_weight_loss_amount"] == 3
    answers["mst_lost_weight_recently"] = "unsure"
    result = run(waterlow, answers)
    assert result.dropped == ["mst_weight_loss_amount"]
    assert result.points["mst_lost_weight_recently"] == 2
    missing_c = {k: v for k, v in answers.items() if k != "mst_eating_poorly_or_lack_of_appetite"}
    assert run(waterlow, missing_c).error_codes == {"mst_eating_poorly_or_lack_of_appetite": ["required"]}


def test_news2_temperature_must_have_one_decimal(library):
    news2 = library["news2"]
    answers = dict(news2.examples[0]["answers"], temperature_c=35.05)
    assert run(news2, answers).error_codes == {"temperature_c": ["decimals"]}
