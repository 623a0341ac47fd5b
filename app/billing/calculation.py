"""The calculation rule, in one place: what each payer owes for one stay over one period.

Each line is the weekly amount × days ÷ 7, rounded once per line to the penny, half up (`Decimal`,
`ROUND_HALF_UP`). A day is charged when the resident is resident at any time that day: the admission day is
charged, the day of leaving is not, except on death, when the day of death and the agreed N days after it are.

Days are grouped into segments: runs of days with the same agreement version, the same FNC rate and the same
hospital charging for every share. Each share of a segment gets one line; the share that takes "the remainder"
gets the segment's fee (rounded once) less the other lines, so a segment's lines add up to its fee exactly.

What earlier invoices charged (`invoiced`) is compared, range by range and payer by payer, with what the
agreements now say: a difference is an adjustment line (a credit when negative). Days of the period that a
payer has not been invoiced for yet get charge lines; days already invoiced correctly get nothing, so running
the same period twice, or feeding the lines back as `invoiced`, adds nothing.

Pure: no Flask, no database, no float. `preview()` and `preview_command_body()` serve `flask billing preview`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from app.billing.scenario import (
    DEFAULT_FNC_RATES,
    Agreement,
    FloatLiteral,
    Invoiced,
    Scenario,
    ScenarioError,
    parse_scenario,
)

__all__ = [
    "DEFAULT_FNC_RATES", "Line", "Result", "Scenario", "ScenarioError", "calculate", "line_amount",
    "parse_scenario", "preview", "preview_command_body",
]

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)
ONE_DAY = dt.timedelta(days=1)


def round_penny(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def line_amount(weekly: Decimal, days: int) -> Decimal:
    """The rule: weekly × days ÷ 7, rounded once to the penny, half up."""
    with localcontext() as ctx:
        ctx.prec = 40
        return round_penny(weekly * days / Decimal(7))


def money(value: Decimal) -> str:
    return f"£{value:,.2f}" if value >= 0 else f"−£{-value:,.2f}"


def day_text(value: dt.date) -> str:
    return value.strftime("%d %b %Y")


def _days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


def _runs(days) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days: (first, last) pairs."""
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and day == runs[-1][1] + ONE_DAY:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


@dataclass(frozen=True)
class Line:
    payer: str
    kind: str | None
    start: dt.date
    end: dt.date
    days: int
    weekly: Decimal | None
    amount: Decimal
    description: str
    type: str = "charge"  # charge | adjustment | extra
    share: int | None = None
    agreement_from: dt.date | None = None

    def to_json(self) -> dict:
        return {
            "payer": self.payer, "kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "days": self.days, "weekly": None if self.weekly is None else f"{self.weekly:.2f}",
            "amount": f"{self.amount:.2f}", "description": self.description, "type": self.type,
        }


@dataclass
class Result:
    lines: list[Line]
    totals: dict[str, Decimal]
    total: Decimal
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        data = {"lines": [line.to_json() for line in self.lines],
                "totals": {payer: f"{amount:.2f}" for payer, amount in self.totals.items()},
                "total": f"{self.total:.2f}"}
        if self.notes:
            data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class _SharePlan:
    weekly: Decimal  # charged on this day's level
    full_weekly: Decimal
    percent: Decimal


@dataclass(frozen=True)
class _DayPlan:
    agreement: Agreement
    shares: tuple[_SharePlan, ...]


@dataclass(frozen=True)
class _Segment:
    start: dt.date
    end: dt.date
    days: int
    plan: _DayPlan
    amounts: tuple[Decimal, ...]


