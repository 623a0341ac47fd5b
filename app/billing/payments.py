"""Payments and debt: record payments and refunds, allocate them to issued invoices (oldest first or
by hand), hold an overpayment as credit only when confirmed, import a bank statement CSV and
suggest matches, statements per payer and aged debt per home and payer.

What a payer owes = issued invoices − credit notes − payments + refunds. An invoice's outstanding
amount = its total, less the credit notes against it, less what has been allocated to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.billing.models import (
    Allocation,
    BankLineStatus,
    BankStatementLine,
    Invoice,
    InvoiceStatus,
    InvoiceType,
    Payer,
    PayerReference,
    Payment,
    PaymentKind,
    PaymentMethod,
)
from app.billing.services import Errors, a_date, choice, get, money, text_value
from app.exceptions import DomainError
from app.extensions import db
from app.residents.services import today_in_london

ZERO = Decimal("0.00")
BUCKETS = ("current", "31-60", "61-90", "over 90")
MAX_STATEMENT_LINES = 2000


# ---------------------------------------------------------------------------------------------
# What is owed


def outstanding_by_invoice(payer_ids: list[int] | None = None, home_id: int | None = None) -> dict[int, Decimal]:
    """Issued invoices with something left to pay (credit notes and allocations taken off)."""
    query = select(Invoice).where(Invoice.status == InvoiceStatus.issued, Invoice.type == InvoiceType.invoice)
    if payer_ids is not None:
        query = query.where(Invoice.payer_id.in_(payer_ids))
    if home_id is not None:
        query = query.where(Invoice.home_id == home_id)
    invoices = list(db.session.scalars(query))
    ids = [i.id for i in invoices]
    left = {i.id: i.total for i in invoices}
    if ids:
        for invoice_id, total in db.session.execute(
                select(Invoice.credits_invoice_id, func.sum(Invoice.total)).where(
                    Invoice.credits_invoice_id.in_(ids), Invoice.status == InvoiceStatus.issued)
                .group_by(Invoice.credits_invoice_id)):
            left[invoice_id] += Decimal(total)
        for invoice_id, total in db.session.execute(
                select(Allocation.invoice_id, func.sum(Allocation.amount)).where(Allocation.invoice_id.in_(ids))
                .group_by(Allocation.invoice_id)):
            left[invoice_id] -= Decimal(total)
    return {k: Decimal(v).quantize(Decimal("0.01")) for k, v in left.items()}


def unallocated(payment: Payment) -> Decimal:
    return payment.amount - sum((a.amount for a in payment.allocations), ZERO)


def payer_credit(payer_id: int) -> Decimal:
    """Money held for a payer: payments not allocated, less refunds."""
    payments = db.session.scalars(select(Payment).where(Payment.payer_id == payer_id))
    held = ZERO
    for payment in payments:
        held += unallocated(payment) if payment.kind == PaymentKind.payment else -payment.amount
    return held


def lock_payer(payer_id: int) -> None:
    """Take the payer's row (SELECT … FOR UPDATE) until the transaction ends: whoever records, allocates
    or refunds money of one payer waits here for the one before, then reads what is owed after it, so
    two at once never set more against an invoice than is owed, nor refund the same credit twice."""
    db.session.scalar(select(Payer.id).where(Payer.id == payer_id).with_for_update())


def _open_invoices(payer_id: int) -> list[tuple[Invoice, Decimal]]:
    left = outstanding_by_invoice([payer_id])
    invoices = db.session.scalars(select(Invoice).where(Invoice.id.in_(list(left) or [0]))
                                  .order_by(Invoice.issued_on, Invoice.sequence))
    return [(i, left[i.id]) for i in invoices if left[i.id] > 0]


# ---------------------------------------------------------------------------------------------
# Payments and allocations


def _allocate(payment: Payment, allocations, errors: Errors, field: str = "allocations") -> list[Allocation]:
    available = unallocated(payment)
    made = []
    if allocations in (None, "none"):
        return made
    if allocations == "oldest":
        for invoice, left in _open_invoices(payment.payer_id):
            if available <= 0:
                break
            amount = min(left, available)
            made.append(Allocation(home_id=payment.home_id, payment=payment, invoice_id=invoice.id, amount=amount))
            available -= amount
        return made
    if not isinstance(allocations, list):
        errors.add(field, _l("Say \"oldest\" or list {invoice_id, amount} for each invoice."))
        return made
    left = outstanding_by_invoice([payment.payer_id])
    for i, item in enumerate(allocations):
        item = item if isinstance(item, dict) else {}
        invoice_id = item.get("invoice_id")
        if not isinstance(invoice_id, int) or isinstance(invoice_id, bool) or invoice_id not in left:
            errors.add(f"{field}[{i}].invoice_id", _l("Choose an issued invoice of this payer."))
            continue
        amount = money(item.get("amount"), f"{field}[{i}].amount", errors, positive=True)
        if amount is None:
            continue
        if amount > left[invoice_id]:
            errors.add(f"{field}[{i}].amount", _l("Only £%(left)s is owed on this invoice.", left=left[invoice_id]))
            continue
        if amount > available:
            errors.add(f"{field}[{i}].amount", _l("More than is left of the payment (£%(left)s).", left=available))
            continue
        left[invoice_id] -= amount
        available -= amount
        made.append(Allocation(home_id=payment.home_id, payment=payment, invoice_id=invoice_id, amount=amount))
    return made


def record_payment(values: dict, by_user=None) -> Payment:
    """Record money received: {payer_id, amount, received_on, method, reference, allocate: "oldest" |
    [{invoice_id, amount}] | "none", confirm_credit}. What is not allocated is held as credit for the
    payer only when `confirm_credit` is true; otherwise the payment is refused."""
    errors = Errors()
    payer = None
    try:
        payer = get(Payer, int(values.get("payer_id")), "payer")
    except (DomainError, TypeError, ValueError):
        errors.add("payer_id", _l("No such payer in your homes."))
    amount = money(values.get("amount"), "amount", errors, positive=True)
    received_on = a_date(values.get("received_on"), "received_on", errors, required=False) or today_in_london()
    method = choice(PaymentMethod, values.get("method"), "method", errors, default=PaymentMethod.bank_transfer)
    reference = text_value(values.get("reference"), "reference", errors, limit=100)
    errors.raise_if_any()
    lock_payer(payer.id)
    payment = Payment(home_id=payer.home_id, payer_id=payer.id, kind=PaymentKind.payment, method=method,
                      received_on=received_on, amount=amount, reference=reference,
                      credit_confirmed=values.get("confirm_credit") is True,
                      notes=text_value(values.get("notes"), "notes", errors, limit=2000),
                      created_by_id=getattr(by_user, "id", None))
    payment.allocations = []
    made = _allocate(payment, values.get("allocate", "oldest"), errors)
    errors.raise_if_any()
    payment.allocations = made
    left = unallocated(payment)
    if left > 0 and not payment.credit_confirmed:
        raise DomainError({"confirm_credit": [str(_l(
            "£%(left)s of this payment is more than is owed; confirm to hold it as credit for the payer.",
            left=left))]})
    db.session.add(payment)
    db.session.flush()
    return payment


def allocate_payment(payment_id: int, allocations, confirm_credit: bool = False) -> Payment:
    """Allocate what is left of a payment (held as credit) to invoices."""
    errors = Errors()
    payment = get(Payment, payment_id, "payment")
    if payment.kind != PaymentKind.payment:
        errors.add("payment_id", _l("A refund is not allocated."))
    errors.raise_if_any()
    lock_payer(payment.payer_id)
    db.session.expire(payment, ["allocations"])  # as they are now that the payer's money is ours
    made = _allocate(payment, allocations, errors)
    errors.raise_if_any()
    for allocation in made:
        db.session.add(allocation)
    db.session.flush()
    return payment


def record_refund(values: dict, by_user=None) -> Payment:
    """Money returned to a payer, out of the credit held for them."""
    errors = Errors()
    payer = None
    try:
        payer = get(Payer, int(values.get("payer_id")), "payer")
    except (DomainError, TypeError, ValueError):
        errors.add("payer_id", _l("No such payer in your homes."))
    amount = money(values.get("amount"), "amount", errors, positive=True)
    paid_on = a_date(values.get("received_on"), "received_on", errors, required=False) or today_in_london()
    method = choice(PaymentMethod, values.get("method"), "method", errors, default=PaymentMethod.bank_transfer)
    if payer is not None:
        lock_payer(payer.id)
    if payer is not None and amount is not None and amount > payer_credit(payer.id):
        errors.add("amount", _l("Only £%(held)s is held as credit for this payer.", held=payer_credit(payer.id)))
    errors.raise_if_any()
    refund = Payment(home_id=payer.home_id, payer_id=payer.id, kind=PaymentKind.refund, method=method,
                     received_on=paid_on, amount=amount, credit_confirmed=True,
                     reference=text_value(values.get("reference"), "reference", errors, limit=100),
                     created_by_id=getattr(by_user, "id", None))
    db.session.add(refund)
    db.session.flush()
    return refund


# ---------------------------------------------------------------------------------------------
# Bank statements


def _statement_amount(text: str) -> str:
    return text.replace("£", "").replace(",", "").strip()


def import_bank_statement(home_id: int, csv_text: str) -> list[BankStatementLine]:
    """Read a bank statement CSV with columns date, amount, reference (a header row naming them, any
    order; dates DD/MM/YYYY or YYYY-MM-DD). Money in (positive amounts) becomes lines to match."""
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise DomainError({"file": [str(_l("The statement is empty."))]})
    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise DomainError({"file": [str(_l("The statement is empty."))]})
    header = [c.strip().lower() for c in rows[0]]
    try:
        columns = {name: header.index(name) for name in ("date", "amount", "reference")}
    except ValueError:
        raise DomainError({"file": [str(_l("The first row must name the columns date, amount and reference."))]}) \
            from None
    if len(rows) - 1 > MAX_STATEMENT_LINES:
        raise DomainError({"file": [str(_l("At most %(n)s lines at a time.", n=MAX_STATEMENT_LINES))]})
    errors = Errors()
    lines = []
    for n, row in enumerate(rows[1:], start=2):
        cells = row + [""] * (len(header) - len(row))
        on = a_date(cells[columns["date"]].strip(), f"row {n}: date", errors)
        amount = money(_statement_amount(cells[columns["amount"]]), f"row {n}: amount", errors, allow_negative=True)
        if on is None or amount is None or amount <= 0:
            continue
        lines.append(BankStatementLine(home_id=home_id, on=on, amount=amount,
                                       reference=cells[columns["reference"]].strip()[:200]))
    errors.raise_if_any()
    suggest_matches(home_id, lines)
    for line in lines:
        db.session.add(line)
    db.session.flush()
    return lines


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^A-Z0-9]+", (text or "").upper()) if len(w) >= 3}


def suggest_matches(home_id: int, lines: list[BankStatementLine]) -> None:
    """Suggest a payer (their account reference, an authority's reference for a resident, or an
    invoice number in the bank reference) and an invoice owing exactly the amount."""
    payers = list(db.session.scalars(select(Payer).where(Payer.home_id == home_id)))
    by_word: dict[str, int] = {}
    for payer in payers:
        for word in _words(payer.account_reference or ""):
            by_word[word] = payer.id
    for ref in db.session.scalars(select(PayerReference).where(PayerReference.home_id == home_id)):
        for word in _words(ref.reference):
            by_word.setdefault(word, ref.payer_id)
    left = outstanding_by_invoice(home_id=home_id)
    invoices = {i.id: i for i in db.session.scalars(select(Invoice).where(Invoice.id.in_(list(left) or [0])))}
    by_number = {_words(i.number or "").pop() if _words(i.number or "") else "": i for i in invoices.values()}
    for line in lines:
        words = _words(line.reference)
        invoice = next((by_number[w] for w in words if w in by_number), None)
        payer_id = invoice.payer_id if invoice is not None else next((by_word[w] for w in words if w in by_word), None)
        line.suggested_payer_id = payer_id
        if invoice is None and payer_id is not None:
            invoice = next((i for i in sorted(invoices.values(), key=lambda i: (i.issued_on, i.sequence or 0))
                            if i.payer_id == payer_id and left[i.id] == line.amount), None)
        line.suggested_invoice_id = invoice.id if invoice is not None else None


def confirm_bank_line(line_id: int, payer_id: int | None = None, confirm_credit: bool = False,
                      by_user=None) -> Payment:
    """One click: record the line as a payment from the suggested (or chosen) payer, allocated to the
    suggested invoice first and then oldest first."""
    line = get(BankStatementLine, line_id, "bank statement line")
    line = db.session.scalar(select(BankStatementLine).where(BankStatementLine.id == line.id).with_for_update()
                             .execution_options(populate_existing=True))  # two clicks at once: one payment
    if line.status != BankLineStatus.unmatched:
        raise DomainError({"status": [str(_l("This line has already been dealt with."))]})
    payer_id = payer_id or line.suggested_payer_id
    if payer_id is None:
        raise DomainError({"payer_id": [str(_l("Choose the payer this money came from."))]})
    owed = sum((left for _invoice, left in _open_invoices(payer_id)), ZERO)
    if line.amount > owed and not confirm_credit:
        raise DomainError({"confirm_credit": [str(_l(
            "£%(left)s is more than the payer owes; confirm to hold it as credit.", left=line.amount - owed))]})
    allocate = "oldest"
    if line.suggested_invoice_id is not None and payer_id == line.suggested_payer_id:
        left = outstanding_by_invoice([payer_id]).get(line.suggested_invoice_id, ZERO)
        if left > 0:
            allocate = [{"invoice_id": line.suggested_invoice_id, "amount": str(min(left, line.amount))}]
    payment = record_payment({"payer_id": payer_id, "amount": line.amount, "received_on": line.on,
                              "method": "bank_transfer", "reference": line.reference[:100] or None,
                              "allocate": allocate, "confirm_credit": True}, by_user)
    if allocate != "oldest" and unallocated(payment) > 0:
        allocate_payment(payment.id, "oldest")
    line.status = BankLineStatus.matched
    line.payment_id = payment.id
    db.session.flush()
    return payment


# ---------------------------------------------------------------------------------------------
# Statements and aged debt


def bucket(age_days: int) -> str:
    if age_days <= 30:
        return "current"
    if age_days <= 60:
        return "31-60"
    if age_days <= 90:
        return "61-90"
    return "over 90"


def statement(payer_id: int, as_of: dt.date | None = None) -> dict:
    """Every issued invoice, credit note, payment and refund of a payer, with a running balance."""
    as_of = as_of or today_in_london()
    payer = get(Payer, payer_id, "payer")
    entries = []
    for invoice in db.session.scalars(select(Invoice).where(Invoice.payer_id == payer.id,
                                                            Invoice.status == InvoiceStatus.issued,
                                                            Invoice.issued_on <= as_of)):
        debit = invoice.total if invoice.total > 0 else ZERO
        credit = -invoice.total if invoice.total < 0 else ZERO
        kind = _l("Credit note") if invoice.type == InvoiceType.credit_note else _l("Invoice")
        entries.append({"date": invoice.issued_on, "reference": invoice.number, "description": str(kind),
                        "debit": debit, "credit": credit, "sort": (invoice.issued_on, 0, invoice.sequence or 0)})
    for payment in db.session.scalars(select(Payment).where(Payment.payer_id == payer.id,
                                                            Payment.received_on <= as_of)):
        refund = payment.kind == PaymentKind.refund
        entries.append({"date": payment.received_on, "reference": payment.reference or "",
                        "description": str(_l("Refund") if refund else _l("Payment received")),
                        "debit": payment.amount if refund else ZERO, "credit": ZERO if refund else payment.amount,
                        "sort": (payment.received_on, 1, payment.id)})
    entries.sort(key=lambda e: e.pop("sort"))
    balance = ZERO
    for entry in entries:
        balance += entry["debit"] - entry["credit"]
        entry["balance"] = balance
    aged = aged_debt(payer.home_id, as_of, payer_ids=[payer.id])
    return {"payer": payer, "as_of": as_of, "entries": entries, "closing_balance": balance,
            "aged": aged["payers"][0]["buckets"] if aged["payers"] else dict.fromkeys(BUCKETS, ZERO)}


def aged_debt(home_id: int, as_of: dt.date | None = None, payer_ids: list[int] | None = None) -> dict:
    """What each payer of a home owes, by the age of the invoice (days since issue): current (up to
    30 days), 31–60, 61–90, over 90; credit held is shown beside it."""
    as_of = as_of or today_in_london()
    left = outstanding_by_invoice(payer_ids, home_id=home_id)
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.id.in_(list(left) or [0]))))
    per_payer: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, ZERO))
    for invoice in invoices:
        if left[invoice.id] <= 0 or invoice.issued_on > as_of:
            continue
        per_payer[invoice.payer_id][bucket((as_of - invoice.issued_on).days)] += left[invoice.id]
    payers = {p.id: p for p in db.session.scalars(select(Payer).where(Payer.id.in_(list(per_payer) or [0])))}
    rows = [{"payer": payers[pid], "buckets": b, "total": sum(b.values(), ZERO)}
            for pid, b in per_payer.items()]
    rows.sort(key=lambda r: (-r["total"], r["payer"].name))
    totals = dict.fromkeys(BUCKETS, ZERO)
    for row in rows:
        for key in BUCKETS:
            totals[key] += row["buckets"][key]
    return {"as_of": as_of, "payers": rows, "totals": totals, "total": sum(totals.values(), ZERO)}
