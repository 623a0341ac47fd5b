"""Filling in an assessment through the pages, as a browser would."""

from __future__ import annotations

import json
import re

import wtforms

from forms.definition import find_definition_file, load_definition
from forms.rendering import build_form_class


def example(key: str, index: int = 0, name: str | None = None) -> dict:
    raw = json.loads(find_definition_file(key).read_text(encoding="utf-8"))
    examples = raw["x-examples"]
    return next(e for e in examples if e["name"] == name) if name else examples[index]


def form_data(definition, answers: dict) -> dict:
    """What a browser posts for these answers (the WTForms fields the page renders)."""
    form = build_form_class(definition, "en-GB", base_class=wtforms.Form).from_answers(answers)
    data = {}
    for field in form:
        if field.data is None or field.data == "":
            continue
        if isinstance(field.data, list):
            data[field.name] = [str(x) for x in field.data]
        else:
            data[field.name] = field._value() if hasattr(field, "_value") else str(field.data)
    return data


def hidden(page: str) -> dict:
    """The hidden version, hash and token of the form on screen."""
    return {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
            for name in ("_version", "_sha256", "_token")}


def open_form(client, resident_id: int, key: str, draft: int | None = None) -> tuple[str, dict]:
    url = f"/assessments/resident/{resident_id}/fill/{key}" + (f"?draft={draft}" if draft else "")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return page, hidden(page)


def post_form(client, resident_id: int, key: str, answers: dict, shown: dict, action: str = "submit",
              definition=None, **extra):
    definition = definition or load_definition(find_definition_file(key))
    data = {**form_data(definition, answers), **shown, "_action": action, **extra}
    return client.post(f"/assessments/resident/{resident_id}/fill/{key}", data=data)


def fill(client, resident_id: int, key: str, answers: dict, action: str = "submit", definition=None):
    _, shown = open_form(client, resident_id, key)
    return post_form(client, resident_id, key, answers, shown, action, definition=definition)
