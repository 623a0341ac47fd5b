"""Emailing invoices, credit notes and statements to payers, through the notification outbox.

A payer is not a user: each email is an outbox row addressed to the payer's email address with the
PDF attached, delivered by the same job as every other email (retried, its status and last error on
the row). Each email sent is recorded (`DocumentEmail`: when, to which address, by whom, and through
the outbox row its status) and so audited. Sending a document a second time is refused unless the
sender confirms it (`confirm_resend`); a run sends in one job every issued invoice whose payer takes
invoices by email, and lists the others to print and post.

The checks run when the person asks (so they see the reason at once) and again in the job, under a
row lock on the invoice, so two requests at once never send one invoice twice unasked.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import jobs, labels
from app.billing.models import (
    Delivery,
    DocumentEmail,
    EmailedDocument,
    Invoice,
    InvoiceRun,
    InvoiceStatus,
    InvoiceType,
    Payer,
)
from app.billing.services import get
from app.exceptions import DomainError
from app.extensions import db
from app.jobs import JobError, set_progress
from app.notifications.services import email_address
from app.residents.services import today_in_london

KIND = "billing_document"  # the outbox's kind for documents emailed to payers
PDF = "application/pdf"


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _london_date(moment: dt.datetime | None) -> str:
    from reports.base import LONDON

    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LONDON).strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------------------------
# What was sent


def emails_of_invoices(invoice_ids: list[int]) -> dict[int, list[DocumentEmail]]:
    """Every email of these invoices, oldest first (with their outbox rows: status, sent at, error)."""
    found: dict[int, list[DocumentEmail]] = {i: [] for i in invoice_ids}
    if invoice_ids:
        for row in db.session.scalars(select(DocumentEmail).where(DocumentEmail.invoice_id.in_(invoice_ids))
                                      .options(selectinload(DocumentEmail.outbox))
                                      .order_by(DocumentEmail.requested_at, DocumentEmail.id)):
            found[row.invoice_id].append(row)
    return found


def statement_emails(payer_id: int) -> list[DocumentEmail]:
    return list(db.session.scalars(
        select(DocumentEmail).where(DocumentEmail.payer_id == payer_id,
                                    DocumentEmail.document == EmailedDocument.statement)
        .options(selectinload(DocumentEmail.outbox)).order_by(DocumentEmail.requested_at, DocumentEmail.id)))


def _already(emails: list[DocumentEmail]) -> str:
    last = emails[-1]
    return str(_l("It was already emailed to %(to)s on %(on)s (%(status)s). Tick \"Send again\" to send it "
                  "once more.", to=last.to_address, on=_london_date(last.requested_at),
                  status=labels.label(last.status)))


# ---------------------------------------------------------------------------------------------
# Checks


def _document(invoice: Invoice) -> EmailedDocument:
    return EmailedDocument.credit_note if invoice.type == InvoiceType.credit_note else EmailedDocument.invoice


def invoice_refusals(invoice: Invoice, confirm_resend: bool) -> dict[str, list[str]]:
    """Why this invoice or credit note cannot be emailed now, by field (nothing when it can)."""
    errors: dict[str, list[str]] = {}
    if invoice.status != InvoiceStatus.issued:
        errors["status"] = [str(_l("Only an issued invoice or credit note can be emailed; this one is %(status)s.",
                                   status=labels.label(invoice.status)))]
    if not (invoice.payer.email or "").strip():
        errors["email"] = [str(_l("The payer %(name)s has no email address: add it to the payer, or print the "
                                  "invoice and post it.", name=invoice.payer.name))]
    if not errors and not confirm_resend:
        earlier = emails_of_invoices([invoice.id])[invoice.id]
        if earlier:
            errors["confirm_resend"] = [_already(earlier)]
    return errors


def statement_refusals(payer: Payer, confirm_resend: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (payer.email or "").strip():
        errors["email"] = [str(_l("The payer %(name)s has no email address: add it to the payer, or print the "
                                  "statement and post it.", name=payer.name))]
    if not errors and not confirm_resend:
        today = today_in_london().strftime("%d/%m/%Y")
        earlier = [e for e in statement_emails(payer.id) if _london_date(e.requested_at) == today]
        if earlier:
            errors["confirm_resend"] = [_already(earlier)]
    return errors


# ---------------------------------------------------------------------------------------------
# Asking (in the request): checks now, the work in a job


def request_invoice_email(invoice_id: int, user, confirm_resend: bool = False) -> jobs.Job:
    invoice = get(Invoice, invoice_id, "invoice")
    errors = invoice_refusals(invoice, confirm_resend)
    if errors:
        raise DomainError(errors)
    return jobs.enqueue(email_invoice_job, invoice.id, user.id, bool(confirm_resend),
                        job_id=f"billing-email-invoice:{invoice.id}",
                        description=f"{_l('Email')}: {invoice} → {invoice.payer.email}"[:300],
                        user_id=user.id, home_id=invoice.home_id)


def request_statement_email(payer_id: int, user, confirm_resend: bool = False) -> jobs.Job:
    payer = get(Payer, payer_id, "payer")
    errors = statement_refusals(payer, confirm_resend)
    if errors:
        raise DomainError(errors)
    return jobs.enqueue(email_statement_job, payer.id, user.id, bool(confirm_resend),
                        job_id=f"billing-email-statement:{payer.id}",
                        description=f"{_l('Email')}: {_l('Statement of account')} → {payer.email}"[:300],
                        user_id=user.id, home_id=payer.home_id)


def run_deliveries(run_id: int) -> dict:
    """A run's issued invoices by how they reach the payer: by email (with what was sent already),
    and to print and post (payers who take invoices by post, or with no email address)."""
    invoices = list(db.session.scalars(
        select(Invoice).join(Payer, Payer.id == Invoice.payer_id)
        .where(Invoice.run_id == run_id, Invoice.status == InvoiceStatus.issued)
        .options(selectinload(Invoice.payer)).order_by(Invoice.sequence, Invoice.id)))
    sent = emails_of_invoices([i.id for i in invoices])
    by_email, by_post = [], []
    for invoice in invoices:
        if invoice.payer.delivery == Delivery.email and (invoice.payer.email or "").strip():
            by_email.append((invoice, sent[invoice.id]))
        else:
            by_post.append(invoice)
    return {"email": by_email, "post": by_post,
            "unsent": [i for i, emails in by_email if not emails],
            "sent": [i for i, emails in by_email if emails]}


def request_run_email(run_id: int, user, confirm_resend: bool = False) -> tuple[jobs.Job, dict]:
    """Email every issued invoice of the run whose payer takes them by email (those already emailed
    only when confirmed). Returns the job and the run's deliveries."""
    run = get(InvoiceRun, run_id, "invoice run")
    found = run_deliveries(run.id)
    if not found["email"]:
        raise DomainError({"delivery": [str(_l("No issued invoice of this run goes by email: issue them first, "
                                               "or print the ones to post."))]})
    if not found["unsent"] and not confirm_resend:
        raise DomainError({"confirm_resend": [str(_l(
            "All %(n)s invoices of this run that go by email were already emailed. Tick \"Send again\" to send "
            "them once more.", n=len(found["sent"])))]})
    what = _l("Email invoices")
    job = jobs.enqueue(email_run_job, run.id, user.id, bool(confirm_resend), job_id=f"billing-email-run:{run.id}",
                       description=f"{what}: {run}"[:300], user_id=user.id, home_id=run.home_id)
    return job, found


