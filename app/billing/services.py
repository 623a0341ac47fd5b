"""Billing rules for what is agreed before any invoice: payers and their references, fee agreements
(dated versions split into shares), extras, FNC rates, billing periods and account codes.

Every function validates first and reports all errors together as a DomainError naming the
fields; it flushes, never commits. Amounts are `Decimal`: a float, or more than two decimals, is
refused. Invoice runs are in `app.billing.runs`, payments and debt in `app.billing.payments`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.billing.models import (
    AccountCode,
    AgreementStatus,
    BillingPeriod,
    Cycle,
    Delivery,
    Extra,
    FeeAgreement,
    FeeAgreementVersion,
    FeeShare,
    FncRate,
    FncRateName,
    HospitalCharge,
    IncomeKind,
    Payer,
    PayerKind,
    PayerReference,
    PeriodStatus,
    Placement,
    ShareBasis,
    Timing,
)
from app.exceptions import DomainError, NotFoundError
from app.extensions import db
from app.guards import valid_int_id
from app.residents.models import Resident, Stay

MAX_MONEY = Decimal("9999999999.99")
# Bounds that keep every line and invoice total inside Numeric(12, 2) whatever the days and residents.
MAX_WEEKLY = Decimal("100000.00")
MAX_UNIT_PRICE = Decimal("100000.00")
MAX_QUANTITY = Decimal("1000")


# ---------------------------------------------------------------------------------------------
# Typed values


class Errors(dict):
    def add(self, field: str, message) -> None:
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise DomainError(dict(self))


def money(value, field: str, errors: Errors, *, required: bool = True, positive: bool = False,
          allow_zero: bool = True, allow_negative: bool = False) -> Decimal | None:
    """A sum of money given as text ("250.00"), an integer or a Decimal: never a float, never more
    than two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _l("Give an amount."))
        return None
    if isinstance(value, bool) or isinstance(value, float):
        errors.add(field, _l("Give the amount as text with at most two decimals, e.g. \"250.00\", "
                             "not as a number with a fraction."))
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "").lstrip("£"))
    except (InvalidOperation, ValueError):
        errors.add(field, _l("Give an amount such as 250.00."))
        return None
    if not amount.is_finite():
        errors.add(field, _l("Give an amount such as 250.00."))
        return None
    if abs(amount) > MAX_MONEY:  # before rounding, which a huge number would overflow
        errors.add(field, _l("This amount is too large."))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(field, _l("An amount has at most two decimals (pounds and pence)."))
        return None
    if amount < 0 and not allow_negative:
        errors.add(field, _l("The amount cannot be negative."))
        return None
    if (positive or not allow_zero) and amount == 0:
        errors.add(field, _l("The amount must be more than nothing."))
        return None
    return amount.quantize(Decimal("0.01"))


def at_most(amount: Decimal | None, limit: Decimal, field: str, errors: Errors) -> Decimal | None:
    """The amount, or None with the reason when it is above a sane limit for its kind."""
    if amount is not None and amount > limit:
        errors.add(field, _l("At most %(limit)s.", limit=f"{limit:,.2f}"))
        return None
    return amount


def a_date(value, field: str, errors: Errors, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        if required:
            errors.add(field, _l("Give a date."))
        return None
    if isinstance(value, str) and len(value) <= 20:
        text = value.strip()
        for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
            try:
                return parse(text)
            except ValueError:
                continue
    errors.add(field, _l("Give a date as YYYY-MM-DD or DD/MM/YYYY."))
    return None


def whole_number(value, field: str, errors: Errors, *, required: bool = False, minimum: int = 0,
                 maximum: int = 3650, default: int | None = None) -> int | None:
    if value in (None, ""):
        if required:
            errors.add(field, _l("Give a whole number."))
        return default
    if isinstance(value, bool) or isinstance(value, float):
        errors.add(field, _l("Give a whole number."))
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(field, _l("Give a whole number."))
        return None
    if not minimum <= number <= maximum:
        errors.add(field, _l("Give a number from %(low)s to %(high)s.", low=minimum, high=maximum))
        return None
    return number


def choice(enum_cls, value, field: str, errors: Errors, *, required: bool = True, default=None):
    if value in (None, ""):
        if required and default is None:
            errors.add(field, _l("Choose one."))
        return default
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str) and value in enum_cls.__members__:
        return enum_cls[value]
    from app import labels  # each choice in words (translated), with the code the API takes

    errors.add(field, _l("Choose one of: %(options)s.",
                         options=", ".join(f"{labels.label(m)} ({m.value})" for m in enum_cls)))
    return None


