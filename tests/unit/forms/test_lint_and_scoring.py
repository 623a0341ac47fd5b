"""Lint (each error names the field) and scoring policies (fail, prorate, flag, reversed, rule totals)."""

from __future__ import annotations

import json

import pytest

from forms.definition import DefinitionError, load_definition
from forms.engine import validate_and_score
from forms.lint import lint


def codes(report):
    return {(i.code, i.field) for i in report.errors}


def test_the_care_review_fixture_lints_clean(care_review):
    report = lint(care_review)
    assert report.ok, [str(i) for i in report.errors]
    assert (report.min_score, report.max_score) == (0, 16)


BREAKAGES = [
    (
        "unknown reference",
        lambda d: d["properties"]["pain_score"].update({"x-visible-if": {"var": "pain"}}),
        ("unknown_reference", "pain_score"),
    ),
    (
        "unknown operator",
        lambda d: d["properties"]["pain_score"].update({"x-visible-if": {"exec": ["rm"]}}),
        ("bad_rule", "pain_score"),
    ),
    (
        "calculation cycle",
        lambda d: d["properties"].update(
            {
                "a": {
                    "type": "number",
                    "x-type": "calculated",
                    "x-label": {"en-GB": "A", "cy": "A"},
                    "x-calculate": {"var": "b"},
                },
                "b": {
                    "type": "number",
                    "x-type": "calculated",
                    "x-label": {"en-GB": "B", "cy": "B"},
                    "x-calculate": {"var": "a"},
                },
            }
        ),
        ("cycle", "a"),
    ),
    (
        "options vs enum",
        lambda d: d["properties"]["mood"].update({"enum": ["low", "ok", "great"]}),
        ("options_enum_mismatch", "mood"),
    ),
    (
        "never shown: not in layout",
        lambda d: d["x-layout"]["pages"][0]["sections"][0]["fields"].remove("summary"),
        ("never_shown", "summary"),
    ),
    (
        "never shown: impossible answer",
        lambda d: d["properties"]["pain_score"].update({"x-visible-if": {"==": [{"var": "mood"}, "furious"]}}),
        ("never_shown", "pain_score"),
    ),
    (
        "never shown: constant false",
        lambda d: d["properties"]["details"].update({"x-visible-if": {"==": [1, 2]}}),
        ("never_shown", "details"),
    ),
    (
        "missing translation",
        lambda d: d["properties"]["mood"]["x-options"][0]["label"].pop("cy"),
        ("missing_translation", "mood"),
    ),
    ("worked example fails", lambda d: d["x-examples"][0]["expect"].update({"band": "fine"}), ("example_failed", None)),
    ("declared range wrong", lambda d: d["x-scoring"].update({"range": [0, 15]}), ("score_range_mismatch", None)),
    (
        "score item for unknown field",
        lambda d: d["x-scoring"]["items"].append({"field": "nope"}),
        ("unknown_reference", "nope"),
    ),
    (
        "scored option without points",
        lambda d: d["properties"]["mood"]["x-options"][1].pop("points"),
        ("no_points", "mood"),
    ),
    (
        "layout names unknown field",
        lambda d: d["x-layout"]["pages"][0]["sections"][0]["fields"].append("ghost"),
        ("unknown_reference", "ghost"),
    ),
]


