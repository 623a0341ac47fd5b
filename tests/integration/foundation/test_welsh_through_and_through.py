"""A Welsh reader sees form titles, band labels and care-plan template names in Welsh wherever they
appear (the form engine stores both languages), while a title someone typed stays as typed; the
list filters show enum words in Welsh."""

from __future__ import annotations

import datetime as dt

from app.assessments import services as assessment_services
from app.assessments.models import AssessmentRecord, RecordStatus
from app.careplans.services import create_care_plan
from app.extensions import db

WATERLOW_CY = "Asesiad risg wlser pwyso Waterlow"
AT_RISK_CY = "Mewn perygl (10–14)"


def _waterlow_record(world):
    loaded = assessment_services.definition("waterlow")  # the standard form, published on first use
    record = AssessmentRecord(
        home_id=world.home_a.id, resident_id=world.resident_a.id, form_key="waterlow", version=loaded.version,
        sha256="0" * 64, token="welsh-test", answers={}, status=RecordStatus.submitted, total="12",
        band="at_risk_10_14", band_label="At risk (10–14)", taken_at=dt.datetime.now(dt.UTC),
        submitted_at=dt.datetime.now(dt.UTC), submission_id="welsh-test")
    db.session.add(record)
    db.session.commit()
    return record


def test_a_welsh_reader_sees_form_titles_and_bands_in_welsh(client, auth, world):
    record = _waterlow_record(world)
    auth.login("nurse")
    english = client.get("/assessmentrecordview/list/").get_data(as_text=True)
    assert "Waterlow pressure ulcer risk assessment" in english and "At risk (10–14)" in english
    client.get("/lang/cy")
    welsh = client.get("/assessmentrecordview/list/").get_data(as_text=True)
    assert WATERLOW_CY in welsh and AT_RISK_CY in welsh
    assert "At risk (10–14)" not in welsh
    del record
    due = client.get("/assessments/due/").get_data(as_text=True)
    assert "Waterlow pressure ulcer risk assessment" not in due
    client.get("/lang/en")


def test_a_care_plan_keeps_its_template_name_in_the_readers_language_unless_retitled(client, auth, world):
    made = create_care_plan(world.resident_a.id, "standard", None, None)
    typed = create_care_plan(world.resident_a.id, "standard", None, None, title="Mrs Jones's own plan")
    db.session.commit()
    assert made.title == "Standard care plan"
    auth.login("nurse")
    client.get("/lang/cy")
    page = client.get(f"/careplans/resident/{world.resident_a.id}/").get_data(as_text=True)
    assert "Cynllun gofal safonol" in page and "Mrs Jones" in page
    plan = client.get(f"/careplans/plan/{made.id}/").get_data(as_text=True)
    assert "<h1>Cynllun gofal safonol:" in plan
    assert "Mrs Jones" in client.get(f"/careplans/plan/{typed.id}/").get_data(as_text=True)
    client.get("/lang/en")


def test_reminders_are_put_into_words_when_read_in_the_readers_language(client, auth, world):
    from app.notifications.messages import spec
    from app.notifications.services import notify
    from app.security import CareUser

    nurse = db.session.scalars(db.select(CareUser).where(CareUser.username == "nurse")).one()
    notify([nurse.id], "assessment_overdue", "Overdue: Waterlow pressure ulcer risk assessment for Ada",
           "Due 01/12/2026", dedup_key="welsh-1", message={
               "subject": spec("assessment_overdue.subject", form={"$form": "waterlow"}, who="Ada"),
               "body": spec("authorisation_expiring.subject", kind="DoLS", who="Ada", when={"$date": "2026-12-01"},
                            days=5)})
    notify([nurse.id], "assessment_overdue", "An old reminder, in English", "Written before messages", dedup_key="old")
    db.session.commit()
    auth.login("nurse")
    english = client.get("/notifications/").get_data(as_text=True)
    assert "Overdue: Waterlow pressure ulcer risk assessment for Ada" in english and "1 December 2026" in english
    client.get("/lang/cy")
    welsh = client.get("/notifications/").get_data(as_text=True)
    assert WATERLOW_CY in welsh and "1 Rhagfyr 2026" in welsh
    assert "An old reminder, in English" in welsh  # rows written before stay readable
    client.get("/lang/en")


def test_months_spelled_out_in_the_readers_language(client, auth):
    from app.ukdates import long_date, month_year

    assert long_date(dt.date(1938, 4, 12), "cy") == "12 Ebrill 1938"
    assert long_date(dt.date(1938, 4, 12), "en-GB") == "12 April 1938"
    assert month_year(dt.date(2026, 12, 1), "cy") == "Rhagfyr 2026"
    assert long_date(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC), "en-GB") == "1 July 2026"  # London's day