def text_value(value, field: str, errors: Errors, *, required: bool = False, limit: int = 200) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _l("This is required."))
        return None
    if not isinstance(value, str):
        errors.add(field, _l("Give text."))
        return None
    if len(value.strip()) > limit:
        errors.add(field, _l("At most %(n)s characters.", n=limit))
        return None
    return value.strip()


def get(model, pk, what: str):
    if not isinstance(pk, int) or isinstance(pk, bool) or not valid_int_id(pk):
        raise NotFoundError(what)
    found = db.session.scalar(select(model).where(model.id == pk))  # a query, so the home scope applies
    if found is None:
        raise NotFoundError(what)
    return found


def income_kind_of(payer_kind: PayerKind) -> IncomeKind:
    return {
        PayerKind.resident: IncomeKind.care_fees, PayerKind.third_party: IncomeKind.care_fees,
        PayerKind.local_authority: IncomeKind.local_authority, PayerKind.chc: IncomeKind.chc,
        PayerKind.fnc: IncomeKind.fnc,
    }[PayerKind(payer_kind)]


# ---------------------------------------------------------------------------------------------
# Payers

PAYER_FIELDS = ("name", "kind", "resident_id", "contact_name", "email", "phone", "address", "postcode",
                "delivery", "payment_terms_days", "cycle", "timing", "account_reference")


def save_payer(values: dict, *, home_id: int | None = None, payer: Payer | None = None) -> Payer:
    """Create (or change) a payer. A resident payer is the resident; a third party names the resident
    they pay for; an authority or NHS body is shared by all the residents it funds."""
    errors = Errors()
    name = text_value(values.get("name"), "name", errors, required=True)
    kind = choice(PayerKind, values.get("kind"), "kind", errors)
    delivery = choice(Delivery, values.get("delivery"), "delivery", errors, default=Delivery.post)
    cycle = choice(Cycle, values.get("cycle"), "cycle", errors, default=Cycle.monthly)
    timing = choice(Timing, values.get("timing"), "timing", errors, default=Timing.advance)
    terms = whole_number(values.get("payment_terms_days"), "payment_terms_days", errors, maximum=365, default=28)
    email = text_value(values.get("email"), "email", errors)
    if email and "@" not in email:
        errors.add("email", _l("Give an email address."))
    if delivery == Delivery.email and not email:
        errors.add("email", _l("Invoices go by email: give the address."))
    address = text_value(values.get("address"), "address", errors, limit=1000)
    extra = {key: text_value(values.get(key), key, errors, limit=limit)  # as long as their columns
             for key, limit in (("contact_name", 200), ("phone", 40), ("postcode", 10), ("account_reference", 40))}
    if delivery == Delivery.post and not address and not errors:
        errors.add("address", _l("Invoices go by post: give the address."))
    resident = None
    resident_id = values.get("resident_id")
    if resident_id not in (None, ""):
        try:
            resident = get(Resident, int(resident_id), "resident")
        except (DomainError, ValueError, TypeError):
            errors.add("resident_id", _l("No such resident in your homes."))
    if kind in (PayerKind.resident, PayerKind.third_party) and resident is None and "resident_id" not in errors:
        errors.add("resident_id", _l("Name the resident this payer pays for."))
    errors.raise_if_any()
    payer = payer or Payer()
    payer.name, payer.kind, payer.delivery, payer.cycle, payer.timing = name, kind, delivery, cycle, timing
    payer.payment_terms_days, payer.email, payer.address = terms, email, address
    payer.resident_id = resident.id if resident is not None else None
    for key, value in extra.items():
        setattr(payer, key, value or getattr(payer, key, None))
    if home_id is not None:
        payer.home_id = home_id
    elif resident is not None and payer.home_id is None:
        payer.home_id = resident.home_id
    db.session.add(payer)
    db.session.flush()
    return payer


def set_payer_reference(payer_id: int, resident_id: int, reference: str) -> PayerReference:
    errors = Errors()
    payer = get(Payer, payer_id, "payer")
    resident = get(Resident, resident_id, "resident")
    reference = text_value(reference, "reference", errors, required=True, limit=60)
    if payer.home_id != resident.home_id:
        errors.add("resident_id", _l("The resident lives in another home than the payer's."))
    errors.raise_if_any()
    row = db.session.scalar(select(PayerReference).where(PayerReference.payer_id == payer.id,
                                                         PayerReference.resident_id == resident.id))
    if row is None:
        row = PayerReference(home_id=payer.home_id, payer_id=payer.id, resident_id=resident.id)
        db.session.add(row)
    row.reference = reference
    db.session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# FNC rates