class _Calculator:
    def __init__(self, scenario: Scenario):
        self.s = scenario
        self.last_day = self._last_charged_day()
        # A day's plan can only change on one of these days, so it is worked out once per run of days between
        # them; equal plans are one object, so that segments compare them by identity.
        bounds = {scenario.admitted} | {a.start for a in scenario.agreements} | {r.start for r in scenario.fnc_rates}
        if self.last_day is not None:
            bounds.add(self.last_day + ONE_DAY)
        rules = [a.hospital for a in scenario.agreements] + [
            sh.hospital for a in scenario.agreements for sh in a.shares if sh.hospital is not None]
        after = {rule.after_days for rule in rules}
        for absence in scenario.absences:
            bounds |= {absence.start, absence.end + ONE_DAY}
            bounds |= {absence.start + dt.timedelta(days=n) for n in after if n <= (absence.end - absence.start).days}
        self._bounds = sorted(bounds)
        self._at_bound: dict[dt.date, _DayPlan | None] = {}
        self._interned: dict[tuple, _DayPlan] = {}
        self._range_segments: dict[tuple[dt.date, dt.date], list[_Segment]] = {}

    # --- which days, at what weekly amounts ------------------------------------------------------------
    def agreement_on(self, day: dt.date) -> Agreement | None:
        found = None
        for agreement in self.s.agreements:
            if agreement.start <= day:
                found = agreement
        return found

    def _last_charged_day(self) -> dt.date | None:
        s = self.s
        if s.left is None:
            return None
        if s.left_reason == "death":
            agreement = self.agreement_on(s.left)
            return s.left + dt.timedelta(days=agreement.fees_after_death_days if agreement else 0)
        return s.left - ONE_DAY

    def resident_on(self, day: dt.date) -> bool:
        return day >= self.s.admitted and (self.last_day is None or day <= self.last_day)

    def _absence_day(self, day: dt.date) -> int | None:
        for absence in self.s.absences:
            if absence.start <= day <= absence.end:
                return (day - absence.start).days + 1
        return None

    def plan(self, day: dt.date) -> _DayPlan | None:
        at = bisect_right(self._bounds, day) - 1
        if at < 0:
            return None  # before the admission
        anchor = self._bounds[at]
        if anchor not in self._at_bound:
            plan = self._plan(anchor, day)
            if plan is not None:
                key = (plan.agreement.index, plan.shares)
                plan = self._interned.setdefault(key, plan)
            self._at_bound[anchor] = plan
        return self._at_bound[anchor]

    def _plan(self, day: dt.date, asked: dt.date) -> _DayPlan | None:
        """The plan of `day` (a bound); `asked` is the day being charged, for messages."""
        if not self.resident_on(day):
            return None
        agreement = self.agreement_on(day)
        if agreement is None:
            return None
        full: list[Decimal | None] = []
        for i, share in enumerate(agreement.shares):
            if share.weekly is not None:
                full.append(share.weekly)
            elif share.fnc_rate is not None:
                weekly = self.s.fnc_weekly(share.fnc_rate, day)
                if weekly is None:
                    raise ScenarioError(f"agreements[{agreement.index}].shares[{i}].rate",
                                        f"no {share.fnc_rate} FNC rate is in force on {asked}; add it to fnc_rates")
                full.append(weekly)
            else:
                full.append(None)
        remainder = agreement.weekly_fee - sum((w for w in full if w is not None), Decimal(0))
        if remainder < 0:
            raise ScenarioError(f"agreements[{agreement.index}].weekly_fee",
                                f"the fixed shares and FNC come to more than the weekly fee on {asked}")
        absence_day = self._absence_day(day)
        shares = []
        for share, weekly in zip(agreement.shares, full):
            weekly = remainder if weekly is None else weekly
            rule = share.hospital or agreement.hospital
            percent = HUNDRED if absence_day is None else rule.percent_on(absence_day)
            charged = weekly if percent == HUNDRED else round_penny(weekly * percent / HUNDRED)
            shares.append(_SharePlan(charged, weekly, percent))
        return _DayPlan(agreement, tuple(shares))

    # --- segments and their lines ----------------------------------------------------------------------
    def segments(self, days: list[dt.date], breaks: frozenset[dt.date] = frozenset()) -> list[_Segment]:
        """Runs of consecutive charged days with the same plan, never across a break."""
        return self.range_segments(_runs(days), breaks)

    def range_segments(self, runs: list[tuple[dt.date, dt.date]], breaks: frozenset[dt.date]) -> list[_Segment]:
        """The same for runs of consecutive days, worked out per stretch between plan changes, not per day."""
        out: list[_Segment] = []
        for first, last in runs:
            lo = bisect_right(self._bounds, first)
            hi = bisect_right(self._bounds, last)
            cuts = sorted({first, *self._bounds[lo:hi], *(b for b in breaks if first < b <= last)})
            current: list = []  # [start, end, plan]
            for i, cut in enumerate(cuts):
                piece_end = cuts[i + 1] - ONE_DAY if i + 1 < len(cuts) else last
                plan = self.plan(cut)
                if plan is not None and current and current[2] is plan and cut not in breaks:
                    current[1] = piece_end
                    continue
                if current:
                    out.append(self._segment(*current))
                current = [cut, piece_end, plan] if plan is not None else []
            if current:
                out.append(self._segment(*current))
        return out

    def _segment(self, start: dt.date, end: dt.date, plan: _DayPlan) -> _Segment:
        n = (end - start).days + 1
        remainder_at = next(i for i, share in enumerate(plan.agreement.shares) if share.remainder)
        amounts = [line_amount(share.weekly, n) for share in plan.shares]
        if plan.shares[remainder_at].percent > 0:
            fee = line_amount(sum((share.weekly for share in plan.shares), Decimal(0)), n)
            amounts[remainder_at] = fee - sum(a for i, a in enumerate(amounts) if i != remainder_at)
        return _Segment(start, end, n, plan, tuple(amounts))

    def should(self, payer: str, start: dt.date, end: dt.date) -> tuple[Decimal, int, set[Decimal]]:
        """What `payer` should have been charged for start..end: amount, days charged, weekly amounts."""
        total, days, weeklies = Decimal(0), 0, set()
        if (start, end) not in self._range_segments:
            self._range_segments[(start, end)] = self.range_segments([(start, end)], frozenset({start}))
        for segment in self._range_segments[(start, end)]:
            days += segment.days
            for share, plan, amount in zip(segment.plan.agreement.shares, segment.plan.shares, segment.amounts):
                if share.payer == payer:
                    total += amount
                    weeklies.add(plan.weekly)
        return total, days, weeklies


