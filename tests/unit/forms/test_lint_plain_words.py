"""A missing translation is reported in words a form's author knows: the question's, answer's or band's
own English wording, the language by name, and what to do about it."""

from __future__ import annotations

from forms.lint import lint


def _messages(report):
    return [issue.message for issue in report.errors if issue.code == "missing_translation"]


def test_a_band_without_welsh_is_named_by_its_words(care_review_raw):
    care_review_raw["x-scoring"]["bands"][0]["label"].pop("cy")
    assert _messages(lint(care_review_raw)) == [
        "The band \u2018Concern\u2019 has no Welsh wording: add it, or untick Welsh for this form"]


def test_a_question_and_an_answer_are_named_by_their_labels(care_review_raw):
    care_review_raw["properties"]["mood"]["x-label"].pop("cy")
    care_review_raw["properties"]["mood"]["x-options"][0]["label"].pop("cy")
    messages = _messages(lint(care_review_raw))
    assert "The question \u2018Mood\u2019 has no Welsh wording: add it, or untick Welsh for this form" in messages
    assert any(m.startswith("The answer \u2018") and "of the question \u2018Mood\u2019 has no Welsh" in m
               for m in messages), messages
    assert not any("option '" in m or " cy " in m for m in messages)


def test_welsh_is_not_asked_for_when_the_form_is_english_only(care_review_raw):
    care_review_raw["x-scoring"]["bands"][0]["label"].pop("cy")
    care_review_raw["x-form"]["locales"] = ["en-GB"]
    assert _messages(lint(care_review_raw)) == []
