"""A nurse creates a care plan from the standard template on the resident's profile, reviews it
(version 2) and reads version 1 back unchanged; due and overdue reviews per home; who may read,
write and print; another home's plans refused in pages, API and documents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.audit import acting_as
from app.careplans import services
from app.careplans.models import CarePlan, CarePlanVersion, Consent
from app.exceptions import DomainError
from app.extensions import db
from tests.integration.jobs.conftest import user


def plans_of(resident_id):
    db.session.expire_all()
    return db.session.scalars(select(CarePlan).where(CarePlan.resident_id == resident_id)
                              .order_by(CarePlan.id)).all()


def form_of(sections, **extra):
    data = {"count": str(len(sections)), **extra}
    for i, section in enumerate(sections):
        for key, value in section.items():
            data[f"{key}-{i}"] = value
    return data


def test_nurse_creates_a_plan_from_the_standard_template_on_the_profile(client, auth, world):
    auth.login("nurse")
    resident = world.resident_a
    profile = client.get(f"/residents/{resident.id}/").get_data(as_text=True)
    assert 'id="profile-care-plans"' in profile and "Seed plan Alder House" in profile
    page = client.get(f"/careplans/resident/{resident.id}/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for need in ("Mobility", "Nutrition and hydration", "Skin", "Continence", "Communication", "End of life"):
        assert f'value="{need}"' in html
    sections = [{"need": "Mobility", "matters": "Walking to chapel on Sundays", "outcome": "Walks safely",
                 "interventions": "Frame within reach", "risks": "Falls <script>alert(1)</script>"},
                {"need": "Skin", "outcome": "Skin intact"},
                {"need": "", "matters": ""}]
    response = client.post(f"/careplans/resident/{resident.id}/new", data=form_of(
        sections, template="standard", title="Care plan", review_every_days="28", resident_took_part="y",
        family_names="Megan (daughter)", staff_names="Nurse Tester", consent="given", consent_by="the resident"))
    assert response.status_code == 302
    plan = plans_of(resident.id)[-1]
    assert plan.title == "Care plan" and plan.current_version_no == 1 and plan.home_id == world.home_a.id
    assert plan.next_review_on == services.today() + dt.timedelta(days=28)
    [version] = plan.versions
    assert [s["need"] for s in version.sections] == ["Mobility", "Skin"]
    assert version.consent == Consent.given and version.resident_took_part
    shown = client.get(response.location).get_data(as_text=True)
    assert "Walking to chapel on Sundays" in shown and "&lt;script&gt;" in shown and "<script>alert" not in shown


def test_review_writes_version_two_and_version_one_reads_back_unchanged(client, auth, world):
    with acting_as(None, "test"):
        plan = services.create_care_plan(world.resident_a.id, "standard", None, None, title="Plan to review")
        db.session.commit()
    plan_id = plan.id
    original = [dict(s) for s in plan.current.sections]
    auth.login("nurse")
    review = client.get(f"/careplans/plan/{plan_id}/review").get_data(as_text=True)
    assert 'value="Nutrition and hydration"' in review  # pre-filled from version 1
    changed = [dict(original[0], outcome="Walks to the lounge with one carer"), original[1]]
    refused = client.post(f"/careplans/plan/{plan_id}/review", data=form_of(changed, consent="given"))
    assert refused.status_code == 422  # no notes, and nobody named for the consent
    assert "Say what the review found." in refused.get_data(as_text=True)
    response = client.post(f"/careplans/plan/{plan_id}/review", data=form_of(
        changed, notes="Mobility has declined after a fall", consent="not_able", review_every_days="14",
        staff_names="Nurse Tester", expected_version="1"))
    assert response.status_code == 302
    plan = db.session.get(CarePlan, plan_id)
    db.session.refresh(plan)
    assert plan.current_version_no == 2 and plan.next_review_on == services.today() + dt.timedelta(days=14)
    old, new = plan.versions
    assert old.version_no == 1 and old.sections == original and old.review_notes is None
    assert new.sections[0]["outcome"] == "Walks to the lounge with one carer" and len(new.sections) == 2
    current = client.get(f"/careplans/plan/{plan_id}/").get_data(as_text=True)
    assert "Walks to the lounge with one carer" in current and "Mobility has declined" in current
    first = client.get(f"/careplans/plan/{plan_id}/version/1").get_data(as_text=True)
    assert "earlier version" in first and original[0]["outcome"] in first
    assert "Walks to the lounge with one carer" not in first
    assert client.get(f"/careplans/plan/{plan_id}/version/3").status_code == 404
    stale = client.post(f"/careplans/plan/{plan_id}/review", data=form_of(
        changed, notes="A second look", consent="not_able", expected_version="1"))
    assert stale.status_code == 422  # the page showed version 1; version 2 was saved meanwhile
    assert db.session.scalar(select(CarePlanVersion.id).where(
        CarePlanVersion.care_plan_id == plan_id, CarePlanVersion.version_no == 3)) is None


def test_due_and_overdue_reviews_per_home(client, auth, world):
    today = services.today()
    with acting_as(None, "test"):
        late = services.create_care_plan(world.resident_a.id, "standard", None, None, title="Late plan",
                                         review_every_days=30, on=today - dt.timedelta(days=31))
        soon = services.create_care_plan(world.resident_a.id, "standard", None, None, title="Soon plan",
                                         review_every_days=30, on=today - dt.timedelta(days=25))
        later = services.create_care_plan(world.resident_a.id, "standard", None, None, title="Later plan",
                                          review_every_days=30, on=today)
        db.session.commit()
    assert services.review_state(late) == "overdue" and services.review_state(soon) == "due"
    assert services.review_state(later) == ""
    due = services.due_reviews([world.home_a.id])
    assert late in due and soon in due and later not in due
    assert all(p.home_id == world.home_a.id for p in due)
    auth.login("nurse")
    page = client.get("/careplans/due/").get_data(as_text=True)
    assert "Late plan" in page and "Soon plan" in page and "Later plan" not in page
    assert "Seed plan Birch Court" not in page and "Birch Court" not in page
    auth.logout()
    auth.login("manager.b")
    page = client.get("/careplans/due/").get_data(as_text=True)
    assert "Late plan" not in page


def test_who_may_read_write_and_print(client, auth, world):
    plan = plans_of(world.resident_a.id)[0]
    auth.login("carer")
    assert client.get(f"/careplans/plan/{plan.id}/").status_code == 200
    assert client.get(f"/careplans/plan/{plan.id}/review").status_code in (302, 403)
    assert client.post(f"/careplans/resident/{world.resident_a.id}/new", data=form_of(
        [{"need": "Mobility"}], template="standard")).status_code in (302, 403)
    assert client.post(f"/careplans/plan/{plan.id}/print").status_code in (302, 403)
    assert len(plans_of(world.resident_a.id)) == 1
    auth.logout()
    auth.login("office")
    assert client.get(f"/careplans/plan/{plan.id}/").status_code in (302, 403)
    assert 'id="profile-care-plans"' not in client.get(f"/residents/{world.resident_a.id}/").get_data(as_text=True)
    auth.logout()
    auth.login("auditor")
    assert client.get(f"/careplans/plan/{plan.id}/").status_code == 200
    headers = auth.headers("carer")
    assert client.get(f"/api/v1/care-plans/{plan.id}", headers=headers).status_code == 200
    refused = client.post(f"/api/v1/care-plans/{plan.id}/review", headers=headers,
                          json={"sections": [{"need": "Mobility"}], "notes": "x"})
    assert refused.status_code == 403


def test_another_homes_plan_is_not_found_in_pages_api_or_documents(client, auth, world, inline):
    plan_b = plans_of(world.resident_b.id)[0]
    auth.login("nurse")
    for url in (f"/careplans/plan/{plan_b.id}/", f"/careplans/plan/{plan_b.id}/version/1",
                f"/careplans/plan/{plan_b.id}/review", f"/careplans/resident/{world.resident_b.id}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/careplans/plan/{plan_b.id}/print").status_code == 404
    assert client.post("/careplans/print-home", data={"home_id": world.home_b.id}).status_code == 404
    headers = auth.headers("nurse")
    assert client.get(f"/api/v1/care-plans/{plan_b.id}", headers=headers).status_code == 404
    listed = client.get("/api/v1/care-plans/", headers=headers).get_json()["result"]
    assert listed and {p["home"]["id"] for p in listed} == {world.home_a.id}
    answer = client.post(f"/api/v1/care-plans/{plan_b.id}/review", headers=headers,
                         json={"sections": [{"need": "Hijack"}], "notes": "x", "consent": "not_able"})
    assert answer.status_code == 404
    answer = client.post("/api/v1/care-plans/new", headers=headers,
                         json={"resident_id": world.resident_b.id, "template": "standard"})
    assert answer.status_code == 404
    assert len(plans_of(world.resident_b.id)) == 1
    from app.careplans.jobs import render_care_plan_pdf
    from app.jobs import JobError

    try:
        render_care_plan_pdf(plan_b.id, user("nurse").id)
    except JobError as error:
        assert "home you do not work in" in error.message
    else:
        raise AssertionError("another home's plan was printed")


def test_api_creates_and_reviews_through_the_services(client, auth, world):
    headers = auth.headers("nurse")
    bad = client.post("/api/v1/care-plans/new", headers=headers,
                      json={"resident_id": world.resident_a.id, "sections": [{"matters": "no need named"}],
                            "review_every_days": 0})
    assert bad.status_code == 422 and "sections.0.need" in bad.get_json()["message"]
    created = client.post("/api/v1/care-plans/new", headers=headers,
                          json={"resident_id": world.resident_a.id, "template": "standard", "consent": "refused",
                                "consent_by": "the resident", "participants": {"resident": True}})
    assert created.status_code == 201, created.get_json()
    plan_id = created.get_json()["id"]
    reviewed = client.post(f"/api/v1/care-plans/{plan_id}/review", headers=headers, json={
        "sections": [{"need": "Communication", "interventions": "Speak Welsh first", "assessments": []}],
        "notes": "Prefers Welsh", "consent": "given", "consent_by": "Siân (LPA)", "expected_version": 1})
    assert reviewed.status_code == 201 and reviewed.get_json()["version_no"] == 2
    versions = client.get(f"/api/v1/care-plan-versions/?q=(filters:!((col:care_plan,opr:rel_o_m,value:{plan_id})))",
                          headers=headers).get_json()["result"]
    assert sorted(v["version_no"] for v in versions) == [1, 2]
    assert client.post("/api/v1/care-plans/new", headers=headers, data="x").status_code == 400


def test_a_review_refuses_links_to_another_residents_assessment(world):
    from app.assessments.models import AssessmentRecord

    other = db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.home_id == world.home_b.id)
                               .execution_options(skip_home_scope=True)).first()
    plan = plans_of(world.resident_a.id)[0]
    try:
        services.review_care_plan(plan.id, [{"need": "Skin", "assessments": [other.id]}], {}, "not_able", "",
                                  "Linked", None)
    except DomainError as error:
        assert "assessments" in error.errors
    else:
        raise AssertionError("a link to another resident's assessment was accepted")
    db.session.rollback()


def test_junk_ids_in_care_plan_urls_are_not_found(client, auth, world):
    auth.login("manager")
    junk = "99999999999999999999"
    for url in (f"/careplans/plan/{junk}/", f"/careplans/plan/1/version/{junk}", f"/careplans/plan/{junk}/review",
                f"/careplans/resident/{junk}/", f"/careplans/resident/{junk}/new", f"/careplanview/show/{junk}",
                f"/careplanversionview/show/{junk}"):
        assert client.get(url).status_code == 404, url
    assert client.post("/careplans/print-home", data={"home_id": junk}).status_code == 404
    headers = auth.headers("manager")
    for url in (f"/api/v1/care-plans/{junk}", f"/api/v1/care-plan-versions/{junk}"):
        assert client.get(url, headers=headers).status_code == 404, url
    assert client.post(f"/api/v1/care-plans/{junk}/review", headers=headers, json={}).status_code == 404
    assert client.post("/api/v1/care-plans/new", headers=headers,
                       json={"resident_id": int(junk)}).status_code == 422


def test_a_need_an_assessment_band_asks_for_is_offered_in_the_review_and_linked(client, auth, world, inline):
    from app.assessments.models import AssessmentRecord, RecordStatus
    from tests.integration.assessments.helpers import example, fill

    auth.login("nurse")
    answers = example("must", name="BMI 18.4 scores 2")["answers"]  # high risk: asks for a care-plan need
    assert fill(client, world.resident_a.id, "must", answers).status_code == 302
    record = db.session.scalars(select(AssessmentRecord).where(
        AssessmentRecord.resident_id == world.resident_a.id, AssessmentRecord.form_key == "must",
        AssessmentRecord.status != RecordStatus.draft)).one()
    need = "Nutrition: treatment plan for high malnutrition risk"
    plan = plans_of(world.resident_a.id)[0]
    page = client.get(f"/careplans/plan/{plan.id}/review").get_data(as_text=True)
    assert f'value="{need}"' in page and f'<option value="{record.id}" selected' in page
    assert f'value="{need}"' in client.get(f"/careplans/resident/{world.resident_a.id}/new").get_data(as_text=True)
    shown = client.get(f"/careplans/plan/{plan.id}/").get_data(as_text=True)
    assert 'id="suggested-needs"' in shown and need in shown
    sections = [dict(s) for s in plan.current.sections] + services.suggested_needs(world.resident_a.id,
                                                                                    plan.current.sections)
    services.review_care_plan(plan.id, sections, {}, "not_able", "", "Added the nutrition need", None)
    db.session.commit()
    db.session.refresh(plan)
    assert {"need": need, "assessments": [record.id]}.items() <= plan.current.sections[-1].items()
    assert services.suggested_needs(world.resident_a.id, plan.current.sections) == []  # written: not offered again
    assert 'id="suggested-needs"' not in client.get(f"/careplans/plan/{plan.id}/").get_data(as_text=True)
