"""The hand-computed cases of the billing issue, through a real invoice run on the database: each
expected amount is worked out here by hand (weekly × days ÷ 7, rounded once per line, half up)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.billing import runs, services
from app.billing.models import Invoice, InvoiceStatus, PayerKind
from app.extensions import db
from app.residents import stays
from tests.integration.billing.helpers import (
    D,
    admit,
    agreement,
    amounts,
    issue_all,
    lines_for,
    noon,
    payer,
    run,
    total,
)


def test_mid_month_admission_is_charged_from_the_admission_day(world):
    resident, stay = admit(world, "Mair", dt.date(2026, 4, 16))
    me = payer(world, "resident", "Mair Billing", resident)
    agreement(stay, "1234.56", [{"payer_id": me.id, "basis": "remainder"}])

    done = run(world, "2026-04")

    # 16–30 April: 15 days; 1234.56 × 15 ÷ 7 = 2645.4857… → 2645.49
    lines = lines_for(stay)
    assert [(x.start_on, x.end_on, x.days) for x in lines] == [(dt.date(2026, 4, 16), dt.date(2026, 4, 30), 15)]
    assert amounts(lines) == [D("2645.49")]
    assert done.invoices_created == 1
    invoice = lines[0].invoice
    assert invoice.payer_id == me.id and invoice.resident_id == resident.id and invoice.total == D("2645.49")
    assert invoice.status == InvoiceStatus.draft and invoice.number is None


def test_death_is_charged_to_the_day_of_death_and_the_agreed_days_after(world):
    resident, stay = admit(world, "Huw", dt.date(2026, 1, 5))
    me = payer(world, "resident", "Huw Billing", resident)
    agreement(stay, "1050.00", [{"payer_id": me.id, "basis": "remainder"}], fees_after_death_days=3)
    stays.record_death(resident.id, noon(dt.date(2026, 4, 15)))

    run(world, "2026-04")

    # 1–18 April (death on the 15th, then 3 days): 18 days × 150.00 a day = 2700.00
    lines = lines_for(stay)
    assert [(x.start_on, x.end_on, x.days) for x in lines] == [(dt.date(2026, 4, 1), dt.date(2026, 4, 18), 18)]
    assert total(lines) == D("2700.00")


def test_death_after_a_month_invoiced_in_advance_is_credited_on_the_next_run(world):
    resident, stay = admit(world, "Gwen", dt.date(2026, 1, 5))
    me = payer(world, "resident", "Gwen Billing", resident)
    agreement(stay, "1050.00", [{"payer_id": me.id, "basis": "remainder"}], fees_after_death_days=3)
    april = run(world, "2026-04")
    issue_all(world, april, dt.date(2026, 4, 1))
    assert total(lines_for(stay)) == D("4500.00")  # 30 days × 150.00
    stays.record_death(resident.id, noon(dt.date(2026, 4, 15)))

    may = run(world, "2026-05")

    # 19–30 April were invoiced but are no longer due: 12 days × 150.00 = 1800.00 back
    new = lines_for(stay, run_obj=may)
    assert [(x.line_type.value, x.start_on, x.end_on, x.amount) for x in new] == [
        ("adjustment", dt.date(2026, 4, 1), dt.date(2026, 4, 30), D("-1800.00"))]


def test_a_rate_rise_entered_two_months_late_gives_adjustment_lines(world):
    resident, stay = admit(world, "Owain", dt.date(2026, 1, 1))
    me = payer(world, "resident", "Owain Billing", resident)
    deal = agreement(stay, "700.00", [{"payer_id": me.id, "basis": "remainder"}])
    for month in ("2026-01", "2026-02", "2026-03"):
        issue_all(world, run(world, month))
    services.add_version(deal.id, {"effective_from": "2026-02-01", "weekly_fee": "770.00",
                                   "shares": [{"payer_id": me.id, "basis": "remainder"}]})

    april = run(world, "2026-04")

    new = lines_for(stay, run_obj=april)
    charges = [x for x in new if x.line_type.value == "charge"]
    adjustments = [x for x in new if x.line_type.value == "adjustment"]
    # April at the new rate: 30 days × 110.00 = 3300.00
    assert [(x.days, x.amount) for x in charges] == [(30, D("3300.00"))]
    # February: 28 days × 10.00 more = 280.00; March: 31 days × 10.00 = 310.00; January unchanged
    assert sorted((x.start_on, x.amount) for x in adjustments) == [
        (dt.date(2026, 2, 1), D("280.00")), (dt.date(2026, 3, 1), D("310.00"))]
    assert all("Adjustment" in x.description for x in adjustments)

    again = run(world, "2026-04")  # re-running the period changes nothing and adds nothing
    assert again.invoices_created == 0 and again.lines_created == 0 and again.total == D("0.00")
    issue_all(world, april)
    may = run(world, "2026-05")
    assert [x.line_type.value for x in lines_for(stay, run_obj=may)] == ["charge"]  # the adjustments settled once


def test_nursing_resident_across_1_april_splits_the_fnc_line_at_the_new_rate(world):
    resident, stay = admit(world, "Nia", dt.date(2026, 3, 2))
    me = payer(world, "resident", "Nia Billing", resident)
    icb = payer(world, "fnc", "Bristol ICB (FNC)", cycle="four_weekly", email="fnc@icb.example")
    agreement(stay, "1500.00", [{"payer_id": icb.id, "basis": "fnc", "fnc_rate": "standard"},
                                {"payer_id": me.id, "basis": "remainder"}])

    march = run(world, "2026-03")

    # The ICB pays four-weekly in advance (periods of 28 days from Monday 1 April 2024); two of its
    # periods start in March: 2–29 March and 30 March – 26 April.
    fnc = lines_for(stay, icb, march)
    assert [(x.start_on, x.end_on, x.days, x.weekly, x.amount) for x in fnc] == [
        # 254.06 × 28 ÷ 7 = 1016.24
        (dt.date(2026, 3, 2), dt.date(2026, 3, 29), 28, D("254.06"), D("1016.24")),
        # 2025/26: 254.06 × 2 ÷ 7 = 72.5886 → 72.59
        (dt.date(2026, 3, 30), dt.date(2026, 3, 31), 2, D("254.06"), D("72.59")),
        # 2026/27: 267.68 × 26 ÷ 7 = 994.24
        (dt.date(2026, 4, 1), dt.date(2026, 4, 26), 26, D("267.68"), D("994.24")),
    ]
    # The resident pays March, monthly, from admission: 1500 × 30 ÷ 7 = 6428.571 → 6428.57 less FNC
    # 254.06 × 30 ÷ 7 = 1088.8286 → 1088.83: 5339.74
    assert amounts(lines_for(stay, me, march)) == [D("5339.74")]
    fnc_invoice = fnc[-1].invoice
    assert fnc_invoice.resident_id is None and fnc_invoice.period_start == dt.date(2026, 3, 30)


def test_net_authority_placement_with_client_contribution_and_family_top_up(world):
    resident, stay = admit(world, "Bryn", dt.date(2026, 1, 10))
    me = payer(world, "resident", "Bryn Billing", resident)
    daughter = payer(world, "third_party", "Catrin Billing (daughter)", resident)
    council = payer(world, "local_authority", "Bristol City Council", email="care@bristol.example", delivery="email")
    other, other_stay = admit(world, "Elin", dt.date(2026, 2, 1))
    agreement(stay, "1200.00", [
        {"payer_id": me.id, "basis": "fixed", "weekly_amount": "200.00", "label": "Client contribution"},
        {"payer_id": daughter.id, "basis": "fixed", "weekly_amount": "150.00", "label": "Top-up"},
        {"payer_id": council.id, "basis": "remainder"}], placement="la_net")
    agreement(other_stay, "1000.00", [{"payer_id": council.id, "basis": "remainder"}], placement="la_gross")

    done = run(world, "2026-04")

    # April, 30 days: fee 1200 × 30 ÷ 7 = 5142.857 → 5142.86; client 200 × 30 ÷ 7 = 857.14;
    # top-up 150 × 30 ÷ 7 = 642.857 → 642.86; the council the remainder 5142.86 − 857.14 − 642.86 = 3642.86
    assert amounts(lines_for(stay, me)) == [D("857.14")]
    assert amounts(lines_for(stay, daughter)) == [D("642.86")]
    assert amounts(lines_for(stay, council)) == [D("3642.86")]
    # one invoice each for the resident and the daughter; one for the council listing both residents
    # (Elin: 1000 × 30 ÷ 7 = 4285.714 → 4285.71)
    council_invoices = list(db.session.scalars(select(Invoice).where(Invoice.payer_id == council.id)))
    assert len(council_invoices) == 1 and council_invoices[0].resident_id is None
    assert sorted(x.resident_id for x in council_invoices[0].lines) == sorted([resident.id, other.id])
    assert council_invoices[0].total == D("3642.86") + D("4285.71")
    assert done.invoices_created == 3 and council.kind == PayerKind.local_authority


def test_hospital_absence_charged_at_a_percentage_after_the_agreed_days(world):
    resident, stay = admit(world, "Iolo", dt.date(2026, 1, 10))
    me = payer(world, "resident", "Iolo Billing", resident)
    agreement(stay, "700.00", [{"payer_id": me.id, "basis": "remainder"}], hospital_charge="percent",
              hospital_percent="80", hospital_after_days=7)
    stays.start_hospital_leave(stay.id, noon(dt.date(2026, 4, 5)), "Southmead", "Fall")
    stays.return_from_leave(stay.id, noon(dt.date(2026, 4, 20)))

    run(world, "2026-04")

    # Away 6–19 April (14 whole days): the first 7 in full, the next 7 at 80%.
    # 1–12 April 12 days × 100 = 1200.00; 13–19 April at 560.00 a week × 7 ÷ 7 = 560.00; 20–30 April 1100.00
    lines = lines_for(stay)
    assert [(x.start_on.day, x.end_on.day, x.weekly, x.amount) for x in lines] == [
        (1, 12, D("700.00"), D("1200.00")), (13, 19, D("560.00"), D("560.00")), (20, 30, D("700.00"), D("1100.00"))]
    assert total(lines) == D("2860.00")


def test_stays_without_an_agreement_or_with_one_ended_are_skipped_with_a_reason(world):
    _resident, stay = admit(world, "Siôn", dt.date(2026, 1, 10))
    other, ended_stay = admit(world, "Ela", dt.date(2026, 1, 10))
    me = payer(world, "resident", "Ela Billing", other)
    deal = agreement(ended_stay, "700.00", [{"payer_id": me.id, "basis": "remainder"}])
    services.end_agreement(deal.id, "2026-02-28")

    done = run(world, "2026-04")

    reasons = {item["stay_id"]: item["reason"] for item in done.summary["skipped"]}
    assert "No fee agreement" in reasons[stay.id]
    assert "ended on 28/02/2026" in reasons[ended_stay.id]
    assert lines_for(stay) == [] and lines_for(ended_stay) == []


def test_extras_are_billed_once_on_the_next_run(world):
    resident, stay = admit(world, "Llio", dt.date(2026, 1, 10))
    me = payer(world, "resident", "Llio Billing", resident)
    agreement(stay, "700.00", [{"payer_id": me.id, "basis": "remainder"}])
    services.record_extra({"resident_id": resident.id, "payer_id": me.id, "on": "2026-04-03",
                           "description": "Hairdressing", "quantity": "2", "unit_price": "18.50"})

    first = run(world, "2026-04")
    second = run(world, "2026-04")

    extras = [x for x in lines_for(stay) if x.line_type.value == "extra"]
    assert [x.amount for x in extras] == [D("37.00")] and extras[0].extra_id is not None
    assert first.lines_created == 2 and second.lines_created == 0


def test_credit_note_reverses_the_chosen_lines_exactly_and_leaves_the_invoice_unchanged(world):
    resident, stay = admit(world, "Dylan", dt.date(2026, 4, 16))
    me = payer(world, "resident", "Dylan Billing", resident)
    agreement(stay, "1234.56", [{"payer_id": me.id, "basis": "remainder"}])
    services.record_extra({"resident_id": resident.id, "payer_id": me.id, "on": "2026-04-20",
                           "description": "Chiropody", "unit_price": "25.00"})
    (invoice,) = issue_all(world, run(world, "2026-04"), dt.date(2026, 4, 30))
    assert invoice.total == D("2670.49") and invoice.number and invoice.due_on == dt.date(2026, 5, 28)
    extra_line = next(x for x in invoice.lines if x.line_type.value == "extra")

    note = runs.create_credit_note(invoice.id, [extra_line.id], "Chiropodist did not come")
    assert note.type.value == "credit_note" and note.status == InvoiceStatus.issued and note.number
    assert note.total == D("-25.00") and [x.credits_line_id for x in note.lines] == [extra_line.id]
    whole = runs.create_credit_note(invoice.id, None, "Billed to the wrong payer")
    assert whole.total == D("-2645.49")  # what was left: the fee line
    assert invoice.total + note.total + whole.total == D("0.00")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).total == D("2670.49")  # the invoice itself never changes
    numbers = db.session.scalars(select(Invoice.sequence).where(Invoice.home_id == world.home_a.id,
                                                                Invoice.sequence.is_not(None)))
    numbers = sorted(numbers)
    assert numbers == list(range(1, len(numbers) + 1))
    assert db.session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.credits_invoice_id == invoice.id)) == 2
