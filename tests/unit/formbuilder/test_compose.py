"""compose: the editor's structured input becomes a definition the engine loads and lints."""

from __future__ import annotations

import pytest

from app.formbuilder import compose
from app.formbuilder.compose import ComposeError
from app.formbuilder.compose_scoring import update_permissions, update_scoring, update_settings
from forms.definition import load_definition
from forms.lint import lint


@pytest.fixture()
def blank():
    return compose.new_definition("check", "Check", "Gwirio")


def choice(key="mood", label="Mood", **extra):
    return {"key": key, "type": "single_choice", "label_en": label, "label_cy": label + " cy",
            "options": [{"value": "low", "label_en": "Low", "label_cy": "Isel", "points": "2"},
                        {"value": "ok", "label_en": "OK", "label_cy": "Iawn", "points": "0"},
                        {"value": "", "label_en": "", "label_cy": "", "points": ""}], **extra}


def test_a_new_definition_loads_and_lints_clean(blank):
    assert lint(blank).ok
    assert blank["x-form"] == {"key": "check", "version": 1, "title": {"en-GB": "Check", "cy": "Gwirio"},
                               "kind": "assessment", "locales": ["en-GB", "cy"]}


@pytest.mark.parametrize("key,title,kind,bad", [
    ("Bad", "T", "assessment", "key"), ("ok", " ", "assessment", "title_en"), ("ok", "T", "recipe", "kind")])
def test_new_definition_refuses_bad_input(key, title, kind, bad):
    with pytest.raises(ComposeError) as caught:
        compose.new_definition(key, title, kind=kind)
    assert bad in caught.value.problems


@pytest.mark.parametrize("ftype", compose.FIELD_TYPES)
def test_every_field_type_can_be_added_and_loads(blank, ftype):
    definition, key = compose.add_field(blank, ftype)
    assert key == "question_2" and compose.field_keys(definition) == ["question_1", "question_2"]
    assert load_definition(definition).fields[key].type == ftype
    assert "question_2" not in blank["properties"]  # the input is not changed


def test_a_choice_question_gets_its_options_enum_and_points(blank):
    definition = compose.update_field(blank, "question_1", choice())
    prop = definition["properties"]["mood"]
    assert prop["enum"] == ["low", "ok"]
    assert prop["x-options"][0] == {"value": "low", "label": {"en-GB": "Low", "cy": "Isel"}, "points": 2}
    assert definition["x-layout"]["pages"][0]["sections"][0]["fields"] == ["mood"]
    assert lint(definition).ok


def test_yes_no_points_are_keyed_by_true_and_false(blank):
    definition = compose.update_field(blank, "question_1", {
        "type": "yes_no", "label_en": "Fallen?", "label_cy": "Cwympo?",
        "options": [{"value": "yes", "label_en": "Yes", "label_cy": "Ie", "points": "3"},
                    {"value": "no", "label_en": "No", "label_cy": "Na", "points": "0"}]})
    assert [(o["value"], o["points"]) for o in definition["properties"]["question_1"]["x-options"]] == [
        (True, 3), (False, 0)]
    assert lint(definition).ok


@pytest.mark.parametrize("ftype,op,value,rule", [
    ("yes_no", "is", "yes", {"==": [{"var": "q"}, True]}),
    ("single_choice", "is_not", "ok", {"!=": [{"var": "q"}, "ok"]}),
    ("integer", "above", "4", {">": [{"var": "q"}, 4]}),
    ("decimal", "below", "37.5", {"<": [{"var": "q"}, 37.5]}),
    ("multiple_choice", "is", "ok", {"in": ["ok", {"var": "q"}]}),
    ("multiple_choice", "is_not", "ok", {"!": [{"in": ["ok", {"var": "q"}]}]}),
])
def test_visibility_rules_are_json_logic_and_read_back(ftype, op, value, rule):
    definition = {"properties": {"q": {"x-type": ftype, "enum": ["ok"]}}}
    assert compose.visibility_rule(definition, "q", op, value) == rule
    described = compose.describe_rule(rule)
    assert (described["field"], described["op"]) == ("q", op)


@pytest.mark.parametrize("ftype,op,value", [("integer", "above", "many"), ("text", "above", "3"),
                                            ("yes_no", "is", "maybe")])
def test_impossible_rules_are_refused(ftype, op, value):
    with pytest.raises(ComposeError):
        compose.visibility_rule({"properties": {"q": {"x-type": ftype}}}, "q", op, value)


