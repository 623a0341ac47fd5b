"""Invoice runs, and invoices from draft to issued, and credit notes.

A run bills one home for one calendar month. Each payer is billed for its own period: the month
(or the four-weekly periods starting in it) when it pays in advance, the month before (or the
four-weekly periods ending in it) when it pays in arrears. For each stay the run builds the
scenario of `app.billing.calculation` from the database (payers as "payer:<id>"; `invoiced` from
every invoice line of that stay not reversed by a credit note; extras not yet billed) and turns the
lines into draft invoices: one per resident payer or third party and resident, one per authority or
NHS body listing its residents. Re-running adds only what is missing. Everything for a home is
loaded in a fixed number of queries, not per resident.

Issued invoices are numbered per home from one counter row taken with SELECT … FOR UPDATE, so two
runs issuing at once leave no gap and no repeat; they never change afterwards (a flush that would
change one is refused) and are corrected by credit notes that reverse chosen lines exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.billing.models import (
    AgreementStatus,
    Cycle,
    Extra,
    FeeAgreement,
    FeeAgreementVersion,
    HospitalCharge,
    IncomeKind,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceRun,
    InvoiceStatus,
    InvoiceType,
    LineType,
    Payer,
    PayerKind,
    ShareBasis,
    Timing,
)
from app.billing.services import (
    Errors,
    a_date,
    ensure_period_open,
    fnc_rates,
    get,
    income_kind_of,
    month_period,
    period_row,
    stay_start,
)
from app.exceptions import DomainError
from app.extensions import db
from app.residents.models import Absence, DischargeDestination, Stay
from app.residents.services import london_date, today_in_london

FOUR_WEEK_ANCHOR = dt.date(2024, 4, 1)  # a Monday; four-weekly periods run 28 days from here
AUTHORITY_KINDS = (PayerKind.local_authority, PayerKind.chc, PayerKind.fnc)
LOOKBACK_DAYS = 400  # stays that ended this long before the period can still get adjustment lines


def payer_key(payer_id: int) -> str:
    return f"payer:{payer_id}"


def _payer_id(key: str) -> int:
    return int(str(key).split(":", 1)[1])


def billed_periods(cycle: Cycle, timing: Timing, month_start: dt.date, month_end: dt.date):
    """The periods a run for this month bills, for payers of this cycle and timing."""
    if cycle == Cycle.monthly:
        if timing == Timing.advance:
            return [(month_start, month_end)]
        prev_end = month_start - dt.timedelta(days=1)
        return [(prev_end.replace(day=1), prev_end)]
    periods = []
    n = (month_start - FOUR_WEEK_ANCHOR).days // 28 - 1
    while True:
        start = FOUR_WEEK_ANCHOR + dt.timedelta(days=28 * n)
        end = start + dt.timedelta(days=27)
        if start > month_end:
            break
        pivot = start if timing == Timing.advance else end
        if month_start <= pivot <= month_end:
            periods.append((start, end))
        n += 1
    return periods


def _money_text(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _percent_text(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _hospital(charge, percent, after) -> dict:
    if charge is None or charge == HospitalCharge.full:
        return {"charge": "full"}
    if charge == HospitalCharge.percent:
        return {"charge": "percent", "percent": _percent_text(percent or 0), "after_days": int(after or 0)}
    return {"charge": "none", "after_days": int(after or 0)}


def _share_json(share, payers: dict[int, Payer]) -> dict:
    payer = payers[share.payer_id]
    data = {"payer": payer_key(payer.id), "kind": payer.kind.value}
    if share.basis == ShareBasis.fixed:
        data["weekly"] = _money_text(share.weekly_amount)
    elif share.basis == ShareBasis.fnc:
        data["rate"] = (share.fnc_rate.value if share.fnc_rate else "standard")
    else:
        data["amount"] = "remainder"
    if share.label:
        data["label"] = share.label
    if share.hospital_charge is not None:
        data["hospital"] = _hospital(share.hospital_charge, share.hospital_percent, share.hospital_after_days)
    return data


def stay_dates(stay: Stay) -> dict:
    left = london_date(stay.discharged_at) if stay.discharged_at is not None else None
    reason = None
    if left is not None:
        reason = "death" if stay.discharge_destination == DischargeDestination.death else "discharge"
    return {"admitted": stay_start(stay).isoformat(), "left": left.isoformat() if left else None,
            "left_reason": reason}


def absence_ranges(absences, until: dt.date) -> list[dict]:
    """Days wholly away in hospital: from the day after leaving to the day before coming back
    (the resident is resident on the days they leave and return)."""
    ranges = []
    for absence in absences:
        start = london_date(absence.left_at) + dt.timedelta(days=1)
        end = (london_date(absence.returned_at) - dt.timedelta(days=1)) if absence.returned_at else until
        if end >= start:
            ranges.append({"from": start.isoformat(), "to": end.isoformat()})
    return ranges


def invoiced_json(line: InvoiceLine, payer: Payer) -> dict:
    return {"start": line.start_on.isoformat(), "end": line.end_on.isoformat(), "payer": payer_key(payer.id),
            "weekly": _money_text(line.weekly), "days": int(line.days), "amount": _money_text(line.amount),
            "kind": payer.kind.value, "type": line.line_type.value}


class HomeData:
    """Everything a run needs for one home, loaded in a fixed number of queries."""

    def __init__(self, home_id: int, earliest: dt.date, latest: dt.date):
        since = dt.datetime.combine(earliest - dt.timedelta(days=LOOKBACK_DAYS), dt.time(), dt.UTC)
        until = dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), dt.UTC)
        self.stays = list(db.session.scalars(
            select(Stay).where(Stay.home_id == home_id, Stay.admitted_at < until,
                               (Stay.discharged_at.is_(None)) | (Stay.discharged_at >= since))
            .options(selectinload(Stay.resident)).order_by(Stay.id)))
        stay_ids = [s.id for s in self.stays]
        self.payers = {p.id: p for p in db.session.scalars(select(Payer).where(Payer.home_id == home_id))}
        self.agreements: dict[int, list[FeeAgreement]] = defaultdict(list)
        self.absences: dict[int, list[Absence]] = defaultdict(list)
        self.lines: dict[int, list[InvoiceLine]] = defaultdict(list)
        if stay_ids:
            for agreement in db.session.scalars(
                    select(FeeAgreement).where(FeeAgreement.stay_id.in_(stay_ids))
                    .options(selectinload(FeeAgreement.versions).selectinload(FeeAgreementVersion.shares))
                    .order_by(FeeAgreement.id)):
                self.agreements[agreement.stay_id].append(agreement)
            for absence in db.session.scalars(select(Absence).where(Absence.stay_id.in_(stay_ids))
                                              .order_by(Absence.left_at)):
                self.absences[absence.stay_id].append(absence)
            rows = db.session.execute(
                select(InvoiceLine, Invoice.payer_id, Invoice.type)
                .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                .where(InvoiceLine.stay_id.in_(stay_ids), InvoiceLine.home_id == home_id)).all()
            credited = {line.credits_line_id for line, _p, _t in rows if line.credits_line_id is not None}
            for line, payer_id, kind in rows:
                if kind == InvoiceType.invoice and line.id not in credited and line.line_type != LineType.extra:
                    line.billed_payer_id = payer_id
                    self.lines[line.stay_id].append(line)
        self.extras: dict[int, list[Extra]] = defaultdict(list)
        for extra in db.session.scalars(select(Extra).where(Extra.home_id == home_id, Extra.billed.is_(False),
                                                            Extra.voided_at.is_(None)).order_by(Extra.on, Extra.id)):
            self.extras[extra.resident_id].append(extra)
        self.rates = fnc_rates()
        self.drafts = {
            (inv.payer_id, inv.resident_id, inv.period_start, inv.period_end): inv
            for inv in db.session.scalars(select(Invoice).where(
                Invoice.home_id == home_id, Invoice.status == InvoiceStatus.draft,
                Invoice.type == InvoiceType.invoice).options(selectinload(Invoice.lines)))
        }


def _agreement_of(agreements: list[FeeAgreement]) -> FeeAgreement | None:
    active = [a for a in agreements if a.status == AgreementStatus.active]
    return (active or agreements or [None])[-1]


def build_scenario(stay: Stay, agreement: FeeAgreement, data: HomeData, start: dt.date, end: dt.date,
                   payer_ids: set[int]) -> dict:
    """The calculation's scenario for one stay and one billed period (BILLING-API.md §1)."""
    agreements = [{
        "from": v.effective_from.isoformat(), "weekly_fee": _money_text(v.weekly_fee),
        "fees_after_death_days": int(agreement.fees_after_death_days or 0),
        "hospital": _hospital(agreement.hospital_charge, agreement.hospital_percent, agreement.hospital_after_days),
        "shares": [_share_json(s, data.payers) for s in v.shares],
    } for v in agreement.versions]
    extras = [{"on": x.on.isoformat(), "description": x.description, "quantity": _money_text(x.quantity),
               "unit_price": _money_text(x.unit_price), "payer": payer_key(x.payer_id),
               "kind": data.payers[x.payer_id].kind.value}
              for x in data.extras.get(stay.resident_id, []) if x.payer_id in payer_ids and x.on <= end]
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "stay": stay_dates(stay),
        "absences": absence_ranges(data.absences.get(stay.id, []), end),
        "agreements": agreements,
        "invoiced": [invoiced_json(line, data.payers[line.billed_payer_id]) for line in data.lines.get(stay.id, [])],
        "extras": extras,
        "fnc_rates": [{"from": r.effective_from.isoformat(), "rate": r.rate.value, "weekly": _money_text(r.weekly)}
                      for r in data.rates],
    }


