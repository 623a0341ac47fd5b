"""Finding 3: one user's list search terms must never appear in another user's list page.

Flask-AppBuilder keeps a list view's search filters on the view object, which every request of a
threaded server shares. Two managers of different homes search the residents list at the same
time; the first is held inside its query while the second's request runs from start to finish.
Neither page may show what the other typed.
"""

from __future__ import annotations

import threading

from flask.testing import FlaskClient

from tests.conftest import PASSWORD

A_NAME, A_NHS = "Quillfeather", "4010232137"
B_NAME, B_NHS = "Zanzibarova", "9876543210"


class _OwnContextClient(FlaskClient):
    """Every request in its own app context (so its own `g`), from any thread."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _signed_in(app, username):
    client = _OwnContextClient(app, use_cookies=True)
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


def _search(name, nhs):
    return f"/residentview/list/?_flt_0_last_name={name}&_flt_0_first_name={nhs}"


def test_concurrent_list_searches_never_show_each_others_terms(app, db_session, monkeypatch):
    from app.tenancy import acting_user

    view = next(v for v in app.appbuilder.baseviews if v.__class__.__name__ == "ResidentView")
    original_query = view.datamodel.query
    a_in_query, b_done = threading.Event(), threading.Event()

    def held_query(*args, **kwargs):
        user = acting_user()
        if user is not None and user.username == "manager":
            a_in_query.set()
            assert b_done.wait(20), "the other user's request never finished"
        return original_query(*args, **kwargs)

    monkeypatch.setattr(view.datamodel, "query", held_query)
    client_a, client_b = _signed_in(app, "manager"), _signed_in(app, "manager.b")
    pages = {}

    def as_a():
        pages["a"] = client_a.get(_search(A_NAME, A_NHS))

    thread = threading.Thread(target=as_a)
    thread.start()
    try:
        assert a_in_query.wait(20), "the first request never reached its query"
        pages["b"] = client_b.get(_search(B_NAME, B_NHS))
    finally:
        b_done.set()
        thread.join(30)

    page_a = pages["a"].get_data(as_text=True)
    page_b = pages["b"].get_data(as_text=True)
    assert pages["a"].status_code == pages["b"].status_code == 200
    # each page keeps its own search terms ...
    assert A_NAME in page_a and B_NAME in page_b
    # ... and shows nothing the other user typed
    assert B_NAME not in page_a and B_NHS not in page_a
    assert A_NAME not in page_b and A_NHS not in page_b


def test_concurrent_api_list_filters_stay_with_their_request(app, db_session, monkeypatch):
    """The REST list's filters are per request too: a held request keeps its own filter."""
    from app.tenancy import acting_user

    api = next(v for v in app.appbuilder.baseviews if v.__class__.__name__ == "ResidentApi")
    original_query = api.datamodel.query
    a_in_query, b_done = threading.Event(), threading.Event()
    seen = {}

    def held_query(filters=None, *args, **kwargs):
        user = acting_user()
        if user is not None and user.username == "manager":
            a_in_query.set()
            assert b_done.wait(20)
            seen["a"] = [str(v) for v in api._filters.values]
        return original_query(filters, *args, **kwargs)

    monkeypatch.setattr(api.datamodel, "query", held_query)
    client_a, client_b = _signed_in(app, "manager"), _signed_in(app, "manager.b")
    rison = "(filters:!((col:last_name,opr:sw,value:{})))"
    responses = {}

    def as_a():
        responses["a"] = client_a.get("/api/v1/residents/?q=" + rison.format(A_NAME))

    thread = threading.Thread(target=as_a)
    thread.start()
    try:
        assert a_in_query.wait(20)
        responses["b"] = client_b.get("/api/v1/residents/?q=" + rison.format(B_NAME))
    finally:
        b_done.set()
        thread.join(30)
    assert responses["a"].status_code == responses["b"].status_code == 200
    assert seen["a"] == [A_NAME]
