"""REST APIs under /api/v1/ for billing. Every model can be read; every change goes through the
services (POST endpoints below), which name the field of anything refused. Issued invoices are
read-only: they are corrected by credit notes."""

from __future__ import annotations

from decimal import Decimal

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.billing import emails, payments, runs, services
from app.billing.models import (
    AccountCode,
    Allocation,
    BankStatementLine,
    BillingPeriod,
    DocumentEmail,
    Extra,
    FeeAgreement,
    FeeAgreementVersion,
    FeeShare,
    FncRate,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    Payer,
    PayerReference,
    Payment,
)
from app.crud import READ_ONLY_API, CareModelApi
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.tenancy import acting_user, current_scope


def _home_in_scope(value) -> int:
    scope = current_scope()
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not valid_int_id(value) or (
            scope is not None and value not in scope):
        raise DomainError({"home_id": [str(_l("Choose a home you work in."))]})
    return value


def _confirmed(body: dict) -> bool:
    value = body.get("confirm_resend", False)
    if not isinstance(value, bool):
        raise DomainError({"confirm_resend": [str(_l("Give true or false."))]})
    return value


def email_json(row) -> dict:
    outbox = row.outbox
    return {"id": row.id, "document": row.document.value, "to": row.to_address,
            "requested_at": row.requested_at.isoformat(), "requested_by_id": row.requested_by_id,
            "status": row.status, "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "attempts": outbox.attempts if outbox is not None else 0,
            "last_error": outbox.last_error if outbox is not None else None}


def money_text(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


class BillingApi(CareModelApi):
    """Read-only by FAB's routes; changes through `_act` endpoints calling the services."""

    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}

    def _body(self):
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def _act(self, action, status: int = 200):
        body = self._body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        try:
            result = action(body)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            return self._domain_response(error)
        return self.response(status, **result)


class PayerApi(BillingApi):
    resource_name = "billing-payers"
    datamodel = SQLAInterface(Payer)
    class_permission_name = "Billing payers"
    method_permission_name = {**READ_ONLY_API, "create": "write", "reference": "write", "statement": "read"}
    include_route_methods = {"get", "get_list", "info", "create", "reference", "statement"}
    list_columns = show_columns = [
        "id", "home.id", "name", "kind", "resident.id", "contact_name", "email", "phone", "address", "postcode",
        "delivery", "payment_terms_days", "cycle", "timing", "account_reference", "active",
    ]
    order_columns = ["name", "kind"]
    search_columns = ["name", "kind", "home"]

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """Add a payer: {home_id, name, kind, resident_id, email, address, delivery, payment_terms_days,
        cycle, timing, account_reference, ...}."""
        def act(body):
            home_id = _home_in_scope(body.get("home_id")) if body.get("home_id") is not None else None
            payer = services.save_payer(body, home_id=home_id)
            return {"id": payer.id}
        return self._act(act, 201)

    @expose("/<int:pk>/reference", methods=["POST"])
    @protect()
    @safe
    def reference(self, pk):
        """An authority's or NHS body's reference for one resident: {resident_id, reference}."""
        def act(body):
            row = services.set_payer_reference(pk, body.get("resident_id"), body.get("reference"))
            return {"id": row.id}
        return self._act(act)

    @expose("/<int:pk>/statement", methods=["GET"])
    @protect()
    @safe
    def statement(self, pk):
        try:
            found = payments.statement(pk)
        except DomainError as error:
            return self._domain_response(error)
        return self.response(200, result={
            "payer_id": pk, "as_of": found["as_of"].isoformat(),
            "closing_balance": money_text(found["closing_balance"]),
            "aged": {k: money_text(v) for k, v in found["aged"].items()},
            "entries": [{"date": e["date"].isoformat(), "reference": e["reference"], "description": e["description"],
                         "debit": money_text(e["debit"]), "credit": money_text(e["credit"]),
                         "balance": money_text(e["balance"])} for e in found["entries"]],
        })


class PayerReferenceApi(BillingApi):
    resource_name = "billing-payer-references"
    datamodel = SQLAInterface(PayerReference)
    class_permission_name = "Billing payers"
    list_columns = show_columns = ["id", "home.id", "payer.id", "resident.id", "reference"]


