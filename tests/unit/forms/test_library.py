"""The standard assessment library: every file lints clean, and keys/codes match the data contract."""

from __future__ import annotations

import pytest

from forms.definition import definition_files, load_definition
from forms.engine import validate_and_score
from forms.lint import lint

BARTHEL_FIELDS = {
    "feeding": ["unable", "needs_help", "independent"],
    "bathing": ["dependent", "independent"],
    "grooming": ["needs_help", "independent"],
    "dressing": ["dependent", "needs_help", "independent"],
    "bowels": ["incontinent", "occasional_accident", "continent"],
    "bladder": ["incontinent", "occasional_accident", "continent"],
    "toilet_use": ["dependent", "needs_some_help", "independent"],
    "transfers": ["unable", "major_help", "minor_help", "independent"],
    "mobility": ["immobile", "wheelchair_independent", "walks_with_help", "independent"],
    "stairs": ["unable", "needs_help", "independent"],
}
SEVERITY = ["absent", "mild", "moderate", "severe"]

# field key -> answer codes (None: a number or yes/no), exactly as in shared/reference/assessment-fields.md
CONTRACT = {
    "news2": (
        {
            "respiration_rate": None,
            "spo2_percent": None,
            "spo2_scale": [1, 2],
            "supplemental_oxygen": [True, False],
            "systolic_bp": None,
            "pulse": None,
            "consciousness": ["A", "C", "V", "P", "U"],
            "temperature_c": None,
        },
        ["low_score_0", "low_score_1_4", "low_medium_red_score", "medium_5_6", "high_7_plus"],
    ),
    "waterlow": (
        {
            "build_weight_for_height": ["average", "above_average", "obese", "below_average"],
            "skin_type": [
                "healthy",
                "tissue_paper",
                "dry",
                "oedematous",
                "clammy_pyrexia",
                "discoloured_grade_1",
                "broken_spots_grade_2_4",
            ],
            "sex": ["male", "female"],
            "age_band": ["14_49", "50_64", "65_74", "75_80", "81_plus"],
            "mst_lost_weight_recently": ["yes", "no", "unsure"],
            "mst_weight_loss_amount": ["0_5_to_5_kg", "5_to_10_kg", "10_to_15_kg", "over_15_kg", "unsure"],
            "mst_eating_poorly_or_lack_of_appetite": [True, False],
            "continence": [
                "complete_or_catheterised",
                "urine_incontinence",
                "faecal_incontinence",
                "urinary_and_faecal_incontinence",
            ],
            "mobility": ["fully", "restless_fidgety", "apathetic", "restricted", "bedbound", "chairbound"],
            "tissue_malnutrition": [
                "none",
                "terminal_cachexia",
                "multiple_organ_failure",
                "single_organ_failure",
                "peripheral_vascular_disease",
                "anaemia_hb_under_8",
                "smoking",
            ],
            "neurological_deficit_score": [0, 4, 5, 6],
            "major_surgery_or_trauma": ["none", "orthopaedic_spinal", "on_table_over_2_hours", "on_table_over_6_hours"],
            "medication": ["none", "cytotoxics_steroids_anti_inflammatory"],
        },
        ["below_10_no_band", "at_risk_10_14", "high_risk_15_19", "very_high_risk_20_plus"],
    ),
    "must": (
        {
            "bmi_kg_m2": None,
            "unplanned_weight_loss_percent_past_3_6_months": None,
            "acutely_ill_and_no_nutritional_intake_over_5_days": [True, False],
        },
        ["low", "medium", "high"],
    ),
    "barthel": (
        BARTHEL_FIELDS,
        [
            "total_dependency_0_20",
            "severe_dependency_21_60",
            "moderate_dependency_61_90",
            "slight_dependency_91_99",
            "independent_100",
        ],
    ),
    "barthel_20": (BARTHEL_FIELDS, []),
    "braden": (
        {
            "sensory_perception": ["completely_limited", "very_limited", "slightly_limited", "no_impairment"],
            "moisture": ["constantly_moist", "very_moist", "occasionally_moist", "rarely_moist"],
            "activity": ["bedfast", "chairfast", "walks_occasionally", "walks_frequently"],
            "mobility": ["completely_immobile", "very_limited", "slightly_limited", "no_limitation"],
            "nutrition": ["very_poor", "probably_inadequate", "adequate", "excellent"],
            "friction_and_shear": ["problem", "potential_problem", "no_apparent_problem"],
        },
        ["severe_risk_le_9", "high_risk_10_12", "moderate_risk_13_14", "mild_risk_15_18"],
    ),
    "abbey_pain": (
        {
            k: SEVERITY
            for k in [
                "vocalisation",
                "facial_expression",
                "change_in_body_language",
                "behavioural_change",
                "physiological_change",
                "physical_changes",
            ]
        },
        ["no_pain_0_2", "mild_3_7", "moderate_8_13", "severe_14_plus"],
    ),
    "morse_fall": (
        {
            "history_of_falling": ["no", "yes"],
            "secondary_diagnosis": ["no", "yes"],
            "ambulatory_aid": ["none_bedrest_nurse_assist", "crutches_cane_walker", "furniture"],
            "iv_or_heparin_lock": ["no", "yes"],
            "gait": ["normal_bedrest_wheelchair", "weak", "impaired"],
            "mental_status": ["oriented_to_own_ability", "overestimates_or_forgets_limitations"],
        },
        ["low_lt_25", "moderate_25_45", "high_gt_45"],
    ),
}
RANGES = {
    "news2": (0, 20),
    "waterlow": (2, 51),
    "must": (0, 6),
    "barthel": (0, 100),
    "barthel_20": (0, 20),
    "braden": (6, 23),
    "abbey_pain": (0, 18),
    "morse_fall": (0, 125),
}


