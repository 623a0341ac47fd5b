"""Form-builder words: question types in plain words, missing Welsh named by the question's own label
with what to do, and a home's own form may be English only (the group's library keeps its Welsh)."""

from __future__ import annotations

from app.forms_store import get_store
from tests.integration.formbuilder.conftest import Builder


def _settings(builder, key, welsh: bool, title="Falls check"):
    data = {"title_en": title, "title_cy": "", "kind": "assessment", "welsh_choice": "1"}
    if welsh:
        data["welsh"] = "1"
    return builder.client.post(builder.url(key, action="settings"), data=data)


def test_a_homes_own_form_can_be_english_only_and_is_told_in_plain_words(client, auth):
    auth.login("manager")
    builder = Builder(client)
    assert builder.create(title_cy="").status_code == 302
    builder.add("falls_check", "integer")
    builder.client.post(builder.url("falls_check", action="field/question_2"), data={
        "key": "steps", "type": "integer", "label_en": "Steps", "minimum": "0", "maximum": "5"})
    page = builder.client.get(builder.url("falls_check")).get_data(as_text=True)
    assert "The question \u2018Steps\u2019 has no Welsh wording: add it, or untick Welsh for this form" in page
    assert ">Whole number</option>" in page and ">integer</option>" not in page
    assert 'id="welsh-wording"' in page and 'name="welsh" value="1" checked' in page

    assert _settings(builder, "falls_check", welsh=False).status_code == 302
    assert builder.definition("falls_check")["x-form"]["locales"] == ["en-GB"]
    page = builder.client.get(builder.url("falls_check")).get_data(as_text=True)
    assert "has no Welsh wording" not in page
    assert builder.client.post(builder.url("falls_check", action="publish")).status_code == 302
    assert get_store().get_definition("falls_check", 1).status == "published"


def test_the_groups_library_keeps_its_welsh(builder):
    builder.create()
    refused = _settings(builder, "falls_check", welsh=False)
    assert refused.status_code == 400
    assert "library keeps its Welsh wording" in refused.get_data(as_text=True)
    assert builder.definition("falls_check")["x-form"]["locales"] == ["en-GB", "cy"]
    assert _settings(builder, "falls_check", welsh=True).status_code == 302
