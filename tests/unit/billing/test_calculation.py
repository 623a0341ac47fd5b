"""The calculation rule on the issue's hand-computed cases: every expected amount is worked out by hand in
the comment beside it (weekly × days ÷ 7, rounded once per line to the penny, half up)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from app.billing.calculation import (
    DEFAULT_FNC_RATES,
    ScenarioError,
    calculate,
    line_amount,
    parse_scenario,
    preview,
)
from tests.unit.billing.helpers import agreement, amounts, rerun, scenario

RESIDENT = {"payer": "Resident", "kind": "resident", "amount": "remainder"}
FNC = {"payer": "NHS FNC", "kind": "fnc", "rate": "standard"}

ISSUE_EXAMPLE = {
    "period": {"start": "2026-04-01", "end": "2026-04-30"},
    "stay": {"admitted": "2026-03-10", "left": None, "left_reason": None},
    "absences": [{"from": "2026-04-10", "to": "2026-04-14"}],
    "agreements": [{"from": "2026-01-01", "weekly_fee": "1400.00", "fees_after_death_days": 3,
                    "hospital": {"charge": "full"},
                    "shares": [{"payer": "NHS FNC", "kind": "fnc", "rate": "standard"},
                               {"payer": "Resident", "kind": "resident", "amount": "remainder"}]}],
    "invoiced": [{"start": "2026-01-01", "end": "2026-02-28", "payer": "Resident", "weekly": "1000.00"}],
}


def test_the_rule_rounds_once_half_up():
    # 1099.99 × 16 ÷ 7 = 2514.2628… → 2514.26; 0.35 × 1 ÷ 7 = 0.05 exactly; 0.07 × 1 ÷ 7 = 0.01
    assert line_amount(Decimal("1099.99"), 16) == Decimal("2514.26")
    assert line_amount(Decimal("0.35"), 1) == Decimal("0.05")
    assert line_amount(Decimal("1000.00"), 31) == Decimal("4428.57")  # 4428.5714…
    assert line_amount(Decimal("254.06"), 59) == Decimal("2141.36")  # 14989.54 ÷ 7 = 2141.3628…


def test_mid_month_admission_charges_from_the_admission_day():
    result = preview(scenario(admitted="2026-04-15", agreements=[agreement("2026-04-15", "1099.99")]))
    # 15–30 April is 16 days (the admission day counts): 1099.99 × 16 ÷ 7 = 17599.84 ÷ 7 = 2514.2628… → 2514.26
    assert amounts(result) == [("2026-04-15", "2026-04-30", 16, "2514.26")]
    assert result["totals"] == {"Resident": "2514.26"} and result["total"] == "2514.26"
    line = result["lines"][0]
    assert line["weekly"] == "1099.99" and line["kind"] == "resident" and line["type"] == "charge"
    assert "15 Apr 2026 – 30 Apr 2026: 16 days at £1,099.99 a week" in line["description"]


def test_the_day_of_discharge_is_not_charged():
    result = preview(scenario(admitted="2026-04-15", left="2026-04-20", left_reason="discharge",
                              agreements=[agreement("2026-04-15", "1099.99")]))
    # 15–19 April, 5 days (20th, the day of leaving, not charged): 1099.99 × 5 ÷ 7 = 5499.95 ÷ 7 = 785.707… → 785.71
    assert amounts(result) == [("2026-04-15", "2026-04-19", 5, "785.71")]


def test_death_charges_the_day_of_death_and_the_agreed_days_after():
    result = preview(scenario(left="2026-04-15", left_reason="death",
                              agreements=[agreement(fee="987.65", fees_after_death_days=3)]))
    # died 15 April, 3 days after: 1–18 April = 18 days; 987.65 × 18 ÷ 7 = 17777.70 ÷ 7 = 2539.6714… → 2539.67
    assert amounts(result) == [("2026-04-01", "2026-04-18", 18, "2539.67")]
    no_days_after = preview(scenario(left="2026-04-15", left_reason="death", agreements=[agreement(fee="987.65")]))
    # the day of death itself is charged: 1–15 April = 15 days; 987.65 × 15 ÷ 7 = 14814.75 ÷ 7 = 2116.392… → 2116.39
    assert amounts(no_days_after) == [("2026-04-01", "2026-04-15", 15, "2116.39")]


def test_death_days_after_run_into_the_next_period():
    result = preview(scenario(start="2026-05-01", end="2026-05-31", left="2026-04-29", left_reason="death",
                              agreements=[agreement(fee="700.00", fees_after_death_days=5)]))
    # died 29 April + 5 days: 29 Apr – 4 May; in May: 1–4 May = 4 days × 100.00 a day = 400.00
    assert amounts(result) == [("2026-05-01", "2026-05-04", 4, "400.00")]


def test_death_after_a_month_invoiced_in_advance_credits_the_days_not_charged():
    data = scenario(start="2026-05-01", end="2026-05-31", left="2026-04-15", left_reason="death",
                    agreements=[agreement(fee="987.65", fees_after_death_days=3)],
                    invoiced=[{"start": "2026-04-01", "end": "2026-04-30", "payer": "Resident", "weekly": "987.65",
                               "days": 30, "amount": "4232.79"}])  # 987.65 × 30 ÷ 7 = 4232.7857… → 4232.79
    result = preview(data)
    # due for April: 1–18 April, 18 days = 2539.67 (as above); 2539.67 − 4232.79 = −1693.12, a credit; nothing for May
    assert amounts(result) == [("2026-04-01", "2026-04-30", 18, "-1693.12")]
    assert result["lines"][0]["type"] == "adjustment"
    assert rerun(data, result)["lines"] == []


def test_rate_rise_entered_two_months_late_gives_adjustments_for_the_months_invoiced():
    data = scenario(
        agreements=[agreement("2025-10-01", "1000.00"), agreement("2026-02-01", "1100.00")],
        invoiced=[
            {"start": "2026-01-01", "end": "2026-01-31", "payer": "Resident", "weekly": "1000.00",
             "days": 31, "amount": "4428.57"},
            {"start": "2026-02-01", "end": "2026-02-28", "payer": "Resident", "weekly": "1000.00",
             "days": 28, "amount": "4000.00"},
            {"start": "2026-03-01", "end": "2026-03-31", "payer": "Resident", "weekly": "1000.00",
             "days": 31, "amount": "4428.57"},
        ])
    result = preview(data)
    # April at the new rate: 1100 × 30 ÷ 7 = 33000 ÷ 7 = 4714.2857… → 4714.29
    assert amounts(result, type="charge") == [("2026-04-01", "2026-04-30", 30, "4714.29")]
    # February: due 1100 × 28 ÷ 7 = 4400.00, invoiced 4000.00 → +400.00
    # March: due 1100 × 31 ÷ 7 = 34100 ÷ 7 = 4871.428… → 4871.43, invoiced 4428.57 → +442.86
    # January is before the rise and was invoiced right: nothing
    assert amounts(result, type="adjustment") == [("2026-02-01", "2026-02-28", 28, "400.00"),
                                                  ("2026-03-01", "2026-03-31", 31, "442.86")]
    march = result["lines"][-1]
    assert march["weekly"] == "100.00"  # the rise per week
    assert "01 Mar 2026 – 31 Mar 2026" in march["description"] and "£4,428.57 invoiced" in march["description"]
    assert "£4,871.43 due" in march["description"]
    # 4714.29 + 400.00 + 442.86 = 5557.15
    assert result["totals"] == {"Resident": "5557.15"}
    # the next run (the adjustments and April now invoiced) adds nothing
    assert rerun(data, result)["lines"] == []


def test_rate_cut_backdated_gives_a_credit():
    data = scenario(agreements=[agreement("2025-10-01", "1000.00"), agreement("2026-03-01", "930.00")],
                    invoiced=[{"start": "2026-03-01", "end": "2026-03-31", "payer": "Resident",
                               "weekly": "1000.00", "days": 31, "amount": "4428.57"}])
    result = preview(data)
    # March: due 930 × 31 ÷ 7 = 28830 ÷ 7 = 4118.571… → 4118.57; invoiced 4428.57 → −310.00 (a credit)
    assert amounts(result, type="adjustment") == [("2026-03-01", "2026-03-31", 31, "-310.00")]
    assert result["lines"][-1]["weekly"] == "-70.00"


def test_nursing_resident_across_1_april_splits_fnc_and_the_remainder():
    result = preview(scenario(start="2026-03-16", end="2026-04-12",
                              agreements=[agreement(fee="1300.00", shares=[FNC, RESIDENT])]))
    # 16–31 March, 16 days, FNC 2025/26 £254.06:
    #   fee 1300 × 16 ÷ 7 = 20800 ÷ 7 = 2971.4285… → 2971.43; FNC 254.06 × 16 ÷ 7 = 4064.96 ÷ 7 = 580.708… → 580.71;
    #   resident 2971.43 − 580.71 = 2390.72
    # 1–12 April, 12 days, FNC 2026/27 £267.68:
    #   fee 1300 × 12 ÷ 7 = 15600 ÷ 7 = 2228.571… → 2228.57; FNC 267.68 × 12 ÷ 7 = 3212.16 ÷ 7 = 458.88;
    #   resident 2228.57 − 458.88 = 1769.69
    assert amounts(result, "NHS FNC") == [("2026-03-16", "2026-03-31", 16, "580.71"),
                                          ("2026-04-01", "2026-04-12", 12, "458.88")]
    assert amounts(result, "Resident") == [("2026-03-16", "2026-03-31", 16, "2390.72"),
                                           ("2026-04-01", "2026-04-12", 12, "1769.69")]
    weeklies = [(line["payer"], line["weekly"]) for line in result["lines"]]
    assert weeklies == [("NHS FNC", "254.06"), ("Resident", "1045.94"), ("NHS FNC", "267.68"), ("Resident", "1032.32")]
    # four weeks of £1,300.00 = 5200.00 = 1039.59 + 4160.41
    assert result["totals"] == {"NHS FNC": "1039.59", "Resident": "4160.41"} and result["total"] == "5200.00"


def test_fnc_rates_from_the_scenario_replace_the_table():
    result = preview(scenario(end="2026-04-07", agreements=[agreement(fee="1300.00", shares=[FNC, RESIDENT])],
                              fnc_rates=[{"from": "2026-04-01", "rate": "standard", "weekly": "270.00"}]))
    # a week: FNC 270.00, resident 1300 − 270 = 1030.00
    assert amounts(result) == [("2026-04-01", "2026-04-07", 7, "270.00"), ("2026-04-01", "2026-04-07", 7, "1030.00")]


def test_net_authority_placement_with_client_contribution_and_top_up():
    result = preview(scenario(agreements=[agreement(fee="1250.00", shares=[
        {"payer": "Resident", "kind": "resident", "weekly": "212.40"},
        {"payer": "Daughter", "kind": "third_party", "weekly": "75.00"},
        {"payer": "Cardiff Council", "kind": "local_authority", "amount": "remainder"},
    ])]))
    # April, 30 days: fee 1250 × 30 ÷ 7 = 37500 ÷ 7 = 5357.1428… → 5357.14
    #   client contribution 212.40 × 30 ÷ 7 = 6372 ÷ 7 = 910.2857… → 910.29
    #   top-up 75.00 × 30 ÷ 7 = 2250 ÷ 7 = 321.4285… → 321.43
    #   authority (the remainder) 5357.14 − 910.29 − 321.43 = 4125.42
    #   (its own weekly 962.60 × 30 ÷ 7 = 4125.4285… would round to 4125.43: the remainder absorbs the penny)
    assert result["totals"] == {"Resident": "910.29", "Daughter": "321.43", "Cardiff Council": "4125.42"}
    assert result["total"] == "5357.14"
    descriptions = {line["payer"]: line["description"] for line in result["lines"]}
    assert descriptions["Resident"].startswith("Client contribution")
    assert descriptions["Daughter"].startswith("Third-party top-up")
    assert descriptions["Cardiff Council"].startswith("Local authority placement")
    assert {line["payer"]: line["weekly"] for line in result["lines"]}["Cardiff Council"] == "962.60"


def test_hospital_absence_charged_at_a_percentage_after_n_days_for_one_payer():
    data = scenario(absences=[{"from": "2026-04-05", "to": "2026-04-16"}], agreements=[agreement(
        fee="1400.00", hospital={"charge": "full"}, shares=[
            {"payer": "Resident", "kind": "resident", "weekly": "200.00"},
            {"payer": "Council", "kind": "local_authority", "amount": "remainder",
             "hospital": {"charge": "percent", "percent": "80", "after_days": 7}},
        ])])
    result = preview(data)
    # away 5–16 April: days 1–7 of the absence (5–11 Apr) charged in full, days 8–12 (12–16 Apr) the council pays 80%
    # 1–11 Apr, 11 days: fee 1400 × 11 ÷ 7 = 2200.00; resident 200 × 11 ÷ 7 = 314.2857… → 314.29; council 1885.71
    # 12–16 Apr, 5 days: council weekly 1200 × 80% = 960.00; segment 1160 × 5 ÷ 7 = 828.571… → 828.57;
    #   resident 200 × 5 ÷ 7 = 142.857… → 142.86; council 828.57 − 142.86 = 685.71
    # 17–30 Apr, 14 days: fee 2800.00; resident 400.00; council 2400.00
    assert amounts(result, "Resident") == [("2026-04-01", "2026-04-11", 11, "314.29"),
                                           ("2026-04-12", "2026-04-16", 5, "142.86"),
                                           ("2026-04-17", "2026-04-30", 14, "400.00")]
    assert amounts(result, "Council") == [("2026-04-01", "2026-04-11", 11, "1885.71"),
                                          ("2026-04-12", "2026-04-16", 5, "685.71"),
                                          ("2026-04-17", "2026-04-30", 14, "2400.00")]
    reduced = [line for line in result["lines"] if line["payer"] == "Council"][1]
    assert reduced["weekly"] == "960.00" and "in hospital: 80% of £1,200.00" in reduced["description"]
    # 6000.00 for the month less 240 × 5 ÷ 7 = 171.43 → 5828.57
    assert result["totals"] == {"Resident": "857.15", "Council": "4971.42"} and result["total"] == "5828.57"
    assert rerun(data, result)["lines"] == []


def test_hospital_absence_charged_nothing_after_n_days():
    result = preview(scenario(absences=[{"from": "2026-03-28", "to": "2026-04-03"}], agreements=[agreement(
        fee="700.00", hospital={"charge": "none", "after_days": 3})]))
    # away from 28 March: days 1–3 are 28–30 March; 31 Mar – 3 Apr charged nothing; in April 1–3 free, 4–30 charged:
    # 27 days × 100.00 a day = 2700.00
    assert amounts(result) == [("2026-04-04", "2026-04-30", 27, "2700.00")]


def test_the_issue_example_as_written_charges_from_admission_only():
    result = preview(ISSUE_EXAMPLE)
    # The agreement dates from 1 January but the stay from 10 March: nothing is charged before admission.
    # April as in the next test: FNC 1147.20, resident 4852.80.
    assert amounts(result, type="charge") == [("2026-04-01", "2026-04-30", 30, "1147.20"),
                                              ("2026-04-01", "2026-04-30", 30, "4852.80")]
    # January–February were invoiced (1000 × 59 ÷ 7 = 8428.57) for days before the stay (0 days due): credited.
    assert amounts(result, "Resident", "adjustment") == [("2026-01-01", "2026-02-28", 0, "-8428.57")]
    assert result["total"] == "-2428.57"  # 6000.00 − 8428.57
    assert rerun(ISSUE_EXAMPLE, result)["lines"] == []


def test_the_issue_example_with_the_stay_from_1_january():
    data = json.loads(json.dumps(ISSUE_EXAMPLE))
    data["stay"]["admitted"] = "2026-01-01"
    result = preview(data)
    # April, 30 days (the hospital absence is charged in full): fee 1400 × 30 ÷ 7 = 6000.00;
    #   FNC 2026/27 267.68 × 30 ÷ 7 = 8030.40 ÷ 7 = 1147.20; resident 6000.00 − 1147.20 = 4852.80
    assert amounts(result, type="charge") == [("2026-04-01", "2026-04-30", 30, "1147.20"),
                                              ("2026-04-01", "2026-04-30", 30, "4852.80")]
    # January–February (59 days) was invoiced to the resident at 1000 a week: 1000 × 59 ÷ 7 = 8428.5714… → 8428.57.
    #   Due: fee 1400 × 59 ÷ 7 = 11800.00; FNC 2025/26 254.06 × 59 ÷ 7 = 2141.3628… → 2141.36;
    #   resident 11800.00 − 2141.36 = 9658.64 → resident +1230.07; FNC never invoiced for those days → +2141.36
    assert amounts(result, "Resident", "adjustment") == [("2026-01-01", "2026-02-28", 59, "1230.07")]
    assert amounts(result, "NHS FNC", "adjustment") == [("2026-01-01", "2026-02-28", 59, "2141.36")]
    assert result["totals"] == {"NHS FNC": "3288.56", "Resident": "6082.87"} and result["total"] == "9371.43"
    assert rerun(data, result)["lines"] == []


def test_rerunning_a_period_adds_nothing_and_a_late_change_inside_it_is_an_adjustment():
    data = scenario(agreements=[agreement(fee="1000.00")])
    first = preview(data)
    assert amounts(first) == [("2026-04-01", "2026-04-30", 30, "4285.71")]  # 30000 ÷ 7 = 4285.714… → 4285.71
    assert rerun(data, first)["lines"] == []
    changed = scenario(agreements=[agreement(fee="1000.00"), agreement("2026-04-16", "1070.00")],
                       invoiced=first["lines"])
    result = preview(changed)
    # due: 1–15 Apr 1000 × 15 ÷ 7 = 2142.857… → 2142.86; 16–30 Apr 1070 × 15 ÷ 7 = 16050 ÷ 7 = 2292.857… → 2292.86
    # 2142.86 + 2292.86 = 4435.72 − 4285.71 invoiced = +150.01; no second charge line
    assert amounts(result) == [("2026-04-01", "2026-04-30", 30, "150.01")]
    assert result["lines"][0]["type"] == "adjustment" and result["lines"][0]["weekly"] is None
    assert rerun(changed, result)["lines"] == []


def test_a_payer_added_backdated_is_charged_for_the_months_already_invoiced_to_others():
    data = scenario(
        agreements=[agreement(fee="800.00", shares=[
            {"payer": "Son", "kind": "third_party", "weekly": "70.00"}, RESIDENT])],
        invoiced=[{"start": "2026-03-01", "end": "2026-03-31", "payer": "Resident", "weekly": "800.00",
                   "amount": "3542.86"}])
    result = preview(data)
    # March: the son's top-up 70 × 31 ÷ 7 = 310.00 (debit); resident due 800 × 31 ÷ 7 = 3542.857… → 3542.86 − 310.00
    # = 3232.86, invoiced 3542.86 → −310.00 (credit)
    assert amounts(result, "Son", "adjustment") == [("2026-03-01", "2026-03-31", 31, "310.00")]
    assert amounts(result, "Resident", "adjustment") == [("2026-03-01", "2026-03-31", 31, "-310.00")]
    assert rerun(data, result)["lines"] == []


def test_extras_are_billed_once():
    data = scenario(extras=[
        {"on": "2026-04-03", "description": "Hairdressing", "quantity": "1", "unit_price": "18.00",
         "payer": "Resident", "kind": "resident"},
        {"on": "2026-04-09", "description": "Newspapers", "quantity": "4", "unit_price": "2.35",
         "payer": "Son", "kind": "third_party"},
        {"on": "2026-05-02", "description": "Chiropody", "quantity": "1", "unit_price": "25.00",
         "payer": "Resident", "kind": "resident"},
    ])
    result = preview(data)
    extras = [(line["payer"], line["start"], line["amount"], line["description"])
              for line in result["lines"] if line["type"] == "extra"]
    # 4 × 2.35 = 9.40; the chiropody of 2 May is after the period and waits for May's run
    assert extras == [("Resident", "2026-04-03", "18.00", "Hairdressing on 03 Apr 2026 (1 × £18.00)"),
                      ("Son", "2026-04-09", "9.40", "Newspapers on 09 Apr 2026 (4 × £2.35)")]
    assert result["totals"]["Son"] == "9.40"
    assert "1 extra(s) dated after the period" in result["notes"][0]
    assert rerun(data, result)["lines"] == []
    # a different extra on the same day for the same amount is still billed
    data["extras"].append({"on": "2026-04-03", "description": "Manicure", "quantity": "1", "unit_price": "18.00",
                           "payer": "Resident", "kind": "resident"})
    later = rerun(data, result)
    assert [line["description"] for line in later["lines"]] == ["Manicure on 03 Apr 2026 (1 × £18.00)"]


def test_days_before_the_first_agreement_are_not_charged_and_said_so():
    result = preview(scenario(admitted="2026-04-10", agreements=[agreement("2026-04-20", "700.00")]))
    assert amounts(result) == [("2026-04-20", "2026-04-30", 11, "1100.00")]
    assert result["notes"] == ["No fee agreement covers 10 Apr 2026 – 19 Apr 2026: not charged."]


def test_a_stay_that_ended_before_the_period_has_no_lines():
    result = preview(scenario(left="2026-03-20", left_reason="discharge"))
    assert result == {"lines": [], "totals": {}, "total": "0.00"}


def test_lines_carry_share_and_agreement_for_the_run():
    result = calculate(parse_scenario(scenario(agreements=[agreement(fee="1300.00", shares=[FNC, RESIDENT])])))
    assert [(line.share, line.agreement_from) for line in result.lines] == [(0, dt.date(2025, 6, 1)),
                                                                            (1, dt.date(2025, 6, 1))]
    assert all(isinstance(line.amount, Decimal) for line in result.lines)


def test_default_fnc_rates_are_the_published_ones():
    standard = {start.isoformat(): str(weekly) for start, name, weekly in DEFAULT_FNC_RATES if name == "standard"}
    assert standard == {"2024-04-01": "235.88", "2025-04-01": "254.06", "2026-04-01": "267.68"}


# --- bad input: refused, naming the field ---------------------------------------------------------------

def _bad(**changes):
    data = scenario(agreements=[agreement(shares=[{"payer": "Son", "kind": "third_party", "weekly": "100.00"},
                                                  RESIDENT])])
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return data


BAD = [
    ("fixed shares exceed the fee", _bad(agreements__0__weekly_fee="90.00"), "agreements[0].shares[0].weekly"),
    ("two versions the same date", _bad(agreements=[agreement(), agreement()]), "agreements[1].from"),
    ("three decimals", _bad(agreements__0__weekly_fee="1000.005"), "agreements[0].weekly_fee"),
    ("three decimals in a share", _bad(agreements__0__shares__0__weekly="100.001"), "agreements[0].shares[0].weekly"),
    ("a float", _bad(agreements__0__weekly_fee=1000.5), "agreements[0].weekly_fee"),
    ("missing remainder", _bad(agreements__0__shares=[{"payer": "Son", "kind": "third_party", "weekly": "10.00"}]),
     "agreements[0].shares"),
    ("two remainders", _bad(agreements__0__shares=[RESIDENT, RESIDENT]), "agreements[0].shares[1].amount"),
    ("unknown kind", _bad(agreements__0__shares__0__kind="family"), "agreements[0].shares[0].kind"),
    ("bad period date", _bad(period={"start": "2026-02-30", "end": "2026-03-31"}), "period.start"),
    ("period ends before it starts", _bad(period={"start": "2026-04-30", "end": "2026-04-01"}), "period.end"),
    ("date in another format", _bad(stay={"admitted": "01/06/2025"}), "stay.admitted"),
    ("left before admitted", _bad(stay={"admitted": "2025-06-01", "left": "2025-05-01", "left_reason": "death"}),
     "stay.left"),
    ("unknown left reason", _bad(stay={"admitted": "2025-06-01", "left": "2026-04-10", "left_reason": "moved"}),
     "stay.left_reason"),
    ("absence ends before it starts", _bad(absences=[{"from": "2026-04-10", "to": "2026-04-09"}]), "absences[0].to"),
    ("hospital percent above 100", _bad(agreements__0__hospital={"charge": "percent", "percent": "120"}),
     "agreements[0].hospital.percent"),
    ("unknown hospital charge", _bad(agreements__0__hospital={"charge": "half"}), "agreements[0].hospital.charge"),
    ("misspelt field", _bad(agreements__0__weekley_fee="1.00"), "agreements[0].weekley_fee"),
    ("amount other than remainder", _bad(agreements__0__shares__1={"payer": "R", "kind": "resident",
                                                                   "amount": "250.00"}),
     "agreements[0].shares[1].amount"),
    ("fnc without a rate", _bad(agreements__0__shares__0={"payer": "NHS", "kind": "fnc", "weekly": "10.00"}),
     "agreements[0].shares[0].rate"),
    ("days after death not a whole number", _bad(agreements__0__fees_after_death_days="3"),
     "agreements[0].fees_after_death_days"),
    ("invoiced weekly as a float", _bad(invoiced=[{"start": "2026-03-01", "end": "2026-03-31", "payer": "R",
                                                   "weekly": 99.5}]), "invoiced[0].weekly"),
    ("invoiced end before start", _bad(invoiced=[{"start": "2026-03-31", "end": "2026-03-01", "payer": "R",
                                                  "weekly": "1.00"}]), "invoiced[0].end"),
    ("negative fee", _bad(agreements__0__weekly_fee="-5.00"), "agreements[0].weekly_fee"),
    ("fee as words", _bad(agreements__0__weekly_fee="a lot"), "agreements[0].weekly_fee"),
    ("extra price with three decimals", _bad(extras=[{"on": "2026-04-01", "description": "Hair", "unit_price": "1.005",
                                                      "payer": "R", "kind": "resident"}]), "extras[0].unit_price"),
    ("no period", {"stay": {"admitted": "2025-06-01"}, "agreements": []}, "period"),
    ("not an object", [], "(scenario)"),
]


@pytest.mark.parametrize(("reason", "data", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_naming_the_field(reason, data, field):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert caught.value.field == field, caught.value
    assert caught.value.message


def test_fnc_above_the_fee_is_refused():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario(agreements=[agreement(fee="250.00", shares=[FNC, RESIDENT])]))
    # 2025-06-01: FNC 254.06 > 250.00
    assert caught.value.field == "agreements[0].weekly_fee" and "FNC" in caught.value.message


def test_a_missing_fnc_rate_is_named():
    with pytest.raises(ScenarioError) as caught:
        preview(scenario(agreements=[agreement(fee="1300.00", shares=[FNC, RESIDENT])],
                         fnc_rates=[{"from": "2026-04-10", "rate": "standard", "weekly": "267.68"}]))
    assert caught.value.field == "agreements[0].shares[0].rate" and "2026-04-01" in caught.value.message


def test_overlapping_invoiced_ranges_for_one_payer_are_refused():
    with pytest.raises(ScenarioError) as caught:
        preview(scenario(invoiced=[
            {"start": "2026-03-01", "end": "2026-03-31", "payer": "Resident", "weekly": "1000.00"},
            {"start": "2026-03-15", "end": "2026-04-14", "payer": "Resident", "weekly": "1000.00"}]))
    assert caught.value.field == "invoiced[1]"
