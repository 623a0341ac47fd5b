"""The home's due list: assessments, care-plan reviews and band-action tasks together, and the
tasks a nurse can narrow to those for her or her role."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.assessments.models import Task
from app.audit import acting_as
from app.careplans import services as care_plans
from app.extensions import db
from app.security import CareUser


def _user(username):
    return db.session.scalars(select(CareUser).where(CareUser.username == username)).one()


def test_overdue_care_plan_reviews_are_on_the_homes_due_list(client, auth, world):
    with acting_as(None, "test"):
        overdue = care_plans.create_care_plan(world.resident_a.id, "standard", None, None, title="Plan written in June",
                                              on=care_plans.today() - dt.timedelta(days=40))
        care_plans.create_care_plan(world.resident_b.id, "standard", None, None, title="Other home's plan",
                                    on=care_plans.today() - dt.timedelta(days=40))
        db.session.commit()
    auth.login("nurse")
    page = client.get("/assessments/due/").get_data(as_text=True)
    reviews = page.split('id="due-reviews"')[1].split("</table>")[0]
    row = next(r for r in reviews.split("<tr") if "Plan written in June" in r)
    assert "overdue" in row and f"/careplans/plan/{overdue.id}/" in row
    assert "Other home&#39;s plan" not in reviews and "Other home's plan" not in reviews


def test_a_nurse_narrows_the_tasks_to_hers_and_her_roles(client, auth, world):
    today = care_plans.today()
    with acting_as(None, "test"):
        db.session.add_all([
            Task(home_id=world.home_a.id, title="Weigh Mrs A", due_on=today, assigned_role="Nurse"),
            Task(home_id=world.home_a.id, title="Call the GP", due_on=today, assigned_user_id=_user("nurse").id),
            Task(home_id=world.home_a.id, title="Order hoist slings", due_on=today, assigned_role="Home Manager"),
            Task(home_id=world.home_a.id, title="Book chiropodist", due_on=today, assigned_user_id=_user("carer").id,
                 assigned_role="Nurse"),
        ])
        db.session.commit()
    auth.login("nurse")
    everyone = client.get("/assessments/due/").get_data(as_text=True).split('id="due-tasks"')[1]
    assert all(t in everyone for t in ("Weigh Mrs A", "Call the GP", "Order hoist slings", "Book chiropodist"))
    mine = client.get("/assessments/due/?mine=1").get_data(as_text=True).split('id="due-tasks"')[1]
    assert "Weigh Mrs A" in mine and "Call the GP" in mine
    assert "Order hoist slings" not in mine and "Book chiropodist" not in mine


def test_a_family_member_cannot_open_the_homes_due_list(client, auth, world):
    auth.login("family")
    assert client.get("/assessments/due/").status_code in (302, 403)


def test_a_band_need_the_care_plan_already_has_makes_no_task(client, auth, world, inline):
    from tests.integration.assessments.helpers import example, fill

    plan = db.session.scalars(select(care_plans.CarePlan).where(
        care_plans.CarePlan.resident_id == world.resident_a.id)).first()
    need = "Nutrition: treatment plan for high malnutrition risk"
    with acting_as(None, "test"):
        care_plans.review_care_plan(plan.id, [*plan.current.sections, {"need": need.upper()}], None, "not_able",
                                    None, "Added nutrition.", None)
        db.session.commit()
    auth.login("nurse")
    assert fill(client, world.resident_a.id, "must", example("must", name="BMI 18.4 scores 2")["answers"]
                ).status_code == 302
    titles = [t.title for t in db.session.scalars(select(Task).where(Task.resident_id == world.resident_a.id))]
    assert "Refer to Dietitian" in titles and not any("Care plan: add the need" in t for t in titles)
    page = client.get("/assessments/due/").get_data(as_text=True)
    assert "Refer to Dietitian" in page


def test_the_due_list_is_grouped_by_resident_with_counts_and_narrowed_to_a_unit(client, auth, world):
    from app.homes.models import Unit
    from tests.factories import make_bed, make_resident, make_room, make_unit

    with acting_as(None, "test"):
        garden = make_unit(world.home_a, "Garden wing")
        bed = make_bed(make_room(garden, "12"), "A")
        from app.residents import stays

        newcomer = make_resident(world.home_a, "Glenys", "Garden")
        stays.admit_resident(newcomer.id, bed.id, dt.datetime.now(dt.UTC) - dt.timedelta(days=20), "permanent")
        db.session.commit()
    auth.login("nurse")
    page = client.get("/assessments/due/").get_data(as_text=True)
    groups = page.split('id="due-assessments"')[1].split('<details class="due-group')[1:]
    names = [g.split("</a>")[0].rsplit(">", 1)[1] for g in groups]
    assert "Glenys Garden" in names and "Seed Resident Alder House" in names
    seed = next(g for g in groups if "Seed Resident Alder House" in g)
    assert "overdue</span>" in seed and "Alder House unit" in seed  # the unit is named on the summary line
    garden_id = db.session.scalars(select(Unit.id).where(Unit.name == "Garden wing")).one()
    narrowed = client.get(f"/assessments/due/?unit={garden_id}").get_data(as_text=True)
    narrowed = narrowed.split('id="due-assessments"')[1].split('id="due-tasks"')[0]
    assert "Glenys Garden" in narrowed and "Seed Resident Alder House" not in narrowed
    by_form = client.get("/assessments/due/?by=form").get_data(as_text=True).split('id="due-assessments"')[1]
    assert 'data-group="Waterlow' in by_form or "data-group=\"Malnutrition" in by_form
    assert client.get("/assessments/due/?unit=junk&by=junk").status_code == 200


def test_a_long_due_list_shows_the_soonest_and_says_how_to_see_the_rest(client, auth, world, monkeypatch):
    """A group-wide user's twenty homes are thousands of lines: the page shows the soonest due (here
    one line, to test it with the seeded world), keeps the counts of everything, and says how many
    are left out and how to see them."""
    from app.assessments import pages

    auth.login("nurse")
    whole = client.get("/assessments/due/").get_data(as_text=True).split('id="due-assessments"')[1]
    lines = whole.split("</div>")[0].count("<tr class=")  # the assessments' block, not reviews or tasks
    assert lines >= 2
    monkeypatch.setattr(pages, "DUE_PAGE_LINES", 1)
    page = client.get("/assessments/due/").get_data(as_text=True)
    shown = page.split('id="due-assessments"')[1].split('id="due-more"')[0]
    assert shown.count("<tr class=") == 1
    assert f"{lines - 1} more assessments are due or overdue" in page
    assert "Choose one home (top right) or a unit" in page
