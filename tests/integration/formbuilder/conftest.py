"""Helpers for the form builder's page tests: posting editor forms as an administrator would."""

from __future__ import annotations

import pytest

from app.forms_store import get_store
from tests.integration.jobs.conftest import files_dir, inline  # noqa: F401  (band actions run inline)


class Builder:
    def __init__(self, client):
        self.client = client

    def create(self, key="falls_check", title="Falls check", kind="assessment", **extra):
        return self.client.post("/formbuilder/new", data={"key": key, "title_en": title, "title_cy": f"{title} (cy)",
                                                          "kind": kind, **extra})

    def url(self, key, version=1, action=""):
        return f"/formbuilder/edit/{key}/{version}" + (f"/{action}" if action else "")

    def add(self, key, ftype, version=1):
        return self.client.post(self.url(key, version, "add"), data={"type": ftype})

    def save_field(self, form_key, field, version=1, options=None, **data):
        payload = {"key": field, "label_cy": f"{data.get('label_en', field)} (cy)", **data}
        if options is not None:
            payload["option_count"] = str(len(options))
            for n, (value, label, points) in enumerate(options):
                payload.update({f"option_{n}_value": value, f"option_{n}_label_en": label,
                                f"option_{n}_label_cy": f"{label} (cy)", f"option_{n}_points": str(points)})
        return self.client.post(self.url(form_key, version, f"field/{field}"), data=payload)

    def definition(self, key, version=1):
        return get_store().get_definition(key, version).definition


@pytest.fixture()
def builder(client, auth):
    auth.login("admin")
    return Builder(client)
