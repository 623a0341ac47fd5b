"""The SBARD escalation summary read back: the five sections in order, the NEWS2 total and each
parameter's points, resuscitation and allergies, medicines said plainly when none are recorded."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from reports.sbard import SbardDocument, VitalLine, sbard_pdf
from tests.unit.reports.definitions import WELSH_NAME

PRINTED_AT = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
OBSERVED = dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)


def read(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def document(**overrides) -> SbardDocument:
    values = {
        "resident_name": WELSH_NAME, "home_name": "Tŷ Gwyn", "date_of_birth": dt.date(1940, 3, 1),
        "nhs_number": "943 476 5919", "location": "Room 4 bed A", "gp_practice": "Meddygfa’r Bont",
        "home_phone": "029 2000 0000", "observed_at": OBSERVED, "recorded_by": "Nyrs Ŷwain",
        "news2_total": 7, "news2_band_label": "High clinical risk (NEWS2 7 or more)", "news2_max_single": 3,
        "vitals": [VitalLine("Respiration rate", "26 /min", 3), VitalLine("SpO2 (scale 1)", "93 %", 2),
                   VitalLine("Temperature", "38.4 °C", 1), VitalLine("Consciousness", "A", 0)],
        "soft_signs": ["New confusion", "Not eating or drinking"], "set_note": "Chest sounds wet",
        "previous": ["NEWS2 2 on 29 Nov 2026 09:00"], "allergies": "Penicillin (rash)",
        "conditions": "COPD; vascular dementia", "resuscitation": ["DNACPR in force (01 Oct 2026)"],
        "recent_notes": ["30 Nov 10:00 Nutrition: ate little breakfast (Carer Ŵil)"],
        "recommendation": "Emergency response. Registered nurse to immediately inform the medical team.",
    }
    values.update(overrides)
    return SbardDocument(**values)


def test_sbard_reads_back_with_the_five_sections_in_order():
    text = read(sbard_pdf(document(), printed_by="Nyrs Ŷwain (nurse)", printed_at=PRINTED_AT))
    positions = [text.index(word) for word in ("Situation", "Background", "Assessment", "Recommendation",
                                               "Decision")]
    assert positions == sorted(positions)
    for expected in (
        f"SBARD escalation summary: {WELSH_NAME}", "01 Mar 1940 (aged 86)", "NHS 943 476 5919",
        "Their NEWS2 score is 7 (High clinical risk (NEWS2 7 or more))", "30 Nov 2026 14:05",
        "a score of 3 in a single parameter", "New confusion; Not eating or drinking", "Chest sounds wet",
        "DNACPR in force (01 Oct 2026)", "Penicillin (rash)", "COPD; vascular dementia",
        "No medicines are recorded in WriteCareNotes", "NEWS2 2 on 29 Nov 2026 09:00", "Carer Ŵil",
        "Respiration rate 26 /min 3", "SpO2 (scale 1) 93 % 2", "Temperature 38.4 °C 1", "NEWS2 total",
        "Emergency response.", "Agreed plan", "Clinician's name and role", "Meddygfa’r Bont", "Tŷ Gwyn",
    ):
        assert expected in text, expected


def test_without_vital_signs_it_asks_for_a_set_first():
    text = read(sbard_pdf(document(observed_at=None, news2_total=None, vitals=[], news2_band_label="",
                                   resuscitation=[], allergies=""),
                          printed_by="nurse", printed_at=PRINTED_AT))
    assert "No set of vital signs is recorded" in text
    assert "No DNACPR or ReSPECT decision recorded" in text and "No known allergies recorded" in text