def test_written_rules_are_not_described():
    assert compose.describe_rule({"and": [{"==": [{"var": "a"}, 1]}, {"==": [{"var": "b"}, 2]}]}) is None


def test_renaming_a_question_renames_its_references(blank):
    definition = compose.update_field(blank, "question_1", choice())
    definition, _ = compose.add_field(definition, "text")
    definition = compose.update_field(definition, "question_2", {
        "type": "text", "label_en": "Why", "label_cy": "Pam", "visible_field": "mood", "visible_op": "is",
        "visible_value": "low"})
    definition = update_scoring(definition, ["mood"], [])
    renamed = compose.update_field(definition, "mood", choice(key="feeling"))
    assert renamed["properties"]["question_2"]["x-visible-if"] == {"==": [{"var": "feeling"}, "low"]}
    assert renamed["x-scoring"]["items"] == [{"field": "feeling", "points": "options"}]
    assert list(renamed["properties"]) == ["feeling", "question_2"]
    assert lint(renamed).ok


def test_a_written_rule_is_kept_unless_replaced_or_cleared(blank):
    definition, _ = compose.add_field(blank, "integer")
    written = {"and": [{">": [{"var": "question_2"}, 1]}, {"<": [{"var": "question_2"}, 5]}]}
    definition["properties"]["question_1"]["x-visible-if"] = written
    data = {"type": "text", "label_en": "Q", "visible_field": ""}
    assert compose.update_field(definition, "question_1", data)["properties"]["question_1"]["x-visible-if"] == written
    cleared = compose.update_field(definition, "question_1", {**data, "visible_clear": "1"})
    assert "x-visible-if" not in cleared["properties"]["question_1"]


@pytest.mark.parametrize("data,problem", [
    ({"key": "Q 1", "label_en": "x"}, "key"),
    ({"label_en": ""}, "label_en"),
    ({"label_en": "x", "type": "integer", "minimum": "5", "maximum": "1"}, "maximum"),
    ({"label_en": "x", "type": "integer", "minimum": "1.5"}, "minimum"),
    ({"label_en": "x", "visible_field": "question_1", "visible_op": "is", "visible_value": "a"}, "visible_field"),
])
def test_field_input_problems_are_named(blank, data, problem):
    with pytest.raises(ComposeError) as caught:
        compose.update_field(blank, "question_1", data)
    assert problem in caught.value.problems


def test_move_remove_and_reorder(blank):
    definition, _ = compose.add_field(blank, "text")
    definition, _ = compose.add_field(definition, "text")
    assert compose.field_keys(compose.move_field(definition, "question_1", 1))[:2] == ["question_2", "question_1"]
    assert compose.field_keys(compose.move_field(definition, "question_1", -1))[0] == "question_1"
    reordered = compose.reorder_section(definition, "questions", ["question_3", "question_1", "question_2"])
    assert compose.field_keys(reordered) == ["question_3", "question_1", "question_2"]
    with pytest.raises(ComposeError):
        compose.reorder_section(definition, "questions", ["question_3", "question_3", "question_2"])
    removed = compose.remove_field(definition, "question_2")
    assert compose.field_keys(removed) == ["question_1", "question_3"]
    with pytest.raises(ComposeError):
        compose.remove_field(compose.new_definition("one", "One"), "question_1")


def test_scoring_bands_with_colours_and_actions_lint_and_score(blank):
    definition = update_scoring(compose.update_field(blank, "question_1", choice()), ["mood"], [
        {"code": "fine", "label_en": "Fine", "label_cy": "Iawn", "max": "1", "colour": "green"},
        {"code": "low", "label_en": "Low", "label_cy": "Isel", "min": "2", "colour": "red",
         "actions": [{"type": "notify", "role": "Nurse", "urgency": "urgent"},
                     {"type": "create_task", "role": "Nurse", "task_en": "Talk", "task_cy": "Siarad"}]}])
    bands = definition["x-scoring"]["bands"]
    assert bands[1]["actions"][1] == {"type": "create_task", "role": "Nurse", "urgency": "routine",
                                      "task": {"en-GB": "Talk", "cy": "Siarad"}}
    report = lint(definition)
    assert report.ok, report.errors
    assert (report.min_score, report.max_score) == (0, 2)
    assert "x-scoring" not in update_scoring(definition, [], [])


