"""Readable lists: rooms and beds in natural order, the resident list with photo, room, unit, age
and status in words, filtered by unit within the user's homes only."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.homes.natural import natural_key
from app.residents import stays
from app.residents.services import today_in_london
from tests.factories import make_bed, make_resident, make_room, make_unit

NUMBERS = ["10", "2", "11", "1b"]  # with the seeded room "1": 1, 1b, 2, 10, 11


def test_natural_key_counts_numbers_as_numbers():
    rooms = ["Room 10", "room 2", "Room 1", "11", "2", "1", "10", "2A", "Room 2b"]
    assert sorted(rooms, key=natural_key) == ["1", "2", "2A", "10", "11", "Room 1", "room 2", "Room 2b", "Room 10"]


@pytest.fixture()
def rooms(world):
    """Rooms 10, 2, 11 and 1b of home A's unit (added out of order), each with a free bed A."""
    made = {number: make_room(world.unit_a, number) for number in NUMBERS}
    beds = {number: make_bed(room, "A") for number, room in made.items()}
    db.session.commit()
    return made, beds


def _positions(page: str, texts: list[str]) -> list[int]:
    found = [page.find(t) for t in texts]
    assert all(p >= 0 for p in found), dict(zip(texts, found))
    return found


def test_rooms_list_sorts_rooms_naturally(client, auth, world, rooms):
    auth.login("manager")
    page = client.get("/roomview/list/").get_data(as_text=True)
    cells = re.findall(r"<td>\s*(1|1b|2|10|11)\s*</td>", page)
    assert cells == ["1", "1b", "2", "10", "11"]
    # the other direction too, when the user clicks the column
    page = client.get("/roomview/list/?_oc_RoomView=number&_od_RoomView=desc").get_data(as_text=True)
    assert re.findall(r"<td>\s*(1|1b|2|10|11)\s*</td>", page) == ["11", "10", "2", "1b", "1"]
    # paging keeps the order: a page of two rooms is the next two in natural order
    page = client.get("/roomview/list/?psize_RoomView=2&page_RoomView=1").get_data(as_text=True)
    assert re.findall(r"<td>\s*(1|1b|2|10|11)\s*</td>", page) == ["2", "10"]


def test_beds_list_and_the_admit_forms_bed_choice_are_in_natural_order(client, auth, world, rooms):
    auth.login("manager")
    page = client.get("/bedview/list/").get_data(as_text=True)
    order = [f"Room {n}" for n in ("1", "1b", "2", "10", "11")]
    assert _positions(page, order) == sorted(_positions(page, order))

    newcomer = make_resident(world.home_a, "Nell", "Newcomer")
    db.session.commit()
    page = client.get(f"/residents/{newcomer.id}/").get_data(as_text=True)
    form = page[page.index('id="admit-form"'):]
    form = form[:form.index("</form>")]
    shown = re.findall(r'<option value="\d+">Room (\w+) bed (\w+)', form)
    assert shown == [("1", "A"), ("1b", "A"), ("2", "A"), ("10", "A"), ("11", "A")]


def test_resident_list_shows_room_unit_age_and_status_in_words(client, auth, world, rooms):
    made, beds = rooms
    today = today_in_london()
    born = dt.date(today.year - 87, 1, 1)
    ada = make_resident(world.home_a, "Ada", "Admitted", date_of_birth=born)
    make_resident(world.home_a, "Una", "Unknown-birthday", date_of_birth=None)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stays.admit_resident(ada.id, beds["10"].id, now - dt.timedelta(days=3), "permanent")
    db.session.commit()

    auth.login("manager")
    page = client.get("/residentview/list/").get_data(as_text=True)
    row = page[page.index("Ada Admitted"):]
    row = row[:row.index("</tr>")]
    assert f'href="/residents/{ada.id}/"' in page
    assert "Room 10 bed A" in row and world.unit_a.name in row and "In residence" in row
    assert re.search(r"<td>\s*87\s*</td>", row)
    assert "No photo" in page or "fa-user" in row
    una = page[page.index("Una Unknown-birthday"):]
    una = una[:una.index("</tr>")]
    assert "Not admitted" in una
    table = page[page.index("<table"):page.index("</table>")]
    assert "None" not in table and "in_residence" not in table and "not_admitted" not in table


def test_unit_filter_narrows_the_list_and_offers_only_the_users_units(client, auth, world, rooms):
    made, beds = rooms
    garden = make_unit(world.home_a, "Garden wing")
    garden_bed = make_bed(make_room(garden, "20"), "A")
    gwen = make_resident(world.home_a, "Gwen", "Garden")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stays.admit_resident(gwen.id, garden_bed.id, now - dt.timedelta(days=3), "permanent")
    db.session.commit()

    auth.login("manager")
    whole = client.get("/residentview/list/").get_data(as_text=True)
    assert "Gwen Garden" in whole and "Seed Resident Alder House" in whole
    # the drop-down offers home A's units, never home B's
    assert f'<option value="{garden.id}"' in whole and f'<option value="{world.unit_a.id}"' in whole
    assert f'<option value="{world.unit_b.id}"' not in whole and world.unit_b.name not in whole

    garden_only = client.get(f"/residentview/list/?unit={garden.id}").get_data(as_text=True)
    assert "Gwen Garden" in garden_only and "Seed Resident Alder House" not in garden_only
    assert f'<option value="{garden.id}" selected' in garden_only
    first_unit = client.get(f"/residentview/list/?unit={world.unit_a.id}").get_data(as_text=True)
    assert "Seed Resident Alder House" in first_unit and "Gwen Garden" not in first_unit

    # another home's unit shows nothing of that home; junk is ignored, not a 500
    other = client.get(f"/residentview/list/?unit={world.unit_b.id}")
    assert other.status_code == 200
    text = other.get_data(as_text=True)
    assert "Seed Resident Birch Court" not in text and world.unit_b.name not in text
    for junk in ("abc", "-1", "99999999999999999999"):
        assert client.get(f"/residentview/list/?unit={junk}").status_code == 200


def test_a_user_of_both_homes_sees_units_named_with_their_home(client, auth, world):
    auth.login("manager.ab")
    page = client.get("/residentview/list/").get_data(as_text=True)
    assert f"{world.unit_a.name} ({world.home_a.name})" in page
    assert f"{world.unit_b.name} ({world.home_b.name})" in page
    narrowed = client.get(f"/residentview/list/?unit={world.unit_b.id}").get_data(as_text=True)
    assert "Seed Resident Birch Court" in narrowed and "Seed Resident Alder House" not in narrowed


def test_every_list_of_the_product_has_a_default_order(app):
    from flask_appbuilder import ModelView

    missing = []
    for view in app.appbuilder.baseviews:
        module = type(view).__module__
        # the users page (app/security.py) extends Flask-AppBuilder's own and is left to its owner
        if not isinstance(view, ModelView) or not module.startswith("app.") or module == "app.security":
            continue
        order = view.base_order
        if not order or not hasattr(view.datamodel.obj, order[0]) or order[1] not in ("asc", "desc"):
            missing.append(type(view).__name__)
    assert missing == []


def test_every_list_opens_in_its_default_order_for_the_administrator(app, client, auth, world):
    from flask import url_for
    from flask_appbuilder import ModelView

    auth.login("admin")
    with app.test_request_context():
        urls = {type(v).__name__: url_for(f"{type(v).__name__}.list") for v in app.appbuilder.baseviews
                if isinstance(v, ModelView) and type(v).__module__.startswith("app.")}
    failed = {name: code for name, url in urls.items() if (code := client.get(url).status_code) != 200}
    assert failed == {}
