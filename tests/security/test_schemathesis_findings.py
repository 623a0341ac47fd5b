"""What schemathesis found, each kept as a test that failed before its fix.

1. `q=` written as JSON instead of rison. Flask-AppBuilder reads a `q` that is not rison as JSON
   (FAB_API_ALLOW_JSON_QS), but the junk-input guard only read rison, so a JSON `q` with a page
   number of -9872526809898500096 reached the database and answered 500 ("Python int too large to
   convert to SQLite INTEGER"; a negative OFFSET on PostgreSQL); an unknown order column and text in a
   relation filter slipped past the guard the same way. The guard now reads `q` as FAB does.
2. A rison number with an exponent and no digits after it (`2.516939810036152e`: a `+` in the query
   string reads as a space) makes the rison parser raise a ValueError that Flask-AppBuilder does not
   catch: 500 on every REST list. The guard refuses a `q` that cannot be read with a 400.
"""

from __future__ import annotations

import json

import pytest

JSON_QUERIES = [
    ({"page": -9872526809898500096, "page_size": 10}, "page"),
    ({"page": -1, "page_size": 10}, "page"),
    ({"page": 0, "page_size": 99999999999999999999}, "page_size"),
    ({"page": 0, "page_size": -3}, "page_size"),
    ({"order_column": "no_such_column", "order_direction": "asc"}, "order_column"),
    ({"order_column": "id", "order_direction": "sideways"}, "order_direction"),
    ({"filters": [{"col": "home", "opr": "rel_o_m", "value": "abc"}]}, "home"),
]
DEEP_JSON_Q = '{"a":' * 3000 + "1" + "}" * 3000


@pytest.fixture()
def answers_500(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def _api_lists(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.endswith(".get_list") and not rule.arguments:
            yield rule.rule


@pytest.mark.parametrize(("query", "field"), JSON_QUERIES, ids=[f for _, f in JSON_QUERIES])
def test_a_json_q_is_checked_like_rison(app, client, auth, answers_500, query, field):
    headers = auth.headers("admin")
    lists = list(_api_lists(app))
    assert len(lists) > 10
    wrong = []
    for url in lists:
        response = client.get(url, query_string={"q": json.dumps(query)}, headers=headers)
        if response.status_code >= 500:
            wrong.append((url, response.status_code))
        elif field in ("page", "page_size", "order_column", "order_direction"):
            body = response.get_json(silent=True) or {}
            if response.status_code != 400 or field not in (body.get("message") or {}):
                wrong.append((url, response.status_code, body))
    assert wrong == [], wrong[:10]


def test_the_request_schemathesis_sent_is_refused(app, client, auth, answers_500):
    q = json.dumps({"keys": ["label_columns", "list_title", "order_columns", "none"],
                    "page": -9872526809898500096, "filters": [], "order_direction": "asc"})
    url = "/api/v1/care/vitals/" if "/api/v1/care/vitals/" in {r.rule for r in app.url_map.iter_rules()} \
        else "/api/v1/residents/"
    response = client.get(url, query_string={"q": q}, headers=auth.headers("admin"))
    assert response.status_code == 400
    assert "page" in response.get_json()["message"]


def test_a_deeply_nested_json_q_is_refused(client, auth, answers_500):
    response = client.get("/api/v1/residents/", query_string={"q": DEEP_JSON_Q}, headers=auth.headers("admin"))
    assert response.status_code == 400
    assert "q" in response.get_json()["message"]


def test_a_well_formed_json_q_still_works(client, auth):
    q = json.dumps({"page": 0, "page_size": 5, "order_column": "last_name", "order_direction": "asc"})
    response = client.get("/api/v1/residents/", query_string={"q": q}, headers=auth.headers("admin"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["count"] >= 2


@pytest.mark.parametrize("q", ["(page:2.516939810036152e)", "(page_size:-1.0209216907494658e,page:0)",
                               "(filters:!((col:last_name,opr:sw,value:1.5e)))"])
def test_a_rison_number_that_cannot_be_read_is_refused(app, client, auth, answers_500, q):
    headers = auth.headers("admin")
    wrong = []
    for url in _api_lists(app):
        response = client.get(url, query_string={"q": q}, headers=headers)
        if response.status_code != 400 or "q" not in (response.get_json(silent=True) or {}).get("message", {}):
            wrong.append((url, response.status_code))
    assert wrong == [], wrong[:10]