@pytest.mark.parametrize(("name", "breakage", "expected"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_lint_finds_problems_and_names_the_field(care_review_raw, name, breakage, expected):
    breakage(care_review_raw)
    report = lint(care_review_raw)
    assert not report.ok
    assert expected in codes(report), [str(i) for i in report.errors]


INVALID = [
    ("{not json", "malformed_json"),
    ("[" * 10_000 + "]" * 10_000, "malformed_json"),
    ('{"x": 1e400}', "malformed_json"),
    ("[]", "not_object"),
    ("{}", "meta_schema"),
]


@pytest.mark.parametrize(("text", "code"), INVALID)
def test_invalid_definitions_are_reported_not_raised(text, code):
    report = lint(text)
    assert not report.ok and report.errors[0].code == code
    with pytest.raises(DefinitionError):
        load_definition(text)


def test_meta_schema_errors_name_the_field(care_review_raw):
    care_review_raw["properties"]["mood"]["x-type"] = "dropdown"
    care_review_raw["properties"]["mood"]["x-colour"] = "red"
    care_review_raw["required"] = ["mood"]
    report = lint(json.dumps(care_review_raw))
    assert {i.field for i in report.errors} >= {"mood", None}
    assert any("x-required" in i.message for i in report.errors)


def test_schema_type_must_fit_the_field_type(care_review_raw):
    care_review_raw["properties"]["height_m"]["type"] = "string"
    assert ("type_mismatch", "height_m") in codes(lint(care_review_raw))


def test_hash_is_stable_and_changes_with_content(care_review_raw):
    first = load_definition(care_review_raw).sha256
    assert load_definition(json.dumps(care_review_raw, indent=4)).sha256 == first
    care_review_raw["properties"]["summary"]["x-label"]["en-GB"] = "Summary of the day"
    assert load_definition(care_review_raw).sha256 != first


# ---- scoring policies -------------------------------------------------------------------------------
def policy_definition(raw, policy, **extra):
    raw["x-scoring"].update(unanswered=policy, **extra)
    raw["properties"]["mood"]["x-required"] = False
    raw["x-examples"] = []
    return load_definition(raw)


BASE = {"height_m": 1.7, "weight_kg": 70.0, "has_pain": True, "pain_score": 6, "risks": ["falls"]}


def test_fail_policy_asks_for_unanswered_items(care_review_raw):
    result = validate_and_score(policy_definition(care_review_raw, "fail"), BASE)
    assert not result.ok and result.error_codes == {"mood": ["required_for_score"]}
    assert result.total is None


def test_prorate_policy_scales_up_the_answered_items(care_review_raw):
    result = validate_and_score(policy_definition(care_review_raw, "prorate", decimals=1), BASE)
    assert result.ok and result.prorated and result.unanswered == ["mood"]
    assert result.total == 10.5  # (1 + 6) * 3 / 2
    assert result.band == "concern"


def test_prorate_policy_has_a_limit(care_review_raw):
    definition = policy_definition(care_review_raw, "prorate", prorate_max_unanswered=0)
    result = validate_and_score(definition, BASE)
    assert not result.ok and result.error_codes == {"_form": ["too_many_unanswered"]}


def test_flag_policy_scores_what_was_answered_and_flags_it(care_review_raw):
    result = validate_and_score(policy_definition(care_review_raw, "flag"), BASE)
    assert result.ok and result.incomplete and result.total == 7 and result.points["mood"] is None


def test_reversed_items(care_review_raw):
    care_review_raw["x-scoring"]["items"][0]["reverse"] = True
    care_review_raw["x-scoring"]["items"][2]["reverse"] = True
    care_review_raw["x-examples"] = []
    result = validate_and_score(load_definition(care_review_raw), {**BASE, "mood": "good", "pain_score": 3})
    assert result.points == {"mood": 2, "risks": 1, "pain_score": 7}


def test_rule_total_and_band_rules(care_review_raw):
    care_review_raw["x-scoring"]["total"] = {"rule": {"max": [{"var": "$points.mood"}, {"var": "$points.pain_score"}]}}
    care_review_raw["x-scoring"]["bands"] = [
        {
            "code": "any_choking",
            "when": {"in": ["choking", {"var": "risks"}]},
            "label": {"en-GB": "C", "cy": "C"},
            "actions": [
                {"type": "notify", "role": "nurse_in_charge", "urgency": "urgent"},
                {"type": "create_care_plan_need", "need": {"en-GB": "Eating and drinking", "cy": "Bwyta ac yfed"}},
            ],
        },
        {"code": "other", "min": 0, "label": {"en-GB": "O", "cy": "O"}},
    ]
    care_review_raw["x-examples"] = []
    definition = load_definition(care_review_raw)
    assert lint(definition).ok
    result = validate_and_score(definition, {**BASE, "mood": "low", "risks": ["choking"]}, locale="cy")
    assert (result.total, result.band) == (6, "any_choking")
    assert result.actions[1] == {"type": "create_care_plan_need", "need": "Bwyta ac yfed"}
    assert validate_and_score(definition, {**BASE, "mood": "low"}).band == "other"