class FeeAgreementApi(BillingApi):
    resource_name = "fee-agreements"
    datamodel = SQLAInterface(FeeAgreement)
    class_permission_name = "Fee agreements"
    method_permission_name = {**READ_ONLY_API, "create": "write", "add_version": "write", "end": "write"}
    include_route_methods = {"get", "get_list", "info", "create", "add_version", "end"}
    list_columns = show_columns = [
        "id", "home.id", "stay.id", "resident.id", "placement", "status", "ends_on", "fees_after_death_days",
        "hospital_charge", "hospital_percent", "hospital_after_days", "deposit", "notes", "created_at",
    ]
    order_columns = ["created_at", "status"]
    search_columns = ["status", "placement", "resident", "home"]

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """A fee agreement for a stay with its first version: {stay_id, placement, fees_after_death_days,
        hospital_charge, hospital_percent, hospital_after_days, deposit, effective_from, weekly_fee,
        shares: [{payer_id, basis: fixed|fnc|remainder, weekly_amount, fnc_rate, label}]}."""
        def act(body):
            agreement = services.create_agreement(body.get("stay_id"), body)
            return {"id": agreement.id, "version_id": agreement.versions[0].id}
        return self._act(act, 201)

    @expose("/<int:pk>/versions", methods=["POST"])
    @protect()
    @safe
    def add_version(self, pk):
        """A new dated version: {effective_from, weekly_fee, shares, reason}."""
        def act(body):
            version = services.add_version(pk, body)
            return {"id": version.id}
        return self._act(act, 201)

    @expose("/<int:pk>/end", methods=["POST"])
    @protect()
    @safe
    def end(self, pk):
        def act(body):
            agreement = services.end_agreement(pk, body.get("ends_on"))
            return {"id": agreement.id, "status": agreement.status.value}
        return self._act(act)


class FeeAgreementVersionApi(BillingApi):
    resource_name = "fee-agreement-versions"
    datamodel = SQLAInterface(FeeAgreementVersion)
    class_permission_name = "Fee agreements"
    list_columns = show_columns = ["id", "home.id", "agreement.id", "effective_from", "weekly_fee", "reason",
                                   "created_at"]


class FeeShareApi(BillingApi):
    resource_name = "fee-shares"
    datamodel = SQLAInterface(FeeShare)
    class_permission_name = "Fee agreements"
    list_columns = show_columns = ["id", "home.id", "version.id", "position", "payer.id", "basis", "weekly_amount",
                                   "fnc_rate", "label", "hospital_charge", "hospital_percent", "hospital_after_days"]


class FncRateApi(BillingApi):
    resource_name = "fnc-rates"
    datamodel = SQLAInterface(FncRate)
    class_permission_name = "Billing settings"
    method_permission_name = {**READ_ONLY_API, "create": "write"}
    include_route_methods = {"get", "get_list", "info", "create"}
    list_columns = show_columns = ["id", "rate", "effective_from", "weekly"]

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """{rate: standard|higher, effective_from, weekly}"""
        return self._act(lambda body: {"id": services.add_fnc_rate(body).id}, 201)


class ExtraApi(BillingApi):
    resource_name = "billing-extras"
    datamodel = SQLAInterface(Extra)
    class_permission_name = "Extras"
    method_permission_name = {**READ_ONLY_API, "create": "write"}
    include_route_methods = {"get", "get_list", "info", "create"}
    list_columns = show_columns = ["id", "home.id", "resident.id", "payer.id", "on", "description", "quantity",
                                   "unit_price", "tax_code", "billed", "created_at"]
    order_columns = ["on"]

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """{resident_id, payer_id, on, description, quantity, unit_price, tax_code}"""
        return self._act(lambda body: {"id": services.record_extra(body).id}, 201)


