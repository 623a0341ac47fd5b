"""An administrator builds a form in the builder, previews it and publishes it; the engine scores it."""

from __future__ import annotations

from app.forms_store import get_store
from forms.engine import validate_and_score


def build_falls_check(builder):
    """Three questions, a visibility rule and a scored band with a task, through the editor's forms."""
    assert builder.create().status_code == 302
    builder.save_field("falls_check", "question_1", key="fallen", type="yes_no", label_en="Fallen in the last month?",
                       options=[("yes", "Yes", 10), ("no", "No", 0)], required="1")
    assert builder.add("falls_check", "single_choice").status_code == 302
    builder.save_field("falls_check", "question_2", key="injury", label_en="Injury", type="single_choice",
                       options=[("none", "None", 0), ("minor", "Minor", 5), ("major", "Major", 15)],
                       visible_field="fallen", visible_op="is", visible_value="yes")
    assert builder.add("falls_check", "integer").status_code == 302
    builder.save_field("falls_check", "question_3", key="walks_metres", type="integer", label_en="Walks unaided",
                       minimum="0", maximum="3", unit="m")
    response = builder.client.post(builder.url("falls_check", action="scoring"), data={
        "scored": ["fallen", "injury"], "unanswered": "fail", "band_count": "2",
        "band_0_code": "low", "band_0_label_en": "Low", "band_0_label_cy": "Isel", "band_0_max": "9",
        "band_0_colour": "green", "band_0_action_count": "0",
        "band_1_code": "high", "band_1_label_en": "High", "band_1_label_cy": "Uchel", "band_1_min": "10",
        "band_1_colour": "red", "band_1_action_count": "1", "band_1_action_0_type": "create_task",
        "band_1_action_0_role": "Nurse", "band_1_action_0_urgency": "urgent",
        "band_1_action_0_task_en": "Falls review", "band_1_action_0_task_cy": "Adolygiad cwympo",
    })
    assert response.status_code == 302, response.get_data(as_text=True)


def test_admin_builds_a_three_question_form_and_the_published_version_scores_a_band(builder):
    build_falls_check(builder)
    definition = builder.definition("falls_check")
    assert list(definition["properties"]) == ["fallen", "injury", "walks_metres"]
    assert definition["properties"]["injury"]["x-visible-if"] == {"==": [{"var": "fallen"}, True]}
    page = builder.client.get(builder.url("falls_check")).get_data(as_text=True)
    assert 'id="lint-ok"' in page

    response = builder.client.post(builder.url("falls_check", action="publish"))
    assert response.status_code == 302
    record = get_store().get_definition("falls_check")
    assert record.status == "published" and record.version == 1 and record.sha256

    loaded = get_store().load("falls_check")
    result = validate_and_score(loaded, {"fallen": True, "injury": "minor", "walks_metres": 2})
    assert result.ok, result.errors
    assert (result.total, result.band) == (15, "high")
    assert result.actions == [{"type": "create_task", "role": "Nurse", "urgency": "urgent", "task": "Falls review"}]
    hidden = validate_and_score(loaded, {"fallen": False, "injury": "major"})
    assert (hidden.total, hidden.band) == (0, "low")
    assert "injury" not in hidden.answers


def test_preview_shows_the_form_as_a_carer_sees_it_in_both_languages(builder):
    build_falls_check(builder)
    english = builder.client.get("/formbuilder/preview/falls_check/1").get_data(as_text=True)
    assert "Fallen in the last month?" in english and "Walks unaided (m)" in english
    assert 'name="injury"' in english and "Minor" in english
    welsh = builder.client.get("/formbuilder/preview/falls_check/1?locale=cy").get_data(as_text=True)
    assert "Fallen in the last month? (cy)" in welsh and "Minor (cy)" in welsh


def test_lint_errors_are_listed_beside_their_question_and_publishing_is_refused(builder):
    builder.create()
    builder.add("falls_check", "integer")
    # no Welsh label and a band range the total can never reach
    builder.client.post(builder.url("falls_check", action="field/question_2"), data={
        "key": "steps", "type": "integer", "label_en": "Steps", "minimum": "0", "maximum": "5"})
    builder.client.post(builder.url("falls_check", action="scoring"), data={
        "scored": ["steps"], "band_count": "0", "unanswered": "fail"})
    page = builder.client.get(builder.url("falls_check")).get_data(as_text=True)
    assert 'id="lint-errors"' in page
    steps_panel = page.split('id="field-steps"')[1].split("</details>")[0]
    assert "formbuilder-issues" in steps_panel and "cy" in steps_panel

    response = builder.client.post(builder.url("falls_check", action="publish"))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The form was not published" in text and "steps" in text
    assert get_store().get_definition("falls_check", 1).status == "draft"


