"""Malformed ids and bodies, sent to every route, give a 4xx and never a 500."""

from __future__ import annotations

import re

import pytest

JUNK_IDS = ["abc", "-1", "0", "99999999999999999999", "1.5", "1%27%20OR%201%3D1", "%00", "null"]
JUNK_BODIES = [
    {"json": None, "data": "not json", "content_type": "application/json"},
    {"json": []},
    {"json": {"name": 12345, "number": ["x"], "room": "abc", "unit": {"id": "x"}, "home": -5}},
    {"json": {"registered_places": "many", "status": "flying", "en_suite": "perhaps"}},
    {"json": {"label": "x" * 5000, "name": "\u0000"}},
    {"json": {"unknown_field": 1}},
]


def _fill(rule, value: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


def _routes(app, method: str):
    for rule in app.url_map.iter_rules():
        if method in rule.methods and not rule.rule.startswith(("/static", "/appbuilder", "/swagger")):
            yield rule


@pytest.mark.parametrize("who", ["admin", "manager", "carer"])
def test_junk_ids_never_give_a_500(app, client, auth, who):
    auth.login(who)
    headers = auth.headers(who)
    failures = []
    for rule in _routes(app, "GET"):
        if not rule.arguments or rule.rule.startswith("/lang/"):
            continue
        for junk in JUNK_IDS:
            url = _fill(rule, junk)
            status = client.get(url, headers=headers if url.startswith("/api/") else None).status_code
            if status >= 500:
                failures.append((url, status))
    assert failures == []


def test_junk_bodies_to_every_api_write_never_give_a_500(app, client, auth, world):
    headers = auth.headers("admin")
    failures = []
    for method in ("POST", "PUT", "DELETE"):
        for rule in _routes(app, method):
            if not rule.rule.startswith("/api/"):
                continue
            for pk in (str(world.unit_a.id), "abc", "99999999999"):
                url = _fill(rule, pk)
                for body in JUNK_BODIES:
                    kwargs = dict(body)
                    if kwargs.get("json") is None:
                        kwargs.pop("json", None)
                    response = client.open(url, method=method, headers=headers, **kwargs)
                    if response.status_code >= 500:
                        failures.append((method, url, body, response.status_code))
    assert failures == []


def test_junk_form_posts_to_every_browser_route_never_give_a_500(app, client, auth, world):
    auth.login("admin")
    failures = []
    for rule in _routes(app, "POST"):
        if rule.rule.startswith("/api/"):
            continue
        for pk in (str(world.unit_a.id), "abc", "99999999999"):
            url = _fill(rule, pk)
            for data in (
                {},
                {"name": "", "home": "abc", "unit": "-1", "room": "x", "registered_places": "lots"},
                {"postcode": "\u0000" * 3, "status": "broken", "home_id": "99999999999"},
            ):
                status = client.post(url, data=data).status_code
                if status >= 500:
                    failures.append((url, data, status))
    assert failures == []


def test_list_page_size_is_bounded(client, auth):
    auth.login("admin")
    response = client.get("/unitview/list/?psize_UnitView=100000")
    assert response.status_code == 200
    headers = auth.headers("admin")
    api = client.get("/api/v1/units/?q=(page_size:100000)", headers=headers)
    assert api.status_code in (200, 400)
