"""Rendering: WTForms form classes (no JavaScript needed) and printable rows from frozen values."""

from __future__ import annotations

import wtforms
from werkzeug.datastructures import MultiDict

from forms.definition import load_definition
from forms.engine import validate_and_score
from forms.printing import printable_rows
from forms.rendering import build_form_class

POSTED = MultiDict(
    [
        ("summary", "Settled day"),
        ("height_m", "1.70"),
        ("weight_kg", "70.0"),
        ("seen_on", "2025-01-02"),
        ("seen_time", "10:30"),
        ("next_review_at", "2025-02-01T09:00"),
        ("has_pain", "true"),
        ("pain_score", "4"),
        ("mood", "low"),
        ("risks", "falls"),
        ("risks", "choking"),
        ("wounds-0-site", "heel"),
        ("wounds-0-length_cm", "2.5"),
        ("diastolic", "80"),
        ("systolic", "120"),
        ("signature-name", "A Nurse"),
        ("signature-role", "RN"),
        ("signature-signed_at", "2025-01-02T10:45"),
    ]
)


def test_form_class_round_trip_through_the_engine(care_review):
    form = build_form_class(care_review)(POSTED)
    assert form.validate(), form.errors
    answers = form.to_answers()
    assert answers["mood"] == "low" and answers["has_pain"] is True and answers["pain_score"] == 4
    assert answers["risks"] == ["falls", "choking"]
    assert answers["wounds"] == [{"site": "heel", "length_cm": 2.5}]
    assert answers["signature"] == {"name": "A Nurse", "role": "RN", "signed_at": "2025-01-02T10:45"}
    result = validate_and_score(care_review, answers)
    assert result.ok, result.errors
    assert (result.total, result.computed["bmi"]) == (9, 24.2)
    refilled = build_form_class(care_review).from_answers(answers, result.computed)
    assert refilled.to_answers() == answers


def test_rendered_html_works_without_javascript(care_review):
    form = build_form_class(care_review, "cy")()
    html = str(form.mood) + str(form.has_pain) + str(form.risks) + str(form.pain_score) + str(form.bmi)
    assert "<select" in html and 'type="radio"' in html and 'type="checkbox"' in html
    assert "Low (cy)" in html
    assert 'data-visible-if="{&#34;==&#34;:[{&#34;var&#34;:&#34;has_pain&#34;},true]}"' in html
    assert "readonly" in str(form.bmi) and "disabled" in str(form.bmi)
    assert form.height_m.label.text == "Height (cy) (m)"
    assert [p["key"] for p in form.pages()] == ["one", "two"]
    assert [f.name for f in form.pages()[1]["sections"][0]["fields"]] == ["has_pain", "pain_score", "mood", "risks"]


def test_engine_errors_attach_to_form_fields(care_review):
    form = build_form_class(care_review)(MultiDict([("height_m", "9")]))
    result = validate_and_score(care_review, form.to_answers())
    assert form.apply_result(result) is False
    assert form.height_m.errors == ["Enter 2.5 or less."]
    assert form.mood.errors == ["This question needs an answer."]


def test_form_class_is_cached_per_version_hash_locale_and_base(care_review, care_review_raw):
    first = build_form_class(care_review, "en-GB")
    assert build_form_class(care_review, "en") is first
    assert build_form_class(care_review, "cy") is not first
    care_review_raw["properties"]["summary"]["x-label"]["en-GB"] = "Changed"
    assert build_form_class(load_definition(care_review_raw), "en-GB") is not first

    class Base(wtforms.Form):
        pass

    subclass = build_form_class(care_review, base_class=Base)
    assert issubclass(subclass, Base) and subclass is not first


def test_every_standard_definition_renders(library):
    for definition in library.values():
        form = build_form_class(definition, "cy")()
        assert all(str(getattr(form, key)) for key in definition.fields)


def test_printable_rows_use_frozen_values_only(library):
    must = library["must"]
    result = validate_and_score(must, must.examples[2]["answers"])
    record = result.record()
    record["total"], record["band"] = 5, "high"  # pretend the stored values differ: printing must not recompute
    rows = printable_rows(must, record, "en-GB")
    by_key = {r["key"]: r for r in rows}
    assert by_key["bmi_kg_m2"]["value"] == "20.0 kg/m²" and by_key["bmi_kg_m2"]["points"] == 1
    assert by_key["total"]["value"] == "5" and by_key["high"]["value"] == "High risk (2 or more)"
    assert by_key["bmi_edges"]["kind"] == "note"
    assert rows[-1]["raw"] == {"key": "must", "version": 1, "sha256": must.sha256}


def test_printable_rows_in_welsh_with_hidden_questions(library):
    waterlow = library["waterlow"]
    answers = dict(waterlow.examples[0]["answers"], mst_lost_weight_recently="yes", mst_weight_loss_amount="unsure")
    answers.pop("mst_eating_poorly_or_lack_of_appetite")
    result = validate_and_score(waterlow, answers, locale="cy")
    rows = {r["key"]: r for r in printable_rows(waterlow, result.record(), "cy")}
    assert rows["sex"]["value"] == "Gwryw" and rows["sex"]["points"] == 1
    assert rows["mst_eating_poorly_or_lack_of_appetite"]["value"] == "Heb ei ateb"
    assert rows["below_10_no_band"]["value"] == "Dan 10: dim band risg"
