"""The builder's additions to the meta schema: x-permissions, band colours and create_task actions."""

from __future__ import annotations

import copy
import json

import pytest

from forms.definition import DefinitionError, definition_files, load_definition
from forms.lint import lint


@pytest.fixture(scope="module")
def morse():
    path = next(p for p in definition_files() if p.stem == "morse_fall")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", definition_files(), ids=lambda p: p.stem)
def test_every_standard_form_still_lints_clean(path):
    report = lint(path)
    assert report.ok, [str(e) for e in report.errors]


def test_permissions_colour_and_task_action_are_accepted(morse):
    raw = copy.deepcopy(morse)
    raw["x-permissions"] = {"fill": ["Nurse", "Senior Carer"], "view": ["Carer"], "sign": ["Nurse"]}
    band = raw["x-scoring"]["bands"][2]
    band["colour"] = "red"
    band["actions"].append({"type": "create_task", "role": "Nurse", "task": {"en-GB": "Review", "cy": "Adolygu"}})
    assert lint(raw).ok
    assert load_definition(raw).raw["x-permissions"]["sign"] == ["Nurse"]


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw.update({"x-permissions": {"fill": "Nurse"}}),
        lambda raw: raw.update({"x-permissions": {"edit": ["Nurse"]}}),
        lambda raw: raw.update({"x-permissions": {"fill": ["Nurse", "Nurse"]}}),
        lambda raw: raw["x-scoring"]["bands"][0].update({"colour": "javascript:alert(1)"}),
        lambda raw: raw.update({"x-unknown": {}}),
    ],
    ids=["not_a_list", "unknown_right", "duplicate_role", "bad_colour", "unknown_x_key"],
)
def test_malformed_builder_keys_are_refused(morse, change):
    raw = copy.deepcopy(morse)
    change(raw)
    with pytest.raises(DefinitionError):
        load_definition(raw)
