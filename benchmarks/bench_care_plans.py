"""Care-plan PDF benchmarks: run with `python benchmarks/bench_care_plans.py`; prints rates and times.

1. Care-plan PDFs per second for a 10-section plan (each need with what matters, an outcome,
   several interventions and risks, two linked assessments), single process, through
   `reports.care_plan` exactly as the job renders it.
2. "All care plans" for a home of 60 residents in one file, as the batch job renders it
   (rendering only; gathering is a few queries per plan).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from reports.care_plan import CarePlanDocument, Section, care_plan_pdf, care_plans_pdf  # noqa: E402

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)


def plan(number: int = 1, sections: int = 10) -> CarePlanDocument:
    return CarePlanDocument(
        resident_name=f"Siân Ŵyn-Gwŷn {number}", home_name="Tŷ Glan Afon Nursing Home", title="Care plan",
        version_no=3, reviewed_on=dt.date(2026, 11, 1), next_review_on=dt.date(2026, 12, 1), status="Active",
        date_of_birth=dt.date(1936, 3, 1), nhs_number="943 476 5919", location="Room 4 A",
        review_notes="Reviewed with her daughter; mobility has declined since a fall. " * 2,
        participants="the resident, Megan (daughter), Nurse Jones", consent="Consent given (the resident)",
        written_by="Nurse Jones (nurse)",
        history=[f"Version {v}: reviewed 01 Nov 2026 by Nurse Jones (nurse)" for v in (1, 2, 3)],
        sections=[Section(
            need=f"Need {i}: mobility and falls", matters="Walking to chapel on Sundays; tea in the garden. " * 2,
            outcome="Moves about safely and as independently as she can.",
            interventions="\n".join(f"{k}. Frame within reach; one carer for transfers as assessed." for k in range(6)),
            risks="Falls; see the falls risk assessment. Low blood pressure on standing.",
            assessments=["Waterlow 12 At risk (01 Nov 2026)", "MUST 0 Low (01 Nov 2026)"],
        ) for i in range(1, sections + 1)],
    )


def rate(func, seconds: float = 5.0) -> tuple[float, int]:
    func()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        func()
        count += 1
    return count / (time.perf_counter() - start), count


def main() -> None:
    one = plan()
    pages = len(PdfReader(io.BytesIO(care_plan_pdf(one, printed_by="bench", printed_at=NOW))).pages)
    per_second, runs = rate(lambda: care_plan_pdf(one, printed_by="bench", printed_at=NOW))
    print(f"care plan, 10 sections ({pages} pages): {per_second:.1f} PDFs/s over {runs} runs")
    plans = [plan(n) for n in range(60)]
    start = time.perf_counter()
    data = care_plans_pdf(plans, home_name="Tŷ Glan Afon Nursing Home", printed_by="bench", printed_at=NOW)
    took = time.perf_counter() - start
    print(f"all care plans, 60 residents: {took:.2f} s, {len(PdfReader(io.BytesIO(data)).pages)} pages, "
          f"{len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
