"""An office user takes an enquiry to admission, moves the resident, records hospital leave, the
return and a discharge; the home's occupancy changes by exactly the hand-computed bed-nights."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.homes.models import Bed, BedServicePeriod, BedStatus
from app.residents.models import EnquiryStage, Resident, Stay
from tests.integration.residents.helpers import noon


def _unit_with_beds(api, world):
    """A new unit in home A: two rooms with a bed each, and a third bed out of service."""
    manager = api("manager")
    unit = manager.post("/api/v1/units/", {"name": "Garden wing"}).get_json()["id"]
    beds = []
    for number in ("G1", "G2", "G3"):
        room = manager.post("/api/v1/rooms/", {"unit": unit, "number": number}).get_json()["id"]
        body = {"room": room, "label": "A"}
        if number == "G3":
            body.update(status="out_of_service", out_of_service_reason="New flooring")
        r = manager.post("/api/v1/beds/", body)
        assert r.status_code == 201, r.get_json()
        beds.append(r.get_json()["id"])
    return unit, beds


def _figures(api, start, end):
    r = api("office").get(f"/api/v1/occupancy/?start_on={start}&end_on={end}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["result"]


def _home(result, home_id):
    return next(h for h in result["homes"] if h["home_id"] == home_id)


def test_office_journey_from_enquiry_to_discharge_changes_occupancy_as_hand_computed(api, world, today):
    unit_id, (bed1, bed2, bed3) = _unit_with_beds(api, world)
    base = today - dt.timedelta(days=20)
    start, end = base - dt.timedelta(days=1), base + dt.timedelta(days=14)  # 16 nights
    # the third bed has been out of service since before the period (its history says so)
    [period] = db.session.scalars(select(BedServicePeriod).where(BedServicePeriod.bed_id == bed3)).all()
    period.from_at = dt.datetime.combine(start - dt.timedelta(days=30), dt.time(12), dt.UTC)
    db.session.commit()
    home_before = _home(_figures(api, start, end), world.home_a.id)

    office = api("office")
    r = office.post("/api/v1/enquiries/", {
        "first_name": "Eluned", "last_name": "Rhys", "date_of_birth": "1936-09-14", "source": "hospital",
        "funding_expected": "local_authority", "care_needs": "Needs help with mobility after a fall",
        "enquirer_name": "Catrin Rhys", "enquirer_relationship": "Daughter",
    })
    assert r.status_code == 201, r.get_json()
    enquiry = r.get_json()["id"]
    assert office.post(f"/api/v1/enquiries/{enquiry}/offer", {"bed": bed1}).status_code == 422  # assess first
    assessed_on = (base - dt.timedelta(days=3)).isoformat()
    r = office.post(f"/api/v1/enquiries/{enquiry}/assessment",
                    {"assessed_on": assessed_on, "assessment_notes": "We can meet her needs"})
    assert r.status_code == 200 and r.get_json()["result"]["stage"] == "assessment"
    r = office.post(f"/api/v1/enquiries/{enquiry}/waiting-list", {"waiting_priority": 1})
    assert r.get_json()["result"]["on_waiting_list"] is True
    assert office.post(f"/api/v1/enquiries/{enquiry}/offer", {"bed": bed3}).status_code == 422  # out of service
    r = office.post(f"/api/v1/enquiries/{enquiry}/offer", {"bed": bed1})
    assert r.status_code == 200 and r.get_json()["result"]["offered_bed_id"] == bed1

    # admitted at noon on day 0, to the offered bed
    r = office.post(f"/api/v1/enquiries/{enquiry}/admit", {"admitted_at": noon(base), "stay_type": "permanent"})
    assert r.status_code == 200, r.get_json()
    stay_id, resident_id = r.get_json()["result"]["stay_id"], r.get_json()["result"]["resident_id"]
    resident = db.session.get(Resident, resident_id)
    assert resident.full_name == "Eluned Rhys" and resident.date_of_birth == dt.date(1936, 9, 14)
    assert office.get(f"/api/v1/enquiries/{enquiry}").get_json()["result"]["stage"] == EnquiryStage.admitted.value
    assert db.session.get(Bed, bed1).status == BedStatus.occupied

    # day 3: moved to bed 2; day 5 into hospital (bed 2 kept), back on day 8; discharged home on day 12
    steps = [
        ("move", {"bed": bed2, "moved_at": noon(base + dt.timedelta(days=3), 10)}),
        ("hospital-leave", {"left_at": noon(base + dt.timedelta(days=5), 9), "hospital": "Royal Gwent"}),
        ("return", {"returned_at": noon(base + dt.timedelta(days=8), 15)}),
        ("discharge", {"discharged_at": noon(base + dt.timedelta(days=12), 11), "destination": "home"}),
    ]
    for name, body in steps:
        r = office.post(f"/api/v1/stays/{stay_id}/{name}", body)
        assert r.status_code == 200, (name, r.get_json())
        db.session.expire_all()
        if name == "move":
            assert db.session.get(Bed, bed1).status == BedStatus.available
            assert db.session.get(Bed, bed2).status == BedStatus.occupied
        if name == "hospital-leave":
            assert db.session.get(Bed, bed2).status == BedStatus.occupied  # kept
            assert db.session.get(Stay, stay_id).status.value == "hospital_leave"
    assert db.session.get(Bed, bed2).status == BedStatus.available
    assert db.session.get(Resident, resident_id).status.value == "discharged"

    result = _figures(api, start, end)
    unit = next(u for u in _home(result, world.home_a.id)["units"] if u["unit_id"] == unit_id)
    # bed 1: nights of days 0-2 (3); bed 2: days 3-11 (9); the out-of-service bed is not available
    assert result["nights"] == 16
    assert unit["beds_in_service"] == 2 and unit["out_of_service_today"] == 1
    assert unit["occupied_bed_nights"] == 12
    assert unit["available_bed_nights"] == 32
    assert unit["occupancy_percent"] == 37.5
    assert unit["hospital_leave_bed_nights"] == 3  # nights of days 5, 6 and 7
    assert (unit["admissions"], unit["discharges"], unit["deaths"]) == (1, 1, 0)
    assert unit["average_length_of_stay_days"] == 12.0
    assert unit["occupied_today"] == 0 and unit["vacant_today"] == 2

    home_after = _home(result, world.home_a.id)
    assert home_after["occupied_bed_nights"] == home_before["occupied_bed_nights"] + 12
    assert home_after["available_bed_nights"] == home_before["available_bed_nights"]
    assert home_after["admissions"] == home_before["admissions"] + 1
    assert home_after["discharges"] == home_before["discharges"] + 1
    assert result["group"]["occupied_bed_nights"] == home_after["occupied_bed_nights"]  # office: home A only

    # a later period that the stay does not reach has none of it
    later = _figures(api, base + dt.timedelta(days=13), base + dt.timedelta(days=14))
    later_unit = next(u for u in _home(later, world.home_a.id)["units"] if u["unit_id"] == unit_id)
    assert later_unit["occupied_bed_nights"] == 0 and later_unit["occupancy_percent"] == 0.0


def test_the_same_journey_in_the_browser(client, auth, world, today):
    auth.login("office")
    r = client.post("/enquiryview/add", data={"home": world.home_a.id, "first_name": "Bryn", "last_name": "Thomas",
                                              "source": "family",
                                              "funding_expected": "self_funder", "date_of_birth": "1940-01-02"},
                    follow_redirects=True)
    assert r.status_code == 200
    from app.residents.models import Enquiry

    enquiry = db.session.scalars(select(Enquiry).where(Enquiry.last_name == "Thomas")).one()
    assert "Bryn Thomas" in client.get("/enquiry-board/").get_data(as_text=True)
    day = today - dt.timedelta(days=6)
    client.post(f"/enquiry-board/{enquiry.id}/assessment", data={"assessed_on": day.isoformat()})
    client.post(f"/enquiry-board/{enquiry.id}/offer", data={"bed": world.bed_a.id})
    r = client.post(f"/enquiry-board/{enquiry.id}/admit",
                    data={"admitted_at": f"{day.isoformat()}T14:00", "stay_type": "respite"})
    assert r.status_code == 302 and "/residents/" in r.location
    db.session.expire_all()
    resident = db.session.get(Enquiry, enquiry.id).resident
    assert resident is not None and resident.current_stay.bed_id == world.bed_a.id
    profile = client.get(f"/residents/{resident.id}/").get_data(as_text=True)
    assert "Bryn Thomas" in profile and "Room 1 bed A" in profile

    later = today - dt.timedelta(days=2)
    client.post(f"/stay-actions/{resident.id}/leave", data={"left_at": f"{later.isoformat()}T08:00", "hospital": "UHW"})
    client.post(f"/stay-actions/{resident.id}/back", data={"returned_at": f"{later.isoformat()}T20:00"})
    # a discharge dated before the admission is refused with the field named, and nothing changes
    page = client.post(f"/stay-actions/{resident.id}/discharge",
                       data={"discharged_at": f"{(day - dt.timedelta(days=1)).isoformat()}T10:00",
                             "destination": "home"}, follow_redirects=True).get_data(as_text=True)
    assert "Discharged at" in page and "before the admission" in page
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).current_stay is not None
    client.post(f"/stay-actions/{resident.id}/discharge",
                data={"discharged_at": f"{today.isoformat()}T00:30", "destination": "another_care_home"})
    db.session.expire_all()
    resident = db.session.get(Resident, resident.id)
    assert resident.current_stay is None and resident.status.value == "discharged"
    assert db.session.get(Bed, world.bed_a.id).status == BedStatus.available
    history = client.get(f"/residents/{resident.id}/").get_data(as_text=True)
    assert "UHW" in history and "another care home" in history.lower()
