"""Enquiry flows that finish where the user is: after saving an enquiry the user lands on it, and
at admission the enquirer becomes the resident's first contact when the office ticks so."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.residents.models import Enquiry


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
