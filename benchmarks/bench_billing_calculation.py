"""Billing's pure parts: run with `python benchmarks/bench_billing_calculation.py`; prints times.

1. The calculation for one nursing resident's month (FNC + remainder), with no history, with two months of
   invoice lines (what an invoice run passes) and with twelve months, and a backdated rate rise.
2. 1,200 residents' months in a row (the calculation's share of the 20 homes × 60 residents run).
3. An authority's 60-line invoice PDF and a resident's invoice PDF.
4. The Xero file of 500 invoices of 3 lines.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.billing.calculation import line_amount, preview  # noqa: E402
from app.billing.export import xero_sales_invoices_csv  # noqa: E402
from reports.invoice import render_invoice_pdf  # noqa: E402


def months_of_lines(first: dt.date, until: dt.date) -> list[dict]:
    lines, day = [], first
    while day < until:
        nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        days = (end - day).days + 1
        fnc = Decimal("254.06")
        fnc_amount = line_amount(fnc, days)
        fee = line_amount(Decimal(1300), days)
        lines += [{"start": day.isoformat(), "end": end.isoformat(), "payer": "NHS FNC", "weekly": "254.06",
                   "days": days, "amount": f"{fnc_amount}", "type": "charge"},
                  {"start": day.isoformat(), "end": end.isoformat(), "payer": "Resident", "weekly": "1045.94",
                   "days": days, "amount": f"{fee - fnc_amount}", "type": "charge"}]
        day = nxt
    return lines


def scenario(history_months: int, rise: bool = False) -> dict:
    versions = [{"from": "2025-01-01", "weekly_fee": "1300.00",
                 "shares": [{"payer": "NHS FNC", "kind": "fnc", "rate": "standard"},
                            {"payer": "Resident", "kind": "resident", "amount": "remainder"}]}]
    if rise:
        versions.append({**versions[0], "from": "2026-02-01", "weekly_fee": "1350.00"})
    start = dt.date(2026, 4, 1)
    first = dt.date(2026 - (history_months > 3), (4 - history_months - 1) % 12 + 1, 1) if history_months else start
    return {"period": {"start": "2026-04-01", "end": "2026-04-30"},
            "stay": {"admitted": "2025-01-01", "left": None, "left_reason": None},
            "absences": [{"from": "2026-04-10", "to": "2026-04-14"}],
            "agreements": versions, "invoiced": months_of_lines(first, start) if history_months else []}


def timed(label: str, func, repeat: int) -> float:
    """Wall time and this process's CPU time (the machine may be shared: CPU time is the steadier figure)."""
    func()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        func()
    each = (time.perf_counter() - started) / repeat
    print(f"{label}: {each * 1000:.2f} ms (CPU {(time.process_time() - cpu) / repeat * 1000:.2f} ms)")
    return each


def main() -> None:
    for months, rise in ((0, False), (2, False), (2, True), (12, False)):
        data = scenario(months, rise)
        timed(f"one resident's month, {months} months of lines{' and a backdated rise' if rise else ''}",
              lambda data=data: preview(data), 200)
    data = scenario(2)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(1200):
        preview(data)
    print(f"1,200 residents' months (2 months of lines each): {time.perf_counter() - started:.2f} s "
          f"(CPU {time.process_time() - cpu:.2f} s)")

    home = {"name": "Tŷ Gwyn", "address": ["1 Heol y Bont", "CF10 1AA"], "phone": "029 2000 0000"}
    line = {"description": "Local authority placement 01 Apr 2026 – 30 Apr 2026", "resident": "Siân Ŵyn",
            "start": dt.date(2026, 4, 1), "end": dt.date(2026, 4, 30), "days": 30, "weekly": Decimal("962.60"),
            "amount": Decimal("4125.42")}
    doc = {"kind": "invoice", "number": "TG-000200", "issued_on": dt.date(2026, 5, 1), "due_on": dt.date(2026, 5, 31),
           "period_start": dt.date(2026, 4, 1), "period_end": dt.date(2026, 4, 30), "home": home,
           "payer": {"name": "Cardiff Council", "reference": "PO-1"}, "lines": [line] * 60,
           "total": Decimal("247525.20"), "payment_terms_days": 30, "printed_by": "bench",
           "printed_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC)}
    timed("authority invoice PDF, 60 lines", lambda: render_invoice_pdf(doc), 10)
    timed("resident invoice PDF, 2 lines", lambda: render_invoice_pdf({**doc, "lines": [line] * 2}), 20)
    invoice = {"number": "TG-1", "contact_name": "Siân Ŵyn", "issued_on": dt.date(2026, 5, 1),
               "due_on": dt.date(2026, 5, 31),
               "lines": [{"description": "Care fees", "quantity": Decimal(1), "unit_amount": Decimal("4285.71"),
                          "account_code": "200"}] * 3}
    invoices = [{**invoice, "number": f"TG-{n}"} for n in range(500)]
    timed("Xero file, 500 invoices × 3 lines", lambda: xero_sales_invoices_csv(invoices), 5)


if __name__ == "__main__":
    main()
