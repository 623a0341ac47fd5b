"""The drop-downs Flask-AppBuilder makes for coded columns (the list's search filters, add and edit
forms) show words in the reader's language, never the stored code."""

from __future__ import annotations

import re


def _options(html: str) -> list[str]:
    """Every drop-down's options, also those of the search filters (JSON inside the page's script)."""
    html = html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
    return [" ".join(text.split()) for text in re.findall(r"<option[^>]*>([^<]*)</option>", html)]


def test_list_filter_drop_downs_show_words_in_english_and_welsh(client, auth):
    auth.login("admin")
    beds = client.get("/bedview/list/").get_data(as_text=True)
    assert "Out of service" in _options(beds)
    assert "out_of_service" not in _options(beds)
    homes = client.get("/carehomeview/list/").get_data(as_text=True)
    assert "Residential and nursing" in _options(homes) and "residential_and_nursing" not in _options(homes)
    client.get("/lang/cy")
    welsh = client.get("/bedview/list/").get_data(as_text=True)
    assert "Allan o wasanaeth" in _options(welsh) and "Out of service" not in _options(welsh)
    client.get("/lang/en")


def test_a_generated_edit_form_shows_words(client, auth, world):
    auth.login("admin")
    form = client.get("/carehomeview/add").get_data(as_text=True)
    assert "CIW (Wales)" in _options(form) and "ciw" not in _options(form)
