"""Who may do what with residents (switching user), and the pages a user sees."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import permissions
from app.extensions import db
from app.residents.models import Resident
from tests.factories import ROLE_USERS

READS = {
    "Residents": "/api/v1/residents/",
    "Contacts": "/api/v1/contacts/",
    "Legal register": "/api/v1/legal-records/",
    "Enquiries": "/api/v1/enquiries/",
    "Stays": "/api/v1/stays/",
    "Occupancy": "/api/v1/occupancy/?start_on=2025-01-01&end_on=2025-01-31",
}


@pytest.mark.parametrize("role", permissions.ROLE_NAMES)
def test_each_role_reads_and_writes_exactly_what_the_matrix_gives(client, auth, world, role):
    headers = auth.headers(ROLE_USERS[role])
    grants = permissions.MATRIX.get(role, {})
    letters = lambda resource: "rw" if role == "Administrator" else grants.get(resource, "")  # noqa: E731
    for resource, url in READS.items():
        status = client.get(url, headers=headers).status_code
        assert (status == 200) == ("r" in letters(resource)), f"{role} read {resource}: {status}"
    r = client.post("/api/v1/legal-records/", headers=headers, json={
        "resident": world.resident_a.id, "kind": "respect", "decision": "For ward-based care",
        "decided_on": "2025-01-10"})
    assert (r.status_code == 201) == ("w" in letters("Legal register")), f"{role} write legal: {r.status_code}"
    r = client.post("/api/v1/enquiries/", headers=headers, json={"first_name": "Nia", "last_name": "Wyn",
                                                                 "home": world.home_a.id})
    assert (r.status_code == 201) == ("w" in letters("Enquiries")), f"{role} write enquiry: {r.status_code}"
    status = client.delete(f"/api/v1/residents/{world.resident_a.id}", headers=headers).status_code
    assert status in (403, 404, 405)  # never deleted, only voided


def test_carer_sees_the_profile_but_cannot_change_legal_status_or_stays(client, auth, world):
    auth.login("carer")
    page = client.get(f"/residents/{world.resident_a.id}/").get_data(as_text=True)
    assert "DNACPR in place" in page and "Room 1 bed S" in page and "Seed Contact" in page
    assert 'id="admit-form"' not in page and "/stay-actions/" not in page
    assert client.get("/legalrecordview/add").status_code in (302, 403)
    r = client.post(f"/stay-actions/{world.resident_a.id}/discharge",
                    data={"discharged_at": "2025-01-01T10:00", "destination": "home"})
    assert r.status_code in (302, 403)
    db.session.expire_all()
    assert db.session.get(Resident, world.resident_a.id).current_stay is not None


def test_family_sees_nothing_of_residents(client, auth, world):
    auth.login("family")
    assert client.get(f"/residents/{world.resident_a.id}/").status_code in (302, 403)
    assert "resident-search-box" not in client.get("/").get_data(as_text=True)


def test_a_home_a_user_cannot_open_a_home_b_profile_or_act_on_it(client, auth, world):
    auth.login("manager")
    assert client.get(f"/residents/{world.resident_b.id}/").status_code == 404
    r = client.post(f"/stay-actions/{world.resident_b.id}/discharge",
                    data={"discharged_at": "2025-01-01T10:00", "destination": "home"})
    assert r.status_code == 404


def test_navbar_search_by_name_room_and_nhs_number(client, auth, world):
    auth.login("nurse")
    assert "resident-search-box" in client.get("/").get_data(as_text=True)
    for query in ("943 476 5919", "seed resident", "1"):
        r = client.get(f"/residents/search?q={query}")
        assert r.status_code == 302 and f"/residents/{world.resident_a.id}/" in r.location, query
    page = client.get("/residents/search?q=nobody-here").get_data(as_text=True)
    assert "No resident matches" in page
    # home B's resident is never found
    r = client.get("/residents/search?q=9434765870")
    assert r.status_code == 200 and "Birch Court" not in r.get_data(as_text=True)


def test_browser_form_asks_to_confirm_a_likely_duplicate(client, auth, world):
    auth.login("office")
    data = {"home": world.home_a.id, "first_name": "Another", "last_name": "Person", "nhs_number": "9434765919",
            "sex": "female"}
    page = client.post("/residentview/add", data=data).get_data(as_text=True)
    assert "already exists" in page and 'value="Another"' in page  # the form comes back, filled in
    count = db.session.scalar(select(func.count()).select_from(Resident))
    client.post("/residentview/add", data={**data, "confirm_duplicate": "y"})
    assert db.session.scalar(select(func.count()).select_from(Resident)) == count + 1


def test_void_page_needs_a_reason(client, auth, world):
    auth.login("manager")
    r = client.post("/residentview/add", data={"home": world.home_a.id, "first_name": "Void", "last_name": "Me",
                                                 "sex": "male"})
    resident = db.session.scalars(select(Resident).where(Resident.last_name == "Me")).one()
    page = client.post(f"/residentview/void/{resident.id}", data={"void_reason": ""}, follow_redirects=True)
    assert "Give the reason" in page.get_data(as_text=True)
    client.post(f"/residentview/void/{resident.id}", data={"void_reason": "Test record"})
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).voided_at is not None
    assert "Void Me" not in client.get("/residentview/list/").get_data(as_text=True)
    assert r.status_code == 302


def test_manager_pages_render(client, auth, world, today):
    auth.login("manager")
    for url in ("/occupancy/", "/enquiry-board/", "/legalrecordview/due/", "/residentview/list/",
                "/contactview/list/", "/stayview/list/", "/enquiryview/list/", "/legalrecordview/list/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "Birch Court" not in r.get_data(as_text=True), url
    page = client.get(f"/occupancy/?start_on={(today - dt.timedelta(days=9)).isoformat()}&end_on={today.isoformat()}")
    text = page.get_data(as_text=True)
    assert "<svg" in text and "Alder House" in text
    # a period ending in the future is refused with the field named
    text = client.get(f"/occupancy/?start_on={today.isoformat()}&end_on={(today + dt.timedelta(days=5)).isoformat()}",
                      follow_redirects=True).get_data(as_text=True)
    assert "End on" in text