class BillingPeriodApi(BillingApi):
    resource_name = "billing-periods"
    datamodel = SQLAInterface(BillingPeriod)
    class_permission_name = "Invoice runs"
    method_permission_name = {**READ_ONLY_API, "close": "write"}
    include_route_methods = {"get", "get_list", "info", "close"}
    list_columns = show_columns = ["id", "home.id", "start_on", "end_on", "status", "closed_at"]

    @expose("/close", methods=["POST"])
    @protect()
    @safe
    def close(self):
        """Close a month: {home_id, month: "YYYY-MM"}."""
        def act(body):
            home_id = _home_in_scope(body.get("home_id"))
            start, end = services.month_period(body.get("month"))
            row = services.close_period(home_id, start, end, acting_user())
            return {"id": row.id, "status": row.status.value}
        return self._act(act)


def run_summary(run: InvoiceRun) -> dict:
    return {"id": run.id, "created": run.invoices_created, "skipped": run.summary.get("skipped", []),
            "total": money_text(run.total), "lines": run.lines_created}


class InvoiceRunApi(BillingApi):
    resource_name = "invoice-runs"
    datamodel = SQLAInterface(InvoiceRun)
    class_permission_name = "Invoice runs"
    method_permission_name = {**READ_ONLY_API, "create": "write", "approve": "write", "issue": "write",
                              "email": "write"}
    include_route_methods = {"get", "get_list", "info", "create", "approve", "issue", "email"}
    list_columns = show_columns = ["id", "home.id", "period_start", "period_end", "created_at", "invoices_created",
                                   "lines_created", "total", "summary"]
    order_columns = ["created_at", "period_start"]

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """Run a home's invoices for a month now: {home_id, month: "YYYY-MM"} → the summary."""
        def act(body):
            home_id = _home_in_scope(body.get("home_id"))
            return run_summary(runs.run_invoices(home_id, body.get("month"), acting_user()))
        return self._act(act, 201)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    def approve(self, pk):
        """Approve every draft invoice of the run."""
        def act(body):
            return {"approved": [i.id for i in runs.approve_run(pk, acting_user())]}
        return self._act(act)

    @expose("/<int:pk>/issue", methods=["POST"])
    @protect()
    @safe
    def issue(self, pk):
        """Issue (number) every approved invoice of the run: {issued_on} optional."""
        def act(body):
            run = services.get(InvoiceRun, pk, "invoice run")
            issued = runs.issue_approved(run.home_id, run.id, acting_user(), body.get("issued_on"))
            return {"issued": [{"id": i.id, "number": i.number} for i in issued]}
        return self._act(act)

    @expose("/<int:pk>/email", methods=["POST"])
    @protect()
    @safe
    def email(self, pk):
        """Email every issued invoice of the run whose payer takes invoices by email, as a job:
        {confirm_resend: true} sends again those already emailed. → the job and the invoices to post."""
        def act(body):
            job, found = emails.request_run_email(pk, acting_user(), _confirmed(body))
            return {"job_id": job.id, "to_email": [i.id for i, _e in found["email"]],
                    "already_emailed": [i.id for i in found["sent"]], "to_post": [i.id for i in found["post"]]}
        return self._act(act, 202)


