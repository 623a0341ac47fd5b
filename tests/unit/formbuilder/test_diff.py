"""diff: a readable difference between two versions of a form."""

from __future__ import annotations

import copy
import json

from app.formbuilder.diff import Change, diff_definitions
from forms.definition import definition_files


def morse():
    path = next(p for p in definition_files() if p.stem == "morse_fall")
    return json.loads(path.read_text(encoding="utf-8"))


def test_identical_versions_have_no_differences():
    assert diff_definitions(morse(), morse()) == []


def test_questions_options_points_rules_order_bands_and_permissions():
    before = morse()
    after = copy.deepcopy(before)
    after["properties"]["gait"]["x-label"] = {"en-GB": "Walking", "cy": "Cerdded"}
    after["properties"]["gait"]["x-options"][1]["points"] = 12
    after["properties"]["gait"]["x-options"].pop()
    after["properties"]["gait"]["x-visible-if"] = {"==": [{"var": "history_of_falling"}, "yes"]}
    del after["properties"]["mental_status"]
    after["properties"]["notes"] = {"type": "string", "x-type": "text", "x-label": {"en-GB": "Notes"}}
    fields = after["x-layout"]["pages"][0]["sections"][0]["fields"]
    fields.reverse()
    after["x-scoring"]["bands"][0]["label"] = {"en-GB": "Low"}
    after["x-scoring"]["bands"].pop()
    after["x-permissions"] = {"fill": ["Nurse"]}
    changes = diff_definitions(before, after)
    assert Change("added", "notes", "question", "", "Notes") in changes
    assert Change("removed", "mental_status", "question", "Mental status / Statws meddyliol", "") in changes
    assert Change("changed", "gait", "label", "Gait / Cerddediad", "Walking / Cerdded") in changes
    assert Change("changed", "gait", "option weak points", "10", "12") in changes
    assert any(c.kind == "removed" and c.what == "option impaired" for c in changes)
    assert any(c.where == "gait" and c.what == "shown when" for c in changes)
    assert any(c.where == "order" for c in changes)
    assert any(c.where == "band low_lt_25" and c.what == "label" for c in changes)
    assert any(c.kind == "removed" and c.where == "band high_gt_45" for c in changes)
    assert Change("changed", "permissions", "fill", "—", "Nurse") in changes
