"""A home's own care-plan template: an administrator builds it in the form builder (kind
care-plan template, one question per need), publishes it, and a nurse starts a resident's plan
from it; reviewing keeps the earlier version; archiving the template stops new plans from it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.careplans import services
from app.careplans.models import CarePlan
from app.extensions import db
from tests.integration.careplans.test_care_plans import form_of
from tests.integration.formbuilder.conftest import Builder

KEY = "memory_plan"


def build_memory_template(client, auth, *, publish=True):
    auth.login("admin")
    builder = Builder(client)
    assert builder.create(key=KEY, title="Memory care plan", kind="care_plan").status_code == 302
    builder.save_field(KEY, "question_1", key="memory", type="long_text", label_en="Memory and orientation",
                       help_en="Tell the person the day and date gently; keep a familiar routine.",
                       help_cy="Dywedwch y diwrnod a'r dyddiad yn dyner.")
    assert builder.add(KEY, "long_text").status_code == 302
    builder.save_field(KEY, "question_2", key="sleep", type="long_text", label_en="Sleep",
                       help_en="Settle the person at the time they prefer.", help_cy="Setlo ar yr amser a ddewisant.")
    response = client.post(builder.url(KEY, action="settings"), data={
        "title_en": "Memory care plan", "title_cy": "Cynllun gofal cof", "kind": "care_plan",
        "review_interval_days": "14"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(builder.url(KEY)).get_data(as_text=True)
    assert 'id="care-plan-template-help"' in page
    if publish:
        assert client.post(builder.url(KEY, action="publish")).status_code == 302
    client.get("/logout/")
    return builder


def test_nurse_starts_a_plan_from_the_homes_own_template_and_reviews_it(client, auth, world):
    build_memory_template(client, auth)
    resident = world.resident_a
    auth.login("nurse")
    start = client.get(f"/careplans/resident/{resident.id}/new").get_data(as_text=True)
    assert f'<option value="{KEY}">Memory care plan</option>' in start
    assert "Standard care plan" in start

    page = client.get(f"/careplans/resident/{resident.id}/new?template={KEY}").get_data(as_text=True)
    assert 'value="Memory and orientation"' in page and 'value="Sleep"' in page
    assert "keep a familiar routine." in page
    assert 'name="review_every_days"' in page and 'value="14"' in page
    assert 'value="Mobility"' not in page  # the standard template's needs are not mixed in

    sections = [
        {"need": "Memory and orientation", "matters": "Knowing what is happening today.",
         "outcome": "Feels settled.", "interventions": "Clock and calendar by the bed.", "risks": "Distress"},
        {"need": "Sleep", "interventions": "Settle at ten with a warm drink."},
    ]
    response = client.post(f"/careplans/resident/{resident.id}/new", data=form_of(
        sections, template=KEY, title="", review_every_days="14", consent="not_able", notes="First plan."))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    plan = db.session.scalars(select(CarePlan).where(CarePlan.resident_id == resident.id,
                                                     CarePlan.template_key == KEY)).one()
    assert (plan.title, plan.template_version, plan.review_every_days) == ("Memory care plan", 1, 14)
    assert plan.next_review_on == services.today() + dt.timedelta(days=14)
    assert [s["need"] for s in plan.current.sections] == ["Memory and orientation", "Sleep"]

    reviewed = dict(sections[1], interventions="Settle at half past ten; she likes the radio on.")
    response = client.post(f"/careplans/plan/{plan.id}/review", data=form_of(
        [sections[0], reviewed], expected_version="1", review_every_days="14", consent="not_able",
        notes="Sleeping later since the clocks changed."))
    assert response.status_code == 302, response.get_data(as_text=True)
    first = client.get(f"/careplans/plan/{plan.id}/version/1").get_data(as_text=True)
    assert "Settle at ten with a warm drink." in first and "radio on" not in first
    assert "radio on" in client.get(f"/careplans/plan/{plan.id}/").get_data(as_text=True)


def test_welsh_users_see_the_templates_welsh_wording(client, auth, world):
    build_memory_template(client, auth)
    auth.login("nurse")
    client.get("/lang/cy")
    page = client.get(f"/careplans/resident/{world.resident_a.id}/new?template={KEY}").get_data(as_text=True)
    assert "Cynllun gofal cof" in page and "Memory and orientation (cy)" in page
    assert "Dywedwch y diwrnod" in page


def test_a_draft_an_archived_or_an_assessment_form_is_not_a_template(client, auth, world):
    build_memory_template(client, auth, publish=False)
    resident = world.resident_a
    auth.login("nurse")
    assert KEY not in client.get(f"/careplans/resident/{resident.id}/new").get_data(as_text=True)
    headers = auth.headers("nurse")
    for key in (KEY, "must", "no_such_form"):
        response = client.post("/api/v1/care-plans/new", headers=headers,
                               json={"resident_id": resident.id, "template": key})
        assert response.status_code == 422, (key, response.get_data(as_text=True))
        assert "template" in response.get_json()["message"]
    client.get("/logout/")

    auth.login("admin")
    builder = Builder(client)
    assert client.post(builder.url(KEY, action="publish")).status_code == 302
    client.get("/logout/")
    auth.login("nurse")
    created = client.post("/api/v1/care-plans/new", headers=headers,
                          json={"resident_id": resident.id, "template": KEY})
    assert created.status_code == 201, created.get_data(as_text=True)
    client.get("/logout/")

    auth.login("admin")
    assert client.post(f"/formbuilder/archive/{KEY}/1").status_code == 302
    client.get("/logout/")
    auth.login("nurse")
    assert f'value="{KEY}"' not in client.get(f"/careplans/resident/{resident.id}/new").get_data(as_text=True)
    plan_id = created.get_json()["id"]
    assert "Memory and orientation" in client.get(f"/careplans/plan/{plan_id}/").get_data(as_text=True)


def test_a_home_adapts_a_copy_of_the_standard_care_plan(client, auth, world):
    auth.login("admin")
    builder = Builder(client)
    copied = client.post("/formbuilder/copy", data={"source": "file:standard_care_plan", "key": "alder_plan"})
    assert copied.status_code == 302, copied.get_data(as_text=True)
    editor = client.get(builder.url("alder_plan")).get_data(as_text=True)
    assert 'name="interventions_en"' in editor and "Walking aid within reach" in editor
    saved = client.post(builder.url("alder_plan", action="field/mobility"), data={
        "key": "mobility", "type": "long_text", "label_en": "Mobility and falls", "label_cy": "Symudedd a chwympo",
        "care_plan_parts": "1",
        "matters_en": "Where the person likes to walk.", "matters_cy": "Lle mae'n hoffi cerdded.",
        "outcome_en": "No falls.", "outcome_cy": "Dim cwympo.",
        "interventions_en": "Hip protectors on; sensor mat at night.", "interventions_cy": "Padiau clun; mat synhwyro.",
        "risks_en": "", "risks_cy": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    client.post(builder.url("alder_plan", action="settings"), data={
        "title_en": "Alder House care plan", "title_cy": "Cynllun gofal Alder House", "kind": "care_plan"})
    assert client.post(builder.url("alder_plan", action="publish")).status_code == 302
    client.get("/logout/")

    auth.login("nurse")
    page = client.get(f"/careplans/resident/{world.resident_a.id}/new?template=alder_plan").get_data(as_text=True)
    assert 'value="Mobility and falls"' in page and "Hip protectors on; sensor mat at night." in page
    assert "Walking aid within reach" not in page  # the home's wording replaced the standard one
    assert 'value="Nutrition and hydration"' in page and "Offer drinks every two hours" in page
    standard = client.get(f"/careplans/resident/{world.resident_a.id}/new?template=standard").get_data(as_text=True)
    assert "Walking aid within reach" in standard  # the standard template is unchanged
