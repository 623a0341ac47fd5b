"""The rules of resident records and stays: each refusal names the field and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.homes.models import Bed, BedStatus
from app.residents.models import Resident, ResidentStatus, Stay, StayBed
from app.residents.services import nhs_number_is_valid
from tests.factories import make_bed, make_resident
from tests.integration.residents.helpers import noon


@pytest.mark.parametrize("number,valid", [
    ("9434765919", True), ("4010232137", True), ("9434765918", False), ("943476591", False),
    ("94347659190", False), ("abcdefghij", False), ("0000000060", False),  # check digit would be 10
])
def test_nhs_number_modulus_11(number, valid):
    assert nhs_number_is_valid(number) is valid


def count(model):
    return db.session.scalar(select(func.count()).select_from(model).execution_options(skip_home_scope=True))


def test_invalid_nhs_number_is_refused_naming_the_field(api, world):
    before = count(Resident)
    body = {"first_name": "Gwen", "last_name": "Pugh", "nhs_number": "943 476 5918"}
    r = api("office").post("/api/v1/residents/", body)
    assert r.status_code == 422
    assert "nhs_number" in r.get_json()["message"]
    assert count(Resident) == before


def test_nhs_number_is_stored_encrypted_and_found_by_exact_search(api, world):
    office = api("nurse")  # allergies are clinical details: a nurse records them, not the office
    r = office.post("/api/v1/residents/", {"first_name": "Gwen", "last_name": "Pugh", "nhs_number": "401 023 2137",
                                           "date_of_birth": "1941-02-03", "allergies": "Penicillin"})
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    raw = db.session.execute(db.text("SELECT nhs_number, date_of_birth, allergies FROM resident WHERE id = :i"),
                             {"i": rid}).one()
    assert "4010232137" not in raw[0] and "1941" not in raw[1] and "Penicillin" not in raw[2]
    found = office.get("/api/v1/residents/search?q=4010232137").get_json()["result"]
    assert [f["id"] for f in found] == [rid]
    shown = office.get(f"/api/v1/residents/{rid}").get_json()["result"]
    assert shown["nhs_number"] == "4010232137" and shown["date_of_birth"] == "1941-02-03"


def test_duplicates_warn_before_saving_and_save_when_confirmed(api, world):
    office = api("office")
    same_nhs = {"first_name": "Other", "last_name": "Person", "nhs_number": "9434765919"}  # the seeded resident's
    r = office.post("/api/v1/residents/", same_nhs)
    assert r.status_code == 409
    assert r.get_json()["duplicate_of"] == world.resident_a.id and "nhs_number" in r.get_json()["message"]
    same_name_dob = {"first_name": "seed", "last_name": world.resident_a.last_name, "date_of_birth": "1938-05-17"}
    r = office.post("/api/v1/residents/", same_name_dob)
    assert r.status_code == 409 and "date_of_birth" in r.get_json()["message"]
    r = office.post("/api/v1/residents/", {**same_name_dob, "confirm_duplicate": True})
    assert r.status_code == 201


def test_a_resident_of_another_home_is_not_a_duplicate_one_can_see(api, world):
    # home B's seeded NHS number is not visible to a home A user, so it cannot be revealed by a 409
    r = api("office").post("/api/v1/residents/", {"first_name": "A", "last_name": "B", "nhs_number": "9434765870"})
    assert r.status_code == 201


def _admit(api_user, resident_id, bed_id, when, stay_type="permanent"):
    return api_user.post("/api/v1/stays/admit", {"resident": resident_id, "bed": bed_id, "admitted_at": when,
                                                  "stay_type": stay_type})


def test_admission_to_an_occupied_out_of_service_or_foreign_bed_is_refused(api, world, today):
    office = api("office")
    resident = make_resident(world.home_a, "Iolo", "Morgan")
    broken = make_bed(world.room_a, "X", status=BedStatus.out_of_service)
    when = noon(today - dt.timedelta(days=1))
    stays_before = count(Stay)
    for bed_id in (world.occupied_bed_a.id, broken.id, world.bed_b.id, 999999):
        r = _admit(office, resident.id, bed_id, when)
        assert r.status_code == 422, (bed_id, r.get_json())
        assert "bed" in r.get_json()["message"]
    assert count(Stay) == stays_before
    db.session.expire_all()
    assert db.session.get(Bed, world.bed_b.id).status == BedStatus.available


def test_admission_reports_every_problem_together(api, world, today):
    r = _admit(api("office"), world.resident_a.id, world.occupied_bed_a.id,
               noon(today + dt.timedelta(days=3)), "holiday")
    message = r.get_json()["message"]
    assert r.status_code == 422
    assert {"resident", "bed", "admitted_at", "stay_type"} <= set(message)


def test_overlapping_stays_and_backward_dates_are_refused(api, world, today):
    office = api("office")
    resident = make_resident(world.home_a, "Mair", "Roberts")
    r = _admit(office, resident.id, world.bed_a.id, noon(today - dt.timedelta(days=20)))
    stay_id = r.get_json()["id"]
    r = office.post(f"/api/v1/stays/{stay_id}/discharge",
                    {"discharged_at": noon(today - dt.timedelta(days=21)), "destination": "home"})
    assert r.status_code == 422 and "discharged_at" in r.get_json()["message"]
    r = office.post(f"/api/v1/stays/{stay_id}/discharge",
                    {"discharged_at": noon(today - dt.timedelta(days=10)), "destination": "home"})
    assert r.status_code == 200, r.get_json()
    # a new stay starting inside the old one overlaps it
    r = _admit(office, resident.id, world.bed_a.id, noon(today - dt.timedelta(days=15)))
    assert r.status_code == 422 and "admitted_at" in r.get_json()["message"]
    # another resident cannot be backdated into the bed while it was held
    other = make_resident(world.home_a, "Dai", "Lewis")
    r = _admit(office, other.id, world.bed_a.id, noon(today - dt.timedelta(days=12)))
    assert r.status_code == 422 and "bed" in r.get_json()["message"]
    r = _admit(office, resident.id, world.bed_a.id, noon(today - dt.timedelta(days=5)))
    assert r.status_code == 200


def test_a_resident_has_one_current_stay_and_a_bed_one_resident(api, world, today):
    office = api("office")
    r = _admit(office, world.resident_a.id, world.bed_a.id, noon(today))
    assert r.status_code == 422 and "resident" in r.get_json()["message"]


def test_move_to_the_same_or_an_occupied_bed_is_refused(api, world, today):
    office = api("office")
    stay = db.session.scalars(select(Stay).where(Stay.resident_id == world.resident_a.id)).one()
    r = office.post(f"/api/v1/stays/{stay.id}/move", {"bed": world.occupied_bed_a.id, "moved_at": noon(today, 0, 1)})
    assert r.status_code == 422 and "bed" in r.get_json()["message"]
    before_admission = noon(today - dt.timedelta(days=40))
    r = office.post(f"/api/v1/stays/{stay.id}/move", {"bed": world.bed_a.id, "moved_at": before_admission})
    assert r.status_code == 422 and "moved_at" in r.get_json()["message"]


def test_after_a_death_only_after_death_records_are_allowed(api, world, today):
    manager = api("manager")
    died = noon(today - dt.timedelta(days=1))
    r = manager.post("/api/v1/stays/death", {"resident": world.resident_a.id, "died_at": died})
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    resident = db.session.get(Resident, world.resident_a.id)
    assert resident.status == ResidentStatus.deceased and resident.died_at is not None
    assert db.session.get(Bed, world.occupied_bed_a.id).status == BedStatus.available
    open_periods = select(StayBed).where(StayBed.to_at.is_(None), StayBed.home_id == world.home_a.id)
    assert db.session.scalars(open_periods).all() == []
    r = _admit(manager, resident.id, world.bed_a.id, noon(today))
    assert r.status_code == 422 and "resident" in r.get_json()["message"]
    r = manager.post("/api/v1/legal-records/", {"resident": resident.id, "kind": "dnacpr", "decision": "x",
                                                "decided_on": today.isoformat()})
    assert r.status_code == 422 and "resident" in r.get_json()["message"]
    # a contact can still be recorded (e.g. who was told)
    r = manager.post("/api/v1/contacts/",
                     {"resident": resident.id, "name": "Huw Jones", "relationship_to_resident": "Son"})
    assert r.status_code == 201


def test_void_needs_a_reason_hides_the_record_and_never_deletes(api, world, today):
    manager = api("manager")
    resident = make_resident(world.home_a, "Sian", "Price")
    r = manager.post(f"/api/v1/residents/{resident.id}/void", {"void_reason": "  "})
    assert r.status_code == 422 and "void_reason" in r.get_json()["message"]
    r = manager.post(f"/api/v1/residents/{resident.id}/void", {"void_reason": "Entered twice"})
    assert r.status_code == 200
    ids = manager.get("/api/v1/residents/").get_json()["ids"]
    assert resident.id not in ids and world.resident_a.id in ids
    assert manager.get(f"/api/v1/residents/{resident.id}").status_code == 404
    assert manager.get(f"/api/v1/residents/{resident.id}?show_voided=1").status_code == 200
    assert manager.client.delete(f"/api/v1/residents/{resident.id}", headers=manager.headers).status_code in (404, 405)
    # a resident with a current stay must be discharged first
    r = manager.post(f"/api/v1/residents/{world.resident_a.id}/void", {"void_reason": "Mistake"})
    assert r.status_code == 422 and "resident" in r.get_json()["message"]


def test_legal_register_rules_and_dates_due(api, world, today):
    nurse = api("nurse")
    r = nurse.post("/api/v1/legal-records/", {"resident": world.resident_a.id, "kind": "dols", "status": "in_force",
                                              "applied_on": (today - dt.timedelta(days=400)).isoformat(),
                                              "authorised_on": (today - dt.timedelta(days=380)).isoformat(),
                                              "expires_on": (today + dt.timedelta(days=20)).isoformat()})
    assert r.status_code == 422 and "expires_on" in r.get_json()["message"]  # longer than a year
    r = nurse.post("/api/v1/legal-records/", {"resident": world.resident_a.id, "kind": "dols", "status": "in_force",
                                              "applied_on": (today - dt.timedelta(days=340)).isoformat(),
                                              "authorised_on": (today - dt.timedelta(days=330)).isoformat(),
                                              "expires_on": (today + dt.timedelta(days=20)).isoformat(),
                                              "conditions": "Review visiting arrangements monthly"})
    assert r.status_code == 201, r.get_json()
    due = nurse.get("/api/v1/legal-records/due").get_json()["result"]
    assert [(d["kind"], d["days"]) for d in due] == [("dols", 20)]
    r = nurse.post("/api/v1/legal-records/", {"resident": world.resident_a.id, "kind": "mca",
                                              "decision": "Where to live", "decided_on": today.isoformat()})
    assert r.status_code == 422 and "lacks_capacity" in r.get_json()["message"]
