"""In Chromium: an administrator builds and publishes a scored form, a nurse fills it in for a resident
and sees the band, a manager sees it in the history chart; HTML typed into a form is shown as text."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

KEY = "e2e_falls"
TITLE = "Falls check (browser)"


def _schedule(db_session, home_id: int, key: str) -> None:
    """The home schedules the new form, so the resident's profile offers it (the schedule screen
    offers published builder forms too; it is set up directly here to keep the browser test short)."""
    from app.assessments.models import AssessmentSchedule
    from app.audit import acting_as

    with acting_as(None, "e2e setup"):
        db_session.add(AssessmentSchedule(home_id=home_id, form_key=key, every_days=30, on_admission=False))
        db_session.commit()


def _edit_question(page, field: str, **values) -> None:
    """Open a question's editor on the builder page, fill it in and save it."""
    from playwright.sync_api import expect

    panel = page.locator(f"#field-{field}")
    panel.locator("summary").click()
    editor = panel.locator("form.field-editor")
    for name, value in values.items():
        control = editor.locator(f'[name="{name}"]')
        if name in ("type", "visible_field", "visible_op"):
            control.select_option(value)
        elif name == "required":
            control.check()
        else:
            control.fill(str(value))
    editor.get_by_role("button", name="Save question").click()
    expect(page.locator(".alert").filter(has_text="Question saved.")).to_be_visible()


def _add_question(page, ftype: str) -> None:
    from playwright.sync_api import expect

    count = page.locator("li.formbuilder-field").count()
    page.select_option("#add-type", ftype)
    page.locator("#add-field").get_by_role("button", name="Add").click()
    expect(page.locator("li.formbuilder-field")).to_have_count(count + 1)


def _band(page, n: int, **values) -> None:
    from playwright.sync_api import expect

    form = page.locator("#scoring-form")
    for name, value in values.items():
        control = form.locator(f'[name="band_{n}_{name}"]')
        if name == "colour":
            control.select_option(value)
        else:
            control.fill(str(value))
    form.get_by_role("button", name="Save scoring").click()
    expect(page.locator(".alert").filter(has_text="Scoring saved.")).to_be_visible()


