"""Finding 1: the admin user form saved every user as working in every home.

The "Works in every home" box was rendered required (a non-nullable Boolean column), so a user was
only saved with it ticked: every new or edited user could see every home. A browser form posts no
value for an unticked box; the user must be saved with the homes chosen and nothing more.
"""

from __future__ import annotations

from sqlalchemy import select

from app.security import CareUser

NEW_PASSWORD = "Gwent-Valley-42!"


def _user(db_session, username):
    return db_session.scalars(select(CareUser).where(CareUser.username == username)).one_or_none()


def test_a_user_created_with_the_box_unticked_works_only_in_the_chosen_home(client, auth, world, db_session, app):
    auth.login("admin")
    nurse_role = app.appbuilder.sm.find_role("Nurse")
    response = client.post("/users/add", data={
        "first_name": "Nia", "last_name": "Evans", "username": "nia.evans", "active": "y",
        "email": "nia.evans@test.example", "roles": [str(nurse_role.id)], "homes": [str(world.home_a.id)],
        "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD,
        # all_homes unticked: a browser sends nothing for it
    }, follow_redirects=True)
    assert response.status_code == 200
    user = _user(db_session, "nia.evans")
    assert user is not None, "the user was not saved with the box unticked"
    assert user.all_homes is False
    assert [h.id for h in user.homes] == [world.home_a.id]


def test_editing_a_user_with_the_box_unticked_keeps_them_out_of_other_homes(client, auth, world, db_session, app):
    auth.login("admin")
    nurse = _user(db_session, "nurse")
    nurse_role = app.appbuilder.sm.find_role("Nurse")
    response = client.post(f"/users/edit/{nurse.id}", data={
        "first_name": "Nurse", "last_name": "Renamed", "username": "nurse", "active": "y",
        "email": nurse.email, "roles": [str(nurse_role.id)], "homes": [str(world.home_a.id)],
        "fail_login_count": "0",
    }, follow_redirects=True)
    assert response.status_code == 200
    db_session.expire_all()
    nurse = _user(db_session, "nurse")
    assert nurse.last_name == "Renamed", "the edit was not saved with the box unticked"
    assert nurse.all_homes is False
    assert [h.id for h in nurse.homes] == [world.home_a.id]


def test_ticking_the_box_still_gives_every_home(client, auth, world, db_session, app):
    auth.login("admin")
    auditor = _user(db_session, "hr")
    role = app.appbuilder.sm.find_role("HR")
    client.post(f"/users/edit/{auditor.id}", data={
        "first_name": "Hr", "last_name": "Tester", "username": "hr", "active": "y", "email": auditor.email,
        "roles": [str(role.id)], "homes": [str(world.home_a.id)], "all_homes": "y", "fail_login_count": "0",
    }, follow_redirects=True)
    db_session.expire_all()
    assert _user(db_session, "hr").all_homes is True
