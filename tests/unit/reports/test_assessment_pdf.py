"""The completed-assessment PDF, read back as text: every typed character, points, total, band,
signature, amendments, the definition's key/version/hash, and the shared header and footer."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine

from forms.store import build_store
from reports.assessment import assessment_pdf
from tests.unit.reports.definitions import TYPED, WELSH_NAME, answers, publish

ROOT = Path(__file__).resolve().parents[3]
PRINTED_AT = dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)  # 09:05 in London (BST)


@pytest.fixture()
def store():
    store = build_store({"FORMS_STORE": "sql"}, engine=create_engine("sqlite://"))
    store.create_schema()
    publish(store)
    return store


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line wraps) made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_typed_character_answer_points_total_band_and_signature_print(store):
    _, submission = store.submit(
        "wellbeing_check", answers(), resident_id=7, home_id=1, submitted_by="nurse",
        taken_at=dt.datetime(2026, 6, 30, 14, 0, tzinfo=dt.UTC),
    )
    definition = store.load("wellbeing_check", 1)
    pdf = assessment_pdf(
        definition, submission, [], home_name="Tŷ Gwyn", resident_label=WELSH_NAME,
        printed_by="Dafydd ap Gwŷn (manager)", printed_at=PRINTED_AT,
    )
    assert pdf.startswith(b"%PDF")
    text = "\n".join(pages_text(pdf))
    for expected in (
        "Wellbeing check", WELSH_NAME, "Tŷ Gwyn", "Mood", "Low", "Total score", "Result", "Concern",
        "Tell the nurse in charge.", f"Signed by {WELSH_NAME} (Nurse)", "30 Jun 2026 15:00",  # 14:00 UTC in summer
        "Printed 01 Jul 2026 09:05 by Dafydd ap Gwŷn (manager)", "Page 1 of 1",
        f"Form wellbeing_check version 1, SHA-256 {definition.sha256}",
    ):
        assert expected in text, expected
    for word in TYPED.split(" · "):
        assert word in text, word
    # the answer row carries its points, and the total is 2
    assert "Mood Low 2" in text
    assert "Total score 2" in text


def test_fonts_are_embedded_so_text_is_real_and_copyable(store):
    _, submission = store.submit("wellbeing_check", answers(), resident_id=7, home_id=1, submitted_by="nurse")
    pdf = assessment_pdf(store.load("wellbeing_check", 1), submission, [], home_name="Alder House",
                         resident_label="Resident #7", printed_by="nurse", printed_at=PRINTED_AT)
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            if descriptor is not None:
                assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} is not embedded"
    assert any("DejaVuSans" in name for name in fonts), fonts
    assert not any(name.endswith(("Helvetica", "Times-Roman")) for name in fonts), fonts


def test_amendments_are_listed_with_who_when_why_and_what_changed(store):
    _, submission = store.submit("wellbeing_check", answers(mood="low"), resident_id=7, home_id=1,
                                 submitted_by="nurse")
    store.amend_submission(submission.id, answers(mood="good", note="Better after lunch — ŵyres visited"),
                           reason="Wrong option chosen; corrected by Ŷwain", amended_by="senior",
                           now=dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.UTC))
    current = store.get_submission(submission.id)
    amendments = store.list_amendments(submission.id)
    pdf = assessment_pdf(store.load("wellbeing_check", 1), current, amendments, home_name="Alder House",
                         resident_label="Resident #7", printed_by="manager", printed_at=PRINTED_AT)
    text = "\n".join(pages_text(pdf))
    assert "Amended 1 time" in text
    assert "Amendments" in text and "Wrong option chosen; corrected by Ŷwain" in text
    assert "30 Jun 2026 17:00" in text and "senior" in text
    assert "Mood: low → good" in text
    assert "Better after lunch — ŵyres visited" in text
    assert "Result Fine" in text and "Total score 0" in text


def test_long_assessment_runs_over_pages_with_header_and_page_x_of_y_on_each(store):
    raw = json.loads((ROOT / "form_definitions" / "waterlow.json").read_text(encoding="utf-8"))
    store.save_draft(raw)
    store.publish("waterlow", raw["x-form"]["version"])
    example = raw["x-examples"][0]
    _, submission = store.submit("waterlow", example["answers"], resident_id=3, home_id=1, submitted_by="nurse")
    pdf = assessment_pdf(store.load("waterlow"), submission, [], home_name="Birch Court",
                         resident_label=WELSH_NAME, printed_by="nurse", printed_at=PRINTED_AT)
    pages = pages_text(pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Birch Court" in text and WELSH_NAME in text
        assert "Form waterlow version" in text
    assert "Total score" in "\n".join(pages)
