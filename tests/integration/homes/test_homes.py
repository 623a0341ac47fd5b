"""Homes, units, rooms and beds through the REST API and the browser views."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.homes.models import Bed, CareHome, Room, Unit


def test_manager_adds_unit_room_and_bed_to_their_home(auth, client, world):
    headers = auth.headers("manager")
    r = client.post("/api/v1/units/", json={"name": "Garden wing", "floor": "Ground"}, headers=headers)
    assert r.status_code == 201, r.get_json()
    unit_id = r.get_json()["id"]
    r = client.post("/api/v1/rooms/", json={"unit": unit_id, "number": "12", "en_suite": True}, headers=headers)
    assert r.status_code == 201, r.get_json()
    room_id = r.get_json()["id"]
    r = client.post("/api/v1/beds/", json={"room": room_id, "label": "A"}, headers=headers)
    assert r.status_code == 201, r.get_json()
    bed = db.session.get(Bed, r.get_json()["id"])
    # home_id follows the parent row without being sent
    assert bed.home_id == world.home_a.id
    assert db.session.get(Room, room_id).home_id == world.home_a.id
    assert db.session.get(Unit, unit_id).home_id == world.home_a.id


def test_invalid_home_details_are_refused_naming_each_field(auth, client, world):
    headers = auth.headers("admin")
    r = client.put(
        f"/api/v1/care-homes/{world.home_a.id}",
        json={"postcode": "123 456", "cqc_location_id": "12345", "registered_places": 0},
        headers=headers,
    )
    assert r.status_code == 422
    message = r.get_json()["message"]
    assert {"postcode", "cqc_location_id", "registered_places"} <= set(message)
    db.session.expire_all()
    home = db.session.get(CareHome, world.home_a.id)
    assert home.postcode == "BS1 4DJ" and home.registered_places == 20


def test_postcode_is_normalised(auth, client, world):
    r = client.put(f"/api/v1/care-homes/{world.home_a.id}", json={"postcode": "cf10  1aa"},
                   headers=auth.headers("admin"))
    assert r.status_code == 200, r.get_json()
    assert client.get(f"/api/v1/care-homes/{world.home_a.id}", headers=auth.headers("admin")).get_json()[
        "result"]["postcode"] == "CF10 1AA"


def test_duplicate_room_number_in_a_home_is_refused_not_a_500(auth, client, world):
    r = client.post("/api/v1/rooms/", json={"unit": world.unit_a.id, "number": world.room_a.number},
                    headers=auth.headers("manager"))
    assert r.status_code == 422
    assert "number" in r.get_json()["message"]


def test_deleting_a_unit_with_rooms_is_refused_with_a_reason(auth, client, world):
    r = client.delete(f"/api/v1/units/{world.unit_a.id}", headers=auth.headers("manager"))
    assert r.status_code == 422
    assert "room" in str(r.get_json()["message"])
    assert db.session.get(Unit, world.unit_a.id) is not None


def test_deleting_an_unused_bed_works(auth, client, world):
    headers = auth.headers("manager")
    r = client.post("/api/v1/beds/", json={"room": world.room_a.id, "label": "B"}, headers=headers)
    bed_id = r.get_json()["id"]
    assert client.delete(f"/api/v1/beds/{bed_id}", headers=headers).status_code == 200
    assert db.session.get(Bed, bed_id) is None


def test_bed_cannot_be_marked_occupied_by_hand(auth, client, world):
    r = client.put(f"/api/v1/beds/{world.bed_a.id}", json={"status": "occupied"}, headers=auth.headers("manager"))
    assert r.status_code == 422
    assert "status" in r.get_json()["message"]


def test_out_of_service_needs_a_reason(auth, client, world):
    headers = auth.headers("manager")
    r = client.put(f"/api/v1/beds/{world.bed_a.id}", json={"status": "out_of_service"}, headers=headers)
    assert r.status_code == 422 and "out_of_service_reason" in r.get_json()["message"]
    r = client.put(f"/api/v1/beds/{world.bed_a.id}",
                   json={"status": "out_of_service", "out_of_service_reason": "New flooring"}, headers=headers)
    assert r.status_code == 200


def test_unknown_related_id_is_refused_not_inserted(auth, client, world):
    before = db.session.scalar(select(db.func.count()).select_from(Unit).execution_options(skip_home_scope=True))
    r = client.post("/api/v1/rooms/", json={"unit": 999999, "number": "77"}, headers=auth.headers("manager"))
    assert r.status_code in (404, 422)
    after = db.session.scalar(select(db.func.count()).select_from(Unit).execution_options(skip_home_scope=True))
    assert after == before


def test_browser_add_unit_form_shows_field_errors(auth, client, world):
    auth.login("manager")
    r = client.post("/unitview/add", data={"name": world.unit_a.name, "home": world.home_a.id},
                    follow_redirects=True)
    assert r.status_code == 200
    assert "already used" in r.get_data(as_text=True)


def test_browser_lists_show_the_home_rows(auth, client, world):
    auth.login("manager")
    page = client.get("/bedview/list/").get_data(as_text=True)
    assert "Room 1 bed A" in page or "Room 1" in page


def test_coded_values_show_as_words_and_edit_through_a_choice(auth, client, world):
    auth.login("manager")
    page = client.get("/bedview/list/").get_data(as_text=True)
    assert "Available" in page and ">available<" not in page
    form = client.get(f"/bedview/edit/{world.bed_a.id}").get_data(as_text=True)
    assert 'value="out_of_service"' in form and "Out of service" in form
    response = client.post(
        f"/bedview/edit/{world.bed_a.id}",
        data={"room": world.room_a.id, "label": "A", "status": "out_of_service", "out_of_service_reason": "Leak"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Bed, world.bed_a.id).status.value == "out_of_service"