def fnc_rates() -> list[FncRate]:
    return list(db.session.scalars(select(FncRate).order_by(FncRate.rate, FncRate.effective_from)))


def fnc_weekly(on: dt.date, rate: FncRateName = FncRateName.standard, rates=None) -> Decimal | None:
    found = None
    for row in rates if rates is not None else fnc_rates():
        if row.rate == rate and row.effective_from <= on:
            if found is None or row.effective_from > found.effective_from:
                found = row
    return found.weekly if found is not None else None


def add_fnc_rate(values: dict) -> FncRate:
    errors = Errors()
    rate = choice(FncRateName, values.get("rate"), "rate", errors, default=FncRateName.standard)
    effective_from = a_date(values.get("effective_from"), "effective_from", errors)
    weekly = at_most(money(values.get("weekly"), "weekly", errors, positive=True), MAX_WEEKLY, "weekly", errors)
    if rate and effective_from and db.session.scalar(
            select(FncRate).where(FncRate.rate == rate, FncRate.effective_from == effective_from)):
        errors.add("effective_from", _l("There is already a rate from this date."))
    errors.raise_if_any()
    row = FncRate(rate=rate, effective_from=effective_from, weekly=weekly)
    db.session.add(row)
    db.session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Fee agreements


def stay_start(stay: Stay) -> dt.date:
    from app.residents.services import london_date

    return london_date(stay.admitted_at)


def _hospital(values: dict, prefix: str, errors: Errors, *, required: bool):
    charge = choice(HospitalCharge, values.get("hospital_charge"), f"{prefix}hospital_charge", errors,
                    required=False, default=HospitalCharge.full if required else None)
    percent = after = None
    if charge == HospitalCharge.percent:
        percent = money(values.get("hospital_percent"), f"{prefix}hospital_percent", errors, positive=True)
        if percent is not None and percent > 100:
            errors.add(f"{prefix}hospital_percent", _l("A percentage is at most 100."))
    if charge in (HospitalCharge.percent, HospitalCharge.none):
        after = whole_number(values.get("hospital_after_days"), f"{prefix}hospital_after_days", errors,
                             required=True, maximum=365)
    return charge, percent, after


def _shares(agreement_home: int, weekly_fee: Decimal | None, effective_from: dt.date | None, shares,
            errors: Errors) -> list[FeeShare]:
    if not isinstance(shares, list) or not shares:
        errors.add("shares", _l("Say who pays: at least one share, with exactly one \"remainder\"."))
        return []
    built, fixed_total, remainders = [], Decimal("0"), 0
    rates = fnc_rates()
    for i, values in enumerate(shares):
        prefix = f"shares[{i}]."
        if not isinstance(values, dict):
            errors.add(f"shares[{i}]", _l("Each share is an object."))
            continue
        basis = choice(ShareBasis, values.get("basis"), prefix + "basis", errors)
        payer = None
        try:
            payer = get(Payer, int(values.get("payer_id")), "payer")
        except (DomainError, ValueError, TypeError):
            errors.add(prefix + "payer_id", _l("No such payer in your homes."))
        if payer is not None and payer.home_id != agreement_home:
            errors.add(prefix + "payer_id", _l("This payer belongs to another home."))
        share = FeeShare(home_id=agreement_home, position=i, basis=basis, payer=payer,
                         label=text_value(values.get("label"), prefix + "label", errors, limit=100))
        if basis == ShareBasis.fixed:
            share.weekly_amount = at_most(money(values.get("weekly_amount"), prefix + "weekly_amount", errors,
                                                positive=True), MAX_WEEKLY, prefix + "weekly_amount", errors)
            fixed_total += share.weekly_amount or 0
        elif basis == ShareBasis.fnc:
            share.fnc_rate = choice(FncRateName, values.get("fnc_rate"), prefix + "fnc_rate", errors,
                                    default=FncRateName.standard)
            if payer is not None and payer.kind != PayerKind.fnc:
                errors.add(prefix + "payer_id", _l("The FNC rate is paid by an NHS body recorded as an FNC payer."))
            weekly = fnc_weekly(effective_from, share.fnc_rate, rates) if effective_from and share.fnc_rate else None
            if effective_from and share.fnc_rate and weekly is None:
                errors.add(prefix + "fnc_rate", _l("No FNC rate is known for this date; add it first."))
            fixed_total += weekly or 0
        elif basis == ShareBasis.remainder:
            remainders += 1
        if values.get("hospital_charge"):
            share.hospital_charge, share.hospital_percent, share.hospital_after_days = _hospital(
                values, prefix, errors, required=False)
        built.append(share)
    if remainders != 1:
        errors.add("shares", _l("Exactly one share is \"the remainder\" (it absorbs the pennies)."))
    if weekly_fee is not None and fixed_total > weekly_fee:
        errors.add("shares", _l("The fixed shares (£%(fixed)s a week) exceed the weekly fee (£%(fee)s).",
                                fixed=fixed_total, fee=weekly_fee))
    return built


