"""Finding 5: the resident profile ignored the permission matrix. Each section of the profile and
each field group of the resident (clinical, legal, contacts, administrative) follows the same
permissions as its own pages and API: Finance (no rights on the legal register or contacts) does
not see DNACPR, DoLS, contacts or LPA there; Office neither reads nor edits allergies and
conditions (clinical details), in the browser or through the API."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.residents.models import Contact, LegalKind, LegalRecord, LegalStatus, Resident

ALLERGY = "Penicillin anaphylaxis"
CONDITION = "Type 2 diabetes"


def _fill(world):
    resident = db.session.get(Resident, world.resident_a.id)
    resident.allergies = ALLERGY
    resident.conditions = CONDITION
    db.session.add(LegalRecord(home_id=world.home_a.id, resident_id=resident.id, kind=LegalKind.dols,
                               status=LegalStatus.in_force, decision="Standard authorisation granted",
                               authorised_on=dt.date.today(), expires_on=dt.date.today() + dt.timedelta(days=200)))
    db.session.add(Contact(home_id=world.home_a.id, resident_id=resident.id, name="Lasting Attorney",
                           relationship_to_resident="Son", lpa_health_welfare=True))
    db.session.commit()
    return resident


def _profile(client, auth, username, world):
    auth.login(username)
    response = client.get(f"/residents/{world.resident_a.id}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_finance_does_not_see_legal_decisions_or_contacts_on_the_profile(client, auth, world):
    _fill(world)
    page = _profile(client, auth, "finance", world)
    for secret in ("Do not attempt CPR", "Standard authorisation granted", "Seed Contact", "Lasting Attorney",
                   "LPA health and welfare", "DNACPR"):
        assert secret not in page, secret
    assert world.resident_a.last_name in page  # the administrative record is still there


def test_office_does_not_see_clinical_details_on_the_profile(client, auth, world):
    _fill(world)
    page = _profile(client, auth, "office", world)
    assert ALLERGY not in page and CONDITION not in page
    assert "Seed Contact" in page  # Office keeps contacts and the legal register (read)


def test_nurse_sees_every_section(client, auth, world):
    _fill(world)
    page = _profile(client, auth, "nurse", world)
    for shown in (ALLERGY, CONDITION, "Do not attempt CPR", "Standard authorisation granted", "Lasting Attorney"):
        assert shown in page, shown


def test_office_reads_no_clinical_fields_through_the_api(client, auth, world):
    _fill(world)
    headers = auth.headers("office")
    result = client.get(f"/api/v1/residents/{world.resident_a.id}", headers=headers).get_json()["result"]
    assert "allergies" not in result and "conditions" not in result
    assert result["last_name"] == world.resident_a.last_name
    nurse = client.get(f"/api/v1/residents/{world.resident_a.id}", headers=auth.headers("nurse")).get_json()
    assert nurse["result"]["allergies"] == ALLERGY


def test_office_cannot_change_clinical_fields_through_the_api(client, auth, world):
    _fill(world)
    headers = auth.headers("office")
    r = client.put(f"/api/v1/residents/{world.resident_a.id}", json={"allergies": "None known"}, headers=headers)
    assert r.status_code == 403, r.get_json()
    assert "allergies" in r.get_json()["message"]
    r = client.put(f"/api/v1/residents/{world.resident_a.id}", json={"preferred_name": "Addie"}, headers=headers)
    assert r.status_code == 200, r.get_json()
    db.session.expire_all()
    resident = db.session.get(Resident, world.resident_a.id)
    assert resident.allergies == ALLERGY and resident.preferred_name == "Addie"


def test_office_edit_form_has_no_clinical_fields_and_cannot_change_them(client, auth, world):
    _fill(world)
    auth.login("office")
    page = client.get(f"/residentview/edit/{world.resident_a.id}").get_data(as_text=True)
    assert 'name="allergies"' not in page and ALLERGY not in page
    assert 'name="preferred_name"' in page
    client.post(f"/residentview/edit/{world.resident_a.id}", data={
        "first_name": world.resident_a.first_name, "last_name": world.resident_a.last_name,
        "sex": "female", "date_of_birth": "17/05/1938", "nhs_number": world.resident_a.nhs_number,
        "preferred_name": "Addie", "allergies": "None known", "conditions": "",
    })
    db.session.expire_all()
    resident = db.session.get(Resident, world.resident_a.id)
    assert resident.preferred_name == "Addie"  # the administrative details were saved
    assert resident.allergies == ALLERGY and resident.conditions == CONDITION


def test_nurse_edit_form_keeps_clinical_fields(client, auth, world):
    _fill(world)
    auth.login("nurse")
    page = client.get(f"/residentview/edit/{world.resident_a.id}").get_data(as_text=True)
    assert 'name="allergies"' in page and ALLERGY in page
