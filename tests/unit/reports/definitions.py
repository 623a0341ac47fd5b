"""A small published-ready definition with free text, a scored choice, a signature and bands
that notify and set a review interval; used by the report and job tests."""

from __future__ import annotations

from typing import Any

WELSH_NAME = "Siân Ŵyn ap Gwŷn"
TYPED = "Zoë O’Brien · Łukasz Żółć · Ștefan · Ελένη · Дмитрий · £12.50 · 37.5°C · ŵ ŷ Ŵ Ŷ"


def T(en: str, cy: str | None = None) -> dict[str, str]:
    return {"en-GB": en, "cy": cy or f"{en} (cy)"}


def wellbeing_check() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "note": {"type": "string", "maxLength": 2000, "x-type": "long_text", "x-label": T("Note")},
            "mood": {
                "type": "string",
                "enum": ["low", "ok", "good"],
                "x-type": "single_choice",
                "x-widget": "radio",
                "x-label": T("Mood"),
                "x-required": True,
                "x-options": [
                    {"value": "low", "label": T("Low"), "points": 2},
                    {"value": "ok", "label": T("OK"), "points": 1},
                    {"value": "good", "label": T("Good"), "points": 0},
                ],
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
        "x-form": {"key": "wellbeing_check", "version": 1, "title": T("Wellbeing check"),
                   "locales": ["en-GB", "cy"]},
        "x-layout": {"pages": [{"key": "check", "title": T("Check"), "sections": [
            {"key": "how", "title": T("How they are"), "fields": ["mood", "note", "signature"]},
        ]}]},
        "x-scoring": {
            "items": [{"field": "mood"}],
            "total": "sum",
            "unanswered": "fail",
            "range": [0, 2],
            "bands": [
                {"code": "concern", "min": 2, "label": T("Concern"), "response": T("Tell the nurse in charge."),
                 "actions": [{"type": "notify", "role": "nurse_in_charge", "urgency": "urgent"},
                             {"type": "set_review_interval", "days": 7}]},
                {"code": "fine", "max": 1, "label": T("Fine"),
                 "actions": [{"type": "set_review_interval", "days": 30}]},
            ],
        },
        "x-source": {"citation": "WriteCareNotes test form", "licence": "AGPL-3.0-or-later"},
        "x-examples": [
            {"name": "low mood", "answers": {"mood": "low"}, "expect": {"total": 2, "band": "concern"}},
        ],
    }


def answers(note: str = TYPED, mood: str = "low") -> dict[str, Any]:
    return {
        "mood": mood,
        "note": note,
        "signature": {"name": WELSH_NAME, "role": "Nurse", "signed_at": "2026-11-27T09:30"},
    }


def publish(store) -> None:
    definition = wellbeing_check()
    if store.get_definition("wellbeing_check", 1) is None:
        store.save_draft(definition)
        store.publish("wellbeing_check", 1)