def create_agreement(stay_id: int, values: dict) -> FeeAgreement:
    """A fee agreement for a stay, with its first version. `values`: placement, fees_after_death_days,
    hospital_charge/percent/after_days, deposit, notes, effective_from, weekly_fee, shares
    ([{payer_id, basis: fixed|fnc|remainder, weekly_amount, fnc_rate, label, hospital_*}])."""
    errors = Errors()
    try:
        stay = get(Stay, stay_id, "stay")
    except DomainError:
        raise DomainError({"stay_id": [str(_l("No such stay in your homes."))]}) from None
    existing = db.session.scalar(select(FeeAgreement).where(FeeAgreement.stay_id == stay.id,
                                                            FeeAgreement.status == AgreementStatus.active))
    if existing is not None:
        errors.add("stay_id", _l("This stay already has an active fee agreement: add a dated version to it."))
    placement = choice(Placement, values.get("placement"), "placement", errors, default=Placement.private)
    after_death = whole_number(values.get("fees_after_death_days"), "fees_after_death_days", errors,
                               maximum=90, default=0)
    charge, percent, after = _hospital(values, "", errors, required=True)
    deposit = money(values.get("deposit"), "deposit", errors, required=False)
    errors.raise_if_any()
    agreement = FeeAgreement(
        home_id=stay.home_id, stay_id=stay.id, resident_id=stay.resident_id, placement=placement,
        fees_after_death_days=after_death, hospital_charge=charge, hospital_percent=percent,
        hospital_after_days=after, deposit=deposit, notes=text_value(values.get("notes"), "notes", errors, limit=2000),
        status=AgreementStatus.active,
    )
    version = _new_version(agreement, stay, values, errors)
    errors.raise_if_any()
    db.session.add(agreement)
    db.session.flush()
    version.agreement_id = agreement.id
    db.session.add(version)
    db.session.flush()
    return agreement


def _new_version(agreement: FeeAgreement, stay: Stay, values: dict, errors: Errors) -> FeeAgreementVersion:
    effective_from = a_date(values.get("effective_from"), "effective_from", errors)
    weekly_fee = at_most(money(values.get("weekly_fee"), "weekly_fee", errors, positive=True), MAX_WEEKLY,
                         "weekly_fee", errors)
    if effective_from is not None and effective_from < stay_start(stay):
        errors.add("effective_from", _l("The agreement cannot start before the stay (admitted %(on)s).",
                                        on=stay_start(stay).strftime("%d/%m/%Y")))
    if effective_from is not None and any(v.effective_from == effective_from for v in agreement.versions):
        errors.add("effective_from", _l("There is already a version from this date; change the date."))
    shares = _shares(stay.home_id, weekly_fee, effective_from, values.get("shares"), errors)
    version = FeeAgreementVersion(home_id=stay.home_id, effective_from=effective_from, weekly_fee=weekly_fee,
                                  reason=text_value(values.get("reason"), "reason", errors))
    version.shares = shares
    return version


def add_version(agreement_id: int, values: dict) -> FeeAgreementVersion:
    """A new dated version (a rate rise, a change of split). Backdated versions are allowed: the next
    run adds adjustment lines for what was already invoiced."""
    errors = Errors()
    agreement = get(FeeAgreement, agreement_id, "fee agreement")
    if agreement.status != AgreementStatus.active:
        errors.add("agreement_id", _l("This agreement has ended."))
    version = _new_version(agreement, agreement.stay, values, errors)
    errors.raise_if_any()
    version.agreement_id = agreement.id
    db.session.add(version)
    db.session.flush()
    db.session.expire(agreement, ["versions"])
    return version


