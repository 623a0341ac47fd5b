"""The start page after sign-in shows each role the panels of its work, with the home's own figures,
and never another home's residents."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db


def panels_of(client) -> list[str]:
    response = client.get("/")
    assert response.status_code == 200
    return re.findall(r'data-panel="([a-z_]+)"', response.get_data(as_text=True))


@pytest.mark.parametrize("username, wanted, unwanted", [
    ("manager", ["occupancy", "overdue", "legal", "tasks", "pipeline", "notifications"], ["audit", "family"]),
    ("nurse", ["shift", "risk", "hospital", "tasks", "notifications"], ["occupancy", "audit", "family"]),
    ("senior", ["shift", "risk", "hospital"], ["occupancy", "pipeline"]),
    ("carer", ["my_tasks", "risk"], ["occupancy", "pipeline", "audit", "legal"]),
    ("office", ["pipeline", "movements", "vacancies"], ["risk", "shift", "audit"]),
    ("auditor", ["audit"], ["family", "my_tasks"]),
    ("family", ["family"], ["risk", "shift", "occupancy", "pipeline", "hospital", "legal", "audit"]),
])
def test_each_role_starts_on_its_own_panels(client, auth, username, wanted, unwanted):
    auth.login(username)
    shown = panels_of(client)
    for key in wanted:
        assert key in shown, (username, shown)
    for key in unwanted:
        assert key not in shown, (username, shown)
    # the role's first panel is the first thing on the page
    assert shown[0] == wanted[0]


def test_manager_sees_the_homes_figures_and_the_overdue_work(client, auth, world):
    from app.audit import acting_as
    from app.careplans import services as care_plans

    with acting_as(None, "test"):
        care_plans.create_care_plan(world.resident_a.id, "standard", None, None, title="Plan written in June",
                                    on=care_plans.today() - dt.timedelta(days=40))
        db.session.commit()
    auth.login("manager")
    page = client.get("/").get_data(as_text=True)
    overdue = page[page.index('data-panel="overdue"'):]
    overdue = overdue[:overdue.index("</div></div></div>")]
    assert "Plan written in June" in overdue and "review overdue" in overdue
    # the seeded open task of home A (due today, for nurses) and its seeded resident
    assert "Occupancy over the last 12 months" in page
    assert "Alder House" in page
    assert "Birch Court" not in page


def test_nurse_sees_a_high_risk_result_in_colour_with_its_words(client, auth, world):
    from app.assessments.models import AssessmentRecord, RecordStatus
    from app.residents.models import Resident

    resident = db.session.query(Resident).filter_by(home_id=world.home_a.id, first_name="Seed").one()
    db.session.add(AssessmentRecord(
        home_id=world.home_a.id, resident_id=resident.id, form_key="must", version=1, sha256="0" * 64,
        token="start-page-high", answers={}, status=RecordStatus.submitted, submission_id="startpagehigh",
        total="3", band="high", band_label="High risk (2 or more)", taken_at=dt.datetime.now(dt.UTC),
    ))
    db.session.commit()
    auth.login("nurse")
    page = client.get("/").get_data(as_text=True)
    risk = page[page.index('data-panel="risk"'):]
    risk = risk[:risk.index("</div></div></div>")]
    assert resident.full_name in risk
    assert 'class="label label-danger band-badge" data-band="high" data-colour="red">High risk (2 or more)' in risk


def test_family_sees_the_homes_contact_details_and_no_resident(client, auth, world):
    auth.login("family")
    page = client.get("/").get_data(as_text=True)
    assert "has not shared anything with you here yet" in page
    assert world.home_a.name in page and world.home_a.postcode in page
    assert "Seed Resident" not in page


def test_auditor_sees_that_the_audit_chain_verifies(client, auth):
    auth.login("auditor")
    page = client.get("/").get_data(as_text=True)
    assert "audit trail&#39;s chain verifies" in page or "audit trail's chain verifies" in page
