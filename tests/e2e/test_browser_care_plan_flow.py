"""In a real browser: a nurse starts a resident's care plan from the standard template on the
profile, reviews it, and reads the first version back as it was written."""

from __future__ import annotations

import re


def test_nurse_creates_a_plan_from_a_template_reviews_it_and_reads_version_one(users, world, db_session, screens):
    from playwright.sync_api import expect

    resident = world.resident_a
    nurse = users.page("nurse")
    nurse.goto(f"/careplans/resident/{resident.id}/")
    nurse.get_by_role("link", name="New care plan from a template").click()
    expect(nurse.locator("#care-plan-template select#template")).to_be_visible()
    nurse.locator("#template").select_option("standard")
    nurse.get_by_role("button", name="Use this template").click()
    expect(nurse.locator("#need-0")).to_have_value("Mobility")
    expect(nurse.locator("#need-1")).to_have_value("Nutrition and hydration")
    nurse.fill("#title", "Care plan (browser)")
    nurse.fill("#matters-0", "Walking to the chapel on Sundays.")
    nurse.fill("#outcome-0", "Walks to the dining room with a frame.")
    nurse.locator('input[name="resident_took_part"]').check()
    nurse.locator("#consent").select_option("given")
    nurse.fill("#consent_by", "Mrs Seed herself")
    nurse.fill("#notes", "Written with her on admission.")
    screens.shot(nurse, "nurse-new-plan-from-standard-template")
    nurse.get_by_role("button", name="Create the care plan").click()
    expect(nurse).to_have_url(re.compile(r"/careplans/plan/\d+/$"))
    plan_url = nurse.url
    expect(nurse.locator("#care-plan")).to_contain_text("Walks to the dining room with a frame.")
    expect(nurse.locator("#care-plan")).to_contain_text("Consent given (Mrs Seed herself)")
    screens.shot(nurse, "nurse-plan-version-1")

    nurse.get_by_role("link", name="Review this plan").click()
    expect(nurse.locator("#outcome-0")).to_have_value("Walks to the dining room with a frame.")
    nurse.fill("#outcome-0", "Walks to the garden with one carer since her fall.")
    nurse.fill("#notes", "Mobility reviewed after a fall; other needs unchanged.")
    nurse.locator("#consent").select_option("given")
    nurse.fill("#consent_by", "Mrs Seed herself")
    nurse.get_by_role("button", name="Save the review").click()
    expect(nurse).to_have_url(plan_url)
    expect(nurse.locator("#care-plan")).to_have_attribute("data-version", "2")
    expect(nurse.locator("#care-plan")).to_contain_text("Walks to the garden with one carer since her fall.")
    screens.shot(nurse, "nurse-plan-version-2")

    nurse.locator("#care-plan-versions").get_by_role("link", name="Version 1").click()
    expect(nurse.locator(".earlier-version")).to_be_visible()
    expect(nurse.locator("#care-plan")).to_contain_text("Walks to the dining room with a frame.")
    expect(nurse.locator("#care-plan")).not_to_contain_text("Walks to the garden with one carer")
    screens.shot(nurse, "nurse-reads-version-1")