ASSESSMENT_FILES = [p for p in definition_files() if load_definition(p).raw["x-form"].get("kind") == "assessment"]
CARE_PLAN_FILES = [p for p in definition_files() if load_definition(p).raw["x-form"].get("kind") == "care_plan"]


def test_the_library_has_the_eight_standard_assessments_and_the_standard_care_plan():
    assert sorted(load_definition(p).key for p in ASSESSMENT_FILES) == sorted(CONTRACT)
    assert [load_definition(p).key for p in CARE_PLAN_FILES] == ["standard"]
    assert len(definition_files()) == len(CONTRACT) + 1


def test_the_standard_care_plan_lints_clean_and_every_need_has_its_parts_in_both_languages():
    [path] = CARE_PLAN_FILES
    report = lint(path)
    assert report.ok and not report.warnings, [str(i) for i in report.errors + report.warnings]
    definition = load_definition(path)
    assert list(definition.fields) == ["mobility", "nutrition", "skin", "continence", "communication", "end_of_life"]
    for key, prop in definition.raw["properties"].items():
        parts = prop["x-care-plan"]
        assert set(parts) == {"matters", "outcome", "interventions", "risks"}, key
        for text in (prop["x-label"], *parts.values()):
            assert text["en-GB"].strip() and text["cy"].strip() and text["cy"] != text["en-GB"], key
    assert definition.raw["x-form"]["review_interval_days"] == 30


@pytest.mark.parametrize("path", ASSESSMENT_FILES, ids=lambda p: p.stem)
def test_every_definition_lints_clean_and_its_examples_pass(path):
    report = lint(path)
    assert report.ok, [str(i) for i in report.errors]
    assert not report.warnings, [str(i) for i in report.warnings]
    assert (report.min_score, report.max_score) == RANGES[report.key]
    assert report.definition.examples, "every standard definition carries worked examples"


@pytest.mark.parametrize("key", sorted(CONTRACT))
def test_keys_and_codes_match_the_data_contract(library, key):
    definition = library[key]
    fields, bands = CONTRACT[key]
    for field_key, codes in fields.items():
        assert field_key in definition.fields, f"{key}: missing field {field_key}"
        if codes is not None:
            assert [o.value for o in definition.fields[field_key].options] == codes, field_key
    assert sorted(b["code"] for b in definition.scoring.get("bands", ())) == sorted(bands)
    extra = set(definition.fields) - set(fields)
    assert extra <= {"type_of_pain"}, f"{key}: unexpected fields {extra}"


@pytest.mark.parametrize("key", sorted(CONTRACT))
def test_every_band_is_reached_by_a_worked_example(library, key):
    definition = library[key]
    reached = {ex["expect"]["band"] for ex in definition.examples}
    assert {b["code"] for b in definition.scoring.get("bands", ())} <= reached


@pytest.mark.parametrize("key", sorted(CONTRACT))
def test_open_points_and_provenance_print(library, key):
    definition = library[key]
    assert definition.source.get("copyright") and definition.source.get("licence") and definition.source.get("citation")
    assert all(note["print"] for note in definition.notes)


@pytest.mark.parametrize(
    ("key", "note"),
    [
        ("news2", "temperature_decimals"),
        ("waterlow", "mst_c_after_b"),
        ("waterlow", "bmi_30"),
        ("waterlow", "one_option_per_category"),
        ("must", "bmi_edges"),
        ("must", "weight_loss_edges"),
        ("barthel", "bands_source"),
        ("barthel_20", "no_bands"),
        ("braden", "no_band_19_23"),
        ("morse_fall", "score_45"),
    ],
)
def test_each_open_reading_is_documented(library, key, note):
    notes = {n["key"]: n for n in library[key].notes}
    assert notes[note]["open_point"] is True
    assert notes[note]["text"]["en-GB"] and notes[note]["text"]["cy"]


def test_results_always_carry_total_band_and_points(library):
    for definition in (d for d in library.values() if d.scoring is not None):
        example = definition.examples[0]
        result = validate_and_score(definition, example["answers"]).to_dict()
        assert {"total", "band", "points"} <= set(result)
        assert set(result["points"]) == {i.get("key", i["field"]) for i in definition.scoring["items"]}
