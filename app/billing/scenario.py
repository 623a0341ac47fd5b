"""The billing scenario: what one stay's invoice run for one period needs to know, read and checked.

A scenario is plain JSON (see the README, "The calculation rule and `flask billing preview`"). This module
turns it into frozen dataclasses and refuses anything doubtful with a `ScenarioError` that names the field
(`agreements[0].shares[1].weekly`). Pure: no Flask, no database; amounts are `Decimal`, never float.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = ("resident", "third_party", "local_authority", "chc", "fnc")
FNC_RATE_NAMES = ("standard", "higher")
LEFT_REASONS = ("discharge", "death")
HOSPITAL_CHARGES = ("full", "percent", "none")
LINE_TYPES = ("charge", "adjustment", "extra")
MAX_AMOUNT = Decimal("9999999999.99")  # what Numeric(12, 2) holds
MAX_PERIOD_DAYS = 1100
MAX_DAYS_AFTER = 366

# England, from 1 April each year (DHSC announcements: 2024/25, 2025/26 and 2026/27).
DEFAULT_FNC_RATES: list[tuple[dt.date, str, Decimal]] = [
    (dt.date(2024, 4, 1), "standard", Decimal("235.88")),
    (dt.date(2025, 4, 1), "standard", Decimal("254.06")),
    (dt.date(2026, 4, 1), "standard", Decimal("267.68")),
    (dt.date(2024, 4, 1), "higher", Decimal("324.50")),
    (dt.date(2025, 4, 1), "higher", Decimal("349.50")),
    (dt.date(2026, 4, 1), "higher", Decimal("368.24")),
]


class ScenarioError(ValueError):
    """A scenario that cannot be billed: `field` names where, `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class FloatLiteral(str):
    """A JSON number with a fraction or exponent, kept as written so that it can be refused by name.
    Use as `json.loads(text, parse_float=FloatLiteral)`."""


@dataclass(frozen=True)
class HospitalRule:
    charge: str  # full | percent | none
    percent: Decimal = Decimal(100)  # charged after `after_days` days of an absence (percent rule)
    after_days: int = 0

    def percent_on(self, day_of_absence: int) -> Decimal:
        """What percentage of the weekly amount is charged on the n-th day (1-based) of an absence."""
        if self.charge == "full" or day_of_absence <= self.after_days:
            return Decimal(100)
        return self.percent if self.charge == "percent" else Decimal(0)


@dataclass(frozen=True)
class Share:
    payer: str
    kind: str
    weekly: Decimal | None = None  # a fixed weekly amount
    remainder: bool = False
    fnc_rate: str | None = None  # standard | higher
    hospital: HospitalRule | None = None  # overrides the agreement's rule for this payer
    label: str = ""


@dataclass(frozen=True)
class Agreement:
    start: dt.date
    weekly_fee: Decimal
    fees_after_death_days: int
    hospital: HospitalRule
    shares: tuple[Share, ...]
    index: int  # position in the scenario, for messages


@dataclass(frozen=True)
class Absence:
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Invoiced:
    start: dt.date
    end: dt.date
    payer: str
    weekly: Decimal | None
    days: int | None
    amount: Decimal | None
    kind: str | None
    type: str
    description: str
    index: int


@dataclass(frozen=True)
class Extra:
    on: dt.date
    description: str
    quantity: Decimal
    unit_price: Decimal
    payer: str
    kind: str


@dataclass(frozen=True)
class FncRate:
    start: dt.date
    rate: str
    weekly: Decimal


@dataclass(frozen=True)
class Scenario:
    period_start: dt.date
    period_end: dt.date
    admitted: dt.date
    left: dt.date | None
    left_reason: str | None
    absences: tuple[Absence, ...]
    agreements: tuple[Agreement, ...]  # sorted by start
    invoiced: tuple[Invoiced, ...]
    extras: tuple[Extra, ...]
    fnc_rates: tuple[FncRate, ...]

    def fnc_weekly(self, rate: str, day: dt.date) -> Decimal | None:
        found = None
        for row in self.fnc_rates:  # sorted by start
            if row.rate == rate and row.start <= day:
                found = row.weekly
        return found


# --- readers: each names the field it refuses ---------------------------------------------------------

def _object(value, field: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(field or "(scenario)", "must be an object ({…})")
    for key in value:
        if key not in allowed:
            raise ScenarioError(f"{field}.{key}" if field else key,
                                f"unknown field; expected one of: {', '.join(sorted(allowed))}")
    for key in required:
        if key not in value:
            raise ScenarioError(f"{field}.{key}" if field else key, "is required")
    return value


def _list(value, field: str, optional: bool = True) -> list:
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise ScenarioError(field, "must be a list ([…])")
    return value


def read_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ScenarioError(field, "must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ScenarioError(field, f"must be a date written YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(field, f"is not a real date: {value!r} (YYYY-MM-DD)") from None


def read_money(value, field: str, allow_negative: bool = False) -> Decimal:
    """An amount in pounds with at most two decimals: "1400.00" (a string), 1400 or a Decimal; never a
    float, never three decimals."""
    if isinstance(value, FloatLiteral | float):
        raise ScenarioError(field, f"write amounts as text with at most two decimals, e.g. \"{value}\" "
                                   "in quotes: a JSON number with a fraction is read as a float and refused")
    if isinstance(value, bool):
        raise ScenarioError(field, "must be an amount such as \"250.00\"")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or any(c not in "0123456789.-" for c in text):
            raise ScenarioError(field, f"must be an amount such as \"250.00\", got {value!r}")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ScenarioError(field, f"must be an amount such as \"250.00\", got {value!r}") from None
    else:
        raise ScenarioError(field, f"must be an amount such as \"250.00\", got {value!r}")
    if not amount.is_finite():
        raise ScenarioError(field, "must be an amount such as \"250.00\"")
    if amount.as_tuple().exponent < -2:
        raise ScenarioError(field, f"has more than two decimals ({value}); amounts are to the penny")
    if amount < 0 and not allow_negative:
        raise ScenarioError(field, "cannot be negative")
    if abs(amount) > MAX_AMOUNT:
        raise ScenarioError(field, "is too large")
    return amount


def read_int(value, field: str, low: int = 0, high: int = MAX_DAYS_AFTER) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(field, f"must be a whole number of days, got {value!r}")
    if not low <= value <= high:
        raise ScenarioError(field, f"must be between {low} and {high}")
    return value


def read_text(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(field, "must be a non-empty text")
    if len(value) > 200:
        raise ScenarioError(field, "is longer than 200 characters")
    return value.strip()


def read_kind(value, field: str) -> str:
    if value not in KINDS:
        raise ScenarioError(field, f"unknown kind {value!r}; expected one of: {', '.join(KINDS)}")
    return value


def read_hospital(value, field: str) -> HospitalRule:
    data = _object(value, field, {"charge", "percent", "after_days"}, ("charge",))
    charge = data["charge"]
    if charge not in HOSPITAL_CHARGES:
        raise ScenarioError(f"{field}.charge", f"must be one of: {', '.join(HOSPITAL_CHARGES)}")
    if charge == "full":
        if "percent" in data or "after_days" in data:
            raise ScenarioError(field, "a full charge takes no percent or after_days")
        return HospitalRule("full")
    after_days = read_int(data.get("after_days", 0), f"{field}.after_days")
    if charge == "none":
        if "percent" in data:
            raise ScenarioError(f"{field}.percent", "a charge of none takes no percent")
        return HospitalRule("none", Decimal(0), after_days)
    if "percent" not in data:
        raise ScenarioError(f"{field}.percent", "is required when charge is percent")
    percent = read_money(data["percent"], f"{field}.percent")
    if percent > 100:
        raise ScenarioError(f"{field}.percent", "must be between 0 and 100")
    return HospitalRule("percent", percent, after_days)


def _read_share(value, field: str) -> Share:
    data = _object(value, field, {"payer", "kind", "weekly", "amount", "rate", "hospital", "label"},
                   ("payer", "kind"))
    payer = read_text(data["payer"], f"{field}.payer")
    kind = read_kind(data["kind"], f"{field}.kind")
    hospital = read_hospital(data["hospital"], f"{field}.hospital") if data.get("hospital") is not None else None
    label = data.get("label") or ""
    if label:
        label = read_text(label, f"{field}.label")
    forms = [key for key in ("weekly", "amount", "rate") if key in data]
    if len(forms) != 1:
        raise ScenarioError(field, "give exactly one of weekly (a fixed amount), amount: \"remainder\" "
                                   "or rate (an FNC rate)")
    if "rate" in data:
        if kind != "fnc":
            raise ScenarioError(f"{field}.rate", "only an FNC share (kind fnc) takes a rate")
        if data["rate"] not in FNC_RATE_NAMES:
            raise ScenarioError(f"{field}.rate", f"must be one of: {', '.join(FNC_RATE_NAMES)}")
        return Share(payer, kind, fnc_rate=data["rate"], hospital=hospital, label=label)
    if kind == "fnc":
        raise ScenarioError(f"{field}.rate", "an FNC share is paid at an FNC rate: give rate standard or higher")
    if "amount" in data:
        if data["amount"] != "remainder":
            raise ScenarioError(f"{field}.amount", "only \"remainder\" is accepted here; give a fixed amount as "
                                                   "weekly")
        return Share(payer, kind, remainder=True, hospital=hospital, label=label)
    return Share(payer, kind, weekly=read_money(data["weekly"], f"{field}.weekly"), hospital=hospital,
                 label=label)


def _read_agreement(value, field: str, index: int) -> Agreement:
    data = _object(value, field, {"from", "weekly_fee", "fees_after_death_days", "hospital", "shares"},
                   ("from", "weekly_fee", "shares"))
    start = read_date(data["from"], f"{field}.from")
    fee = read_money(data["weekly_fee"], f"{field}.weekly_fee")
    after_death = read_int(data.get("fees_after_death_days") or 0, f"{field}.fees_after_death_days")
    hospital = (read_hospital(data["hospital"], f"{field}.hospital") if data.get("hospital") is not None
                else HospitalRule("full"))
    raw_shares = _list(data["shares"], f"{field}.shares", optional=False)
    if not raw_shares:
        raise ScenarioError(f"{field}.shares", "needs at least one share, one of them the remainder")
    shares = tuple(_read_share(s, f"{field}.shares[{i}]") for i, s in enumerate(raw_shares))
    remainders = [i for i, s in enumerate(shares) if s.remainder]
    if not remainders:
        raise ScenarioError(f"{field}.shares", "no share takes the remainder: exactly one share must be "
                                               "{\"amount\": \"remainder\"}")
    if len(remainders) > 1:
        raise ScenarioError(f"{field}.shares[{remainders[1]}].amount", "only one share can take the remainder")
    fixed = Decimal(0)
    for i, share in enumerate(shares):
        if share.weekly is not None:
            fixed += share.weekly
            if fixed > fee:
                raise ScenarioError(f"{field}.shares[{i}].weekly",
                                    f"the fixed shares come to £{fixed:,.2f} a week, more than the weekly fee "
                                    f"£{fee:,.2f}")
    return Agreement(start, fee, after_death, hospital, shares, index)


def _check_fnc_fits(agreements: list[Agreement], rates: tuple[FncRate, ...]) -> None:
    """Fixed shares plus FNC must leave a remainder of at least nothing on every day a version can apply."""
    for n, agreement in enumerate(agreements):
        end = agreements[n + 1].start - dt.timedelta(days=1) if n + 1 < len(agreements) else dt.date.max
        fixed = sum((s.weekly for s in agreement.shares if s.weekly is not None), Decimal(0))
        for name in FNC_RATE_NAMES:
            count = sum(1 for s in agreement.shares if s.fnc_rate == name)
            if not count:
                continue
            in_force = [r for r in rates if r.rate == name and r.start <= agreement.start]
            candidates = ([in_force[-1]] if in_force else []) + [
                r for r in rates if r.rate == name and agreement.start < r.start <= end]
            for rate in candidates:
                fnc_total = rate.weekly * count
                if fixed + fnc_total > agreement.weekly_fee:
                    field = f"agreements[{agreement.index}].weekly_fee"
                    raise ScenarioError(field, f"the fixed shares and FNC (£{fnc_total:,.2f} a week from "
                                               f"{rate.start:%d %b %Y}) come to more than the weekly fee "
                                               f"£{agreement.weekly_fee:,.2f}")


def _read_invoiced(value, field: str, index: int) -> Invoiced:
    data = _object(value, field, {"start", "end", "payer", "weekly", "days", "amount", "kind", "type",
                                  "description", "share", "agreement_from"}, ("start", "end", "payer"))
    start = read_date(data["start"], f"{field}.start")
    end = read_date(data["end"], f"{field}.end")
    if end < start:
        raise ScenarioError(f"{field}.end", "is before the start")
    payer = read_text(data["payer"], f"{field}.payer")
    weekly = read_money(data["weekly"], f"{field}.weekly", True) if data.get("weekly") is not None else None
    amount = read_money(data["amount"], f"{field}.amount", True) if data.get("amount") is not None else None
    days = read_int(data["days"], f"{field}.days", 0, MAX_PERIOD_DAYS * 10) if data.get("days") is not None \
        else None
    kind = read_kind(data["kind"], f"{field}.kind") if data.get("kind") is not None else None
    line_type = data.get("type") or "charge"
    if line_type not in LINE_TYPES:
        raise ScenarioError(f"{field}.type", f"must be one of: {', '.join(LINE_TYPES)}")
    if amount is None and weekly is None:
        raise ScenarioError(f"{field}.weekly", "give the weekly amount charged (or the amount)")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ScenarioError(f"{field}.description", "must be text")
    return Invoiced(start, end, payer, weekly, days, amount, kind, line_type, description, index)


def _read_extra(value, field: str) -> Extra:
    data = _object(value, field, {"on", "description", "quantity", "unit_price", "payer", "kind"},
                   ("on", "description", "unit_price", "payer", "kind"))
    quantity = read_money(data.get("quantity", 1), f"{field}.quantity")
    if quantity == 0:
        raise ScenarioError(f"{field}.quantity", "must be more than nothing")
    return Extra(read_date(data["on"], f"{field}.on"), read_text(data["description"], f"{field}.description"),
                 quantity, read_money(data["unit_price"], f"{field}.unit_price"),
                 read_text(data["payer"], f"{field}.payer"), read_kind(data["kind"], f"{field}.kind"))


def _read_fnc_rates(value) -> tuple[FncRate, ...]:
    if value is None:
        rows = [FncRate(start, name, weekly) for start, name, weekly in DEFAULT_FNC_RATES]
    else:
        rows = []
        seen: set[tuple[dt.date, str]] = set()
        for i, raw in enumerate(_list(value, "fnc_rates")):
            field = f"fnc_rates[{i}]"
            data = _object(raw, field, {"from", "rate", "weekly"}, ("from", "rate", "weekly"))
            if data["rate"] not in FNC_RATE_NAMES:
                raise ScenarioError(f"{field}.rate", f"must be one of: {', '.join(FNC_RATE_NAMES)}")
            row = FncRate(read_date(data["from"], f"{field}.from"), data["rate"],
                          read_money(data["weekly"], f"{field}.weekly"))
            if (row.start, row.rate) in seen:
                raise ScenarioError(f"{field}.from", f"a {row.rate} rate from {row.start} is already given")
            seen.add((row.start, row.rate))
            rows.append(row)
    return tuple(sorted(rows, key=lambda r: (r.start, r.rate)))


def parse_scenario(data) -> Scenario:
    """Read and check a scenario (a dict as from `json.loads`); raises ScenarioError naming the field."""
    data = _object(data, "", {"period", "stay", "absences", "agreements", "invoiced", "extras", "fnc_rates"},
                   ("period", "stay", "agreements"))
    period = _object(data["period"], "period", {"start", "end"}, ("start", "end"))
    period_start = read_date(period["start"], "period.start")
    period_end = read_date(period["end"], "period.end")
    if period_end < period_start:
        raise ScenarioError("period.end", "is before the start of the period")
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise ScenarioError("period.end", f"a period is at most {MAX_PERIOD_DAYS} days")

    stay = _object(data["stay"], "stay", {"admitted", "left", "left_reason"}, ("admitted",))
    admitted = read_date(stay["admitted"], "stay.admitted")
    left = read_date(stay["left"], "stay.left") if stay.get("left") is not None else None
    left_reason = stay.get("left_reason")
    if left is None and left_reason is not None:
        raise ScenarioError("stay.left", "is required when left_reason is given")
    if left is not None:
        if left_reason not in LEFT_REASONS:
            raise ScenarioError("stay.left_reason", f"must be one of: {', '.join(LEFT_REASONS)}")
        if left < admitted:
            raise ScenarioError("stay.left", "is before the admission")

    absences = []
    for i, raw in enumerate(_list(data.get("absences"), "absences")):
        item = _object(raw, f"absences[{i}]", {"from", "to"}, ("from", "to"))
        absence = Absence(read_date(item["from"], f"absences[{i}].from"), read_date(item["to"], f"absences[{i}].to"))
        if absence.end < absence.start:
            raise ScenarioError(f"absences[{i}].to", "is before the start of the absence")
        absences.append(absence)
    absences.sort(key=lambda a: a.start)
    for before, after in zip(absences, absences[1:]):
        if after.start <= before.end:
            raise ScenarioError("absences", f"two absences overlap on {after.start}")

    fnc_rates = _read_fnc_rates(data.get("fnc_rates"))
    raw_agreements = _list(data["agreements"], "agreements", optional=False)
    if not raw_agreements:
        raise ScenarioError("agreements", "needs at least one fee agreement version")
    agreements = [_read_agreement(a, f"agreements[{i}]", i) for i, a in enumerate(raw_agreements)]
    seen: dict[dt.date, int] = {}
    for agreement in agreements:
        field = f"agreements[{agreement.index}].from"
        if agreement.start in seen:
            raise ScenarioError(field, f"two versions from the same date {agreement.start} "
                                       f"(agreements[{seen[agreement.start]}] and agreements[{agreement.index}])")
        seen[agreement.start] = agreement.index
        # An agreement dated before admission (signed ahead, or carried from an earlier stay) charges
        # nothing before the admission day. Recording one in the product is refused; a scenario may hold it.
        if left is not None and agreement.start > left:
            raise ScenarioError(field, f"the agreement starts on {agreement.start}, after the stay ended ({left})")
    agreements.sort(key=lambda a: a.start)
    _check_fnc_fits(agreements, fnc_rates)

    invoiced = tuple(_read_invoiced(raw, f"invoiced[{i}]", i) for i, raw in enumerate(_list(data.get("invoiced"),
                                                                                             "invoiced")))
    extras = tuple(_read_extra(raw, f"extras[{i}]") for i, raw in enumerate(_list(data.get("extras"), "extras")))
    return Scenario(period_start, period_end, admitted, left, left_reason, tuple(absences), tuple(agreements),
                    invoiced, extras, fnc_rates)
