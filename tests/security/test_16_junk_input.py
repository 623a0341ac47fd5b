"""Finding 16: junk input never gives a 5xx, signed in or not.

Each kind of junk the independent test used is sent to every URL rule (GET and POST, as the
administrator and anonymously): a NUL byte in the query, the path and every form field (the sign-in
username included); JSON nested thousands deep (the API sign-in included) and a deeply nested `q=`
rison; negative and huge page numbers and page sizes; text in a relation filter; ordering by
something that is not a column. A 4xx is the right answer; a 5xx is a failure.
"""

from __future__ import annotations

import re
import time

import pytest

NUL = "\x00"
DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 3000 + "1" + "}" * 3000
DEEP_RISON = "(a:" * 3000 + "1" + ")" * 3000
# the whole suite of requests must stay well inside this (seconds): each answer is a cheap refusal
TIME_BUDGET = 900


def _fill(rule, value: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


def _rules(app, method):
    for rule in app.url_map.iter_rules():
        if method in rule.methods and not rule.rule.startswith(("/static", "/appbuilder/", "/swagger")):
            yield rule


def _list_junk(view_name: str, relation: str | None) -> list[dict]:
    junk = [
        {f"page_{view_name}": "-1"},
        {f"page_{view_name}": "99999999999999999999"},
        {f"psize_{view_name}": "-5"},
        {f"psize_{view_name}": "99999999999999999999"},
        {f"psize_{view_name}": "many"},
        {f"_oc_{view_name}": "no_such_column", f"_od_{view_name}": "asc"},
        {f"_oc_{view_name}": "id", f"_od_{view_name}": "sideways"},
        {"_flt_0_last_name": NUL},
    ]
    if relation:
        junk += [{f"_flt_0_{relation}": "abc"}, {f"_flt_1_{relation}": "-1"},
                 {f"_flt_0_{relation}": "99999999999999999999"}]
    return junk


API_QUERIES = [
    "(page:-1,page_size:10)",
    "(page:0,page_size:-1)",
    "(page:99999999999999999999,page_size:99999999999999999999)",
    "(order_column:no_such_column,order_direction:asc)",
    "(order_column:id,order_direction:sideways)",
    "(filters:!((col:home,opr:rel_o_m,value:abc)))",
    "(filters:!((col:home,opr:rel_o_m,value:-1)))",
    "(filters:!((col:last_name,opr:sw,value:'a\x00b')))",
    DEEP_RISON,
    "!(" * 3000,
]


def _relation_of(view):
    datamodel = getattr(view, "datamodel", None)
    for column in getattr(view, "search_columns", None) or []:
        try:
            if datamodel.is_relation(column):
                return column
        except Exception:  # noqa: BLE001 - a view without a SQLA model
            return None
    return None


def _send_all(app, client, who: str) -> list[tuple]:
    views = {v.__class__.__name__: v for v in app.appbuilder.baseviews}
    failures = []
    for rule in _rules(app, "GET"):
        url = _fill(rule, "1")
        view_name = rule.endpoint.partition(".")[0]
        cases = [{"q": NUL}, {"next": NUL, "name": "x" + NUL}]
        if rule.endpoint.endswith(".list"):
            cases += _list_junk(view_name, _relation_of(views.get(view_name)))
        if rule.rule.startswith("/api/"):
            cases += [{"q": q} for q in API_QUERIES]
        for params in cases:
            status = client.get(url, query_string=params).status_code
            if status >= 500:
                failures.append(("GET", url, params, status))
        if rule.arguments:
            status = client.get(_fill(rule, "%00")).status_code
            if status >= 500:
                failures.append(("GET", _fill(rule, "%00"), None, status))
    for rule in _rules(app, "POST"):
        url = _fill(rule, "1")
        bodies = [
            {"data": {"username": NUL + "admin", "password": "x" + NUL, "name": NUL, "next": NUL,
                      "home_id": NUL, "q": NUL}},
            {"data": DEEP_JSON, "content_type": "application/json"},
            {"data": DEEP_OBJECT, "content_type": "application/json"},
            {"json": {"username": "admin\x00", "password": "x", "provider": "db", "name": "a\x00"}},
        ]
        for body in bodies:
            status = client.post(url, **body).status_code
            if status >= 500:
                failures.append(("POST", url, str(body)[:80], status))
    return failures


@pytest.fixture()
def answers_500(app, monkeypatch):
    """An unhandled error becomes the 500 a user would get, instead of failing the test at once."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_no_junk_gives_a_5xx(app, client, auth, answers_500, who):
    started = time.monotonic()
    if who != "anonymous":
        auth.login(who)
    failures = _send_all(app, client, who)
    elapsed = time.monotonic() - started
    assert failures == [], "\n".join(str(f)[:200] for f in failures)
    assert elapsed < TIME_BUDGET, f"junk requests took {elapsed:.0f} s"


def test_nul_in_sign_in_is_refused_not_a_crash(client, answers_500):
    response = client.post("/login/", data={"username": "admin\x00", "password": "x"})
    assert response.status_code < 500
    for url, kwargs in (
        ("/api/v1/security/login", {"json": {"username": "admin\x00", "password": "x", "provider": "db"}}),
        ("/api/v1/security/login", {"data": DEEP_JSON, "content_type": "application/json"}),
    ):
        response = client.post(url, **kwargs)
        assert 400 <= response.status_code < 500, (url, response.status_code)
