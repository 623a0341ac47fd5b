"""The one-page hospital transfer summary, read back: identity, NHS number, resuscitation and
allergies first, conditions, communication, legal, contacts; always exactly one page."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image as PILImage
from pypdf import PdfReader

from reports.transfer_summary import Contact, TransferSummary, transfer_summary_pdf
from tests.unit.reports.definitions import TYPED, WELSH_NAME

PRINTED_AT = dt.datetime(2026, 1, 15, 22, 30, tzinfo=dt.UTC)  # 22:30 in London (GMT)


def summary(**overrides) -> TransferSummary:
    values = {
        "name": WELSH_NAME, "preferred_name": "Siân", "date_of_birth": dt.date(1940, 3, 1),
        "nhs_number": "943 476 5919", "sex": "Female", "home_name": "Tŷ Gwyn", "home_contact": "029 2000 0000",
        "location": "Room 4 bed A", "admitted_on": dt.date(2025, 6, 1), "gp_practice": "Meddygfa’r Bont",
        "resuscitation": ["DNACPR: In force; Do not attempt CPR; decided 01 Dec 2025"],
        "legal": ["DoLS: In force; expires 30 Jan 2026"],
        "allergies": "Penicillin (rash); latex", "conditions": "Vascular dementia; type 2 diabetes",
        "communication_needs": f"Welsh first language; hard of hearing (left). {TYPED}",
        "contacts": [Contact("Gwenllian Ŵyn", "Daughter", "07700 900123", "next of kin")],
        "assessments": ["NEWS2: total 3 Low-medium (15 Jan 2026 08:00)"],
    }
    values.update(overrides)
    return TransferSummary(**values)


def read(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_summary_prints_what_a_hospital_needs_first_on_one_page():
    [text] = read(transfer_summary_pdf(summary(), printed_by="Nyrs Ŷwain (nurse)", printed_at=PRINTED_AT))
    for expected in (
        "Hospital transfer summary", WELSH_NAME, "(known as Siân)", "01 Mar 1940 (aged 85)", "943 476 5919",
        "DNACPR: In force; Do not attempt CPR", "Penicillin (rash); latex", "Vascular dementia",
        "DoLS: In force; expires 30 Jan 2026", "Gwenllian Ŵyn Daughter 07700 900123 next of kin",
        "Meddygfa’r Bont", "Tŷ Gwyn", "Room 4 bed A", "NEWS2: total 3",
        "Printed 15 Jan 2026 22:30 by Nyrs Ŷwain (nurse)", "Page 1 of 1", "No photo on file",
    ):
        assert expected in text, expected
    for word in TYPED.split(" · "):
        assert word in text, word
    assert text.index("Resuscitation") < text.index("Conditions and medical history")


def test_nothing_recorded_is_said_plainly_not_left_blank():
    [text] = read(transfer_summary_pdf(summary(resuscitation=[], allergies="", legal=[], contacts=[]),
                                       printed_by="nurse", printed_at=PRINTED_AT))
    assert "No DNACPR or ReSPECT decision is recorded in WriteCareNotes." in text
    assert "No known allergies recorded" in text


def test_very_long_notes_still_fit_on_one_page_and_are_not_cut():
    long = " ".join(f"Note {i}: needs two staff and a hoist for transfers." for i in range(60))
    pages = read(transfer_summary_pdf(summary(conditions=long, key_risks=long),
                                      printed_by="nurse", printed_at=PRINTED_AT))
    assert len(pages) == 1
    assert "Note 59: needs two staff" in pages[0]


def test_photo_is_included_when_on_file():
    buffer = io.BytesIO()
    PILImage.new("RGB", (60, 80), (120, 160, 200)).save(buffer, format="PNG")
    pdf = transfer_summary_pdf(summary(photo=buffer.getvalue()), printed_by="nurse", printed_at=PRINTED_AT)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    assert "No photo on file" not in page.extract_text()