class InvoiceApi(BillingApi):
    resource_name = "invoices"
    datamodel = SQLAInterface(Invoice)
    class_permission_name = "Invoices"
    method_permission_name = {**READ_ONLY_API, "approve": "write", "issue": "write", "credit": "write",
                              "aged_debt": "read", "email": "write", "statement_email": "write", "sent_emails": "read"}
    include_route_methods = {"get", "get_list", "info", "approve", "issue", "credit", "aged_debt", "email",
                             "statement_email", "sent_emails"}
    list_columns = show_columns = [
        "id", "home.id", "run.id", "payer.id", "payer.name", "resident.id", "type", "status", "number",
        "period_start", "period_end", "issued_on", "due_on", "total", "credits_invoice.id", "reason", "created_at",
    ]
    order_columns = ["created_at", "issued_on", "number", "status"]
    search_columns = ["status", "type", "number", "payer", "home", "period_start"]

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    def approve(self, pk):
        return self._act(lambda body: {"id": pk, "status": runs.approve_invoice(pk, acting_user()).status.value})

    @expose("/<int:pk>/issue", methods=["POST"])
    @protect()
    @safe
    def issue(self, pk):
        def act(body):
            invoice = runs.issue_invoice(pk, acting_user(), body.get("issued_on"))
            return {"id": pk, "number": invoice.number, "due_on": invoice.due_on.isoformat()}
        return self._act(act)

    @expose("/<int:pk>/credit", methods=["POST"])
    @protect()
    @safe
    def credit(self, pk):
        """A credit note reversing chosen lines exactly: {line_ids: [..] (all when left out), reason}."""
        def act(body):
            line_ids = body.get("line_ids")
            if line_ids is not None and not isinstance(line_ids, list):
                raise DomainError({"line_ids": [str(_l("Give a list of line ids."))]})
            note = runs.create_credit_note(pk, line_ids, body.get("reason") if isinstance(body.get("reason"), str)
                                           else None, acting_user())
            return {"id": note.id, "number": note.number, "total": money_text(note.total)}
        return self._act(act, 201)

    @expose("/<int:pk>/email", methods=["POST"])
    @protect()
    @safe
    def email(self, pk):
        """Email an issued invoice or credit note to its payer (PDF attached), as a job. Sending it a
        second time needs {confirm_resend: true}."""
        def act(body):
            job = emails.request_invoice_email(pk, acting_user(), _confirmed(body))
            return {"job_id": job.id}
        return self._act(act, 202)

    @expose("/<int:pk>/emails", methods=["GET"])
    @protect()
    @safe
    def sent_emails(self, pk):
        """What was emailed of this invoice: when, to whom, and the delivery's status."""
        invoice = db.session.scalar(select(Invoice).where(Invoice.id == pk)) if valid_int_id(pk) else None
        if invoice is None:
            return self.response_404()
        return self.response(200, result=[email_json(e) for e in emails.emails_of_invoices([pk])[pk]])

    @expose("/statement-email", methods=["POST"])
    @protect()
    @safe
    def statement_email(self):
        """Email a payer's statement of account: {payer_id, confirm_resend}."""
        def act(body):
            payer_id = body.get("payer_id")
            if not isinstance(payer_id, int) or isinstance(payer_id, bool):
                raise DomainError({"payer_id": [str(_l("Give the payer's id."))]})
            job = emails.request_statement_email(payer_id, acting_user(), _confirmed(body))
            return {"job_id": job.id}
        return self._act(act, 202)

    @expose("/aged-debt", methods=["GET"])
    @protect()
    @safe
    def aged_debt(self):
        """?home_id=: what each payer owes by age (current, 31-60, 61-90, over 90 days)."""
        try:
            home_id = _home_in_scope(request.args.get("home_id", ""))
        except DomainError as error:
            return self._domain_response(error)
        found = payments.aged_debt(home_id)
        return self.response(200, result={
            "as_of": found["as_of"].isoformat(), "total": money_text(found["total"]),
            "totals": {k: money_text(v) for k, v in found["totals"].items()},
            "payers": [{"payer_id": r["payer"].id, "payer": r["payer"].name, "total": money_text(r["total"]),
                        "buckets": {k: money_text(v) for k, v in r["buckets"].items()}} for r in found["payers"]],
        })


class InvoiceLineApi(BillingApi):
    resource_name = "invoice-lines"
    datamodel = SQLAInterface(InvoiceLine)
    class_permission_name = "Invoices"
    list_columns = show_columns = [
        "id", "home.id", "invoice.id", "stay_id", "resident.id", "line_type", "income_kind", "start_on", "end_on",
        "days", "weekly", "amount", "description", "extra_id", "credits_line_id",
    ]


