"""A user of home A can never list, show, edit, delete or pick a row of home B.

The test is driven by what the app has registered, not by a hand-kept list: every model that
carries a home (and CareHome itself), every browser view and REST API over such a model, and
every URL rule of those views. A new home-owned model is covered as soon as it exists (the seed
must give it a row in each home, which the first test checks).
"""

from __future__ import annotations

import re

import pytest
from flask_appbuilder import Model
from sqlalchemy import select

from app.extensions import db
from app.homes.models import CareHome
from app.tenancy import HomeOwnedMixin

HOME_B_NAME = "Birch Court"


def scoped_models():
    models = [m.class_ for m in Model.registry.mappers if issubclass(m.class_, HomeOwnedMixin)]
    return sorted(models, key=lambda c: c.__name__) + [CareHome]


def home_b_rows(world):
    """One row of home B for every home-owned model (CareHome: home B itself)."""
    rows = {}
    for model in scoped_models():
        if model is CareHome:
            rows[model] = world.home_b
            continue
        query = select(model).where(model.home_id == world.home_b.id).execution_options(skip_home_scope=True)
        rows[model] = db.session.scalars(query).first()
    return rows


def views_over(app, model):
    for view in app.appbuilder.baseviews:
        datamodel = getattr(view, "datamodel", None)
        if datamodel is not None and datamodel.obj is model:
            yield view


def rules_of(app, view):
    prefix = view.__class__.__name__ + "."
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefix)]


def test_every_home_owned_model_has_a_view_an_api_and_a_seeded_row_in_each_home(app, world):
    rows = home_b_rows(world)
    for model, row in rows.items():
        assert row is not None, f"the test seed gives {model.__name__} no row in home B"
        views = list(views_over(app, model))
        assert any(hasattr(v, "resource_name") for v in views), f"{model.__name__} has no REST API"
        assert any(not hasattr(v, "resource_name") for v in views), f"{model.__name__} has no browser view"


def test_orm_queries_in_a_request_of_a_home_a_user_never_return_home_b_rows(app, client, auth, world):
    auth.login("manager")
    rows = home_b_rows(world)
    with client:
        client.get("/")  # a request context with the manager signed in
        for model, row in rows.items():
            found = db.session.scalars(select(model)).all()
            assert found, f"home A's own {model.__name__} rows should be visible"
            ids = {r.id for r in found}
            assert row.id not in ids, f"{model.__name__} of home B visible to a home A user"


@pytest.mark.parametrize("username", ["manager", "office", "carer"])
def test_no_page_or_api_of_a_home_a_user_mentions_home_b(app, client, auth, world, username):
    auth.login(username)
    leaks = []
    for model in scoped_models():
        for view in views_over(app, model):
            for rule in rules_of(app, view):
                if rule.arguments or "GET" not in rule.methods:
                    continue
                response = client.get(rule.rule)
                if response.status_code == 200 and HOME_B_NAME in response.get_data(as_text=True):
                    leaks.append(rule.rule)
    assert leaks == []


def _url_with_pk(rule, pk):
    return re.sub(r"<(?:[^:>]+:)?pk>", str(pk), rule.rule)


def test_no_url_of_a_view_or_api_reaches_a_home_b_row(app, client, auth, world):
    """Show, edit, delete (browser and REST), by primary key, for every scoped view."""
    headers = auth.headers("manager")
    auth.login("manager")
    rows = home_b_rows(world)
    checked = 0
    for model, row in rows.items():
        for view in views_over(app, model):
            for rule in rules_of(app, view):
                if "pk" not in rule.arguments:
                    continue
                url = _url_with_pk(rule, row.id)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    body = {"name": "Hijacked", "number": "666", "label": "Z", "postcode": "BS1 1AA"}
                    if url.startswith("/api/"):
                        response = client.open(url, method=method, json=body, headers=headers)
                    else:
                        response = client.open(url, method=method, data=body)
                    checked += 1
                    assert response.status_code in (302, 403, 404, 405), (
                        f"{method} {url} gave {response.status_code}"
                    )
                    if response.status_code == 302:
                        assert f"/{row.id}" not in (response.location or "").split("?")[0] or (
                            "login" in response.location
                        )
    assert checked > 20
    db.session.expire_all()
    for row in home_b_rows(world).values():
        assert row is not None and getattr(row, "name", None) != "Hijacked"


def test_rest_lists_never_include_home_b_ids(app, client, auth, world):
    headers = auth.headers("manager")
    rows = home_b_rows(world)
    for model, row in rows.items():
        for view in views_over(app, model):
            if not hasattr(view, "resource_name"):
                continue
            url = f"/api/v1/{view.resource_name}/"
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            data = response.get_json()
            assert row.id not in data["ids"], url
            assert data["count"] == len(data["ids"]) or data["count"] > len(data["ids"]) > 0


def test_related_drop_downs_offer_only_home_a_rows(app, client, auth, world):
    auth.login("manager")
    for path, b_id in (("/roomview/add", world.unit_b.id), ("/bedview/add", world.room_b.id)):
        page = client.get(path).get_data(as_text=True)
        assert f'value="{b_id}"' not in page, path
        assert HOME_B_NAME not in page


def test_a_home_b_row_cannot_be_picked_through_the_api(app, client, auth, world):
    headers = auth.headers("manager")
    for url, body in (
        ("/api/v1/rooms/", {"unit": world.unit_b.id, "number": "900"}),
        ("/api/v1/beds/", {"room": world.room_b.id, "label": "Q"}),
        ("/api/v1/units/", {"home": world.home_b.id, "name": "Sneaky unit"}),
    ):
        response = client.post(url, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (url, response.status_code)
        # an existing row of home A cannot be moved onto home B's parent either
    response = client.put(f"/api/v1/rooms/{world.room_a.id}", json={"unit": world.unit_b.id}, headers=headers)
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert world.room_a.unit_id == world.unit_a.id


def test_a_home_b_row_cannot_be_picked_through_a_browser_form(app, client, auth, world):
    auth.login("manager")
    response = client.post("/roomview/add", data={"unit": world.unit_b.id, "number": "901"}, follow_redirects=True)
    assert response.status_code == 200
    rooms = db.session.scalars(select(db.text("number")).select_from(db.text("room"))).all()
    assert "901" not in rooms


def test_multi_home_manager_switches_between_homes(app, client, auth, world):
    auth.login("manager.ab")
    page = client.get("/unitview/list/").get_data(as_text=True)
    # with two homes and no choice made yet, both homes' units are listed
    assert "Alder House unit" in page and "Birch Court unit" in page
    client.post("/home/switch", data={"home_id": world.home_b.id})
    page = client.get("/unitview/list/").get_data(as_text=True)
    assert "Birch Court unit" in page and "Alder House unit" not in page
    client.post("/home/switch", data={"home_id": "all"})
    page = client.get("/unitview/list/").get_data(as_text=True)
    assert "Alder House unit" in page and "Birch Court unit" in page


def test_switching_to_a_home_one_does_not_work_in_is_refused(app, client, auth, world):
    auth.login("manager")
    response = client.post("/home/switch", data={"home_id": world.home_b.id})
    assert response.status_code == 404
    page = client.get("/unitview/list/").get_data(as_text=True)
    assert HOME_B_NAME not in page
