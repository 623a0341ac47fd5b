"""The daily care REST API as a device or the tablet screen uses it: NEWS2 scored by the server equal
to `flask forms score news2`, escalation of a 7, bad input refused naming the field, confirmations,
entry keys, amendments, permissions per role and home isolation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app.assessments.models import Task
from app.care.models import CareNote, Observation, ObservationSet
from app.extensions import db
from app.notifications.models import NotificationOutbox
from app.security import CareUser

VITALS = "/api/v1/care/vitals/"
ENTRIES = "/api/v1/care/entries/"
NOTES = "/api/v1/care/notes/"
NORMAL = {"respiration_rate": 16, "spo2": 97, "supplemental_oxygen": False, "systolic_bp": 128, "diastolic_bp": 76,
          "pulse": 72, "consciousness": "A", "temperature": 36.8}


def count(model, **by) -> int:
    query = select(func.count()).select_from(model).execution_options(skip_home_scope=True)
    for name, value in by.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def as_form_answers(values: dict, scale: int = 1) -> dict:
    return {"respiration_rate": values["respiration_rate"], "spo2_percent": values["spo2"], "spo2_scale": scale,
            "supplemental_oxygen": bool(values["supplemental_oxygen"]), "systolic_bp": values["systolic_bp"],
            "pulse": values["pulse"], "consciousness": values["consciousness"],
            "temperature_c": values["temperature"]}


@pytest.mark.parametrize("values", [
    NORMAL,
    {**NORMAL, "respiration_rate": 22, "spo2": 94, "pulse": 105, "temperature": 38.4},  # 2+1+1+1 = 5
    {**NORMAL, "consciousness": "C"},  # a 3 in one parameter
    {**NORMAL, "respiration_rate": 26, "spo2": 91, "supplemental_oxygen": True, "systolic_bp": 95, "pulse": 118,
     "consciousness": "V", "temperature": 39.4},
])
def test_a_vitals_set_posted_returns_and_stores_the_score_of_flask_forms_score(client, auth, runner, world, values):
    response = client.post(VITALS, json={"resident_id": world.resident_a.id, "values": values},
                           headers=auth.headers("nurse"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    cli = runner.invoke(args=["forms", "score", "news2", "-"], input=json.dumps(as_form_answers(values)))
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output[cli.output.index("{"):])
    assert body["news2"]["total"] == expected["total"]
    assert body["news2"]["band"] == expected["band"]
    stored = db.session.get(ObservationSet, body["id"])
    assert (stored.news2_total, stored.news2_band) == (expected["total"], expected["band"])
    assert stored.news2_points == expected["points"]
    assert {o.code for o in stored.observations} >= {"respiration_rate", "spo2", "pulse", "temperature"}


def test_a_news2_of_7_makes_an_urgent_task_and_notifies_the_nurse_in_charge(client, auth, world):
    nurse = db.session.scalar(select(CareUser).where(CareUser.username == "nurse"))
    manager_b = db.session.scalar(select(CareUser).where(CareUser.username == "manager.b"))
    tasks_before = count(Task, resident_id=world.resident_a.id)
    values = {**NORMAL, "respiration_rate": 26, "spo2": 91, "pulse": 118, "temperature": 39.4}  # 3+3+2+2 = 10
    response = client.post(VITALS, json={"resident_id": world.resident_a.id, "values": values,
                                         "soft_signs": ["more_sleepy", "not_eating"]}, headers=auth.headers("senior"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["news2"]["total"] >= 7
    assert response.get_json()["soft_signs"] == ["more_sleepy", "not_eating"]
    tasks = db.session.scalars(select(Task).where(Task.resident_id == world.resident_a.id)
                               .execution_options(skip_home_scope=True).order_by(Task.id)).all()
    new = tasks[tasks_before:]
    assert new and all(t.due_on == dt.datetime.now(dt.UTC).date() or t.due_on >= dt.date.today() - dt.timedelta(1)
                       for t in new)
    assert any("Emergency" in t.title for t in new)
    assert all(t.assigned_role == "Nurse" for t in new)
    inbox = db.session.scalars(select(NotificationOutbox).where(NotificationOutbox.user_id == nurse.id,
                                                                NotificationOutbox.channel == "in_app")).all()
    assert any("NEWS2" in n.subject and world.resident_a.first_name in n.subject for n in inbox)
    assert count(NotificationOutbox, user_id=manager_b.id) == 0  # another home's manager hears nothing


def test_a_score_of_2_escalates_nothing(client, auth, world):
    tasks_before = count(Task)
    notes_before = count(NotificationOutbox)
    response = client.post(VITALS, json={"resident_id": world.resident_a.id,
                                         "values": {**NORMAL, "pulse": 95, "temperature": 38.3}},
                           headers=auth.headers("nurse"))
    assert response.status_code == 201 and response.get_json()["news2"]["total"] == 2
    assert count(Task) == tasks_before and count(NotificationOutbox) == notes_before


@pytest.mark.parametrize(("url", "body", "field"), [
    (VITALS, {"values": {**NORMAL, "spo2": 140}}, "spo2"),
    (VITALS, {"values": {**NORMAL, "temperature": 60}}, "temperature"),
    (VITALS, {"values": {k: v for k, v in NORMAL.items() if k != "pulse"}}, "pulse"),
    (VITALS, {"values": "lots"}, "values"),
    (VITALS, {"values": NORMAL, "soft_signs": ["grumpy"]}, "soft_signs"),
    (ENTRIES, {"code": "fluid_in", "value": -100}, "value"),
    (ENTRIES, {"code": "fluid_in", "value": 200, "observed_at": "2099-01-01T10:00"}, "observed_at"),
    (ENTRIES, {"code": "fluid_in", "value": 200, "observed_at": "yesterday"}, "observed_at"),
    (ENTRIES, {"code": "fluid_in", "value": "a lot"}, "value"),
    (ENTRIES, {"code": "reposition", "value_text": "upside_down"}, "value"),
    (ENTRIES, {"code": "fluid_in", "value": 200, "confirm": "maybe"}, "confirm"),
    (ENTRIES, {"code": "fluid_in", "value": 200, "resident_id": "x"}, "resident_id"),
    (NOTES, {"category": "gossip", "text": "x"}, "category"),
    (NOTES, {"category": "other", "text": "  "}, "text"),
    (NOTES, {"category": "other", "text": "Walked", "occurred_at": "2099-01-01T10:00:00Z"}, "occurred_at"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(client, auth, world, url, body, field):
    before = (count(ObservationSet), count(Observation), count(CareNote))
    response = client.post(url, json={"resident_id": world.resident_a.id, **body}, headers=auth.headers("nurse"))
    assert 400 <= response.status_code < 500, response.get_json()
    assert response.get_json()["field"] == field
    assert not response.get_json().get("needs_confirmation")
    assert (count(ObservationSet), count(Observation), count(CareNote)) == before


def test_junk_bodies_are_4xx_never_5xx(client, auth, world):
    headers = auth.headers("nurse")
    for url in (VITALS, ENTRIES, NOTES, "/api/v1/care/profiles/"):
        for junk in ([1, 2], "text", {"resident_id": None}, {"resident_id": 10**12}, {"resident_id": True}):
            response = client.post(url, json=junk, headers=headers)
            assert 400 <= response.status_code < 500, (url, junk, response.status_code)
        response = client.post(url, data=b"\xff\xfe", headers={**headers, "Content-Type": "application/json"})
        assert 400 <= response.status_code < 500


@pytest.mark.parametrize(("url", "body", "field"), [
    (VITALS, {"values": {**NORMAL, "pulse": 220}}, "pulse"),
    (ENTRIES, {"code": "pulse", "value": 220}, "value"),
])
def test_an_unusual_value_needs_a_confirmation_then_is_saved_with_it(client, auth, world, url, body, field):
    headers = auth.headers("nurse")
    refused = client.post(url, json={"resident_id": world.resident_a.id, **body}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["field"] == field and refused.get_json()["needs_confirmation"] is True
    saved = client.post(url, json={"resident_id": world.resident_a.id, **body, "confirm": True}, headers=headers)
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["confirmed"] == ["pulse"]
    row = db.session.get(ObservationSet, saved.get_json()["id"])
    assert row.confirmed == ["pulse"]
    assert [o.confirmed for o in row.observations if o.code == "pulse"] == [True]


def test_a_weight_10_kg_off_last_week_needs_a_confirmation(client, auth, world):
    headers = auth.headers("carer")
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=6)).isoformat()
    first = client.post(ENTRIES, json={"resident_id": world.resident_a.id, "code": "weight", "value": 61.2,
                                       "observed_at": week_ago}, headers=headers)
    assert first.status_code == 201, first.get_json()
    refused = client.post(ENTRIES, json={"resident_id": world.resident_a.id, "code": "weight", "value": 71.2},
                          headers=headers)
    assert refused.status_code == 422 and refused.get_json()["needs_confirmation"] is True
    saved = client.post(ENTRIES, json={"resident_id": world.resident_a.id, "code": "weight", "value": 71.2,
                                       "confirm": True}, headers=headers)
    assert saved.status_code == 201 and saved.get_json()["confirmed"] == ["weight"]


def test_the_same_entry_sent_twice_is_saved_once(client, auth, world):
    headers = auth.headers("carer")
    body = {"resident_id": world.resident_a.id, "code": "fluid_in", "value": 150, "idempotency_key": "tab7-00042",
            "observed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=40)).isoformat()}
    first = client.post(ENTRIES, json=body, headers=headers)
    again = client.post(ENTRIES, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(ObservationSet, idempotency_key="tab7-00042") == 1
    note = {"resident_id": world.resident_a.id, "routine_key": "night_asleep", "idempotency_key": "tab7-00043"}
    assert client.post(NOTES, json=note, headers=headers).status_code == 201
    assert client.post(NOTES, json=note, headers=headers).status_code == 200
    assert count(CareNote, idempotency_key="tab7-00043") == 1


def test_a_late_note_shows_its_real_entry_time_and_an_amendment_keeps_the_original(client, auth, world):
    headers = auth.headers("carer")
    occurred = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    made = client.post(NOTES, json={"resident_id": world.resident_a.id, "category": "mood_behaviour",
                                    "text": "Agitated after lunch", "occurred_at": occurred}, headers=headers)
    assert made.status_code == 201 and made.get_json()["late_entry"] is True
    pk = made.get_json()["id"]
    amended = client.post(f"{NOTES}{pk}/amend", json={"text": "Unsettled after lunch, calmer with music",
                                                      "reason": "Clearer wording"}, headers=headers)
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["amends_id"] == pk
    original = client.get(f"{NOTES}{pk}", headers=headers).get_json()["result"]
    assert original["text"] == "Agitated after lunch" and original["superseded_at"]
    twice = client.post(f"{NOTES}{pk}/amend", json={"text": "x", "reason": "y"}, headers=headers)
    assert twice.status_code == 422 and twice.get_json()["field"] == "note"
    no_reason = client.post(f"{NOTES}{amended.get_json()['id']}/amend", json={"text": "x"}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.get_json()["field"] == "reason"


@pytest.mark.parametrize("username", ["office", "finance", "family", "hr"])
def test_office_finance_family_and_hr_see_none_of_it(client, auth, world, username):
    headers = auth.headers(username)
    for url in (NOTES, ENTRIES, VITALS, "/api/v1/care/observations/", "/api/v1/care/profiles/",
                "/api/v1/care/board/"):
        assert client.get(url, headers=headers).status_code == 403, url
    before = count(ObservationSet)
    assert client.post(ENTRIES, json={"resident_id": world.resident_a.id, "code": "fluid_in", "value": 100},
                       headers=headers).status_code == 403
    assert count(ObservationSet) == before


def test_a_carer_records_charts_and_notes_but_not_vital_signs(client, auth, world):
    headers = auth.headers("carer")
    before = count(ObservationSet)
    assert client.post(VITALS, json={"resident_id": world.resident_a.id, "values": NORMAL},
                       headers=headers).status_code == 403
    single = client.post(ENTRIES, json={"resident_id": world.resident_a.id, "code": "pulse", "value": 80},
                         headers=headers)
    assert single.status_code == 403 and single.get_json()["field"] == "code"
    assert count(ObservationSet) == before
    turn = client.post(ENTRIES, json={"resident_id": world.resident_a.id, "code": "reposition", "value_text": "left",
                                      "extra": {"skin_check": "red"}}, headers=headers)
    assert turn.status_code == 201, turn.get_json()
    assert {o["code"]: o["value_text"] for o in turn.get_json()["observations"]} == {"reposition": "left",
                                                                                     "skin_check": "red"}
    assert client.get(VITALS, headers=headers).status_code == 200  # reads vital signs
    assert client.get("/api/v1/care/board/", headers=headers).status_code == 403  # the board is for nurses


def test_another_homes_resident_is_not_found_and_nothing_is_written(client, auth, world):
    headers = auth.headers("nurse")
    before = (count(ObservationSet), count(CareNote))
    for url, body in ((VITALS, {"values": NORMAL}), (ENTRIES, {"code": "fluid_in", "value": 100}),
                      (NOTES, {"category": "other", "text": "Hello"})):
        response = client.post(url, json={"resident_id": world.resident_b.id, **body}, headers=headers)
        assert response.status_code in (403, 404), (url, response.status_code)
    note_b = db.session.scalar(select(CareNote.id).where(CareNote.home_id == world.home_b.id)
                               .execution_options(skip_home_scope=True))
    assert client.post(f"{NOTES}{note_b}/amend", json={"text": "x", "reason": "y"},
                       headers=headers).status_code == 404
    assert (count(ObservationSet), count(CareNote)) == before


def test_the_board_api_lists_residents_at_risk(client, auth, world):
    headers = auth.headers("nurse")
    values = {**NORMAL, "consciousness": "V"}
    assert client.post(VITALS, json={"resident_id": world.resident_a.id, "values": values},
                       headers=headers).status_code == 201
    board = client.get("/api/v1/care/board/", headers=headers)
    assert board.status_code == 200
    rows = {r["resident_id"]: r for r in board.get_json()["residents"]}
    assert world.resident_b.id not in rows
    assert "news2_high" in {r["code"] for r in rows[world.resident_a.id]["reasons"]}
    assert rows[world.resident_a.id]["entry_url"].endswith(f"resident={world.resident_a.id}")
    assert client.get("/api/v1/care/board/?unit_id=abc", headers=headers).status_code == 400
