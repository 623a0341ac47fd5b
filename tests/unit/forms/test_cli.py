"""`flask forms` on a plain Flask app: lint, publish, export, score (hand-checked band edges)."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import create_engine

from forms.cli import forms_cli
from forms.definition import definition_files, find_definition_file
from forms.store.sql import SqlFormStore


@pytest.fixture
def app():
    app = Flask(__name__)
    app.cli.add_command(forms_cli)
    return app


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def store(app):
    store = SqlFormStore(create_engine("sqlite://"))
    store.create_schema()
    app.extensions["form_store"] = store
    return store


def score(runner, key, answers, *extra):
    text = answers if isinstance(answers, str) else json.dumps(answers)
    result = runner.invoke(args=["forms", "score", key, "-", *extra], input=text)
    return result.exit_code, json.loads(result.output)


NEWS2 = {
    "respiration_rate": 16,
    "spo2_percent": 97,
    "spo2_scale": 1,
    "supplemental_oxygen": False,
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature_c": 37.0,
}
WATERLOW = {
    "build_weight_for_height": "average",
    "skin_type": "healthy",
    "sex": "male",
    "age_band": "14_49",
    "mst_lost_weight_recently": "no",
    "mst_eating_poorly_or_lack_of_appetite": False,
    "continence": "complete_or_catheterised",
    "mobility": "fully",
    "tissue_malnutrition": "none",
    "neurological_deficit_score": 0,
    "major_surgery_or_trauma": "none",
    "medication": "none",
}
BARTHEL_MIN = {
    "feeding": "unable",
    "bathing": "dependent",
    "grooming": "needs_help",
    "dressing": "dependent",
    "bowels": "incontinent",
    "bladder": "incontinent",
    "toilet_use": "dependent",
    "transfers": "unable",
    "mobility": "immobile",
    "stairs": "unable",
}
BRADEN = ["sensory_perception", "moisture", "activity", "mobility", "nutrition", "friction_and_shear"]
BRADEN_CODES = {
    "sensory_perception": ["completely_limited", "very_limited", "slightly_limited", "no_impairment"],
    "moisture": ["constantly_moist", "very_moist", "occasionally_moist", "rarely_moist"],
    "activity": ["bedfast", "chairfast", "walks_occasionally", "walks_frequently"],
    "mobility": ["completely_immobile", "very_limited", "slightly_limited", "no_limitation"],
    "nutrition": ["very_poor", "probably_inadequate", "adequate", "excellent"],
    "friction_and_shear": ["problem", "potential_problem", "no_apparent_problem"],
}
ABBEY = [
    "vocalisation",
    "facial_expression",
    "change_in_body_language",
    "behavioural_change",
    "physiological_change",
    "physical_changes",
]
LEVEL = ["absent", "mild", "moderate", "severe"]
MORSE = {
    "history_of_falling": "no",
    "secondary_diagnosis": "no",
    "ambulatory_aid": "none_bedrest_nurse_assist",
    "iv_or_heparin_lock": "no",
    "gait": "normal_bedrest_wheelchair",
    "mental_status": "oriented_to_own_ability",
}


def braden(*points):
    return {k: BRADEN_CODES[k][p - 1] for k, p in zip(BRADEN, points)}


def abbey(*levels):
    return {k: LEVEL[lvl] for k, lvl in zip(ABBEY, levels)}


# Hand-checked against assessments.md, independently of the definitions' own x-examples.
HAND_CHECKED = [
    ("news2", NEWS2, 0, "low_score_0"),
    ("news2", {**NEWS2, "pulse": 91}, 1, "low_score_1_4"),
    (
        "news2",
        {**NEWS2, "pulse": 91, "respiration_rate": 9, "systolic_bp": 110, "temperature_c": 38.1},
        4,
        "low_score_1_4",
    ),
    ("news2", {**NEWS2, "consciousness": "V"}, 3, "low_medium_red_score"),
    ("news2", {**NEWS2, "temperature_c": 35.0, "pulse": 50}, 4, "low_medium_red_score"),
    ("news2", {**NEWS2, "pulse": 111, "supplemental_oxygen": True, "temperature_c": 36.0}, 5, "medium_5_6"),
    ("news2", {**NEWS2, "pulse": 130, "respiration_rate": 24, "systolic_bp": 100}, 6, "medium_5_6"),
    ("news2", {**NEWS2, "spo2_percent": 91, "pulse": 131, "temperature_c": 35.1}, 7, "high_7_plus"),
    ("news2", {**NEWS2, "spo2_scale": 2, "spo2_percent": 88, "supplemental_oxygen": True}, 2, "low_score_1_4"),
    ("news2", {**NEWS2, "spo2_scale": 2, "spo2_percent": 94, "supplemental_oxygen": True}, 3, "low_score_1_4"),
    ("news2", {**NEWS2, "spo2_scale": 2, "spo2_percent": 96, "supplemental_oxygen": True}, 4, "low_score_1_4"),
    ("news2", {**NEWS2, "spo2_scale": 2, "spo2_percent": 84}, 2, "low_score_1_4"),
    ("waterlow", {**WATERLOW, "age_band": "75_80", "sex": "female", "skin_type": "dry"}, 7, "below_10_no_band"),
    (
        "waterlow",
        {**WATERLOW, "age_band": "81_plus", "mobility": "apathetic", "continence": "faecal_incontinence"},
        10,
        "at_risk_10_14",
    ),
    (
        "waterlow",
        {
            **WATERLOW,
            "tissue_malnutrition": "single_organ_failure",
            "age_band": "81_plus",
            "build_weight_for_height": "below_average",
        },
        14,
        "at_risk_10_14",
    ),
    (
        "waterlow",
        {
            **WATERLOW,
            "tissue_malnutrition": "single_organ_failure",
            "age_band": "81_plus",
            "build_weight_for_height": "below_average",
            "mst_eating_poorly_or_lack_of_appetite": True,
        },
        15,
        "high_risk_15_19",
    ),
    (
        "waterlow",
        {
            **WATERLOW,
            "neurological_deficit_score": 5,
            "major_surgery_or_trauma": "orthopaedic_spinal",
            "medication": "cytotoxics_steroids_anti_inflammatory",
            "build_weight_for_height": "obese",
            "sex": "female",
        },
        19,
        "high_risk_15_19",
    ),
    (
        "waterlow",
        {
            **WATERLOW,
            "neurological_deficit_score": 6,
            "major_surgery_or_trauma": "on_table_over_6_hours",
            "mst_lost_weight_recently": "yes",
            "mst_weight_loss_amount": "5_to_10_kg",
            "mst_eating_poorly_or_lack_of_appetite": None,
            "age_band": "65_74",
        },
        20,
        "very_high_risk_20_plus",
    ),
    (
        "must",
        {
            "bmi_kg_m2": 20.0,
            "unplanned_weight_loss_percent_past_3_6_months": 4.9,
            "acutely_ill_and_no_nutritional_intake_over_5_days": False,
        },
        1,
        "medium",
    ),
    (
        "must",
        {
            "bmi_kg_m2": 30.0,
            "unplanned_weight_loss_percent_past_3_6_months": 0,
            "acutely_ill_and_no_nutritional_intake_over_5_days": False,
        },
        0,
        "low",
    ),
    (
        "must",
        {
            "bmi_kg_m2": 18.5,
            "unplanned_weight_loss_percent_past_3_6_months": 10.0,
            "acutely_ill_and_no_nutritional_intake_over_5_days": False,
        },
        2,
        "high",
    ),
    (
        "must",
        {
            "bmi_kg_m2": 21,
            "unplanned_weight_loss_percent_past_3_6_months": -2.5,
            "acutely_ill_and_no_nutritional_intake_over_5_days": True,
        },
        2,
        "high",
    ),
    ("barthel", BARTHEL_MIN, 0, "total_dependency_0_20"),
    ("barthel", {**BARTHEL_MIN, "feeding": "independent", "bowels": "continent"}, 20, "total_dependency_0_20"),
    (
        "barthel",
        {**BARTHEL_MIN, "feeding": "independent", "bowels": "continent", "bathing": "independent"},
        25,
        "severe_dependency_21_60",
    ),
    (
        "barthel",
        {
            **BARTHEL_MIN,
            "feeding": "independent",
            "bowels": "continent",
            "bladder": "continent",
            "toilet_use": "independent",
            "transfers": "minor_help",
            "dressing": "needs_help",
        },
        55,
        "severe_dependency_21_60",
    ),
    (
        "barthel",
        {
            "feeding": "independent",
            "bathing": "independent",
            "grooming": "independent",
            "dressing": "independent",
            "bowels": "continent",
            "bladder": "continent",
            "toilet_use": "independent",
            "transfers": "independent",
            "mobility": "walks_with_help",
            "stairs": "needs_help",
        },
        90,
        "moderate_dependency_61_90",
    ),
    (
        "barthel",
        {
            "feeding": "independent",
            "bathing": "independent",
            "grooming": "independent",
            "dressing": "independent",
            "bowels": "continent",
            "bladder": "continent",
            "toilet_use": "independent",
            "transfers": "independent",
            "mobility": "independent",
            "stairs": "needs_help",
        },
        95,
        "slight_dependency_91_99",
    ),
    ("barthel_20", {**BARTHEL_MIN, "transfers": "independent", "mobility": "independent"}, 6, None),
    ("braden", braden(1, 2, 2, 2, 1, 1), 9, "severe_risk_le_9"),
    ("braden", braden(2, 2, 2, 2, 2, 2), 12, "high_risk_10_12"),
    ("braden", braden(4, 2, 2, 2, 2, 2), 14, "moderate_risk_13_14"),
    ("braden", braden(4, 4, 4, 4, 1, 1), 18, "mild_risk_15_18"),
    ("braden", braden(4, 4, 4, 4, 2, 1), 19, None),
    ("abbey_pain", abbey(2, 0, 0, 0, 0, 0), 2, "no_pain_0_2"),
    ("abbey_pain", abbey(3, 0, 0, 0, 0, 0), 3, "mild_3_7"),
    ("abbey_pain", abbey(3, 3, 1, 0, 0, 0), 7, "mild_3_7"),
    ("abbey_pain", abbey(3, 3, 2, 0, 0, 0), 8, "moderate_8_13"),
    ("abbey_pain", abbey(3, 3, 3, 3, 1, 0), 13, "moderate_8_13"),
    ("abbey_pain", abbey(3, 3, 3, 3, 2, 0), 14, "severe_14_plus"),
    ("morse_fall", {**MORSE, "secondary_diagnosis": "yes"}, 15, "low_lt_25"),
    ("morse_fall", {**MORSE, "ambulatory_aid": "crutches_cane_walker", "gait": "weak"}, 25, "moderate_25_45"),
    (
        "morse_fall",
        {**MORSE, "ambulatory_aid": "furniture", "mental_status": "overestimates_or_forgets_limitations"},
        45,
        "moderate_25_45",
    ),
    ("morse_fall", {**MORSE, "ambulatory_aid": "furniture", "gait": "impaired"}, 50, "high_gt_45"),
]


@pytest.mark.parametrize(("key", "answers", "total", "band"), HAND_CHECKED)
def test_score_gives_the_published_result_at_band_edges(runner, key, answers, total, band):
    answers = {k: v for k, v in answers.items() if v is not None}
    code, out = score(runner, key, answers)
    assert code == 0, out
    assert (out["total"], out["band"]) == (total, band)
    assert sum(p for p in out["points"].values() if p is not None) == total
    assert out["source"] == "file"


def test_score_prints_field_errors_and_fails(runner):
    code, out = score(runner, "news2", {**NEWS2, "pulse": "fast", "colour": "blue"}, "--locale", "cy")
    assert code == 1 and not out["ok"]
    assert out["errors"] == {"pulse": ["Rhowch rif cyfan."], "colour": ["Nid yw hwn yn gwestiwn ar y ffurflen hon."]}


@pytest.mark.parametrize("text", ["{", "[" * 10_000 + "]" * 10_000, '{"pulse": 1e400}', '{"pulse": NaN}', "", "\xff"])
def test_score_rejects_bad_json_cleanly(runner, text):
    code, out = score(runner, "news2", text)
    assert code == 1 and list(out["errors"]) == ["_input"]


def test_score_reads_a_file(runner, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(NEWS2))
    result = runner.invoke(args=["forms", "score", "news2", str(path)])
    assert result.exit_code == 0 and json.loads(result.output)["band"] == "low_score_0"


def test_score_unknown_form(runner):
    result = runner.invoke(args=["forms", "score", "nope", "-"], input="{}")
    assert result.exit_code != 0 and "no published definition" in result.output


def test_lint_all_and_one_file(runner, tmp_path):
    result = runner.invoke(args=["forms", "lint"])
    assert result.exit_code == 0, result.output
    assert result.output.count(" ok") == len(definition_files())
    bad = tmp_path / "bad.json"
    raw = json.loads(find_definition_file("braden").read_text())
    raw["x-scoring"]["items"][0]["field"] = "sensory"
    bad.write_text(json.dumps(raw))
    result = runner.invoke(args=["forms", "lint", str(bad)])
    assert result.exit_code == 1 and "[sensory]" in result.output
    result = runner.invoke(args=["forms", "lint", "--json", str(bad)])
    assert json.loads(result.output)[0]["ok"] is False


def test_publish_then_score_and_export_prefer_the_store(runner, store, tmp_path):
    raw = json.loads(find_definition_file("morse_fall").read_text())
    result = runner.invoke(args=["forms", "publish", str(find_definition_file("morse_fall"))])
    assert result.exit_code == 0, result.output
    published = json.loads(result.output)
    assert published["status"] == "published" and len(published["sha256"]) == 64
    raw["x-form"]["version"] = 2
    raw["x-scoring"]["bands"][1]["max"] = 44
    raw["x-scoring"]["bands"][2]["min"] = 45
    raw["x-examples"] = [e for e in raw["x-examples"] if e["expect"]["total"] != 45]
    v2 = tmp_path / "morse_v2.json"
    v2.write_text(json.dumps(raw))
    assert runner.invoke(args=["forms", "publish", str(v2)]).exit_code == 0
    answers = {**MORSE, "ambulatory_aid": "furniture", "mental_status": "overestimates_or_forgets_limitations"}
    code, out = score(runner, "morse_fall", answers)
    assert (code, out["version"], out["band"], out["source"]) == (0, 2, "high_gt_45", "store")
    code, out = score(runner, "morse_fall", answers, "--version", "1")
    assert (out["version"], out["band"]) == (1, "moderate_25_45")
    exported = runner.invoke(args=["forms", "export", "morse_fall"])
    assert json.loads(exported.output)["x-form"]["version"] == 2
    again = runner.invoke(args=["forms", "publish", str(v2)])
    assert again.exit_code == 1 and "published" in again.output


def test_publish_refuses_a_definition_that_does_not_lint(runner, store, tmp_path):
    raw = json.loads(find_definition_file("abbey_pain").read_text())
    raw["x-examples"][0]["expect"]["total"] = 1
    path = tmp_path / "abbey.json"
    path.write_text(json.dumps(raw))
    result = runner.invoke(args=["forms", "publish", str(path)])
    assert result.exit_code == 1 and "expected total 1" in result.output
    assert store.list_definitions() == []


def test_export_falls_back_to_the_file(runner):
    result = runner.invoke(args=["forms", "export", "must"])
    assert result.exit_code == 0 and json.loads(result.output)["x-form"]["key"] == "must"
