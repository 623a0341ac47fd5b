"""Finding 8: a Home Manager of one home could create care homes for the group.

Only group administrators (users who work in every home with a role that may change the
organisation) add homes; a home's manager still edits their own home."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.homes.models import CareHome
from tests.factories import make_user

NEW_HOME = {"name": "Cedar Lodge", "regulator": "CQC", "service_type": "residential", "registered_places": 12,
            "address_line_1": "2 Park Road", "town": "Bath", "postcode": "BA1 1AA", "active": True}


def _homes() -> int:
    return db.session.scalar(select(func.count()).select_from(CareHome).execution_options(skip_home_scope=True))


def _body(world, **extra):
    return {**NEW_HOME, "organisation": world.home_a.organisation_id, **extra}


def test_home_manager_cannot_create_a_home_through_the_api(auth, client, world):
    before = _homes()
    r = client.post("/api/v1/care-homes/", json=_body(world), headers=auth.headers("manager"))
    assert r.status_code == 403, r.get_json()
    assert _homes() == before


def test_manager_of_every_home_is_still_not_a_group_administrator(auth, client, world):
    make_user("regional", "Home Manager", all_homes=True)
    db.session.commit()
    before = _homes()
    r = client.post("/api/v1/care-homes/", json=_body(world), headers=auth.headers("regional"))
    assert r.status_code == 403
    assert _homes() == before


def test_administrator_for_one_home_only_cannot_create_a_home(auth, client, world):
    make_user("local.admin", "Administrator", homes=[world.home_a])
    db.session.commit()
    before = _homes()
    r = client.post("/api/v1/care-homes/", json=_body(world), headers=auth.headers("local.admin"))
    assert r.status_code == 403
    assert _homes() == before


def test_group_administrator_creates_a_home(auth, client, world):
    r = client.post("/api/v1/care-homes/", json=_body(world), headers=auth.headers("admin"))
    assert r.status_code == 201, r.get_json()
    assert db.session.get(CareHome, r.get_json()["id"]).name == "Cedar Lodge"


def test_home_manager_cannot_create_a_home_in_the_browser(auth, client, world):
    auth.login("manager")
    listing = client.get("/carehomeview/list/").get_data(as_text=True)
    assert "/carehomeview/add" not in listing
    page = client.get("/carehomeview/add")
    assert page.status_code in (302, 403)
    before = _homes()
    client.post("/carehomeview/add", data={**_body(world), "organisation": str(world.home_a.organisation_id)})
    assert _homes() == before


def test_group_administrator_sees_add_in_the_browser(auth, client, world):
    auth.login("admin")
    assert "/carehomeview/add" in client.get("/carehomeview/list/").get_data(as_text=True)
    assert client.get("/carehomeview/add").status_code == 200


def test_home_manager_still_edits_their_own_home(auth, client, world):
    r = client.put(f"/api/v1/care-homes/{world.home_a.id}", json={"phone": "0117 000 0000"},
                   headers=auth.headers("manager"))
    assert r.status_code == 200, r.get_json()