class PaymentApi(BillingApi):
    resource_name = "billing-payments"
    datamodel = SQLAInterface(Payment)
    class_permission_name = "Payments"
    method_permission_name = {**READ_ONLY_API, "create": "write", "refund": "write", "allocate": "write"}
    include_route_methods = {"get", "get_list", "info", "create", "refund", "allocate"}
    list_columns = show_columns = ["id", "home.id", "payer.id", "kind", "method", "received_on", "amount",
                                   "reference", "credit_confirmed", "notes", "created_at"]
    order_columns = ["received_on", "created_at"]

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """{payer_id, amount, received_on, method, reference, allocate: "oldest" | "none" |
        [{invoice_id, amount}], confirm_credit}"""
        def act(body):
            payment = payments.record_payment(body, acting_user())
            return {"id": payment.id, "allocated": [{"invoice_id": a.invoice_id, "amount": money_text(a.amount)}
                                                    for a in payment.allocations],
                    "credit": money_text(payments.unallocated(payment))}
        return self._act(act, 201)

    @expose("/refund", methods=["POST"])
    @protect()
    @safe
    def refund(self):
        """{payer_id, amount, received_on, method, reference}: out of the credit held."""
        return self._act(lambda body: {"id": payments.record_refund(body, acting_user()).id}, 201)

    @expose("/<int:pk>/allocate", methods=["POST"])
    @protect()
    @safe
    def allocate(self, pk):
        """{allocate: "oldest" | [{invoice_id, amount}]}"""
        def act(body):
            payment = payments.allocate_payment(pk, body.get("allocate", "oldest"))
            return {"id": payment.id, "credit": money_text(payments.unallocated(payment))}
        return self._act(act)


class AllocationApi(BillingApi):
    resource_name = "billing-allocations"
    datamodel = SQLAInterface(Allocation)
    class_permission_name = "Payments"
    list_columns = show_columns = ["id", "home.id", "payment.id", "invoice.id", "amount", "created_at"]


class BankStatementLineApi(BillingApi):
    resource_name = "bank-statement-lines"
    datamodel = SQLAInterface(BankStatementLine)
    class_permission_name = "Payments"
    method_permission_name = {**READ_ONLY_API, "upload": "write", "confirm": "write"}
    include_route_methods = {"get", "get_list", "info", "upload", "confirm"}
    list_columns = show_columns = ["id", "home.id", "on", "amount", "reference", "status", "suggested_payer.id",
                                   "suggested_invoice.id", "payment.id", "imported_at"]

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    def upload(self):
        """{home_id, csv: "date,amount,reference\\n..."} → the lines with their suggested matches."""
        def act(body):
            home_id = _home_in_scope(body.get("home_id"))
            lines = payments.import_bank_statement(home_id, body.get("csv"))
            return {"lines": [{"id": x.id, "on": x.on.isoformat(), "amount": money_text(x.amount),
                               "reference": x.reference, "suggested_payer_id": x.suggested_payer_id,
                               "suggested_invoice_id": x.suggested_invoice_id} for x in lines]}
        return self._act(act, 201)

    @expose("/<int:pk>/confirm", methods=["POST"])
    @protect()
    @safe
    def confirm(self, pk):
        """Confirm the suggested match in one click: {payer_id (optional), confirm_credit}."""
        def act(body):
            payer_id = body.get("payer_id") if isinstance(body.get("payer_id"), int) else None
            payment = payments.confirm_bank_line(pk, payer_id, body.get("confirm_credit") is True, acting_user())
            return {"payment_id": payment.id}
        return self._act(act)


class AccountCodeApi(BillingApi):
    resource_name = "billing-account-codes"
    datamodel = SQLAInterface(AccountCode)
    class_permission_name = "Billing settings"
    list_columns = show_columns = ["id", "home.id", "income_kind", "account_code", "nominal_code", "xero_tax_type",
                                   "sage_tax_code"]


class DocumentEmailApi(BillingApi):
    resource_name = "billing-document-emails"
    datamodel = SQLAInterface(DocumentEmail)
    class_permission_name = "Invoices"
    list_columns = show_columns = ["id", "home.id", "payer.id", "invoice.id", "document", "to_address", "outbox.status",
                                   "outbox.sent_at", "outbox.last_error", "requested_at", "requested_by_id"]
    order_columns = ["requested_at"]


APIS = (PayerApi, PayerReferenceApi, FeeAgreementApi, FeeAgreementVersionApi, FeeShareApi, FncRateApi, ExtraApi,
        BillingPeriodApi, InvoiceRunApi, InvoiceApi, InvoiceLineApi, PaymentApi, AllocationApi,
        BankStatementLineApi, AccountCodeApi, DocumentEmailApi)
