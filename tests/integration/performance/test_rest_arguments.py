"""REST arguments (`q=`) are checked against their JSON schema with a validator kept per schema, not
by `jsonschema.validate`, which checks the schema itself and builds a validator on every call; a
wrong argument is refused as before."""

from __future__ import annotations

import jsonschema


def test_a_rest_list_checks_its_argument_without_rechecking_the_schema(client, auth, monkeypatch):
    headers = auth.headers("manager")
    assert client.get("/api/v1/residents/?q=(page_size:5)", headers=headers).status_code == 200
    calls = []
    original = jsonschema.validate
    monkeypatch.setattr(jsonschema, "validate", lambda *a, **k: calls.append(1) or original(*a, **k))
    response = client.get("/api/v1/residents/?q=(page_size:5,page:0)", headers=headers)
    assert response.status_code == 200 and len(response.get_json()["result"]) <= 5
    assert calls == []


def test_a_wrong_argument_is_still_refused_naming_it(client, auth):
    headers = auth.headers("manager")
    response = client.get("/api/v1/residents/?q=(page_size:abc)", headers=headers)
    assert response.status_code == 400
    assert "page_size" in response.get_json()["message"]
    response = client.get("/api/v1/residents/?q=(page_size:5,order_direction:sideways)", headers=headers)
    assert response.status_code == 400
