"""Every standard assessment can be filled in and scored from a resident's profile; drafts,
submit, sign, amend with a reason, superseded versions, double submits and HTML in answers."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from app.assessments.models import AssessmentRecord, RecordStatus
from app.assessments.services import STANDARD_FORMS
from app.extensions import db
from app.forms_store import get_store
from forms.definition import find_definition_file, load_definition
from tests.integration.assessments.helpers import example, fill, form_data, open_form, post_form
from tests.unit.reports.definitions import publish as publish_wellbeing


def records(resident_id, key=None):
    query = select(AssessmentRecord).where(AssessmentRecord.resident_id == resident_id,
                                           AssessmentRecord.token.not_like("seed-%"))
    if key:
        query = query.where(AssessmentRecord.form_key == key)
    db.session.expire_all()
    return list(db.session.scalars(query.order_by(AssessmentRecord.id)))


@pytest.mark.parametrize("key", STANDARD_FORMS)
def test_every_standard_assessment_is_filled_and_scored_from_the_profile(client, auth, world, inline, key):
    auth.login("nurse")
    profile = client.get(f"/residents/{world.resident_a.id}/").get_data(as_text=True)
    assert 'id="profile-assessments"' in profile
    case = example(key)
    response = fill(client, world.resident_a.id, key, case["answers"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [record] = records(world.resident_a.id, key)
    assert record.status == RecordStatus.submitted
    assert float(record.total) == float(case["expect"]["total"])
    assert record.band == case["expect"].get("band")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<span class="assessment-total">{record.total}</span>' in page
    if record.band_label:
        assert record.band_label in page
    if record.band_response:
        assert 'class="assessment-response"' in page
    submission = get_store().get_submission(record.submission_id)
    assert submission.resident_id == world.resident_a.id and submission.home_id == world.home_a.id


def test_draft_then_submit_then_sign(client, auth, world, inline):
    auth.login("nurse")
    answers = example("must", name="BMI exactly 20.0 scores 1 (18.5-20 inclusive)")["answers"]
    _, shown = open_form(client, world.resident_a.id, "must")
    response = post_form(client, world.resident_a.id, "must", answers, shown, action="draft")
    assert response.status_code == 302
    [draft] = records(world.resident_a.id, "must")
    assert draft.status == RecordStatus.draft and draft.submission_id is None
    assert draft.answers["bmi_kg_m2"] == 20
    page, again = open_form(client, world.resident_a.id, "must", draft=draft.id)
    assert again["_token"] == shown["_token"] and 'value="20' in page
    response = post_form(client, world.resident_a.id, "must", answers, again)
    assert response.status_code == 302
    [record] = records(world.resident_a.id, "must")
    assert record.id == draft.id and record.status == RecordStatus.submitted and record.total == "1"
    page = client.get(f"/assessments/record/{record.id}/").get_data(as_text=True)
    assert 'id="sign-form"' in page
    response = client.post(f"/assessment-signing/{record.id}/sign",
                           data={"signed_name": "Nia Nurse", "signed_role": "Nurse"})
    assert response.status_code == 302
    [record] = records(world.resident_a.id, "must")
    assert record.status == RecordStatus.signed and record.signed_name == "Nia Nurse"
    assert record.signed_at is not None
    page = client.get(f"/assessments/record/{record.id}/").get_data(as_text=True)
    assert "Signed by Nia Nurse (Nurse)" in page and 'id="sign-form"' not in page


def test_a_missing_required_answer_is_shown_beside_the_field_and_nothing_is_saved(client, auth, world, inline):
    auth.login("nurse")
    answers = dict(example("must")["answers"])
    answers.pop("bmi_kg_m2")
    response = fill(client, world.resident_a.id, "must", answers)
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    assert records(world.resident_a.id, "must") == []


def test_amending_needs_a_reason_and_keeps_the_original(client, auth, world, inline):
    auth.login("nurse")
    low = example("must", name="BMI 22, no loss, not acutely ill: 0")["answers"]
    high = example("must", name="BMI 18.4 scores 2")["answers"]
    fill(client, world.resident_a.id, "must", low)
    [record] = records(world.resident_a.id, "must")
    client.post(f"/assessment-signing/{record.id}/sign", data={"signed_name": "Nia", "signed_role": "Nurse"})
    definition = load_definition(find_definition_file("must"))
    response = client.post(f"/assessment-signing/{record.id}/amend",
                           data={**form_data(definition, high), "reason": " "})
    assert response.status_code == 422
    assert get_store().list_amendments(record.submission_id) == []
    response = client.post(f"/assessment-signing/{record.id}/amend",
                           data={**form_data(definition, high), "reason": "Weighed on the wrong scales"})
    assert response.status_code == 302
    [record] = records(world.resident_a.id, "must")
    assert record.total == "2" and record.status == RecordStatus.signed
    [amendment] = get_store().list_amendments(record.submission_id)
    assert amendment.reason == "Weighed on the wrong scales"
    assert amendment.changes["answers"]["bmi_kg_m2"] == {"from": 22, "to": 18.4}
    page = client.get(f"/assessments/record/{record.id}/").get_data(as_text=True)
    assert "Weighed on the wrong scales" in page and "22 → 18.4" in page


def test_a_version_published_while_the_page_was_open_does_not_change_what_is_saved(client, auth, world, inline):
    auth.login("nurse")
    _, shown = open_form(client, world.resident_a.id, "must")
    store = get_store()
    raw = copy.deepcopy(dict(store.get_definition("must").definition))
    raw["x-form"]["version"] = 2
    store.save_draft(raw, by="test")
    store.publish("must", 2, by="test")
    db.session.commit()
    response = post_form(client, world.resident_a.id, "must", example("must")["answers"], shown)
    assert response.status_code == 302
    [record] = records(world.resident_a.id, "must")
    assert record.version == 1 and record.sha256 == shown["_sha256"]
    assert get_store().get_submission(record.submission_id).version == 1
    _, newer = open_form(client, world.resident_a.id, "must")
    assert newer["_version"] == "2"


def test_a_double_submit_saves_once(client, auth, world, inline):
    auth.login("nurse")
    _, shown = open_form(client, world.resident_a.id, "waterlow")
    answers = example("waterlow")["answers"]
    first = post_form(client, world.resident_a.id, "waterlow", answers, shown)
    second = post_form(client, world.resident_a.id, "waterlow", answers, shown)
    assert first.status_code == 302 and second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(records(world.resident_a.id, "waterlow")) == 1
    submissions = get_store().list_submissions(resident_id=world.resident_a.id, form_key="waterlow")
    assert len(submissions) == 1


def test_html_in_answers_is_shown_as_text(client, auth, world, inline):
    publish_wellbeing(get_store())
    db.session.commit()
    auth.login("nurse")
    definition = get_store().load("wellbeing_check")
    note = '<script>alert("x")</script><b>bold</b>'
    response = fill(client, world.resident_a.id, "wellbeing_check", {"mood": "ok", "note": note},
                    definition=definition)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page
    assert '<script>alert("x")' not in page and "<b>bold</b>" not in page
