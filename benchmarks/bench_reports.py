"""PDF benchmarks: run with `python benchmarks/bench_reports.py`; prints rates and times.

1. Completed-assessment PDFs per second (Waterlow, two pages), single process.
2. A care-plan-like document of 10 sections per second, single process. Care plans are not in the
   schema yet (issue 6), so the sections are stand-ins of realistic size (a need, a goal, six
   interventions and a narrative per section) laid out with the same styles, fonts and page frame.
3. The home-wide batch: one file with the one-page transfer summary of each of 60 residents, as
   the job does it (rendering only; gathering the rows is a handful of queries per resident).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from reportlab.platypus import Paragraph, Table, TableStyle  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from forms.store import build_store  # noqa: E402
from reports.assessment import assessment_pdf  # noqa: E402
from reports.base import DocumentInfo, build_pdf  # noqa: E402
from reports.styles import FONT, RULE, STYLES, text  # noqa: E402
from reports.transfer_summary import Contact, TransferSummary, transfer_summaries_pdf  # noqa: E402

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


def rate(func, seconds: float = 5.0, warmup: int = 2) -> tuple[float, int]:
    for _ in range(warmup):
        func()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        func()
        count += 1
    return count / (time.perf_counter() - started), count


def assessment_case():
    store = build_store({"FORMS_STORE": "sql"}, engine=create_engine("sqlite://"))
    store.create_schema()
    raw = json.loads((ROOT / "form_definitions" / "waterlow.json").read_text(encoding="utf-8"))
    store.save_draft(raw)
    store.publish("waterlow", raw["x-form"]["version"])
    _, submission = store.submit("waterlow", raw["x-examples"][0]["answers"], resident_id=1, home_id=1,
                                 submitted_by="nurse")
    definition = store.load("waterlow")
    return lambda: assessment_pdf(definition, submission, [], home_name="Tŷ Gwyn", resident_label="Siân Ŵyn",
                                  printed_by="Nyrs (nurse)", printed_at=NOW)


def care_plan_like(sections: int = 10) -> bytes:
    story = [Paragraph("Care plan: Siân Ŵyn", STYLES["title"])]
    narrative = ("Siân likes to be called Sia and prefers Welsh. She needs one carer to prompt and "
                 "supervise personal care in the morning, and the hoist with two staff after 18:00 when "
                 "she is tired. Check skin at each change; record fluid intake; offer a drink hourly. ") * 2
    for number in range(1, sections + 1):
        story.append(Paragraph(f"{number}. Need: section {number} (mobility, skin, nutrition…)", STYLES["h1"]))
        story.append(Paragraph(text(narrative), STYLES["body"]))
        rows = [[Paragraph(h, STYLES["label"]) for h in ("Intervention", "Who", "When")]]
        rows += [[Paragraph(text(f"Intervention {i}: reposition 2-hourly, check heels and sacrum"), STYLES["cell"]),
                  Paragraph("Carer", STYLES["cell"]), Paragraph("Every 2 hours", STYLES["cell"])] for i in range(6)]
        table = Table(rows, colWidths=[300, 80, 90], repeatRows=1)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)]))
        story.append(table)
    info = DocumentInfo(title="Care plan", home_name="Tŷ Gwyn", header_right="Siân Ŵyn", printed_by="manager",
                        printed_at=NOW, footer_note="Care plan version 3, reviewed 01 Nov 2026")
    return build_pdf(story, info)


def resident(number: int) -> TransferSummary:
    return TransferSummary(
        name=f"Resident {number} Ŵyn", preferred_name="", date_of_birth=dt.date(1935 + number % 20, 1 + number % 12, 1),
        nhs_number="943 476 5919", sex="Female", home_name="Tŷ Gwyn", location=f"Room {number} bed A",
        admitted_on=dt.date(2025, 1, 1), gp_practice="Meddygfa’r Bont",
        resuscitation=["DNACPR: In force; Do not attempt CPR; decided 01 Oct 2026"],
        legal=["DoLS: In force; expires 30 Dec 2026"], allergies="Penicillin (rash)",
        conditions="Vascular dementia; type 2 diabetes; osteoarthritis", key_risks="Falls; pressure ulcers",
        communication_needs="Welsh first language; hearing aid left", dietary_needs="Soft diet, thickened fluids",
        contacts=[Contact("Gwenllian Ŵyn", "Daughter", "07700 900123", "next of kin")],
        assessments=["NEWS2: total 1 Low (27 Nov 2026 08:00)", "Waterlow: total 12 At risk (20 Nov 2026 10:00)"],
    )


def main() -> None:
    per_second, count = rate(assessment_case())
    print(f"assessment PDF (Waterlow, 2 pages): {per_second:.1f} per second ({count} in 5 s)")
    pages = len(PdfReader(io.BytesIO(care_plan_like())).pages)
    per_second, count = rate(care_plan_like)
    print(f"care-plan-like PDF (10 stand-in sections, {pages} pages): {per_second:.1f} per second ({count} in 5 s)")
    summaries = [resident(n) for n in range(60)]
    started = time.perf_counter()
    pdf = transfer_summaries_pdf(summaries, home_name="Tŷ Gwyn", printed_by="manager", printed_at=NOW)
    took = time.perf_counter() - started
    print(f"home batch: 60 transfer summaries in one file: {took:.2f} s ({len(pdf) // 1024} KiB)")


if __name__ == "__main__":
    main()