def _skip(stay: Stay, reason) -> dict:
    return {"stay_id": stay.id, "resident": stay.resident.full_name if stay.resident else "", "reason": str(reason)}


def run_invoices(home_id: int, month: str, by_user=None, progress=None) -> InvoiceRun:
    """Create the draft invoices of one home for one month (see the module's docstring). Runs of one
    home queue behind each other on the home's counter row, so two at once never bill twice."""
    lock_counter(home_id)
    return write_run(plan_run(home_id, month, progress), by_user)


@dataclass
class RunPlan:
    home_id: int
    month_start: dt.date
    month_end: dt.date
    data: HomeData
    found: list[tuple]
    skipped: list[dict]


def plan_run(home_id: int, month: str, progress=None) -> RunPlan:
    """Calculate every stay of the home for the month, writing nothing (progress is reported meanwhile,
    on its own connection); `write_run` then writes it all at once."""
    from app.billing.calculation import ScenarioError, calculate, parse_scenario

    month_start, month_end = month_period(month)
    ensure_period_open(home_id, month_start, month_end)
    data = HomeData(home_id, month_start - dt.timedelta(days=62), month_end)
    found: list[tuple] = []
    skipped = []
    stays = data.stays
    for done, stay in enumerate(stays, start=1):
        if progress is not None:
            progress(done, len(stays))
        agreement = _agreement_of(data.agreements.get(stay.id, []))
        if agreement is None or not agreement.versions:
            if stay.discharged_at is None or london_date(stay.discharged_at) >= month_start:
                skipped.append(_skip(stay, _l("No fee agreement for this stay.")))
            continue
        groups: dict[tuple, set[int]] = defaultdict(set)
        for version in agreement.versions:
            for share in version.shares:
                payer = data.payers[share.payer_id]
                groups[(payer.cycle, payer.timing)].add(payer.id)
        for extra in data.extras.get(stay.resident_id, []):
            payer = data.payers[extra.payer_id]
            groups[(payer.cycle, payer.timing)].add(payer.id)
        stay_lines = 0
        reasons = []
        for (cycle, timing), payer_ids in sorted(groups.items(), key=lambda item: (item[0][0].value,
                                                                                    item[0][1].value)):
            for start, end in billed_periods(cycle, timing, month_start, month_end):
                if agreement.ends_on is not None and agreement.ends_on < start:
                    reasons.append(_l("The agreement ended on %(on)s, before the period.",
                                      on=agreement.ends_on.strftime("%d/%m/%Y")))
                    continue
                if agreement.versions[0].effective_from > end:
                    reasons.append(_l("The agreement starts on %(on)s, after the period.",
                                      on=agreement.versions[0].effective_from.strftime("%d/%m/%Y")))
                    continue
                if agreement.ends_on is not None and agreement.ends_on < end:
                    end = agreement.ends_on
                scenario = build_scenario(stay, agreement, data, start, end, payer_ids)
                try:
                    result = calculate(parse_scenario(scenario))
                except ScenarioError as error:
                    reasons.append(_l("The agreement cannot be billed: %(field)s: %(message)s",
                                      field=error.field, message=error.message))
                    continue
                for line in result.lines:
                    payer_id = _payer_id(line.payer)
                    if payer_id not in payer_ids or Decimal(line.amount) == 0:
                        continue
                    found.append((payer_id, stay, start, end, line))
                    stay_lines += 1
        if not stay_lines and reasons:
            skipped.extend(_skip(stay, r) for r in dict.fromkeys(str(r) for r in reasons))
    return RunPlan(home_id, month_start, month_end, data, found, skipped)


