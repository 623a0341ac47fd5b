"""Finding 4: the task "Person" picker and the task API offered and accepted every account in the
group, other homes' staff and family users included. Only staff of the task's home (working in
it or in every home, not Family) may be given a task; the API refuses others naming the field."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.assessments.models import Task
from app.extensions import db
from app.security import CareUser


def user_id(username: str) -> int:
    return db.session.scalars(select(CareUser.id).where(CareUser.username == username)).one()


def new_task(world, username, **extra):
    return {"title": "Weigh Ada", "due_on": dt.date.today().isoformat(), "resident": world.resident_a.id,
            "assigned_user": user_id(username), **extra}


def test_api_refuses_another_homes_manager_as_the_person(auth, client, world):
    r = client.post("/api/v1/tasks/", json=new_task(world, "manager.b"), headers=auth.headers("nurse"))
    assert r.status_code == 422, r.get_json()
    assert "assigned_user" in r.get_json()["message"]
    assert db.session.scalars(select(Task).where(Task.title == "Weigh Ada")).first() is None


def test_api_refuses_a_family_user_as_the_person(auth, client, world):
    r = client.post("/api/v1/tasks/", json=new_task(world, "family"), headers=auth.headers("nurse"))
    assert r.status_code == 422, r.get_json()
    assert "assigned_user" in r.get_json()["message"]


def test_api_refuses_changing_the_person_to_another_homes_staff(auth, client, world):
    task = db.session.scalars(select(Task).where(Task.home_id == world.home_a.id)).first()
    r = client.put(f"/api/v1/tasks/{task.id}", json={"assigned_user": user_id("manager.b")},
                   headers=auth.headers("manager"))
    assert r.status_code == 422, r.get_json()
    assert "assigned_user" in r.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Task, task.id).assigned_user_id is None


def test_api_accepts_staff_of_the_home_and_group_staff(auth, client, world):
    headers = auth.headers("nurse")
    for username in ("carer", "manager.ab", "admin"):
        r = client.post("/api/v1/tasks/", json=new_task(world, username, title=f"For {username}"), headers=headers)
        assert r.status_code == 201, (username, r.get_json())
        assert db.session.get(Task, r.get_json()["id"]).assigned_user_id == user_id(username)


def test_api_offers_only_the_homes_staff(auth, client, world):
    headers = auth.headers("nurse")
    r = client.get("/api/v1/tasks/related/assigned_user?q=(page_size:100)", headers=headers)
    if r.status_code == 404:  # no related endpoint: the choices come with _info
        r = client.get("/api/v1/tasks/_info?q=(keys:!(add_columns))", headers=headers)
    assert r.status_code == 200
    offered = set(re.findall(r'"id": ?(\d+)', r.get_data(as_text=True)))
    for username in ("nurse", "carer", "manager.ab", "admin"):
        assert str(user_id(username)) in offered, username
    for username in ("manager.b", "family"):
        assert str(user_id(username)) not in offered, username


def test_person_picker_in_the_browser_offers_only_the_homes_staff(auth, client, world):
    auth.login("nurse")
    page = client.get("/taskview/add").get_data(as_text=True)
    select_html = page.split('id="assigned_user"')[1].split("</select>")[0]
    offered = set(re.findall(r'value="(\d+)"', select_html))
    assert str(user_id("carer")) in offered and str(user_id("admin")) in offered
    assert str(user_id("manager.b")) not in offered
    assert str(user_id("family")) not in offered