def test_a_published_version_is_frozen_and_a_new_version_is_a_draft_to_edit(builder):
    build_falls_check(builder)
    builder.client.post(builder.url("falls_check", action="publish"))
    refused = builder.save_field("falls_check", "fallen", label_en="Changed")
    assert refused.status_code == 302 and "/show/" in refused.headers["Location"]
    assert builder.definition("falls_check")["properties"]["fallen"]["x-label"]["en-GB"] == "Fallen in the last month?"
    response = builder.client.post("/formbuilder/new-version/falls_check/1")
    assert response.headers["Location"].endswith("/formbuilder/edit/falls_check/2")
    assert get_store().get_definition("falls_check", 2).status == "draft"


def test_questions_are_grouped_into_sections(builder):
    build_falls_check(builder)
    response = builder.client.post(builder.url("falls_check", action="section/add"),
                                   data={"title_en": "Walking", "title_cy": "Cerdded"})
    assert response.status_code == 302
    builder.client.post(builder.url("falls_check", action="field/walks_metres/move"), data={"direction": "down"})
    sections = builder.definition("falls_check")["x-layout"]["pages"][0]["sections"]
    assert [s["fields"] for s in sections] == [["fallen", "injury"], ["walks_metres"]]
    preview = builder.client.get("/formbuilder/preview/falls_check/1?locale=cy").get_data(as_text=True)
    assert "<legend>Cerdded</legend>" in preview
    assert builder.client.post(builder.url("falls_check", action="section/section_2"),
                               data={"remove": "1"}).status_code == 400


def test_a_band_of_a_built_form_adds_a_need_to_the_residents_care_plan(builder, auth, world, inline):
    from sqlalchemy import select

    from app.assessments.models import Task
    from app.extensions import db
    from tests.integration.assessments.helpers import fill

    build_falls_check(builder)
    response = builder.client.post(builder.url("falls_check", action="scoring"), data={
        "scored": ["fallen", "injury"], "unanswered": "fail", "band_count": "2",
        "band_0_code": "low", "band_0_label_en": "Low", "band_0_label_cy": "Isel", "band_0_max": "9",
        "band_0_action_count": "0",
        "band_1_code": "high", "band_1_label_en": "High", "band_1_label_cy": "Uchel", "band_1_min": "10",
        "band_1_action_count": "2", "band_1_action_0_type": "create_care_plan_need", "band_1_action_0_role": "",
        "band_1_action_0_urgency": "soon", "band_1_action_0_task_en": "Falls prevention",
        "band_1_action_0_task_cy": "Atal cwympo", "band_1_action_1_type": "create_care_plan_need",
        "band_1_action_1_task_en": "",
    })
    assert response.status_code == 400 and "name the need" in response.get_data(as_text=True)
    response = builder.client.post(builder.url("falls_check", action="scoring"), data={
        "scored": ["fallen", "injury"], "unanswered": "fail", "band_count": "2",
        "band_0_code": "low", "band_0_label_en": "Low", "band_0_label_cy": "Isel", "band_0_max": "9",
        "band_0_action_count": "0",
        "band_1_code": "high", "band_1_label_en": "High", "band_1_label_cy": "Uchel", "band_1_min": "10",
        "band_1_action_count": "1", "band_1_action_0_type": "create_care_plan_need", "band_1_action_0_role": "",
        "band_1_action_0_urgency": "soon", "band_1_action_0_task_en": "Falls prevention",
        "band_1_action_0_task_cy": "Atal cwympo",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    need = {"en-GB": "Falls prevention", "cy": "Atal cwympo"}
    assert builder.definition("falls_check")["x-scoring"]["bands"][1]["actions"] == [
        {"type": "create_care_plan_need", "urgency": "soon", "need": need}]
    editor = builder.client.get(builder.url("falls_check")).get_data(as_text=True)
    assert '<option value="create_care_plan_need" selected>' in editor and 'value="Falls prevention"' in editor
    assert builder.client.post(builder.url("falls_check", action="publish")).status_code == 302
    builder.client.get("/logout/")
    scheduled = builder.client.post("/api/v1/assessment-schedules/", headers=auth.headers("manager"),
                                    json={"form_key": "falls_check", "every_days": 30, "on_admission": False})
    assert scheduled.status_code == 201, scheduled.get_json()
    auth.login("nurse")
    answered = fill(builder.client, world.resident_a.id, "falls_check", {"fallen": True, "injury": "minor"},
                    definition=get_store().load("falls_check"))
    assert answered.status_code == 302, answered.get_data(as_text=True)
    db.session.expire_all()
    titles = [t.title for t in db.session.scalars(select(Task).where(Task.resident_id == world.resident_a.id))]
    assert "Care plan: add the need \u201cFalls prevention\u201d" in titles
    plan = builder.client.get(f"/careplans/resident/{world.resident_a.id}/").get_data(as_text=True)
    plan_id = plan.split("/careplans/plan/")[1].split("/")[0]
    assert "Falls prevention" in builder.client.get(f"/careplans/plan/{plan_id}/").get_data(as_text=True)
