"""Finding 7: after leaving a home, a user still saw its residents' names in notifications and the
documents list. Notifications and jobs of a home are shown only while the user works there."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.extensions import db
from app.jobs import Job
from app.notifications.services import notify
from app.security import CareUser

NAME = "Philippa Quarrington"


def _user(username):
    return db.session.scalars(select(CareUser).where(CareUser.username == username)).one()


def _seed(world, user):
    """A notification and a finished document of home A naming a resident, and one of home B."""
    notify([user.id], "band_action", f"MUST high for {NAME}", "Refer to dietitian", home_id=world.home_a.id)
    notify([user.id], "band_action", "Birch Court fire drill", "", home_id=world.home_b.id)
    db.session.add(Job(id=uuid.uuid4().hex, key="seed-a", func="x", args=[], status="finished",
                       description=f"Transfer summary: {NAME}", user_id=user.id, home_id=world.home_a.id))
    db.session.add(Job(id=uuid.uuid4().hex, key="seed-b", func="x", args=[], status="finished",
                       description="Transfer summary: Birch resident", user_id=user.id, home_id=world.home_b.id))
    db.session.commit()


def _move_to_home_b(world, user):
    user.homes = [world.home_b]
    db.session.commit()


def _pages(client):
    return {
        "bell": client.get("/notifications/settings").get_data(as_text=True),
        "notifications": client.get("/notifications/").get_data(as_text=True),
        "documents": client.get("/documents/").get_data(as_text=True),
        "documents api": client.get("/documents/status.json").get_data(as_text=True),
    }


def test_while_working_in_the_home_the_names_are_shown(auth, client, world):
    user = _user("manager.ab")
    _seed(world, user)
    auth.login("manager.ab")
    for where, html in _pages(client).items():
        assert NAME in html, where


def test_after_leaving_the_home_its_residents_names_are_not_shown(auth, client, world):
    user = _user("manager.ab")
    _seed(world, user)
    _move_to_home_b(world, user)
    auth.login("manager.ab")
    pages = _pages(client)
    for where, html in pages.items():
        assert NAME not in html, where
    # what belongs to the home they still work in is still there
    assert "Birch Court fire drill" in pages["notifications"]
    assert "Birch resident" in pages["documents"]


def test_unread_count_leaves_out_the_homes_left(app, world, db_session):
    from app.notifications.services import inbox, unread_count

    user = _user("manager.ab")
    _seed(world, user)
    before = unread_count(user.id)
    _move_to_home_b(world, user)
    assert unread_count(user.id) == before - 1
    assert all(NAME not in n.subject for n in inbox(user.id))