def write_run(plan: RunPlan, by_user=None) -> InvoiceRun:
    """The draft invoices and the run's summary, from a plan."""
    home_id, month_start, month_end, data, skipped = (plan.home_id, plan.month_start, plan.month_end, plan.data,
                                                      plan.skipped)
    ensure_period_open(home_id, month_start, month_end)
    period_row(home_id, month_start, month_end, create=True)
    run = InvoiceRun(home_id=home_id, period_start=month_start, period_end=month_end,
                     created_by_id=getattr(by_user, "id", None), summary={})
    db.session.add(run)  # written with its invoices and lines in one flush (its id is not needed before)
    created, total, new_lines = [], Decimal("0"), 0
    touched: set[Invoice] = set()
    for payer_id, stay, start, end, line in plan.found:
        invoice = _draft_for(run, data, data.payers[payer_id], stay, start, end, created)
        row = _add_line(invoice, stay, line, data)
        touched.add(invoice)
        total += row.amount
        new_lines += 1
    for invoice in touched:
        invoice.total = sum((line.amount for line in invoice.lines), Decimal("0"))
    run.invoices_created = len(created)
    run.lines_created = new_lines
    run.total = total
    run.summary = {"created": len(created), "lines": new_lines, "updated": len(touched) - len(created),
                   "skipped": skipped, "total": _money_text(total)}
    db.session.flush()
    return run


