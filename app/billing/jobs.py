"""Billing as jobs: an invoice run with progress and a summary; one invoice, credit note or statement
as a PDF; every invoice of a run in one PDF with progress; the accounting export of a month as CSV.
Each checks again (in the worker) that the person who asked works in the home."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import jobs
from app.billing.models import Invoice, InvoiceRun, InvoiceStatus, InvoiceType, Payer, PayerReference, Payment
from app.documents.jobs import _user, display_name, secure_name
from app.extensions import db
from app.jobs import JobError, set_progress, store_result
from app.tenancy import allowed_home_ids, scoped_to


def _home(home_id: int, user):
    from app.homes.models import CareHome

    home = db.session.get(CareHome, home_id)
    if home is None or home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This home no longer exists or is not one you work in.")))
    return home


# ---------------------------------------------------------------------------------------------
# The invoice run


def run_invoices_job(home_id: int, month: str, user_id: int) -> dict:
    """Run a home's invoices for a month; the summary (created, skipped and why, total) is the result."""
    from app.billing.runs import plan_run, run_invoices, write_run
    from app.exceptions import DomainError

    user = _user(user_id)
    _home(home_id, user)
    with scoped_to([home_id]):
        try:
            if db.engine.dialect.name == "sqlite":
                # SQLite: a read that began before another connection wrote (the job's heartbeat,
                # its progress) cannot then write; end the read between calculating and writing.
                plan = plan_run(home_id, month, progress=lambda done, total: set_progress(done, total))
                session = db.session()
                session.expire_on_commit = False
                try:
                    session.commit()
                finally:
                    session.expire_on_commit = True
                run = write_run(plan, user)
            else:
                run = run_invoices(home_id, month, user, progress=lambda done, total: set_progress(done, total))
        except DomainError as error:
            raise JobError(error.message) from None
    summary = {"run_id": run.id, "created": run.invoices_created, "skipped": run.summary.get("skipped", []),
               "total": f"{run.total:.2f}"}
    db.session.commit()
    return summary


def request_run(home_id: int, month: str, user) -> jobs.Job:
    from app.billing.services import ensure_period_open, month_period

    start, end = month_period(month)
    ensure_period_open(home_id, start, end)
    return jobs.enqueue(run_invoices_job, home_id, month, user.id, job_id=f"invoice-run:{home_id}:{month}",
                        description=f"{_l('Invoice run')} {month}", user_id=user.id, home_id=home_id)


# ---------------------------------------------------------------------------------------------
# Documents


def home_details(home) -> dict:
    address = ", ".join(p for p in (home.address_line_1, home.address_line_2, home.town, home.county, home.postcode)
                        if p)
    return {"name": home.name, "address": address, "phone": home.phone or "", "email": home.email or "",
            "registration": home.cqc_location_id or ""}


def _references(payer_id: int) -> dict[int, str]:
    return {r.resident_id: r.reference for r in db.session.scalars(
        select(PayerReference).where(PayerReference.payer_id == payer_id))}


def invoice_document(invoice: Invoice, printed_by: str = "") -> dict:
    """The plain dict `reports.invoice.render_invoice_pdf` prints (BILLING-API.md §2)."""
    payer = invoice.payer
    references = _references(payer.id)
    own_reference = references.get(invoice.resident_id) if invoice.resident_id else None
    return {
        "kind": invoice.type.value, "number": invoice.number, "issued_on": invoice.issued_on,
        "due_on": invoice.due_on, "period_start": invoice.period_start, "period_end": invoice.period_end,
        "home": home_details(invoice.home),
        "payer": {"name": payer.name, "address": payer.address or "", "email": payer.email or "",
                  "reference": own_reference or payer.account_reference or ""},
        "lines": [{"description": line.description, "resident": line.resident.full_name if line.resident else "",
                   "reference": references.get(line.resident_id, "") if invoice.resident_id is None else "",
                   "start": line.start_on, "end": line.end_on, "days": line.days,
                   "weekly": line.weekly if line.weekly else None, "amount": line.amount}
                  for line in invoice.lines],
        "total": invoice.total, "payment_terms_days": payer.payment_terms_days,
        "credits_invoice_number": invoice.credits_invoice.number if invoice.credits_invoice else None,
        "printed_by": printed_by, "printed_at": dt.datetime.now(dt.UTC),
    }


