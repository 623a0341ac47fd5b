"""Demo billing: every kind of funding for the demo residents (self-funders, net and gross council
placements with client contributions and a family top-up, NHS Continuing Healthcare, nursing residents
with FNC), extras, three months of issued invoices, payments, a few debts over 60 days and a credit
note. Everything goes through the billing services. Loaded once: skipped when agreements exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from app.billing import payments, runs, services
from app.billing.models import AccountCode, FeeAgreement, Invoice, InvoiceStatus, PayerKind
from app.extensions import db
from app.homes.models import ServiceType
from app.residents.models import Stay, StayStatus
from app.residents.services import today_in_london

COUNCILS = {"Bristol": ("Bristol City Council", "adultcare.payments@bristol.example", "BS1 5TR"),
            "Caerdydd": ("Cardiff Council", "social.care.finance@cardiff.example", "CF10 4UW")}
NHS_BODIES = {"Bristol": "NHS Bristol, North Somerset and South Gloucestershire ICB",
              "Caerdydd": "Cardiff and Vale University Health Board"}
MONTHS_BACK = 3


def _months(today: dt.date) -> list[str]:
    first = today.replace(day=1)
    months = []
    for _ in range(MONTHS_BACK):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first.strftime("%Y-%m"))
    return list(reversed(months))


def _payers(home):
    council_name, council_email, council_postcode = COUNCILS.get(home.town, COUNCILS["Bristol"])
    council = services.save_payer({
        "name": council_name, "kind": "local_authority", "email": council_email, "delivery": "email",
        "address": f"Civic Centre, {home.town}", "postcode": council_postcode, "payment_terms_days": 30,
        "cycle": "monthly", "timing": "advance", "account_reference": f"LA{home.id:03d}"}, home_id=home.id)
    nhs_name = NHS_BODIES.get(home.town, NHS_BODIES["Bristol"])
    chc = services.save_payer({
        "name": f"{nhs_name} (CHC)", "kind": "chc", "email": "chc.invoices@nhs.example", "delivery": "email",
        "address": f"NHS offices, {home.town}", "payment_terms_days": 30, "account_reference": f"CHC{home.id:03d}"},
        home_id=home.id)
    fnc = services.save_payer({
        "name": f"{nhs_name} (FNC)", "kind": "fnc", "email": "fnc.invoices@nhs.example", "delivery": "email",
        "address": f"NHS offices, {home.town}", "payment_terms_days": 30, "cycle": "four_weekly",
        "account_reference": f"FNC{home.id:03d}"}, home_id=home.id)
    return council, chc, fnc


def _own_payer(resident, n: int, kind: str = "resident", name: str | None = None):
    return services.save_payer({
        "name": name or resident.full_name, "kind": kind, "resident_id": resident.id,
        "address": f"{10 + n} Church Road\nCardiff", "postcode": "CF14 1AA", "payment_terms_days": 14,
        "account_reference": f"R{resident.id:04d}{'T' if kind == 'third_party' else ''}"})


def _agreements(home, stays_: list[Stay]) -> dict[str, list]:
    council, chc, fnc = _payers(home)
    nursing = home.service_type == ServiceType.nursing
    fee = Decimal("1295.00") if nursing else Decimal("1050.00")
    kinds = {"self": [], "la_net": [], "la_gross": [], "chc": [], "fnc": []}
    for n, stay in enumerate(stays_):
        resident = stay.resident
        start = services.stay_start(stay).isoformat()
        terms = {"effective_from": start, "fees_after_death_days": 3, "hospital_charge": "full"}
        slot = n % 6
        if slot in (0, 1):  # self-funders
            me = _own_payer(resident, n)
            shares = [{"payer_id": me.id, "basis": "remainder"}]
            if nursing and slot == 1:  # a self-funding nursing resident: FNC pays part
                shares.insert(0, {"payer_id": fnc.id, "basis": "fnc", "fnc_rate": "standard"})
                kinds["fnc"].append(stay)
            else:
                kinds["self"].append(stay)
            services.create_agreement(stay.id, {**terms, "placement": "private", "weekly_fee": str(fee + 50 * slot),
                                                "deposit": "500.00", "shares": shares})
        elif slot == 2:  # council, net: the client contribution and a daughter's top-up collected by the home
            me = _own_payer(resident, n)
            family = _own_payer(resident, n, "third_party", f"{resident.last_name} family (top-up)")
            services.set_payer_reference(council.id, resident.id, f"SC-{resident.id:05d}")
            services.create_agreement(stay.id, {
                **terms, "placement": "la_net", "weekly_fee": str(fee), "hospital_charge": "percent",
                "hospital_percent": "80", "hospital_after_days": 14, "shares": [
                    {"payer_id": me.id, "basis": "fixed", "weekly_amount": "236.45", "label": "Client contribution"},
                    {"payer_id": family.id, "basis": "fixed", "weekly_amount": "75.00", "label": "Top-up"},
                    {"payer_id": council.id, "basis": "remainder"}]})
            kinds["la_net"].append(stay)
        elif slot == 3:  # council, gross: the council pays all and collects the contribution itself
            services.set_payer_reference(council.id, resident.id, f"SC-{resident.id:05d}")
            services.create_agreement(stay.id, {**terms, "placement": "la_gross", "weekly_fee": str(fee - 40),
                                                "shares": [{"payer_id": council.id, "basis": "remainder"}]})
            kinds["la_gross"].append(stay)
        elif slot == 4:  # NHS Continuing Healthcare
            services.set_payer_reference(chc.id, resident.id, f"CHC/{resident.id:05d}")
            services.create_agreement(stay.id, {**terms, "placement": "chc", "weekly_fee": str(fee + 150),
                                                "fees_after_death_days": 0,
                                                "shares": [{"payer_id": chc.id, "basis": "remainder"}]})
            kinds["chc"].append(stay)
        else:  # nursing residents with FNC (residential homes: another self-funder)
            me = _own_payer(resident, n)
            shares = [{"payer_id": me.id, "basis": "remainder"}]
            if nursing:
                shares.insert(0, {"payer_id": fnc.id, "basis": "fnc", "fnc_rate": "standard"})
            services.create_agreement(stay.id, {**terms, "placement": "private", "weekly_fee": str(fee),
                                                "shares": shares})
            kinds["fnc" if nursing else "self"].append(stay)
    return kinds


def load_demo_billing(homes, today: dt.date | None = None) -> int:
    """Agreements, extras, three months of issued invoices, payments, old debts and a credit note."""
    if db.session.scalar(select(func.count()).select_from(FeeAgreement)):
        return 0
    today = today or today_in_london()
    months = _months(today)
    issued_total = 0
    for home in homes:
        for kind, (account, nominal) in services.DEFAULT_CODES.items():
            db.session.add(AccountCode(home_id=home.id, income_kind=kind, account_code=account, nominal_code=nominal,
                                       xero_tax_type="Exempt Income", sage_tax_code="T2"))
        living = list(db.session.scalars(
            select(Stay).where(Stay.home_id == home.id, Stay.status != StayStatus.ended).order_by(Stay.id)))
        _agreements(home, living)
        for n, stay in enumerate(living[:8]):  # hairdressing and newspapers
            payer = _resident_payer(stay)
            if payer is None:
                continue
            for month in months:
                on = dt.date.fromisoformat(f"{month}-{10 + n:02d}")
                services.record_extra({"resident_id": stay.resident_id, "payer_id": payer.id, "on": on,
                                       "description": "Hairdressing" if n % 2 else "Newspapers",
                                       "quantity": "1" if n % 2 else "4", "unit_price": "18.00" if n % 2 else "2.60"})
        for month in months:
            start, _end = services.month_period(month)
            run = runs.run_invoices(home.id, month)
            runs.approve_run(run.id)
            issued_total += len(runs.issue_approved(home.id, run.id, on=start))
        _payments(home, months, today)
    db.session.flush()
    return issued_total


def _resident_payer(stay):
    from app.billing.models import Payer

    return db.session.scalar(select(Payer).where(Payer.resident_id == stay.resident_id,
                                                 Payer.kind == PayerKind.resident))


def _payments(home, months: list[str], today: dt.date) -> None:
    """Most invoices paid around the 20th; a few residents' and the council's latest unpaid, two
    residents owing for over 60 days; one invoice partly credited."""
    invoices = list(db.session.scalars(select(Invoice).where(
        Invoice.home_id == home.id, Invoice.status == InvoiceStatus.issued).order_by(Invoice.sequence)))
    debtors = sorted({i.payer_id for i in invoices if i.payer.kind == PayerKind.resident})[:2]
    last = services.month_period(months[-1])[0]
    credited = False
    for invoice in invoices:
        payer = invoice.payer
        if payer.id in debtors:
            continue  # owing since the first month: over 60 days
        if invoice.issued_on >= last and (payer.kind == PayerKind.local_authority or invoice.id % 4 == 0):
            continue  # this month's, not paid yet
        if not credited and invoice.type.value == "invoice" and any(x.line_type.value == "extra"
                                                                    for x in invoice.lines):
            extra = next(x for x in invoice.lines if x.line_type.value == "extra")
            runs.create_credit_note(invoice.id, [extra.id], "Hairdresser did not visit that week",
                                    on=invoice.issued_on + dt.timedelta(days=5))
            credited = True
        owed = payments.outstanding_by_invoice([payer.id]).get(invoice.id, Decimal("0"))
        if owed <= 0:
            continue
        method = {PayerKind.resident: "direct_debit", PayerKind.third_party: "bank_transfer"}.get(
            payer.kind, "bank_transfer")
        payments.record_payment({"payer_id": payer.id, "amount": str(owed), "method": method,
                                 "received_on": min(invoice.issued_on + dt.timedelta(days=19), today),
                                 "reference": invoice.number,
                                 "allocate": [{"invoice_id": invoice.id, "amount": str(owed)}]})