# ---------------------------------------------------------------------------------------------
# Sending (in the worker)


def _locked_invoice(invoice_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update()
                             .execution_options(populate_existing=True))


def _texts(invoice: Invoice) -> tuple[str, str]:
    home, payer = invoice.home, invoice.payer
    contact = ", ".join(p for p in (home.phone, home.email) if p)
    greeting = str(_l("Dear %(name)s,", name=payer.contact_name or payer.name))
    if invoice.type == InvoiceType.credit_note:
        subject = str(_l("Credit note %(number)s from %(home)s", number=invoice.number, home=home.name))
        what = str(_l("Please find attached credit note %(number)s of %(total)s, which credits invoice %(credited)s.",
                      number=invoice.number, total=f"£{-invoice.total:,.2f}",
                      credited=invoice.credits_invoice.number if invoice.credits_invoice else ""))
    else:
        subject = str(_l("Invoice %(number)s from %(home)s", number=invoice.number, home=home.name))
        what = str(_l("Please find attached invoice %(number)s for %(start)s to %(end)s: %(total)s, due by %(due)s.",
                      number=invoice.number, start=_date(invoice.period_start), end=_date(invoice.period_end),
                      total=f"£{invoice.total:,.2f}", due=_date(invoice.due_on)))
    ask = str(_l("If you have any question about it, please contact %(home)s%(contact)s.", home=home.name,
                 contact=f" ({contact})" if contact else ""))
    return subject, "\n\n".join([greeting, what, ask, home.name])


