"""In a real browser: Print on a care plan's page shows the document's progress in place and then its
download link, on the same page (no "it will appear below" that never does), under the strict CSP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.integration.jobs.conftest import files_dir, inline  # noqa: F401  (the document is made inline)


@pytest.mark.usefixtures("inline")
def test_printing_a_care_plan_shows_progress_then_the_download_in_place(users, world, db_session, screens):
    from playwright.sync_api import expect

    from app.careplans.models import CarePlan

    plan = db_session.scalars(select(CarePlan).where(CarePlan.resident_id == world.resident_a.id)
                              .execution_options(skip_home_scope=True)).first()
    nurse = users.page("nurse")
    refused_scripts = []
    nurse.on("console", lambda message: refused_scripts.append(message.text)
             if "Content Security Policy" in message.text else None)
    nurse.goto(f"/careplans/plan/{plan.id}/")
    nurse.get_by_role("button", name="Print (PDF)").click()
    expect(nurse).to_have_url(re.compile(rf"/careplans/plan/{plan.id}/\?print_job="))
    box = nurse.locator("#print-progress")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(box).to_contain_text("Your document is ready.")
    download_link = box.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible()
    screens.shot(nurse, "care-plan-print-ready")
    with nurse.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert refused_scripts == []