def _printable(invoice_id: int, user) -> Invoice:
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id))
    if invoice is None or invoice.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This invoice no longer exists or is in a home you do not work in.")))
    return invoice


def invoice_file_name(invoice: Invoice) -> str:
    noun = "credit-note" if invoice.type == InvoiceType.credit_note else "invoice"
    return f"{noun}-{secure_name(invoice.number or f'draft-{invoice.id}')}.pdf"


def render_invoice_job(invoice_id: int, user_id: int) -> str:
    from reports.invoice import render_invoice_pdf

    user = _user(user_id)
    invoice = _printable(invoice_id, user)
    set_progress(30)
    pdf = render_invoice_pdf(invoice_document(invoice, display_name(user)))
    return store_result(pdf, invoice_file_name(invoice))


def render_run_invoices_job(run_id: int, user_id: int, only_post: bool = False) -> str:
    """Every invoice of a run in one PDF, one after another, with progress (with `only_post`, the
    issued invoices of payers who take them by post or have no email address: the ones to print)."""
    from pypdf import PdfWriter

    from app.billing.models import Delivery
    from reports.invoice import render_invoice_pdf

    user = _user(user_id)
    run = db.session.get(InvoiceRun, run_id)
    if run is None or run.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This invoice run no longer exists or is in a home you do not work in.")))
    invoices = list(db.session.scalars(
        select(Invoice).join(Payer, Payer.id == Invoice.payer_id).where(Invoice.run_id == run.id)
        .options(selectinload(Invoice.lines)).order_by(Invoice.sequence, Payer.name, Invoice.id)))
    if only_post:
        invoices = [i for i in invoices if i.status == InvoiceStatus.issued and not (
            i.payer.delivery == Delivery.email and (i.payer.email or "").strip())]
    if not invoices:
        raise JobError(str(_l("This run has no invoices to print.")))
    writer = PdfWriter()
    import io

    for done, invoice in enumerate(invoices, start=1):
        writer.append(io.BytesIO(render_invoice_pdf(invoice_document(invoice, display_name(user)))))
        set_progress(done, len(invoices) + 1)
    out = io.BytesIO()
    writer.write(out)
    stem = "invoices-to-post" if only_post else "invoices"
    return store_result(out.getvalue(), f"{stem}-{run.period_start:%Y-%m}-run-{run.id}.pdf")


def statement_pdf(payer: Payer, user) -> tuple[bytes, dt.date]:
    """A payer's statement of account as a PDF, and the day it is made up to."""
    from app.billing.payments import statement
    from reports.invoice import render_statement_pdf

    with scoped_to([payer.home_id]):
        found = statement(payer.id)
    doc = {"home": home_details(payer.home),
           "payer": {"name": payer.name, "address": payer.address or "", "email": payer.email or "",
                     "reference": payer.account_reference or ""},
           "as_of": found["as_of"], "entries": found["entries"], "closing_balance": found["closing_balance"],
           "aged": found["aged"], "printed_by": display_name(user), "printed_at": dt.datetime.now(dt.UTC)}
    return render_statement_pdf(doc), found["as_of"]


def render_statement_job(payer_id: int, user_id: int) -> str:
    user = _user(user_id)
    payer = db.session.get(Payer, payer_id)
    if payer is None or payer.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This payer no longer exists or is in a home you do not work in.")))
    pdf, as_of = statement_pdf(payer, user)
    return store_result(pdf, f"statement-{secure_name(payer.name)}-{as_of}.pdf")