def _draft_for(run, data: HomeData, payer: Payer, stay: Stay, start, end, created: list) -> Invoice:
    resident_id = None if payer.kind in AUTHORITY_KINDS else stay.resident_id
    key = (payer.id, resident_id, start, end)
    invoice = data.drafts.get(key)
    if invoice is None:
        invoice = Invoice(home_id=run.home_id, run=run, payer_id=payer.id, resident_id=resident_id,
                          type=InvoiceType.invoice, status=InvoiceStatus.draft, period_start=start,
                          period_end=end, total=Decimal("0"))
        invoice.lines = []
        db.session.add(invoice)
        data.drafts[key] = invoice
        created.append(invoice)
    return invoice


def _add_line(invoice: Invoice, stay: Stay, line, data: HomeData) -> InvoiceLine:
    payer = data.payers[_payer_id(line.payer)]
    line_type = LineType(line.type)
    row = InvoiceLine(home_id=invoice.home_id, stay_id=stay.id, resident_id=stay.resident_id,
                      line_type=line_type,
                      income_kind=IncomeKind.extras if line_type == LineType.extra else income_kind_of(payer.kind),
                      start_on=line.start, end_on=line.end, days=int(line.days or 0),
                      weekly=Decimal(line.weekly or 0), amount=Decimal(line.amount), description=line.description)
    if line_type == LineType.extra:
        for extra in data.extras.get(stay.resident_id, []):
            if not extra.billed and extra.payer_id == payer.id and extra.on == line.start \
                    and extra.description in line.description:
                extra.billed = True
                row.extra_id = extra.id
                break
    invoice.lines.append(row)
    # Lines made by this run are not fed to the calculation of other payers in the same run: each
    # payer's lines depend only on what was invoiced before the run.
    return row


# ---------------------------------------------------------------------------------------------
# Draft -> approved -> issued


def _status_error(invoice: Invoice, wanted: str):
    """The status said in words (its label), so a Welsh reader reads Welsh, not the stored code."""
    from app import labels

    return DomainError({"status": [str(_l("This %(what)s is “%(status)s”; it must be “%(wanted)s”.",
                                          what=_kind_word(invoice), status=labels.label(invoice.status),
                                          wanted=labels.label(InvoiceStatus(wanted))))]})


def _kind_word(invoice: Invoice) -> str:
    return str(_l("credit note")) if invoice.type == InvoiceType.credit_note else str(_l("invoice"))