def test_admin_builds_and_publishes_nurse_fills_in_manager_sees_the_chart(users, world, db_session, screens):
    from playwright.sync_api import expect

    resident_id = world.resident_a.id
    _schedule(db_session, world.home_a.id, KEY)

    # ---- the administrator builds the form ----------------------------------------------------
    admin = users.page("admin")
    admin.goto("/formbuilder/")
    expect(admin.locator("#formbuilder-list")).to_be_visible()
    admin.fill("#new-key", KEY)
    admin.fill("#new-title-en", TITLE)
    admin.fill("#new-title-cy", "Gwiriad cwympo (porwr)")
    admin.locator("#new-form").get_by_role("button", name="Create").click()
    expect(admin).to_have_url(re.compile(rf"/formbuilder/edit/{KEY}/1$"))

    _edit_question(admin, "question_1", key="notes", label_en="Notes", label_cy="Nodiadau")
    _add_question(admin, "yes_no")
    _edit_question(admin, "question_2", key="fallen", label_en="Fallen in the last month?",
                   label_cy="Wedi cwympo yn ystod y mis diwethaf?", required="1", option_0_points=10,
                   option_1_points=0)
    _add_question(admin, "integer")
    _edit_question(admin, "question_3", key="walks_metres", label_en="Walks unaided", label_cy="Cerdded heb gymorth",
                   minimum=0, maximum=3, unit="m", visible_field="fallen", visible_op="is", visible_value="yes")
    expect(admin.locator("#field-walks_metres .panel-heading")).to_contain_text("fallen is yes")
    screens.shot(admin, "admin-three-questions-and-rule")

    admin.locator('#scoring-form input[name="scored"][value="fallen"]').check()
    admin.fill('#scoring-form [name="range_min"]', "0")  # the chart's scale
    admin.fill('#scoring-form [name="range_max"]', "10")
    _band(admin, 0, code="low", min=0, max=9, colour="green", label_en="Low risk", label_cy="Risg isel",
          response_en="Review next month", response_cy="Adolygu y mis nesaf")
    _band(admin, 1, code="high", min=10, max=10, colour="red", label_en="High risk", label_cy="Risg uchel",
          response_en="Refer to the falls team today", response_cy="Cyfeirio at y tîm cwympo heddiw")
    expect(admin.locator("#lint-ok")).to_be_visible()
    expect(admin.locator('#scoring-form input[name="scored"][value="fallen"]')).to_be_checked()
    screens.shot(admin, "admin-scoring-and-bands")

    admin.locator("#publish").click()
    expect(admin).to_have_url(re.compile(rf"/formbuilder/history/{KEY}$"))
    expect(admin.locator(".alert").filter(has_text="Published")).to_be_visible()
    screens.shot(admin, "admin-published")

    # ---- the nurse fills it in for the resident -----------------------------------------------
    nurse = users.page("nurse")
    nurse.goto(f"/residents/{resident_id}/")
    row = nurse.locator(f'#profile-assessments tr[data-form-key="{KEY}"]')
    expect(row).to_contain_text(TITLE)
    screens.shot(nurse, "nurse-resident-profile")
    row.get_by_role("link", name="Fill in").click()
    expect(nurse.locator("#assessment-fill h1")).to_contain_text(TITLE)
    # the rule travels with the field: hidden until "fallen" is yes (live, where JavaScript runs)
    walks = nurse.locator('[name="walks_metres"]')
    expect(walks).to_have_attribute("data-visible-if", re.compile("fallen"))
    expect(walks).to_be_hidden()
    nurse.locator('[data-field="notes"] [name="notes"]').fill("Found on the floor by the bed")
    nurse.locator('[data-field="fallen"]').get_by_label("Yes").check()
    expect(walks).to_be_visible()
    walks.fill("2")
    screens.shot(nurse, "nurse-filling-in")
    nurse.get_by_role("button", name="Submit and score").click()

    expect(nurse.locator("#assessment-result .assessment-total")).to_have_text("10")
    expect(nurse.locator("#assessment-result .assessment-band")).to_have_text("High risk")
    expect(nurse.locator("#assessment-result .assessment-response")).to_have_text("Refer to the falls team today")
    expect(nurse.locator("#assessment-answers")).to_contain_text("Found on the floor by the bed")
    screens.shot(nurse, "nurse-sees-the-band")

    # ---- the manager sees it in the history chart ---------------------------------------------
    manager = users.page("manager")
    manager.goto(f"/residents/{resident_id}/")
    row = manager.locator(f'#profile-assessments tr[data-form-key="{KEY}"]')
    expect(row).to_contain_text("High risk")
    row.get_by_role("link", name="History").click()
    expect(manager.locator("#assessment-history h1")).to_contain_text(TITLE)
    expect(manager.locator("#score-chart")).to_be_visible()
    expect(manager.locator("#score-chart circle.score-dot")).to_have_count(1)
    expect(manager.locator("#score-chart circle.score-dot title")).to_contain_text(": 10")
    expect(manager.locator('#score-chart > text[x="4"]')).to_have_text(["10", "0"])  # the declared range
    expect(manager.locator("#history-table")).to_contain_text("High risk")
    screens.shot(manager, "manager-history-chart")

    assert len(screens.paths) == 7 and all(p.stat().st_size > 0 for p in screens.paths)


HOSTILE_LABEL = "Note <b>bold</b><script>alert('label')</script>"
HOSTILE_ANSWER = "<img src=x onerror=\"alert('answer')\"><script>alert('script')</script>"


def _publish_text_form(key: str) -> None:
    """A published form whose one question has HTML and script in its label (made by a service call)."""
    from app.audit import acting_as
    from app.extensions import db
    from app.formbuilder import compose, services

    definition = compose.new_definition(key, "Hostile text (browser)", "Testun gelyniaethus (porwr)", "record")
    definition["properties"]["question_1"]["x-label"] = compose.text(HOSTILE_LABEL, HOSTILE_LABEL + " (cy)")
    with acting_as(None, "e2e setup"):
        services.create(definition, None, "create")
        services.publish(key, 1, None)
        db.session.commit()


def test_html_and_script_in_a_label_or_an_answer_are_shown_as_text(users, world, db_session, screens):
    from playwright.sync_api import expect

    key = "e2e_hostile"
    _publish_text_form(key)
    nurse = users.page("nurse")
    dialogs: list[str] = []
    nurse.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    nurse.goto(f"/assessments/resident/{world.resident_a.id}/fill/{key}")
    expect(nurse.locator('[data-field="question_1"] label')).to_have_text(HOSTILE_LABEL)
    nurse.locator('[name="question_1"]').fill(HOSTILE_ANSWER)
    screens.shot(nurse, "hostile-typed")
    nurse.get_by_role("button", name="Submit and score").click()

    expect(nurse.locator("#assessment-answers")).to_contain_text(HOSTILE_ANSWER)
    expect(nurse.locator("#assessment-answers")).to_contain_text(HOSTILE_LABEL)
    expect(nurse.locator("#assessment-answers img")).to_have_count(0)
    expect(nurse.locator("#assessment-answers script")).to_have_count(0)
    screens.shot(nurse, "hostile-shown-as-text")
    assert dialogs == []

    # the listener does catch a dialog, so its silence above means something
    nurse.evaluate("() => alert('probe')")
    assert dialogs == ["probe"]