def request_document(kind: str, record_id: int, user) -> jobs.Job:
    """Queue an invoice/credit note ("invoice"), a run's invoices ("run"), a run's invoices to post
    ("run-post") or a statement ("statement")."""
    func, what = {"invoice": (render_invoice_job, _l("Invoice")), "run": (render_run_invoices_job, _l("Invoices")),
                  "run-post": (render_run_invoices_job, _l("Invoices to post")),
                  "statement": (render_statement_job, _l("Statement"))}[kind]
    model = {"invoice": Invoice, "run": InvoiceRun, "run-post": InvoiceRun, "statement": Payer}[kind]
    row = db.session.scalar(select(model).where(model.id == record_id))
    if row is None:
        raise LookupError(record_id)
    args = (row.id, user.id, True) if kind == "run-post" else (row.id, user.id)
    return jobs.enqueue(func, *args, job_id=f"billing-{kind}:{row.id}:{user.id}",
                        description=f"{what}: {row}", user_id=user.id, home_id=row.home_id)


# ---------------------------------------------------------------------------------------------
# Accounting export


def export_rows(home_id: int, start: dt.date, end: dt.date) -> dict:
    """Issued invoices, credit notes and payments of a home dated in the period, in the shapes of
    `app.billing.export` (Xero documents and Sage transactions)."""
    from app.billing.services import account_codes, income_kind_of

    codes = account_codes(home_id)
    invoices = list(db.session.scalars(
        select(Invoice).where(Invoice.home_id == home_id, Invoice.status == InvoiceStatus.issued,
                              Invoice.issued_on >= start, Invoice.issued_on <= end)
        .options(selectinload(Invoice.lines), selectinload(Invoice.payer)).order_by(Invoice.sequence)))
    documents = {"invoice": [], "credit_note": []}
    sage = []
    for invoice in invoices:
        payer = invoice.payer
        account_ref = payer.account_reference or f"P{payer.id}"
        lines = []
        for line in invoice.lines:
            code = codes[line.income_kind]
            amount = line.amount if invoice.type == InvoiceType.invoice else -line.amount
            lines.append({"description": line.description, "quantity": Decimal("1"), "unit_amount": amount,
                          "account_code": code.account_code, "tax_type": code.xero_tax_type})
            sage.append({"type": "SI" if invoice.type == InvoiceType.invoice else "SC",
                         "account_reference": account_ref, "nominal_code": code.nominal_code,
                         "date": invoice.issued_on, "reference": invoice.number,
                         "details": line.description[:60], "net_amount": abs(line.amount),
                         "tax_code": code.sage_tax_code, "tax_amount": Decimal("0.00")})
        address = [p.strip() for p in (payer.address or "").replace("\n", ",").split(",") if p.strip()]
        documents[invoice.type.value].append({
            "number": invoice.number, "contact_name": payer.name, "email": payer.email or "", "address": address,
            "postcode": payer.postcode or "", "reference": invoice.period_start.strftime("%b %Y"),
            "issued_on": invoice.issued_on, "due_on": invoice.due_on or invoice.issued_on, "lines": lines})
    fees = codes[income_kind_of("resident")]
    for payment in db.session.scalars(select(Payment).where(Payment.home_id == home_id, Payment.received_on >= start,
                                                            Payment.received_on <= end).order_by(Payment.id)):
        sage.append({"type": "SA" if payment.kind.value == "payment" else "SP",
                     "account_reference": payment.payer.account_reference or f"P{payment.payer_id}",
                     "nominal_code": "1200", "date": payment.received_on,
                     "reference": (payment.reference or f"PAY{payment.id}")[:30],
                     "details": f"{payment.method.value.replace('_', ' ')} {payment.payer.name}"[:60],
                     "net_amount": payment.amount, "tax_code": fees.sage_tax_code, "tax_amount": Decimal("0.00")})
    return {"xero_invoices": documents["invoice"], "xero_credit_notes": documents["credit_note"], "sage": sage}