def end_agreement(agreement_id: int, ends_on) -> FeeAgreement:
    errors = Errors()
    agreement = get(FeeAgreement, agreement_id, "fee agreement")
    ends = a_date(ends_on, "ends_on", errors)
    if ends is not None and agreement.versions and ends < agreement.versions[0].effective_from:
        errors.add("ends_on", _l("The agreement cannot end before it starts."))
    errors.raise_if_any()
    agreement.ends_on = ends
    agreement.status = AgreementStatus.ended
    db.session.flush()
    return agreement


# ---------------------------------------------------------------------------------------------
# Extras


def record_extra(values: dict) -> Extra:
    errors = Errors()
    resident = payer = None
    try:
        resident = get(Resident, int(values.get("resident_id")), "resident")
    except (DomainError, ValueError, TypeError):
        errors.add("resident_id", _l("No such resident in your homes."))
    try:
        payer = get(Payer, int(values.get("payer_id")), "payer")
    except (DomainError, ValueError, TypeError):
        errors.add("payer_id", _l("No such payer in your homes."))
    if resident is not None and payer is not None and payer.home_id != resident.home_id:
        errors.add("payer_id", _l("This payer belongs to another home."))
    on = a_date(values.get("on"), "on", errors)
    description = text_value(values.get("description"), "description", errors, required=True)
    quantity = at_most(money(values.get("quantity", "1"), "quantity", errors, positive=True), MAX_QUANTITY,
                       "quantity", errors)
    unit_price = at_most(money(values.get("unit_price"), "unit_price", errors, positive=True), MAX_UNIT_PRICE,
                         "unit_price", errors)
    tax_code = text_value(values.get("tax_code"), "tax_code", errors, limit=20) or "exempt"
    errors.raise_if_any()
    extra = Extra(home_id=resident.home_id, resident_id=resident.id, payer_id=payer.id, on=on,
                  description=description, quantity=quantity, unit_price=unit_price, tax_code=tax_code)
    db.session.add(extra)
    db.session.flush()
    return extra


# ---------------------------------------------------------------------------------------------
# Periods and account codes


def month_period(text: str) -> tuple[dt.date, dt.date]:
    """"2026-04" -> (1 April 2026, 30 April 2026)."""
    try:
        year, month = (int(p) for p in str(text).split("-"))
        start = dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise DomainError({"period": [str(_l("Give the month as YYYY-MM."))]}) from None
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def period_row(home_id: int, start: dt.date, end: dt.date, *, create: bool = False) -> BillingPeriod | None:
    row = db.session.scalar(select(BillingPeriod).where(
        BillingPeriod.home_id == home_id, BillingPeriod.start_on == start, BillingPeriod.end_on == end))
    if row is None and create:
        row = BillingPeriod(home_id=home_id, start_on=start, end_on=end, status=PeriodStatus.open)
        db.session.add(row)
        db.session.flush()
    return row


def close_period(home_id: int, start: dt.date, end: dt.date, by_user=None) -> BillingPeriod:
    """Close a period: no run may change it afterwards. The next period is not affected."""
    row = period_row(home_id, start, end, create=True)
    if row.status == PeriodStatus.closed:
        raise DomainError({"period": [str(_l("This period is already closed."))]})
    row.status = PeriodStatus.closed
    row.closed_at = dt.datetime.now(dt.UTC)
    row.closed_by_id = getattr(by_user, "id", None)
    db.session.flush()
    return row


def ensure_period_open(home_id: int, start: dt.date, end: dt.date) -> None:
    row = period_row(home_id, start, end)
    if row is not None and row.status == PeriodStatus.closed:
        raise DomainError({"period": [str(_l("The period %(start)s to %(end)s is closed; it cannot be run again.",
                                             start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")))]})


DEFAULT_CODES = {
    IncomeKind.care_fees: ("4000", "4000"), IncomeKind.local_authority: ("4010", "4010"),
    IncomeKind.chc: ("4020", "4020"), IncomeKind.fnc: ("4030", "4030"), IncomeKind.extras: ("4100", "4100"),
}


def account_codes(home_id: int) -> dict[IncomeKind, AccountCode]:
    """The home's codes per kind of income (defaults for kinds not set yet, not saved)."""
    rows = {r.income_kind: r for r in db.session.scalars(select(AccountCode).where(AccountCode.home_id == home_id))}
    for kind, (account, nominal) in DEFAULT_CODES.items():
        rows.setdefault(kind, AccountCode(home_id=home_id, income_kind=kind, account_code=account,
                                          nominal_code=nominal, xero_tax_type="Exempt Income", sage_tax_code="T2"))
    return rows
