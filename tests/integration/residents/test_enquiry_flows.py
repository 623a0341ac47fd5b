"""Enquiry flows that finish where the user is: after saving an enquiry the user lands on it, and
at admission the enquirer becomes the resident's first contact when the office ticks so."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.residents import enquiries
from app.residents.models import Contact, Enquiry, EnquiryStage


def _enquiry(client, world, **extra):
    data = {"home": world.home_a.id, "first_name": "Bryn", "last_name": "Thomas", "source": "family",
            "funding_expected": "self_funder", "date_of_birth": "02/01/1940", **extra}
    return client.post("/enquiryview/add", data=data)


def test_after_adding_or_editing_an_enquiry_the_user_lands_on_that_enquiry(client, auth, world):
    auth.login("office")
    r = _enquiry(client, world)
    enquiry = db.session.scalars(select(Enquiry).where(Enquiry.last_name == "Thomas")).one()
    assert r.status_code == 302 and r.location.endswith(f"/enquiry-board/{enquiry.id}/")
    page = client.get(r.location).get_data(as_text=True)
    assert 'id="enquiry-progress"' in page and "Bryn Thomas" in page

    r = client.post(f"/enquiryview/edit/{enquiry.id}", data={
        "first_name": "Bryn", "last_name": "Thomas", "source": "family", "funding_expected": "self_funder",
        "date_of_birth": "02/01/1940", "care_needs": "Needs help with mobility"})
    assert r.status_code == 302 and r.location.endswith(f"/enquiry-board/{enquiry.id}/")
    assert "Needs help with mobility" in client.get(r.location).get_data(as_text=True)


def test_a_refused_enquiry_is_not_redirected_and_keeps_the_form(client, auth, world):
    auth.login("office")
    r = _enquiry(client, world, last_name="  ")
    assert r.status_code == 200 and "/enquiry-board/" not in (r.location or "")
    assert db.session.scalars(select(Enquiry).where(Enquiry.first_name == "Bryn")).first() is None


def _offered(client, world, today, **enquirer):
    _enquiry(client, world, **enquirer)
    enquiry = db.session.scalars(select(Enquiry).where(Enquiry.last_name == "Thomas")).one()
    day = today - dt.timedelta(days=3)
    client.post(f"/enquiry-board/{enquiry.id}/assessment", data={"assessed_on": day.isoformat()})
    client.post(f"/enquiry-board/{enquiry.id}/offer", data={"bed": world.bed_a.id})
    return enquiry, day


def _contacts(resident_id):
    return list(db.session.scalars(select(Contact).where(Contact.resident_id == resident_id)))


ENQUIRER = {"enquirer_name": "Catrin Rhys", "enquirer_relationship": "Daughter", "enquirer_phone": "029 2000 0000"}


def test_the_enquirer_becomes_the_first_contact_when_ticked(client, auth, world, today):
    auth.login("office")
    enquiry, day = _offered(client, world, today, **ENQUIRER)
    page = client.get(f"/enquiry-board/{enquiry.id}/").get_data(as_text=True)
    assert "Add Catrin Rhys (Daughter) as the resident's first contact" in page
    assert 'name="enquirer_as_contact" value="1" checked' in page  # ticked unless unticked
    r = client.post(f"/enquiry-board/{enquiry.id}/admit", data={
        "admitted_at": f"{day.isoformat()}T14:00", "stay_type": "permanent", "enquirer_as_contact": "1"})
    assert r.status_code == 302 and "/residents/" in r.location
    db.session.expire_all()
    resident = db.session.get(Enquiry, enquiry.id).resident
    [contact] = _contacts(resident.id)
    assert (contact.name, contact.relationship_to_resident, contact.phone) == ("Catrin Rhys", "Daughter",
                                                                               "029 2000 0000")
    assert contact.is_next_of_kin is False and contact.home_id == resident.home_id
    assert "Catrin Rhys" in client.get(r.location).get_data(as_text=True)


def test_unticked_no_contact_and_a_refused_admission_writes_none(client, auth, world, today):
    auth.login("office")
    enquiry, day = _offered(client, world, today, **ENQUIRER)
    # a refused admission (a time in the future) keeps nothing, the contact included, and the tick
    future = today + dt.timedelta(days=3)
    r = client.post(f"/enquiry-board/{enquiry.id}/admit", data={
        "admitted_at": f"{future.isoformat()}T14:00", "stay_type": "permanent", "enquirer_as_contact": "1"})
    assert r.status_code >= 400
    assert 'name="enquirer_as_contact" value="1" checked' in r.get_data(as_text=True)
    assert db.session.scalars(select(Contact).where(Contact.name == "Catrin Rhys")).first() is None
    r = client.post(f"/enquiry-board/{enquiry.id}/admit", data={
        "admitted_at": f"{day.isoformat()}T14:00", "stay_type": "permanent"})
    assert r.status_code == 302
    db.session.expire_all()
    enquiry = db.session.get(Enquiry, enquiry.id)
    assert enquiry.stage == EnquiryStage.admitted and _contacts(enquiry.resident.id) == []


def test_no_enquirer_no_offer_and_never_twice(client, auth, world, today):
    auth.login("office")
    enquiry, day = _offered(client, world, today)
    assert "enquirer_as_contact" not in client.get(f"/enquiry-board/{enquiry.id}/").get_data(as_text=True)
    # the service adds a named enquirer once, even when asked again for the same resident
    resident = world.resident_a
    enquiry.enquirer_name, enquiry.enquirer_relationship = "Catrin Rhys", None
    assert enquiries.add_enquirer_contact(enquiry, resident).relationship_to_resident == "Enquirer"
    assert enquiries.add_enquirer_contact(enquiry, resident) is None
    assert [c.name for c in _contacts(resident.id)].count("Catrin Rhys") == 1