@pytest.mark.parametrize("scored,bands,problem", [
    (["question_1"], [], "score_question_1"),
    (["mood"], [{"code": "Bad code", "label_en": "x"}], "band_0_code"),
    (["mood"], [{"code": "a", "label_en": "A"}, {"code": "a", "label_en": "B"}], "bands"),
    (["mood"], [{"code": "a", "label_en": "A", "colour": "pink"}], "band_0_colour"),
    (["mood"], [{"code": "a", "label_en": "A", "actions": [{"type": "create_task", "role": ""}]}],
     "band_0_action_0_role"),
])
def test_scoring_problems_are_named(blank, scored, bands, problem):
    definition, _ = compose.add_field(compose.update_field(blank, "question_1", choice()), "text")
    definition = compose.update_field(definition, "question_2", {"key": "question_1", "type": "text", "label_en": "T"})
    with pytest.raises(ComposeError) as caught:
        update_scoring(definition, scored, bands)
    assert problem in caught.value.problems


def test_settings_and_permissions(blank):
    changed = update_settings(blank, {"title_en": "New", "title_cy": "Newydd", "kind": "care_plan",
                                      "description_en": "About"})
    assert changed["x-form"]["title"] == {"en-GB": "New", "cy": "Newydd"} and changed["x-form"]["kind"] == "care_plan"
    with_roles = update_permissions(blank, {"fill": ["Nurse", "Nurse"], "view": [], "sign": ["Nurse"]},
                                    ["Nurse", "Carer"])
    # a right with no role ticked is left out: it follows the role permissions (finding 19)
    assert with_roles["x-permissions"] == {"fill": ["Nurse"], "sign": ["Nurse"]}
    assert load_definition(with_roles)
    with pytest.raises(ComposeError):
        update_permissions(blank, {"fill": ["Admin"]}, ["Nurse"])


def test_a_copy_gets_the_new_key_and_version(blank):
    copied = compose.as_new_form({**blank, "$id": "urn:x", "x-migrations": []}, "other")
    assert copied["x-form"]["key"] == "other" and copied["$id"] == "urn:writecarenotes:form:other:1"
    assert "x-migrations" not in copied and blank["x-form"]["key"] == "check"
    with pytest.raises(ComposeError):
        compose.as_new_form(blank, "Not a key")


def test_declared_range_is_optional_and_needs_both_ends(blank):
    definition = compose.update_field(blank, "question_1", choice())
    assert update_scoring(definition, ["mood"], [], declared_range=("0", "2"))["x-scoring"]["range"] == [0, 2]
    assert "range" not in update_scoring(definition, ["mood"], [])["x-scoring"]
    with pytest.raises(ComposeError) as caught:
        update_scoring(definition, ["mood"], [], declared_range=("0", ""))
    assert "range_max" in caught.value.problems
    assert not lint(update_scoring(definition, ["mood"], [], declared_range=("0", "5"))).ok


def test_examples_and_checks_can_be_removed_and_go_with_their_question(blank):
    definition, _ = compose.add_field(blank, "integer")
    definition["x-checks"] = [{"key": "c", "field": "question_2", "assert": {">": [{"var": "question_2"}, 0]},
                               "message": {"en-GB": "m", "cy": "m"}}]
    definition["x-examples"] = [{"name": "one", "answers": {}, "expect": {}}]
    assert "x-examples" not in compose.remove_extra(definition, "x-examples", "one")
    assert "x-checks" not in compose.remove_extra(definition, "x-checks", "c")
    assert "x-checks" not in compose.remove_field(definition, "question_2")
    with pytest.raises(ComposeError):
        compose.remove_extra(definition, "x-layout", "one")


def test_sections_are_added_renamed_filled_and_removed_when_empty(blank):
    definition = compose.add_section(blank, "Mobility", "Symudedd")
    sections = definition["x-layout"]["pages"][0]["sections"]
    assert sections[1] == {"key": "section_2", "title": {"en-GB": "Mobility", "cy": "Symudedd"}, "fields": []}
    moved = compose.move_field(definition, "question_1", 1)
    assert moved["x-layout"]["pages"][0]["sections"][1]["fields"] == ["question_1"]
    with pytest.raises(ComposeError):
        compose.update_section(moved, "section_2", "", remove=True)
    renamed = compose.update_section(definition, "questions", "About you", "Amdanoch chi")
    assert renamed["x-layout"]["pages"][0]["sections"][0]["title"]["cy"] == "Amdanoch chi"
    removed = compose.update_section(definition, "section_2", "", remove=True)
    assert [s["key"] for s in removed["x-layout"]["pages"][0]["sections"]] == ["questions"]
    with pytest.raises(ComposeError):
        compose.update_section(removed, "questions", "", remove=True)
    with pytest.raises(ComposeError):
        compose.add_section(blank, " ")
    assert lint(moved).ok