def _describe_share(agreement: Agreement, index: int) -> str:
    share = agreement.shares[index]
    if share.label:
        return share.label
    if share.kind == "fnc":
        return f"NHS-funded nursing care ({share.fnc_rate} rate)"
    if share.kind == "chc":
        return "NHS continuing healthcare"
    if share.kind == "local_authority":
        return "Local authority placement"
    if share.kind == "third_party":
        return "Care fees (third party)" if share.remainder else "Third-party top-up"
    if share.weekly is not None and any(s.kind == "local_authority" for s in agreement.shares):
        return "Client contribution"
    return "Care fees"


def _invoiced_amount(entry: Invoiced) -> Decimal:
    if entry.amount is not None:
        return entry.amount
    days = entry.days if entry.days is not None else (entry.end - entry.start).days + 1
    return line_amount(entry.weekly, days)


def _check_overlaps(ranges: dict[str, dict[tuple[dt.date, dt.date], list[Invoiced]]]) -> None:
    for by_range in ranges.values():
        ordered = sorted(by_range)
        for (start_a, end_a), (start_b, end_b) in zip(ordered, ordered[1:]):
            if start_b <= end_a:
                first, second = by_range[(start_a, end_a)][0], by_range[(start_b, end_b)][0]
                raise ScenarioError(f"invoiced[{second.index}]",
                                    f"overlaps invoiced[{first.index}] for the same payer ({first.payer}) "
                                    f"without covering the same dates")


def _blocks(days: list[dt.date], breaks: set[dt.date]) -> list[list[dt.date]]:
    blocks: list[list[dt.date]] = []
    for day in days:
        if blocks and day == blocks[-1][-1] + ONE_DAY and day not in breaks:
            blocks[-1].append(day)
        else:
            blocks.append([day])
    return blocks