def approve_invoice(invoice_id: int, by_user=None) -> Invoice:
    invoice = get(Invoice, invoice_id, "invoice")
    if invoice.status != InvoiceStatus.draft:
        raise _status_error(invoice, "draft")
    if not invoice.lines:
        raise DomainError({"lines": [str(_l("An invoice without lines cannot be approved."))]})
    invoice.status = InvoiceStatus.approved
    invoice.approved_at = dt.datetime.now(dt.UTC)
    invoice.approved_by_id = getattr(by_user, "id", None)
    db.session.flush()
    return invoice


def lock_counter(home_id: int) -> InvoiceCounter:
    """The home's invoice counter, locked (SELECT … FOR UPDATE) until the transaction ends. Issuing
    takes it first, so issuers of one home queue here and each sees the others' work when it gets it."""
    query = select(InvoiceCounter).where(InvoiceCounter.care_home_id == home_id).with_for_update()
    counter = db.session.scalar(query.execution_options(populate_existing=True))
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(InvoiceCounter(care_home_id=home_id, prefix=f"H{home_id}-", next_number=1))
        except IntegrityError:  # created at the same moment by another issuer: queue behind theirs
            pass
        counter = db.session.scalar(query.execution_options(populate_existing=True))
    return counter


def next_number(home_id: int) -> tuple[int, str]:
    """Take the home's next invoice number: no gap and no repeat, even with several issuers at once."""
    counter = lock_counter(home_id)
    sequence = counter.next_number
    counter.next_number = sequence + 1
    db.session.flush()
    return sequence, f"{counter.prefix}{sequence:06d}"


def _fresh(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update()
                                .execution_options(populate_existing=True))
    if invoice is None:
        raise DomainError({"invoice_id": [str(_l("That invoice does not exist or is not in your homes."))]})
    return invoice


def issue_invoice(invoice_id: int, by_user=None, on=None) -> Invoice:
    """Give an approved invoice its number and dates. Never changed afterwards."""
    errors = Errors()
    issued_on = a_date(on, "issued_on", errors, required=False) or today_in_london()
    errors.raise_if_any()
    invoice = get(Invoice, invoice_id, "invoice")
    lock_counter(invoice.home_id)
    invoice = _fresh(invoice.id)  # as it is now that the home's issuing is ours
    if invoice.status != InvoiceStatus.approved:
        raise _status_error(invoice, "approved")
    _issue(invoice, issued_on, by_user)
    return invoice


def _issue(invoice: Invoice, issued_on: dt.date, by_user) -> None:
    terms = int(invoice.payer.payment_terms_days or 0)
    sequence, number = next_number(invoice.home_id)
    with db.session.no_autoflush:  # every change of the issue lands in one flush
        invoice.sequence, invoice.number = sequence, number
        invoice.status = InvoiceStatus.issued
        invoice.issued_on = issued_on
        invoice.due_on = issued_on + dt.timedelta(days=terms)
        invoice.issued_at = dt.datetime.now(dt.UTC)
        invoice.issued_by_id = getattr(by_user, "id", None)
    db.session.flush()


def issue_approved(home_id: int, run_id: int | None = None, by_user=None, on=None) -> list[Invoice]:
    """Issue every approved invoice of a home (or of one run), in payer order."""
    lock_counter(home_id)
    query = select(Invoice).join(Payer, Payer.id == Invoice.payer_id).where(
        Invoice.home_id == home_id, Invoice.status == InvoiceStatus.approved)
    if run_id is not None:
        query = query.where(Invoice.run_id == run_id)
    invoices = list(db.session.scalars(query.order_by(Payer.name, Invoice.id)
                                       .execution_options(populate_existing=True)))
    for invoice in invoices:
        issue_invoice(invoice.id, by_user, on)
    return invoices


def approve_run(run_id: int, by_user=None) -> list[Invoice]:
    run = get(InvoiceRun, run_id, "invoice run")
    drafts = list(db.session.scalars(select(Invoice).where(Invoice.run_id == run.id,
                                                           Invoice.status == InvoiceStatus.draft)))
    return [approve_invoice(i.id, by_user) for i in drafts if i.lines]


def remove_draft_line(line_id: int) -> Invoice:
    """Take a line off a draft invoice (the next run offers it again)."""
    line = get(InvoiceLine, line_id, "invoice line")
    invoice = line.invoice
    if invoice.status != InvoiceStatus.draft:
        raise _status_error(invoice, "draft")
    if line.extra_id is not None:
        extra = db.session.get(Extra, line.extra_id)
        extra.billed = False
    invoice.lines.remove(line)
    db.session.delete(line)
    invoice.total = sum((x.amount for x in invoice.lines), Decimal("0"))
    db.session.flush()
    return invoice