def _send_invoice(invoice: Invoice, user, confirm_resend: bool) -> DocumentEmail | None:
    """Render, write the outbox row and the record. None when it was sent already and not confirmed."""
    from app.billing.jobs import invoice_document, invoice_file_name
    from app.documents.jobs import display_name
    from reports.invoice import render_invoice_pdf

    errors = invoice_refusals(invoice, confirm_resend)
    if "confirm_resend" in errors:
        return None
    if errors:
        raise JobError(" ".join(m for messages in errors.values() for m in messages))
    pdf = render_invoice_pdf(invoice_document(invoice, display_name(user)))
    subject, body = _texts(invoice)
    to = invoice.payer.email.strip()
    row = email_address(to, KIND, subject, body, attachment=(invoice_file_name(invoice), pdf, PDF),
                        home_id=invoice.home_id, description=f"{_l('Email')}: {invoice} → {to}")
    record = DocumentEmail(home_id=invoice.home_id, payer_id=invoice.payer_id, invoice_id=invoice.id,
                           document=_document(invoice), to_address=to, outbox_id=row.id,
                           requested_by_id=user.id)
    db.session.add(record)
    db.session.flush()
    return record


def email_invoice_job(invoice_id: int, user_id: int, confirm_resend: bool = False) -> None:
    from app.billing.jobs import _printable
    from app.documents.jobs import _user

    user = _user(user_id)
    _printable(invoice_id, user)
    invoice = _locked_invoice(invoice_id)
    set_progress(30)
    if _send_invoice(invoice, user, confirm_resend) is None:
        raise JobError(_already(emails_of_invoices([invoice.id])[invoice.id]))


def email_statement_job(payer_id: int, user_id: int, confirm_resend: bool = False) -> None:
    from app.billing.jobs import statement_pdf
    from app.documents.jobs import _user, secure_name

    user = _user(user_id)
    payer = db.session.scalar(select(Payer).where(Payer.id == payer_id).with_for_update())
    from app.tenancy import allowed_home_ids

    if payer is None or payer.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This payer no longer exists or is in a home you do not work in.")))
    errors = statement_refusals(payer, confirm_resend)
    if errors:
        raise JobError(" ".join(m for messages in errors.values() for m in messages))
    set_progress(30)
    pdf, as_of = statement_pdf(payer, user)
    home = payer.home
    subject = str(_l("Statement of account from %(home)s", home=home.name))
    contact = ", ".join(p for p in (home.phone, home.email) if p)
    body = "\n\n".join([
        str(_l("Dear %(name)s,", name=payer.contact_name or payer.name)),
        str(_l("Please find attached your statement of account on %(on)s.", on=_date(as_of))),
        str(_l("If you have any question about it, please contact %(home)s%(contact)s.", home=home.name,
               contact=f" ({contact})" if contact else "")),
        home.name])
    to = payer.email.strip()
    row = email_address(to, KIND, subject, body, home_id=payer.home_id,
                        attachment=(f"statement-{secure_name(payer.name)}-{as_of}.pdf", pdf, PDF),
                        description=f"{_l('Email')}: {_l('Statement of account')} → {to}")
    db.session.add(DocumentEmail(home_id=payer.home_id, payer_id=payer.id, document=EmailedDocument.statement,
                                 to_address=to, outbox_id=row.id, requested_by_id=user.id))
    db.session.flush()


def email_run_job(run_id: int, user_id: int, confirm_resend: bool = False) -> dict:
    """Email each issued invoice of a run whose payer takes invoices by email, with progress."""
    from app.documents.jobs import _user
    from app.tenancy import allowed_home_ids

    user = _user(user_id)
    run = db.session.get(InvoiceRun, run_id)
    if run is None or run.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This invoice run no longer exists or is in a home you do not work in.")))
    found = run_deliveries(run.id)
    wanted = [invoice for invoice, _emails in found["email"]]
    sent, skipped = 0, 0
    for done, invoice in enumerate(wanted, start=1):
        invoice = _locked_invoice(invoice.id)
        if _send_invoice(invoice, user, confirm_resend) is None:
            skipped += 1
        else:
            sent += 1
        set_progress(done, len(wanted) + 1)
    return {"sent": sent, "already_sent": skipped, "to_post": [i.id for i in found["post"]]}