def calculate(scenario: Scenario) -> Result:
    """The lines an invoice run for `scenario.period` produces for this stay; see the module docstring."""
    s = scenario
    calc = _Calculator(s)
    kinds: dict[str, str | None] = {}
    for agreement in s.agreements:
        for share in agreement.shares:
            kinds[share.payer] = share.kind
    entries = [e for e in s.invoiced if e.type != "extra" and e.start <= s.period_end]
    for entry in entries:
        kinds.setdefault(entry.payer, entry.kind)
    ranges: dict[str, dict[tuple[dt.date, dt.date], list[Invoiced]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        ranges[entry.payer][(entry.start, entry.end)].append(entry)
    _check_overlaps(ranges)
    window = sorted({day for e in entries if e.start < s.period_start
                     for day in _days(e.start, min(e.end, s.period_start - ONE_DAY))})
    breaks = {e.start for e in entries} | {e.end + ONE_DAY for e in entries} | {s.period_start}
    period_days = list(_days(s.period_start, s.period_end))

    charges: list[Line] = []
    adjustments: list[Line] = []
    segment_cache: dict[tuple[dt.date, ...], list[_Segment]] = {}
    for payer, kind in kinds.items():
        payer_ranges = ranges.get(payer, {})
        covered = {day for (start, end) in payer_ranges for day in _days(start, end)}
        # 1. ranges already invoiced: charge the difference, if any
        for (start, end), items in sorted(payer_ranges.items()):
            due, days, weeklies = calc.should(payer, start, end)
            charged = sum((_invoiced_amount(e) for e in items), Decimal(0))
            if due != charged:
                old = {e.weekly for e in items if e.weekly is not None}
                weekly = (next(iter(weeklies)) - next(iter(old))
                          if len(weeklies) == 1 and len(old) == 1 and len(items) == 1 else None)
                adjustments.append(Line(
                    payer, kind, start, end, days, weekly, due - charged,
                    f"Adjustment for {day_text(start)} – {day_text(end)}: {money(charged)} invoiced, "
                    f"{money(due)} due under the fee agreement"
                    + (f" ({days} days at {money(next(iter(weeklies)))} a week)" if len(weeklies) == 1 else ""),
                    "adjustment"))
        # 2. days of the period not yet invoiced to this payer: charge lines
        todo = tuple(day for day in period_days if day not in covered)
        if todo not in segment_cache:
            segment_cache[todo] = calc.segments(list(todo), frozenset({s.period_start}))
        for segment in segment_cache[todo]:
            agreement = segment.plan.agreement
            for i, (share, plan, amount) in enumerate(zip(agreement.shares, segment.plan.shares, segment.amounts)):
                if share.payer != payer or amount == 0:
                    continue
                text = (f"{_describe_share(agreement, i)} {day_text(segment.start)} – {day_text(segment.end)}: "
                        f"{segment.days} {'day' if segment.days == 1 else 'days'} at {money(plan.weekly)} a week")
                if plan.percent != HUNDRED:
                    text += f" (in hospital: {plan.percent.normalize():f}% of {money(plan.full_weekly)})"
                charges.append(Line(payer, kind, segment.start, segment.end, segment.days, plan.weekly, amount,
                                    text, "charge", i, agreement.start))
        # 3. days before the period that were invoiced to others but never to this payer
        missing = [day for day in window if day not in covered]
        for block in _blocks(missing, breaks):
            due, days, weeklies = calc.should(payer, block[0], block[-1])
            if due:
                adjustments.append(Line(
                    payer, kind, block[0], block[-1], days, next(iter(weeklies)) if len(weeklies) == 1 else None,
                    due, f"Adjustment for {day_text(block[0])} – {day_text(block[-1])}: not invoiced before, "
                         f"{money(due)} due under the fee agreement", "adjustment"))

    extras = _extras(s)
    charges.sort(key=lambda line: (line.start, line.agreement_from, line.share))
    adjustments.sort(key=lambda line: (line.start, line.end, line.payer))
    lines = charges + extras + adjustments
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.payer] = totals.get(line.payer, Decimal(0)) + line.amount
    return Result(lines, totals, sum(totals.values(), Decimal("0.00")), _notes(s, calc))


def _extras(s: Scenario) -> list[Line]:
    """One line per extra dated up to the end of the period, unless an `invoiced` extra line already billed it
    (same payer, day and amount, and the same description when one is given)."""
    billed = [e for e in s.invoiced if e.type == "extra"]
    lines = []
    for extra in sorted(s.extras, key=lambda x: x.on):
        if extra.on > s.period_end:
            continue
        amount = round_penny(extra.quantity * extra.unit_price)
        text = (f"{extra.description} on {day_text(extra.on)} ({extra.quantity.normalize():f} × "
                f"{money(extra.unit_price)})")
        match = next((e for e in billed if e.payer == extra.payer and e.start == extra.on and e.amount == amount
                      and (not e.description or e.description == text)), None)
        if match is not None:
            billed.remove(match)
            continue
        lines.append(Line(extra.payer, extra.kind, extra.on, extra.on, 0, None, amount, text, "extra"))
    return lines


def _notes(s: Scenario, calc: _Calculator) -> list[str]:
    notes = []
    uncovered = [d for d in _days(s.period_start, s.period_end) if calc.resident_on(d) and calc.agreement_on(d) is None]
    for block in _blocks(uncovered, set()):
        notes.append(f"No fee agreement covers {day_text(block[0])} – {day_text(block[-1])}: not charged.")
    later = [x for x in s.extras if x.on > s.period_end]
    if later:
        notes.append(f"{len(later)} extra(s) dated after the period are left for a later run.")
    return notes


def preview(data: dict) -> dict:
    """Parse, calculate and return the JSON result; raises ScenarioError for a scenario that is not valid."""
    return calculate(parse_scenario(data)).to_json()


def load_scenario_json(text: str):
    """JSON with every number that has a fraction kept as a FloatLiteral (refused by name when read)."""
    try:
        return json.loads(text, parse_float=FloatLiteral)
    except json.JSONDecodeError as error:
        raise ScenarioError("(file)", f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") \
            from None


def preview_command_body(stream, out=None, err=None) -> int:
    """`flask billing preview FILE|-`: read a scenario from `stream`, print the lines as JSON and return 0;
    or print the reason naming the field to stderr and return 2."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        result = preview(load_scenario_json(stream.read()))
    except ScenarioError as error:
        print(f"Error: {error.field}: {error.message}", file=err)
        return 2
    except UnicodeDecodeError:
        print("Error: (file): not UTF-8 text", file=err)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False), file=out)
    return 0
