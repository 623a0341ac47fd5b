"""The handover PDF read back: who needs attention first, each resident's notes of the shift
with late entries marked, body marks, vital signs and tasks; Welsh names print."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from reports.handover import HandoverDocument, NoteLine, ResidentHandover, handover_pdf
from tests.unit.reports.definitions import TYPED, WELSH_NAME

START = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)  # 08:00 in London (GMT)
END = START + dt.timedelta(hours=12)


def read(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def document(**overrides) -> HandoverDocument:
    values = {
        "home_name": "Tŷ Gwyn", "unit_name": "Llawr Gwaelod", "shift_label": "Day shift", "start": START, "end": END,
        "residents": [
            ResidentHandover(
                name=WELSH_NAME, room="Room 4 bed A",
                alerts=["Fluids 600 of 1500 mL in 24 hours", "NEWS2 6 in the last 24 hours"],
                vitals=["14:05 NEWS2 6 (Medium clinical risk) by Nyrs Ŷwain"],
                body=["Pressure damage (Category 2), Sacrum and coccyx: new, acquired in the home"],
                tasks=["Urgent review by the nurse in charge (due 30/11/2026)"],
                notes=[NoteLine(START + dt.timedelta(hours=1), "Nutrition", f"Ate half of breakfast. {TYPED}",
                                "Carer Ŵil"),
                       NoteLine(START + dt.timedelta(hours=2), "Mood and behaviour", "Settled after lunch", "Carer Ŵil",
                                late=True, entered_at=START + dt.timedelta(hours=5))],
            ),
            ResidentHandover(name="Quiet Resident", room="Room 5"),
        ],
        "home_tasks": ["Fire drill (due 30/11/2026)"],
    }
    values.update(overrides)
    return HandoverDocument(**values)


def test_handover_reads_back_with_who_needs_attention_first():
    text = read(handover_pdf(document(), printed_by="Nyrs Ŷwain (nurse)", printed_at=END))
    for expected in (
        "Handover: Llawr Gwaelod, Day shift", "Tŷ Gwyn", "30 Nov 2026 08:00 – 30 Nov 2026 20:00",
        "Needs attention now", WELSH_NAME, "Fluids 600 of 1500 mL in 24 hours", "NEWS2 6 in the last 24 hours",
        "Pressure damage (Category 2), Sacrum and coccyx", "Urgent review by the nurse in charge",
        "Ate half of breakfast.", "late entry, entered 30 Nov 2026 13:00", "Fire drill",
        "Residents with nothing recorded", "Quiet Resident", "1 at risk now · 1 body marks of concern",
        "Printed 30 Nov 2026 20:00 by Nyrs Ŷwain (nurse)", "Page 1 of",
    ):
        assert expected in text, expected
    for word in TYPED.split(" · "):
        assert word in text, word
    assert text.index("Needs attention now") < text.index("Ate half of breakfast.")


def test_a_quiet_shift_says_so():
    text = read(handover_pdf(document(residents=[ResidentHandover(name="Ŵyn Jones")], home_tasks=[]),
                             printed_by="nurse", printed_at=END))
    assert "No resident is on the at-risk list." in text
    assert "0 at risk now" in text and "Ŵyn Jones" in text