# ---------------------------------------------------------------------------------------------
# Credit notes


def credited_so_far(line_ids: list[int]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    if line_ids:
        for line in db.session.scalars(select(InvoiceLine).where(InvoiceLine.credits_line_id.in_(line_ids))):
            totals[line.credits_line_id] += line.amount
    return totals


def create_credit_note(invoice_id: int, line_ids: list[int] | None = None, reason: str | None = None,
                       by_user=None, on=None) -> Invoice:
    """A credit note reversing the chosen lines of an issued invoice exactly (all lines when none are
    chosen); issued at once, with the next number."""
    from app.billing.payments import lock_payer

    errors = Errors()
    invoice = get(Invoice, invoice_id, "invoice")
    issued_on = a_date(on, "issued_on", errors, required=False) or today_in_london()
    # The payer's lock, as recording and allocating money take it: two people crediting one invoice
    # at once (or crediting it while money is set against it) go one after the other, and the second
    # reads what the first credited.
    lock_payer(invoice.payer_id)
    invoice = _fresh(invoice.id)
    if invoice.type != InvoiceType.invoice or invoice.status != InvoiceStatus.issued:
        errors.add("invoice_id", _l("Only an issued invoice can be credited."))
    errors.raise_if_any()
    chosen = invoice.lines
    if line_ids:
        wanted = set()
        for value in line_ids:
            if isinstance(value, bool) or not isinstance(value, int):
                errors.add("line_ids", _l("Give the ids of lines of this invoice."))
                break
            wanted.add(value)
        chosen = [line for line in invoice.lines if line.id in wanted]
        if len(chosen) != len(wanted):
            errors.add("line_ids", _l("Some of these lines are not on this invoice."))
    already = credited_so_far([line.id for line in chosen])
    lines = []
    for line in chosen:
        left = line.amount + already.get(line.id, Decimal("0"))
        if left != 0:
            lines.append((line, -left))
    if not lines:
        errors.add("line_ids", _l("These lines have already been credited."))
    errors.raise_if_any()
    note = Invoice(home_id=invoice.home_id, payer_id=invoice.payer_id, resident_id=invoice.resident_id,
                   type=InvoiceType.credit_note, status=InvoiceStatus.approved, period_start=invoice.period_start,
                   period_end=invoice.period_end, credits_invoice_id=invoice.id, reason=(reason or "")[:2000] or None,
                   total=sum((amount for _line, amount in lines), Decimal("0")))
    note.lines = [InvoiceLine(home_id=invoice.home_id, stay_id=line.stay_id, resident_id=line.resident_id,
                              line_type=line.line_type, income_kind=line.income_kind, start_on=line.start_on,
                              end_on=line.end_on, days=line.days, weekly=line.weekly, amount=amount,
                              description=str(_l("Credit: %(what)s", what=line.description)),
                              credits_line_id=line.id)
                  for line, amount in lines]
    db.session.add(note)
    db.session.flush()
    _issue(note, issued_on, by_user)
    return note


# ---------------------------------------------------------------------------------------------
# Issued invoices never change


def _was_issued(invoice: Invoice) -> bool:
    state = inspect(invoice)
    if not state.has_identity:
        return False
    history = state.attrs.status.history
    before = list(history.deleted) or list(history.unchanged)
    return InvoiceStatus.issued in before


@event.listens_for(Session, "before_flush")
def _issued_invoices_are_read_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Invoice) and _was_issued(obj):
            if obj in session.deleted or session.is_modified(obj, include_collections=False):
                raise DomainError({"status": [str(_l("An issued %(what)s cannot be changed; "
                                                     "correct it with a credit note.", what=_kind_word(obj)))]})
        if isinstance(obj, InvoiceLine) and obj.invoice is not None and _was_issued(obj.invoice):
            if obj in session.deleted or session.is_modified(obj, include_collections=False):
                raise DomainError({"status": [str(_l("A line of an issued invoice cannot be changed; "
                                                     "correct it with a credit note."))]})
    for obj in session.new:
        if isinstance(obj, InvoiceLine) and obj.invoice is not None and _was_issued(obj.invoice):
            raise DomainError({"status": [str(_l("An issued invoice cannot be given new lines."))]})
