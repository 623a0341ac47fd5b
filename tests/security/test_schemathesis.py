"""Schemathesis over the OpenAPI document: no operation answers a 5xx, whatever it is sent.

Every operation of /api/v1/_openapi is called with requests generated from its schema (requests
that fit it and requests that do not: bodies, path and query values), signed in with a bearer
token as the administrator (who reaches every operation) and as a Home Manager of one home (who
is refused some and scoped on the rest). Bounded for CI: SCHEMATHESIS_MAX_EXAMPLES per operation
and role (default 5), no per-example deadline, the same examples on every run (derandomised) so a
failure reproduces. To search harder locally:
`SCHEMATHESIS_MAX_EXAMPLES=25 pytest tests/security/test_schemathesis.py`.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is pinned in requirements.txt")
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.transport.wsgi import WSGI_TRANSPORT  # noqa: E402

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
ROLES = {"admin": "Administrator", "manager": "Home Manager of one home"}


def _token(client, username: str) -> str:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def _operations(client, token):
    response = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.get_json())
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())
    return operations


def _strategy(operation):
    """Requests that fit the schema and requests that do not (wrong types, missing fields, extra ones)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    try:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception:  # noqa: BLE001 - nothing in this operation can be made invalid
        pass
    return st.one_of(*strategies)


def _fuzz(client, operation, token, failures: list) -> int:
    calls = 0

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(_strategy(operation))
    def call(case):
        nonlocal calls
        request = WSGI_TRANSPORT.serialize_case(case)
        request.pop("cookies", None)
        request["headers"] = {**request.get("headers", {}), "Authorization": f"Bearer {token}"}
        sent = (f"{request.get('path')} query={request.get('query_string')!r} "
                f"body={str(request.get('json', request.get('data')))[:300]}")
        calls += 1
        try:
            response = client.open(**request)
        except Exception as exc:  # noqa: BLE001 - TESTING propagates what would be a 500
            failures.append(f"{operation.label} -> {type(exc).__name__}: {exc!s:.200}: {sent}")
            return
        if response.status_code >= 500:
            failures.append(f"{operation.label} -> {response.status_code}: {sent} "
                            f"answer={response.get_data(as_text=True)[:200]!r}")

    call()
    return calls


@pytest.mark.parametrize("username", list(ROLES))
def test_no_operation_answers_a_server_error(client, username):
    started = time.monotonic()
    token = _token(client, username)
    operations = _operations(client, _token(client, "admin"))
    assert len(operations) > 50, "the OpenAPI document lists too few operations"
    failures: list[str] = []
    calls = sum(_fuzz(client, operation, token, failures) for operation in operations)
    print(f"schemathesis as {ROLES[username]}: {len(operations)} operations, {calls} calls, "
          f"{time.monotonic() - started:.0f} s")
    assert not failures, f"{len(failures)} server errors as {ROLES[username]}:\n" + "\n".join(failures[:40])
