"""Fixtures for the form engine tests: the standard library and a small definition using every field type."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) does not put the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from forms.definition import definition_files, load_definition  # noqa: E402


def T(en: str, cy: str | None = None) -> dict[str, str]:
    return {"en-GB": en, "cy": cy if cy is not None else f"{en} (cy)"}


def care_review_definition() -> dict[str, Any]:
    """A two-page definition exercising every field type, rules, calculation, checks and scoring."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "summary": {"type": "string", "maxLength": 80, "x-type": "text", "x-label": T("Summary")},
            "details": {"type": "string", "x-type": "long_text", "x-label": T("Details")},
            "height_m": {
                "type": "number",
                "minimum": 0.5,
                "maximum": 2.5,
                "x-type": "decimal",
                "x-decimals": 2,
                "x-unit": "m",
                "x-label": T("Height"),
                "x-required": True,
            },
            "weight_kg": {
                "type": "number",
                "minimum": 1,
                "maximum": 400,
                "x-type": "decimal",
                "x-decimals": 1,
                "x-unit": "kg",
                "x-label": T("Weight"),
                "x-required": True,
            },
            "bmi": {
                "type": "number",
                "x-type": "calculated",
                "x-decimals": 1,
                "x-label": T("BMI"),
                "x-calculate": {"/": [{"var": "weight_kg"}, {"*": [{"var": "height_m"}, {"var": "height_m"}]}]},
            },
            "seen_on": {"type": "string", "x-type": "date", "x-label": T("Seen on")},
            "seen_time": {"type": "string", "x-type": "time", "x-label": T("Seen at")},
            "next_review_at": {"type": "string", "x-type": "date_time", "x-label": T("Next review")},
            "has_pain": {"type": "boolean", "x-type": "yes_no", "x-label": T("In pain?"), "x-required": True},
            "pain_score": {
                "type": "integer",
                "minimum": 0,
                "maximum": 10,
                "x-type": "scale",
                "x-label": T("Pain"),
                "x-visible-if": {"==": [{"var": "has_pain"}, True]},
                "x-required": True,
            },
            "mood": {
                "type": "string",
                "enum": ["low", "ok", "good"],
                "x-type": "single_choice",
                "x-widget": "select",
                "x-label": T("Mood"),
                "x-required": True,
                "x-options": [
                    {"value": "low", "label": T("Low"), "points": 2},
                    {"value": "ok", "label": T("OK"), "points": 1},
                    {"value": "good", "label": T("Good"), "points": 0},
                ],
            },
            "risks": {
                "type": "array",
                "uniqueItems": True,
                "x-type": "multiple_choice",
                "x-label": T("Risks"),
                "items": {"type": "string", "enum": ["falls", "choking", "wandering"]},
                "x-options": [
                    {"value": "falls", "label": T("Falls"), "points": 1},
                    {"value": "choking", "label": T("Choking"), "points": 2},
                    {"value": "wandering", "label": T("Wandering"), "points": 1},
                ],
            },
            "wounds": {
                "type": "array",
                "maxItems": 5,
                "x-type": "repeat",
                "x-label": T("Wounds"),
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "site": {"type": "string", "x-type": "text", "x-label": T("Site"), "x-required": True},
                        "length_cm": {"type": "number", "minimum": 0, "x-type": "decimal", "x-label": T("Length")},
                    },
                },
            },
            "diastolic": {
                "type": "integer",
                "minimum": 0,
                "maximum": 200,
                "x-type": "integer",
                "x-label": T("Diastolic"),
            },
            "systolic": {
                "type": "integer",
                "minimum": 0,
                "maximum": 300,
                "x-type": "integer",
                "x-label": T("Systolic"),
                "x-required": {"answered": ["diastolic"]},
            },
            "signature": {
                "type": "object",
                "x-type": "signature",
                "x-label": T("Signed"),
                "required": ["name", "role", "signed_at"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "role": {"type": "string"},
                    "signed_at": {"type": "string"},
                },
            },
        },
        "x-form": {"key": "care_review", "version": 1, "title": T("Care review"), "locales": ["en-GB", "cy"]},
        "x-layout": {
            "pages": [
                {
                    "key": "one",
                    "title": T("Page one"),
                    "sections": [
                        {
                            "key": "about",
                            "title": T("About"),
                            "fields": [
                                "summary",
                                "details",
                                "height_m",
                                "weight_kg",
                                "bmi",
                                "seen_on",
                                "seen_time",
                                "next_review_at",
                            ],
                        }
                    ],
                },
                {
                    "key": "two",
                    "title": T("Page two"),
                    "sections": [
                        {
                            "key": "wellbeing",
                            "title": T("Wellbeing"),
                            "fields": ["has_pain", "pain_score", "mood", "risks"],
                        },
                        {
                            "key": "skin",
                            "title": T("Skin and BP"),
                            "fields": ["wounds", "diastolic", "systolic", "signature"],
                        },
                    ],
                },
            ]
        },
        "x-checks": [
            {
                "key": "bp_order",
                "field": "systolic",
                "assert": {">": [{"var": "systolic"}, {"var": "diastolic"}]},
                "message": T("Systolic must be higher than diastolic.", "Rhaid i'r systolig fod yn uwch."),
            }
        ],
        "x-scoring": {
            "items": [{"field": "mood"}, {"field": "risks"}, {"field": "pain_score", "points": "value"}],
            "total": "sum",
            "unanswered": "fail",
            "bands": [
                {"code": "concern", "min": 5, "label": T("Concern")},
                {"code": "fine", "max": 4, "label": T("Fine")},
            ],
        },
        "x-examples": [
            {
                "name": "pain 4, low mood",
                "answers": {
                    "height_m": 1.7,
                    "weight_kg": 70.0,
                    "has_pain": True,
                    "pain_score": 4,
                    "mood": "low",
                    "risks": [],
                },
                "expect": {"total": 6, "band": "concern", "computed": {"bmi": 24.2}},
            }
        ],
    }


@pytest.fixture
def care_review_raw() -> dict[str, Any]:
    return copy.deepcopy(care_review_definition())


@pytest.fixture
def care_review():
    return load_definition(care_review_definition())


@pytest.fixture(scope="session")
def library():
    return {load_definition(p).key: load_definition(p) for p in definition_files()}


@pytest.fixture(scope="session")
def library_raw():
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in definition_files()}
