"""The profile's stay history: every stay with each bed it had and each hospital leave, once each
(the profile reads them all in one query, joined)."""

from __future__ import annotations

import datetime as dt

from app.audit import acting_as
from app.extensions import db
from app.residents import stays
from tests.factories import make_bed, make_resident, make_room, make_unit


def test_the_profile_lists_each_bed_and_each_leave_of_each_stay_once(client, auth, world):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with acting_as(None, "test"):
        unit = make_unit(world.home_a, "Orchard wing")
        beds = [make_bed(make_room(unit, number), "A") for number in ("31", "32", "33")]
        resident = make_resident(world.home_a, "Olwen", "Orchard")
        first = stays.admit_resident(resident.id, beds[0].id, now - dt.timedelta(days=90), "respite")
        stays.discharge_resident(first.id, now - dt.timedelta(days=80), "home")
        second = stays.admit_resident(resident.id, beds[1].id, now - dt.timedelta(days=60), "permanent")
        stays.move_bed(second.id, beds[2].id, now - dt.timedelta(days=40))
        stays.start_hospital_leave(second.id, now - dt.timedelta(days=30), "Ysbyty Gwynedd", "fall")
        stays.return_from_leave(second.id, now - dt.timedelta(days=25))
        stays.start_hospital_leave(second.id, now - dt.timedelta(days=10), "Ysbyty Glan Clwyd", "chest")
        stays.return_from_leave(second.id, now - dt.timedelta(days=8))
        db.session.commit()
        resident_id = resident.id
    auth.login("manager")
    page = client.get(f"/residents/{resident_id}/").get_data(as_text=True)
    for words in ("Room 31 bed A", "Room 32 bed A", "Ysbyty Gwynedd", "Ysbyty Glan Clwyd"):
        assert page.count(f"{words}:") == 1, words
    assert page.count("Room 33 bed A:") == 1
