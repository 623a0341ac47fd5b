"""Billing pages: run a home's invoices for a month (a job with progress and a summary), check a run's
invoices, approve and issue them, print them, credit an issued invoice, record a payment, close a
month, download the accounting export, and see aged debt as a chart. Works without JavaScript."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing import payments, runs, services
from app.billing.models import Invoice, InvoiceRun, InvoiceStatus, InvoiceType, Payer, PaymentMethod
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.jobs import JobError
from app.residents.common import flash_domain_error
from app.residents.services import today_in_london
from app.tenancy import acting_user, current_scope

DOCUMENTS = "Documents and jobs"


def _can(permission: str, resource: str) -> bool:
    return current_app.appbuilder.sm.has_access(permission, resource)


def _need(resource: str) -> None:
    if not _can("can_write", resource):
        abort(403)


def _homes():
    from app.homes.models import CareHome

    return list(db.session.scalars(select(CareHome).order_by(CareHome.name)))


def _home_id(value) -> int:
    scope = current_scope()
    home_id = int(value) if isinstance(value, str) and value.isdigit() and valid_int_id(int(value)) else None
    if home_id is None or (scope is not None and home_id not in scope):
        abort(404)
    return home_id


def _row(model, pk):
    row = db.session.scalar(select(model).where(model.id == pk)) if valid_int_id(pk) else None
    if row is None:
        abort(404)
    return row


def _commit(action, success: str | None = None) -> bool:
    try:
        action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return False
    if success:
        flash(success, "success")
    return True


def _stays_without_agreement(limit: int = 50):
    from app.billing.models import AgreementStatus, FeeAgreement
    from app.residents.models import Stay, StayStatus

    agreed = select(FeeAgreement.stay_id).where(FeeAgreement.status == AgreementStatus.active)
    return list(db.session.scalars(select(Stay).where(Stay.status != StayStatus.ended, Stay.id.not_in(agreed))
                                   .order_by(Stay.admitted_at.desc()).limit(limit)))


def _recent_agreements(limit: int = 30):
    from app.billing.models import AgreementStatus, FeeAgreement

    return list(db.session.scalars(select(FeeAgreement).where(FeeAgreement.status == AgreementStatus.active)
                                   .order_by(FeeAgreement.created_at.desc()).limit(limit)))


def _last_month() -> str:
    first = today_in_london().replace(day=1)
    return first.strftime("%Y-%m")


class BillingPagesView(BaseView):
    route_base = "/billing"
    class_permission_name = "Billing"
    method_permission_name = {
        "index": "read", "run": "read", "run_show": "read", "run_action": "read", "invoice": "read",
        "invoice_action": "read", "payment": "read", "close": "read", "export": "read", "statement": "read",
        "statement_email": "read", "bank": "read", "bank_confirm": "read",
    }
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope = current_scope()
        query = select(InvoiceRun).order_by(InvoiceRun.created_at.desc()).limit(30)
        if scope is not None:
            query = query.where(InvoiceRun.home_id.in_(scope))
        return self.render_template(
            "billing/index.html", runs=list(db.session.scalars(query)), homes=_homes(), month=_last_month(),
            can_run=_can("can_write", "Invoice runs"), can_pay=_can("can_write", "Payments"),
            can_agree=_can("can_write", "Fee agreements"), can_payer=_can("can_write", "Billing payers"),
            can_extra=_can("can_write", "Extras"), unagreed=_stays_without_agreement(),
            agreements=_recent_agreements(), title=_l("Billing"))

    @expose("/run", methods=["POST"])
    @has_access
    def run(self):
        """Ask for the run as a job; it shows with its progress on the documents and jobs page."""
        from app.billing.jobs import request_run

        _need("Invoice runs")
        home_id = _home_id(request.form.get("home_id", ""))
        month = request.form.get("month", "")[:7]
        try:
            request_run(home_id, month, acting_user())
            db.session.commit()
        except (DomainError, JobError) as error:
            db.session.rollback()
            flash_domain_error(error) if isinstance(error, DomainError) else flash(error.message, "danger")
            return redirect(url_for("BillingPagesView.index"))
        latest = db.session.scalar(select(InvoiceRun).where(InvoiceRun.home_id == home_id)
                                   .order_by(InvoiceRun.id.desc()).limit(1))
        if latest is not None and latest.period_start.strftime("%Y-%m") == month:
            flash(str(_l("Invoice run done: %(n)s invoices created, %(s)s stays skipped, total £%(t)s.",
                         n=latest.invoices_created, s=len(latest.summary.get("skipped", [])), t=latest.total)),
                  "success")
            return redirect(url_for("BillingPagesView.run_show", pk=latest.id))
        flash(str(_l("The invoice run has started; its progress shows below.")), "info")
        return redirect(url_for("DocumentsView.list"))

    @expose("/run/<int:pk>/")
    @has_access
    def run_show(self, pk):
        from app.billing.emails import emails_of_invoices, run_deliveries
        from app.jobs import Job

        run = _row(InvoiceRun, pk)
        invoices = list(db.session.scalars(
            select(Invoice).join(Payer, Payer.id == Invoice.payer_id).where(Invoice.run_id == run.id)
            .options(selectinload(Invoice.lines)).order_by(Payer.name, Invoice.id)))
        emailing = db.session.scalar(select(Job).where(Job.active_key == f"billing-email-run:{run.id}"))
        return self.render_template(
            "billing/run.html", run=run, invoices=invoices, can_issue=_can("can_write", "Invoices"),
            can_print=_can("can_write", DOCUMENTS), deliveries=run_deliveries(run.id),
            emails=emails_of_invoices([i.id for i in invoices]), emailing=emailing, title=_l("Invoice run"))

    @expose("/run/<int:pk>/<action>", methods=["POST"])
    @has_access
    def run_action(self, pk, action):
        run = _row(InvoiceRun, pk)
        user = acting_user()
        if action == "approve":
            _need("Invoices")
            _commit(lambda: runs.approve_run(run.id, user), str(_l("Draft invoices approved.")))
        elif action == "issue":
            _need("Invoices")
            _commit(lambda: runs.issue_approved(run.home_id, run.id, user), str(_l("Approved invoices issued.")))
        elif action == "print":
            return self._print("run", run.id)
        elif action == "print-post":
            return self._print("run-post", run.id)
        elif action == "email":
            from app.billing.emails import request_run_email

            _need("Invoices")
            holder = {}

            def email():
                holder["job"], holder["found"] = request_run_email(
                    run.id, user, request.form.get("confirm_resend") == "y")
            if _commit(email):
                found = holder["found"]
                n = len(found["email"]) if request.form.get("confirm_resend") == "y" else len(found["unsent"])
                flash(str(_l("Emailing %(n)s invoices to the payers who take them by email; each one's status "
                             "shows below. %(post)s to print and post.", n=n, post=len(found["post"]))), "info")
        else:
            abort(404)
        return redirect(url_for("BillingPagesView.run_show", pk=run.id))

    @expose("/invoice/<int:pk>/")
    @has_access
    def invoice(self, pk):
        from app.billing.emails import emails_of_invoices, statement_emails

        invoice = _row(Invoice, pk)
        credits = list(db.session.scalars(select(Invoice).where(Invoice.credits_invoice_id == invoice.id)))
        outstanding = payments.outstanding_by_invoice([invoice.payer_id]).get(invoice.id)
        return self.render_template(
            "billing/invoice.html", invoice=invoice, credits=credits, outstanding=outstanding,
            can_issue=_can("can_write", "Invoices"), can_print=_can("can_write", DOCUMENTS),
            can_pay=_can("can_write", "Payments"), InvoiceStatus=InvoiceStatus, InvoiceType=InvoiceType,
            emails=emails_of_invoices([invoice.id])[invoice.id], statements=statement_emails(invoice.payer_id),
            title=str(invoice))

    @expose("/invoice/<int:pk>/<action>", methods=["POST"])
    @has_access
    def invoice_action(self, pk, action):
        invoice = _row(Invoice, pk)
        user = acting_user()
        if action == "print":
            return self._print("invoice", invoice.id)
        _need("Invoices")
        if action == "email":
            from app.billing.emails import request_invoice_email

            _commit(lambda: request_invoice_email(invoice.id, user, request.form.get("confirm_resend") == "y"),
                    str(_l("The %(what)s is being emailed to %(to)s; its status shows below.",
                           what=runs._kind_word(invoice), to=invoice.payer.email or "")))
        elif action == "approve":
            _commit(lambda: runs.approve_invoice(invoice.id, user), str(_l("Invoice approved.")))
        elif action == "issue":
            _commit(lambda: runs.issue_invoice(invoice.id, user), str(_l("Invoice issued.")))
        elif action == "credit":
            chosen = [int(x) for x in request.form.getlist("line_ids") if x.isdigit()]
            holder = {}

            def credit():
                holder["note"] = runs.create_credit_note(invoice.id, chosen or None,
                                                         request.form.get("reason", "")[:2000], user)
            if _commit(credit, str(_l("Credit note issued."))):
                return redirect(url_for("BillingPagesView.invoice", pk=holder["note"].id))
        else:
            abort(404)
        return redirect(url_for("BillingPagesView.invoice", pk=invoice.id))

    def _print(self, kind: str, record_id: int):
        from app.billing.jobs import request_document

        _need(DOCUMENTS)
        try:
            request_document(kind, record_id, acting_user())
        except LookupError:
            abort(404)
        except JobError as error:
            flash(error.message, "danger")
            return redirect(url_for("DocumentsView.list"))
        db.session.commit()
        flash(str(_l("Your document is being prepared; it will appear below.")), "info")
        return redirect(url_for("DocumentsView.list"))

    @expose("/payer/<int:pk>/statement", methods=["POST"])
    @has_access
    def statement(self, pk):
        payer = _row(Payer, pk)
        return self._print("statement", payer.id)

    @expose("/payer/<int:pk>/statement/email", methods=["POST"])
    @has_access
    def statement_email(self, pk):
        """Email the payer's statement of account (back to the invoice the button was on)."""
        from app.billing.emails import request_statement_email

        payer = _row(Payer, pk)
        _need("Invoices")
        _commit(lambda: request_statement_email(payer.id, acting_user(), request.form.get("confirm_resend") == "y"),
                str(_l("The statement is being emailed to %(to)s.", to=payer.email or "")))
        back = request.form.get("invoice_id", "")
        if back.isdigit() and valid_int_id(int(back)):
            return redirect(url_for("BillingPagesView.invoice", pk=int(back)))
        return redirect(url_for("PayerView.show", pk=payer.id))

    @expose("/payment", methods=["GET", "POST"])
    @has_access
    def payment(self):
        _need("Payments")
        payers = list(db.session.scalars(select(Payer).order_by(Payer.name)))
        values = request.form.to_dict() if request.method == "POST" else {
            "payer_id": request.args.get("payer_id", ""), "received_on": today_in_london().isoformat(),
            "amount": request.args.get("amount", ""), "method": "bank_transfer"}
        if request.method == "POST":
            body = {**values, "payer_id": values.get("payer_id") or None,
                    "allocate": "oldest", "confirm_credit": values.get("confirm_credit") == "y"}
            holder = {}

            def record():
                holder["payment"] = payments.record_payment(body, acting_user())
            if _commit(record, str(_l("Payment recorded."))):
                payment = holder["payment"]
                if payment.allocations:
                    return redirect(url_for("BillingPagesView.invoice", pk=payment.allocations[0].invoice_id))
                return redirect(url_for("BillingPagesView.index"))
        return self.render_template("billing/payment.html", payers=payers, values=values,
                                    methods=list(PaymentMethod), title=_l("Record a payment")), \
            (422 if request.method == "POST" else 200)

    @expose("/bank", methods=["GET", "POST"])
    @has_access
    def bank(self):
        """Import a bank statement CSV (date, amount, reference) and confirm the suggested matches."""
        from app.billing.models import BankLineStatus, BankStatementLine

        _need("Payments")
        if request.method == "POST":
            home_id = _home_id(request.form.get("home_id", ""))
            upload = request.files.get("file")
            text = upload.read(2_000_000).decode("utf-8-sig", errors="replace") if upload else \
                request.form.get("csv", "")
            holder = {}

            def do_import():
                holder["lines"] = payments.import_bank_statement(home_id, text)
            if _commit(do_import):
                flash(str(_l("%(n)s receipts imported.", n=len(holder["lines"]))), "success")
            return redirect(url_for("BillingPagesView.bank"))
        lines = list(db.session.scalars(select(BankStatementLine).where(
            BankStatementLine.status == BankLineStatus.unmatched).order_by(BankStatementLine.on).limit(200)))
        return self.render_template("billing/bank.html", lines=lines, homes=_homes(), title=_l("Bank statement"))

    @expose("/bank/<int:pk>/confirm", methods=["POST"])
    @has_access
    def bank_confirm(self, pk):
        from app.billing.models import BankStatementLine

        _need("Payments")
        line = _row(BankStatementLine, pk)
        payer_id = request.form.get("payer_id", "")
        _commit(lambda: payments.confirm_bank_line(
            line.id, int(payer_id) if payer_id.isdigit() else None, request.form.get("confirm_credit") == "y",
            acting_user()), str(_l("Payment recorded from the bank statement.")))
        return redirect(url_for("BillingPagesView.bank"))

    @expose("/close", methods=["POST"])
    @has_access
    def close(self):
        _need("Invoice runs")
        home_id = _home_id(request.form.get("home_id", ""))

        def close():
            start, end = services.month_period(request.form.get("month", "")[:7])
            services.close_period(home_id, start, end, acting_user())
        _commit(close, str(_l("Period closed; the next one is open as before.")))
        return redirect(url_for("BillingPagesView.index"))

    @expose("/export")
    @has_access
    def export(self):
        """?home_id=&month=YYYY-MM&format=xero|xero-credit-notes|sage: the month's CSV to download."""
        from app.billing import export as csv_export
        from app.billing.jobs import export_rows

        _need("Invoice runs")
        home_id = _home_id(request.args.get("home_id", ""))
        try:
            start, end = services.month_period(request.args.get("month", "")[:7])
        except DomainError as error:
            flash_domain_error(error)
            return redirect(url_for("BillingPagesView.index"))
        rows = export_rows(home_id, start, end)
        kind = request.args.get("format", "xero")
        try:
            if kind == "sage":
                name, media, body = f"sage-{start:%Y-%m}-home-{home_id}.csv", "text/csv", \
                    csv_export.sage_audit_trail_csv(rows["sage"]).encode("utf-8")
            else:
                # Xero takes at most 500 documents a file: more come as a ZIP of files, none left out.
                credit_notes = kind == "xero-credit-notes"
                stem = f"{'xero-credit-notes' if credit_notes else 'xero'}-{start:%Y-%m}-home-{home_id}"
                name, media, body = csv_export.xero_download(
                    rows["xero_credit_notes" if credit_notes else "xero_invoices"], stem, credit_notes=credit_notes)
        except csv_export.ExportError as error:
            flash(str(error), "danger")
            return redirect(url_for("BillingPagesView.index"))
        return Response(body, mimetype=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class AgedDebtView(BaseView):
    route_base = "/billing/aged-debt"
    class_permission_name = "Aged debt"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        homes = _homes()
        chosen = request.args.get("home_id", "")
        home_id = _home_id(chosen) if chosen else (homes[0].id if homes else None)
        found = payments.aged_debt(home_id) if home_id is not None else None
        return self.render_template("billing/aged_debt.html", homes=homes, home_id=home_id, found=found,
                                    chart=aged_chart(found) if found else None, buckets=payments.BUCKETS,
                                    title=_l("Aged debt"))


def aged_chart(found: dict) -> dict:
    """Bars of the home's debt per age band, as numbers for an inline SVG."""
    width, height, pad = 520, 200, 30
    values = [found["totals"][b] for b in payments.BUCKETS]
    top = max(values + [Decimal("1")])
    slot = (width - 2 * pad) / len(values)
    bars = []
    for i, (name, value) in enumerate(zip(payments.BUCKETS, values)):
        h = float((height - 2 * pad) * value / top)
        bars.append({"x": round(pad + i * slot + slot * 0.15, 1), "y": round(height - pad - h, 1),
                     "w": round(slot * 0.7, 1), "h": round(h, 1), "label": name, "value": f"£{value:,.2f}",
                     "danger": name in ("61-90", "over 90")})
    return {"width": width, "height": height, "pad": pad, "bars": bars}


def month_choices(today: dt.date | None = None) -> list[str]:
    today = today or today_in_london()
    first = today.replace(day=1)
    months = []
    for _ in range(6):
        months.append(first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months


# ---------------------------------------------------------------------------------------------
# Forms: payers, extras and fee agreements (each through its service; a refused form comes back
# with what was typed and the reasons beside the fields)

SHARE_ROWS = 4
# Why a council funding residents in two homes is two payers (see the README's billing section).
PAYER_PER_HOME = _l(
    "A payer belongs to one home. A council or NHS body is one payer for all the residents it funds in that "
    "home; if it also funds residents in another home, add it there too: each home invoices it under its own "
    "invoice numbers and account codes. Give both the same account reference, so your accounting package sees "
    "one customer.")


def _choices(enum_cls) -> list[tuple[str, str]]:
    from app import labels

    return [(m.value, labels.label(m)) for m in enum_cls]


def _share_rows(form) -> list[dict]:
    rows = []
    for i in range(SHARE_ROWS):
        payer_id = form.get(f"share-{i}-payer_id", "")
        if not payer_id:
            continue
        rows.append({"payer_id": int(payer_id) if payer_id.isdigit() else payer_id,
                     "basis": form.get(f"share-{i}-basis", ""), "weekly_amount": form.get(f"share-{i}-weekly_amount"),
                     "fnc_rate": form.get(f"share-{i}-fnc_rate") or None, "label": form.get(f"share-{i}-label")})
    return rows


class BillingFormsView(BaseView):
    route_base = "/billing/forms"
    class_permission_name = "Billing"
    method_permission_name = {"payer": "read", "extra": "read", "agreement": "read", "version": "read"}

    def _page(self, title, fields, values, errors=None, shares=None, payers=None, status=200, intro=None):
        from app.billing.models import FncRateName, ShareBasis

        return self.render_template(
            "billing/form.html", title=title, fields=fields, values=values, errors=errors or {},
            shares=shares, payers=payers or [], bases=_choices(ShareBasis), rates=_choices(FncRateName),
            share_rows=SHARE_ROWS, intro=intro), status

    def _save(self, action, values, redirect_to, page):
        try:
            row = action()
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
            return page(values, error.errors, 422)
        flash(str(_l("Saved.")), "success")
        return redirect(redirect_to(row))

    @expose("/payer", methods=["GET", "POST"])
    @has_access
    def payer(self):
        from app.billing.models import Cycle, Delivery, PayerKind, Timing
        from app.residents.models import Resident

        _need("Billing payers")
        residents = [(str(r.id), f"{r.full_name} ({r.home.name})") for r in db.session.scalars(
            select(Resident).where(Resident.voided_at.is_(None)).order_by(Resident.last_name).limit(2000))]
        fields = [("home_id", _l("Home (for a council or NHS body)"), "select",
                   [("", "")] + [(str(h.id), h.name) for h in _homes()]),
                  ("name", _l("Name"), "text", None), ("kind", _l("Type"), "select", _choices(PayerKind)),
                  ("resident_id", _l("Resident (for a resident or third party)"), "select", [("", "")] + residents),
                  ("contact_name", _l("Contact"), "text", None), ("email", _l("Email"), "text", None),
                  ("phone", _l("Phone"), "text", None), ("address", _l("Address"), "textarea", None),
                  ("postcode", _l("Postcode"), "text", None),
                  ("delivery", _l("Invoices by"), "select", _choices(Delivery)),
                  ("payment_terms_days", _l("Payment terms (days)"), "text", None),
                  ("cycle", _l("Billing period"), "select", _choices(Cycle)),
                  ("timing", _l("Billed"), "select", _choices(Timing)),
                  ("account_reference", _l("Account reference"), "text", None)]

        def page(values, errors=None, status=200):
            return self._page(_l("New payer"), fields, values, errors, status=status, intro=PAYER_PER_HOME)
        if request.method == "GET":
            return page({"payment_terms_days": "28"})
        values = request.form.to_dict()
        home = values.get("home_id")
        return self._save(
            lambda: services.save_payer(values, home_id=_home_id(home) if home else None), values,
            lambda row: url_for("PayerView.show", pk=row.id), page)

    @expose("/extra", methods=["GET", "POST"])
    @has_access
    def extra(self):
        from app.residents.models import Resident

        _need("Extras")
        residents = [(str(r.id), f"{r.full_name} ({r.home.name})") for r in db.session.scalars(
            select(Resident).where(Resident.voided_at.is_(None)).order_by(Resident.last_name).limit(2000))]
        payers = [(str(p.id), f"{p.name} ({p.home.name})")
                  for p in db.session.scalars(select(Payer).order_by(Payer.name))]
        fields = [("resident_id", _l("Resident"), "select", residents), ("payer_id", _l("Payer"), "select", payers),
                  ("on", _l("Date"), "date", None), ("description", _l("Description"), "text", None),
                  ("quantity", _l("Quantity"), "text", None), ("unit_price", _l("Unit price (£)"), "text", None),
                  ("tax_code", _l("Tax code"), "text", None)]

        def page(values, errors=None, status=200):
            return self._page(_l("New extra"), fields, values, errors, status=status)
        if request.method == "GET":
            return page({"quantity": "1", "tax_code": "exempt", "on": today_in_london().isoformat(),
                         "resident_id": request.args.get("resident_id", "")})
        values = request.form.to_dict()
        return self._save(lambda: services.record_extra(values), values,
                          lambda row: url_for("ExtraView.show", pk=row.id), page)

    def _agreement_fields(self, new: bool):
        from app.billing.models import HospitalCharge, Placement

        fields = [("effective_from", _l("From"), "date", None), ("weekly_fee", _l("Weekly fee (£)"), "text", None),
                  ("reason", _l("Reason for the change"), "text", None)]
        if new:
            fields = [("placement", _l("Placement"), "select", _choices(Placement))] + fields[:2] + [
                ("fees_after_death_days", _l("Fees after death (days)"), "text", None),
                ("hospital_charge", _l("Hospital absence"), "select", _choices(HospitalCharge)),
                ("hospital_percent", _l("Hospital percentage"), "text", None),
                ("hospital_after_days", _l("After (days)"), "text", None),
                ("deposit", _l("Deposit (£)"), "text", None)]
        return fields

    @expose("/agreement/<int:stay_id>", methods=["GET", "POST"])
    @has_access
    def agreement(self, stay_id):
        from app.residents.models import Stay

        _need("Fee agreements")
        stay = _row(Stay, stay_id)
        payers = list(db.session.scalars(select(Payer).where(Payer.home_id == stay.home_id).order_by(Payer.name)))
        fields = self._agreement_fields(True)

        def page(values, errors=None, status=200):
            return self._page(_l("Fee agreement: %(name)s", name=stay.resident.full_name), fields, values, errors,
                              shares=values, payers=payers, status=status)
        if request.method == "GET":
            return page({"effective_from": services.stay_start(stay).isoformat(), "fees_after_death_days": "0"})
        values = request.form.to_dict()
        body = {**values, "shares": _share_rows(request.form)}
        return self._save(lambda: services.create_agreement(stay.id, body), values,
                          lambda row: url_for("FeeAgreementView.show", pk=row.id), page)

    @expose("/agreement/<int:pk>/version", methods=["GET", "POST"])
    @has_access
    def version(self, pk):
        from app.billing.models import FeeAgreement

        _need("Fee agreements")
        deal = _row(FeeAgreement, pk)
        payers = list(db.session.scalars(select(Payer).where(Payer.home_id == deal.home_id).order_by(Payer.name)))
        fields = self._agreement_fields(False)

        def page(values, errors=None, status=200):
            return self._page(_l("New version of the fee agreement: %(name)s", name=deal.resident.full_name),
                              fields, values, errors, shares=values, payers=payers, status=status)
        if request.method == "GET":
            latest = deal.versions[-1] if deal.versions else None
            values = {"weekly_fee": f"{latest.weekly_fee:.2f}" if latest else ""}
            for i, share in enumerate(latest.shares if latest else []):
                values.update({f"share-{i}-payer_id": str(share.payer_id), f"share-{i}-basis": share.basis.value,
                               f"share-{i}-weekly_amount": f"{share.weekly_amount:.2f}" if share.weekly_amount else "",
                               f"share-{i}-fnc_rate": share.fnc_rate.value if share.fnc_rate else "",
                               f"share-{i}-label": share.label or ""})
            return page(values)
        values = request.form.to_dict()
        body = {**values, "shares": _share_rows(request.form)}
        return self._save(lambda: services.add_version(deal.id, body), values,
                          lambda row: url_for("FeeAgreementView.show", pk=deal.id), page)
