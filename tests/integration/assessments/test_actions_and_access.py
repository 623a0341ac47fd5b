"""Band actions (notifications, tasks, review dates) inline and on the worker; who may fill, sign
and read; another home's residents refused; tasks closed done or not done; the due list and chart."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.assessments.models import AssessmentRecord, RecordStatus, Task, TaskStatus
from app.extensions import db
from app.notifications.models import NotificationOutbox
from app.security import CareUser
from tests.integration.assessments.helpers import example, fill


def record_of(resident_id, key):
    db.session.expire_all()
    return db.session.scalars(select(AssessmentRecord).where(
        AssessmentRecord.resident_id == resident_id, AssessmentRecord.form_key == key,
        AssessmentRecord.status != RecordStatus.draft)).one()


def inbox(username, kind="band_action"):
    user = db.session.scalars(select(CareUser).where(CareUser.username == username)).one()
    return db.session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.user_id == user.id, NotificationOutbox.kind == kind,
        NotificationOutbox.channel == "in_app")).all()


def band_tasks(resident_id):
    db.session.expire_all()
    return db.session.scalars(select(Task).where(Task.resident_id == resident_id, Task.source.is_not(None))).all()


def test_news2_of_five_notifies_the_nurses_of_that_home_urgently(client, auth, world, inline):
    auth.login("senior")
    answers = example("news2", name="five points: lower edge of medium")["answers"]
    assert fill(client, world.resident_a.id, "news2", answers).status_code == 302
    record = record_of(world.resident_a.id, "news2")
    assert record.band == "medium_5_6"
    [note] = inbox("nurse")
    assert "urgent" in note.subject and note.home_id == world.home_a.id
    assert inbox("manager.b") == []  # the manager of the other home hears nothing
    [task] = band_tasks(world.resident_a.id)
    assert task.title == "Refer to Medical team (urgent)" and task.due_on == record.taken_at.date()
    assert record.next_due_at is not None
    assert abs((record.next_due_at - record.taken_at).total_seconds() - 3600) < 1


def test_must_high_creates_a_dietitian_referral_task_and_sets_the_review(client, auth, world, inline):
    auth.login("nurse")
    answers = example("must", name="BMI 18.4 scores 2")["answers"]
    fill(client, world.resident_a.id, "must", answers)
    record = record_of(world.resident_a.id, "must")
    need, task = sorted(band_tasks(world.resident_a.id), key=lambda t: t.title)
    assert task.title == "Refer to Dietitian" and task.assigned_role == "Nurse"
    assert task.home_id == world.home_a.id and task.status == TaskStatus.open
    # the seeded plan has no nutrition need: the nurse is asked to add it
    assert need.title == "Care plan: add the need \u201cNutrition: treatment plan for high malnutrition risk\u201d"
    assert need.assigned_role == "Nurse" and need.status == TaskStatus.open
    assert (record.next_due_at - record.taken_at) == dt.timedelta(days=30)
    page = client.get("/assessments/due/").get_data(as_text=True)
    assert "Refer to Dietitian" in page


def test_band_actions_run_on_the_worker(client, auth, world, rq, drain):
    auth.login("nurse")
    answers = example("must", name="BMI 18.4 scores 2")["answers"]
    assert fill(client, world.resident_a.id, "must", answers).status_code == 302
    assert band_tasks(world.resident_a.id) == []  # queued, not yet run
    assert drain()
    need = "Care plan: add the need \u201cNutrition: treatment plan for high malnutrition risk\u201d"
    assert sorted(t.title for t in band_tasks(world.resident_a.id)) == [need, "Refer to Dietitian"]
    assert record_of(world.resident_a.id, "must").next_due_at is not None


def test_a_carer_fills_in_but_cannot_sign_and_an_auditor_only_reads(client, auth, world, inline):
    auth.login("carer")
    fill(client, world.resident_a.id, "waterlow", example("waterlow")["answers"])
    record = record_of(world.resident_a.id, "waterlow")
    page = client.get(f"/assessments/record/{record.id}/").get_data(as_text=True)
    assert 'id="sign-form"' not in page
    response = client.post(f"/assessment-signing/{record.id}/sign", data={"signed_name": "C", "signed_role": "Carer"})
    assert response.status_code in (302, 403)
    assert record_of(world.resident_a.id, "waterlow").status == RecordStatus.submitted
    assert client.get(f"/assessment-signing/{record.id}/amend").status_code in (302, 403)
    auth.logout()
    auth.login("auditor")
    assert client.get(f"/assessments/record/{record.id}/").status_code == 200
    assert client.get(f"/assessments/resident/{world.resident_a.id}/fill/must").status_code in (302, 403)
    response = client.post(f"/assessment-signing/{record.id}/sign", data={"signed_name": "A", "signed_role": "A"})
    assert response.status_code in (302, 403)
    assert record_of(world.resident_a.id, "waterlow").status == RecordStatus.submitted
    auth.logout()
    auth.login("office")
    assert client.get(f"/assessments/record/{record.id}/").status_code in (302, 403)
    auth.logout()
    auth.login("nurse")
    client.post(f"/assessment-signing/{record.id}/sign", data={"signed_name": "Nia", "signed_role": "Nurse"})
    assert record_of(world.resident_a.id, "waterlow").status == RecordStatus.signed


def test_another_homes_resident_is_refused(client, auth, world, inline):
    auth.login("nurse")
    assert client.get(f"/assessments/resident/{world.resident_b.id}/").status_code == 404
    assert client.get(f"/assessments/resident/{world.resident_b.id}/fill/must").status_code == 404
    response = fill_other = client.post(f"/assessments/resident/{world.resident_b.id}/fill/must",
                                        data={"_version": "1", "_sha256": "x", "_token": "t" * 32,
                                              "_action": "submit"})
    assert fill_other.status_code == 404, response.status_code
    seed_b = db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.home_id == world.home_b.id)
                                .execution_options(skip_home_scope=True)).first()
    assert client.get(f"/assessments/record/{seed_b.id}/").status_code == 404
    assert client.get(f"/api/v1/assessments/{seed_b.id}", headers=auth.headers("nurse")).status_code == 404


def test_tasks_close_done_or_not_done_with_a_reason(client, auth, world, inline):
    auth.login("nurse")
    task = db.session.scalars(select(Task).where(Task.home_id == world.home_a.id)).first()
    response = client.post(f"/task-actions/{task.id}/close", data={"status": "not_done", "outcome_reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == TaskStatus.open
    client.post(f"/task-actions/{task.id}/close", data={"status": "not_done", "outcome_reason": "Resident asleep"})
    db.session.expire_all()
    closed = db.session.get(Task, task.id)
    assert closed.status == TaskStatus.not_done and closed.outcome_reason == "Resident asleep"
    other = Task(home_id=world.home_a.id, title="Weigh", due_on=dt.date.today())
    db.session.add(other)
    db.session.commit()
    auth.logout()  # the API calls below are by bearer token alone
    headers = auth.headers("carer")
    response = client.post(f"/api/v1/tasks/{other.id}/close", json={"status": "done"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert client.post(f"/api/v1/tasks/{other.id}/close", json={"status": "done"},
                       headers=headers).status_code == 422
    third = Task(home_id=world.home_a.id, title="Turn", due_on=dt.date.today())
    db.session.add(third)
    db.session.commit()
    auditor = auth.headers("auditor")
    assert client.get("/api/v1/tasks/", headers=auditor).status_code == 200
    assert client.post(f"/api/v1/tasks/{third.id}/close", json={"status": "done"}, headers=auditor).status_code == 403
    db.session.expire_all()
    assert db.session.get(Task, third.id).status == TaskStatus.open


def test_the_due_list_and_the_history_chart(client, auth, world, inline):
    auth.login("nurse")
    page = client.get("/assessments/due/").get_data(as_text=True)
    assert "Seed Resident Alder House" in page and "Seed Resident Birch Court" not in page
    assert "overdue" in page  # admitted 30 days ago, never assessed
    for name in ("BMI 22, no loss, not acutely ill: 0", "BMI 18.4 scores 2", "highest possible: 6"):
        fill(client, world.resident_a.id, "must", example("must", name=name)["answers"])
    page = client.get(f"/assessments/resident/{world.resident_a.id}/history/must").get_data(as_text=True)
    assert page.count('class="score-dot"') == 3 and "<polyline" in page
    # risk in colour: the chart shades the low, medium and high bands; each result's band in words and colour
    assert page.count('class="band-area"') == 3 and "High risk (2 or more)" in page
    assert 'data-band="high" data-colour="red">High risk (2 or more)</span>' in page
    assert 'data-band="low" data-colour="green">' in page
    tab = client.get(f"/assessments/resident/{world.resident_a.id}/").get_data(as_text=True)
    assert 'data-form-key="must"' in tab and 'data-colour="red"' in tab
    profile = client.get(f"/residents/{world.resident_a.id}/").get_data(as_text=True)
    must_row = profile.split('data-form-key="must"')[1].split("</tr>")[0]
    assert ">6</a>" in must_row and "overdue" not in must_row


def _publish_form_with_its_own_roles():
    from app.forms_store import get_store
    from tests.unit.reports.definitions import wellbeing_check

    raw = wellbeing_check()
    raw["x-form"]["key"] = "night_check"
    raw["x-permissions"] = {"fill": ["Carer", "Nurse"], "view": ["Carer", "Nurse", "Home Manager"],
                            "sign": ["Home Manager"]}
    concern = raw["x-scoring"]["bands"][0]
    concern["actions"] = [{"type": "create_task", "role": "Senior Carer", "urgency": "soon",
                           "task": {"en-GB": "Offer a warm drink and sit with them", "cy": "Cynnig diod gynnes"}}]
    store = get_store()
    store.save_draft(raw)
    store.publish("night_check", 1)
    db.session.commit()
    return store.load("night_check")


def test_a_forms_own_roles_limit_who_fills_views_and_signs_and_its_task_action(client, auth, world, inline):
    definition = _publish_form_with_its_own_roles()
    auth.login("senior")  # the matrix lets a senior carer fill in, but this form does not
    url = f"/assessments/resident/{world.resident_a.id}/fill/night_check"
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("carer")
    assert fill(client, world.resident_a.id, "night_check", {"mood": "low"}, definition=definition).status_code == 302
    record = record_of(world.resident_a.id, "night_check")
    [task] = band_tasks(world.resident_a.id)
    assert task.title == "Offer a warm drink and sit with them" and task.assigned_role == "Senior Carer"
    assert task.due_on == record.taken_at.date() + dt.timedelta(days=1)
    auth.logout()
    auth.login("nurse")  # a nurse may sign by the matrix, but this form leaves signing to the manager
    assert client.get(f"/assessments/record/{record.id}/").status_code == 200
    response = client.post(f"/assessment-signing/{record.id}/sign", data={"signed_name": "N", "signed_role": "Nurse"})
    assert response.status_code == 403
    auth.logout()
    auth.login("manager")
    client.post(f"/assessment-signing/{record.id}/sign", data={"signed_name": "Sarah", "signed_role": "Manager"})
    assert record_of(world.resident_a.id, "night_check").status == RecordStatus.signed
    auth.logout()
    auth.login("senior")
    assert client.get(f"/assessments/record/{record.id}/").status_code == 403


def test_daily_reminders_count_overdue_tasks_per_home(app, world, inline):
    from app.notifications.jobs import send_daily_reminders

    db.session.add(Task(home_id=world.home_a.id, title="Weigh weekly", due_on=dt.date.today() - dt.timedelta(days=2)))
    db.session.commit()
    send_daily_reminders(dt.date.today().isoformat())
    db.session.commit()
    subjects = [n.subject for n in inbox("nurse", kind="assessment_overdue")]
    assert "1 tasks overdue in Alder House" in subjects
    assert not any("Birch Court" in s for s in subjects)
    before = len(inbox("nurse", kind="assessment_overdue"))
    send_daily_reminders(dt.date.today().isoformat())  # the same day again: nothing new
    db.session.commit()
    assert len(inbox("nurse", kind="assessment_overdue")) == before


def test_schedules_are_kept_by_the_manager_and_read_by_nurses(client, auth, world):
    from app.assessments.models import AssessmentSchedule

    manager = auth.headers("manager")
    response = client.post("/api/v1/assessment-schedules/", headers=manager,
                           json={"form_key": "news2", "every_days": 7, "on_admission": False})
    assert response.status_code == 201, response.get_json()
    row = db.session.get(AssessmentSchedule, response.get_json()["id"])
    assert row.home_id == world.home_a.id
    response = client.post("/api/v1/assessment-schedules/", headers=manager,
                           json={"form_key": "made_up", "every_days": 0})
    assert response.status_code == 422 and set(response.get_json()["message"]) == {"form_key", "every_days"}
    response = client.post("/api/v1/assessment-schedules/", headers=manager, json={"form_key": "news2"})
    assert response.status_code == 422  # already scheduled in this home
    nurse = auth.headers("nurse")
    assert client.get("/api/v1/assessment-schedules/", headers=nurse).status_code == 200
    assert client.post("/api/v1/assessment-schedules/", headers=nurse,
                       json={"form_key": "braden", "every_days": 7}).status_code == 403


def test_a_token_of_another_residents_form_is_refused(client, auth, world, inline):
    from tests.factories import make_resident
    from tests.integration.assessments.helpers import open_form, post_form

    other = make_resident(world.home_a, "Olwen", "Pryce")
    db.session.commit()
    auth.login("nurse")
    _, shown = open_form(client, world.resident_a.id, "must")
    answers = example("must")["answers"]
    assert post_form(client, world.resident_a.id, "must", answers, shown, action="draft").status_code == 302
    response = post_form(client, other.id, "must", answers, shown)
    assert response.status_code == 422
    db.session.expire_all()
    draft = db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.token == shown["_token"])).one()
    assert draft.resident_id == world.resident_a.id and draft.status == RecordStatus.draft


def test_carers_fill_the_everyday_forms_but_news2_is_for_trained_staff(client, auth, world, inline):
    auth.login("carer")
    tab = client.get(f"/assessments/resident/{world.resident_a.id}/").get_data(as_text=True)
    assert f"/assessments/resident/{world.resident_a.id}/fill/waterlow" in tab
    assert f"/assessments/resident/{world.resident_a.id}/fill/news2" not in tab
    assert client.get(f"/assessments/resident/{world.resident_a.id}/fill/news2").status_code == 403
    auth.logout()
    auth.login("senior")
    assert client.get(f"/assessments/resident/{world.resident_a.id}/fill/news2").status_code == 200
