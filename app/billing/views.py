"""Browser lists of every billing record (read-only: changes are made on the billing pages and through
the REST APIs, which call the services; issued invoices never change)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

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
from app.crud import READ_ONLY_VIEW, CareModelView

LABELS = {
    "home": _l("Home"), "name": _l("Name"), "kind": _l("Type"), "resident": _l("Resident"),
    "contact_name": _l("Contact"), "email": _l("Email"), "phone": _l("Phone"), "address": _l("Address"),
    "postcode": _l("Postcode"), "delivery": _l("Invoices by"), "payment_terms_days": _l("Payment terms (days)"),
    "cycle": _l("Billing period"), "timing": _l("Billed"), "account_reference": _l("Account reference"),
    "active": _l("Active"), "payer": _l("Payer"), "reference": _l("Reference"), "stay": _l("Stay"),
    "placement": _l("Placement"), "status": _l("Status"), "ends_on": _l("Ends on"),
    "fees_after_death_days": _l("Fees after death (days)"), "hospital_charge": _l("Hospital absence"),
    "hospital_percent": _l("Hospital percentage"), "hospital_after_days": _l("After (days)"),
    "deposit": _l("Deposit"), "notes": _l("Notes"), "created_at": _l("Created (UTC)"), "agreement": _l("Agreement"),
    "effective_from": _l("From"), "weekly_fee": _l("Weekly fee"), "reason": _l("Reason"), "version": _l("Version"),
    "position": _l("Order"), "basis": _l("Basis"), "weekly_amount": _l("Weekly amount"), "fnc_rate": _l("FNC rate"),
    "label": _l("Label"), "rate": _l("Rate"), "weekly": _l("Weekly"), "start_on": _l("From"), "end_on": _l("To"),
    "closed_at": _l("Closed (UTC)"), "period_start": _l("Period from"), "period_end": _l("Period to"),
    "invoices_created": _l("Invoices created"), "lines_created": _l("Lines created"), "total": _l("Total"),
    "type": _l("Type"), "number": _l("Number"), "issued_on": _l("Issued on"), "due_on": _l("Due on"),
    "credits_invoice": _l("Credits invoice"), "invoice": _l("Invoice"), "line_type": _l("Line"),
    "income_kind": _l("Income"), "days": _l("Days"), "amount": _l("Amount"), "description": _l("Description"),
    "on": _l("Date"), "quantity": _l("Quantity"), "unit_price": _l("Unit price"), "tax_code": _l("Tax code"),
    "billed": _l("Billed"), "method": _l("Method"), "received_on": _l("Received on"),
    "credit_confirmed": _l("Credit confirmed"), "payment": _l("Payment"), "suggested_payer": _l("Suggested payer"),
    "suggested_invoice": _l("Suggested invoice"), "imported_at": _l("Imported (UTC)"),
    "account_code": _l("Account code (Xero)"), "nominal_code": _l("Nominal code (Sage)"),
    "xero_tax_type": _l("Xero tax type"), "sage_tax_code": _l("Sage tax code"),
    "document": _l("Document"), "to_address": _l("To"), "requested_at": _l("Asked for (UTC)"),
    "sent_at": _l("Sent (UTC)"),
}


class BillingView(CareModelView):
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    label_columns = LABELS


class PayerView(BillingView):
    datamodel = SQLAInterface(Payer)
    class_permission_name = "Billing payers"
    list_title = show_title = _l("Payers")
    list_columns = ["name", "kind", "resident", "delivery", "payment_terms_days", "cycle", "timing", "home"]
    show_columns = ["home", "name", "kind", "resident", "contact_name", "email", "phone", "address", "postcode",
                    "delivery", "payment_terms_days", "cycle", "timing", "account_reference", "active"]
    search_columns = ["name", "kind", "home"]
    base_order = ("name", "asc")


class PayerReferenceView(BillingView):
    datamodel = SQLAInterface(PayerReference)
    class_permission_name = "Billing payers"
    list_title = show_title = _l("Payer references")
    list_columns = show_columns = ["payer", "resident", "reference", "home"]
    base_order = ("reference", "asc")


class FeeAgreementView(BillingView):
    datamodel = SQLAInterface(FeeAgreement)
    class_permission_name = "Fee agreements"
    list_title = show_title = _l("Fee agreements")
    list_columns = ["resident", "placement", "status", "ends_on", "fees_after_death_days", "hospital_charge", "home"]
    show_columns = ["home", "resident", "stay", "placement", "status", "ends_on", "fees_after_death_days",
                    "hospital_charge", "hospital_percent", "hospital_after_days", "deposit", "notes", "created_at"]
    search_columns = ["resident", "placement", "status", "home"]
    base_order = ("created_at", "desc")


class FeeAgreementVersionView(BillingView):
    datamodel = SQLAInterface(FeeAgreementVersion)
    class_permission_name = "Fee agreements"
    list_title = show_title = _l("Fee agreement versions")
    list_columns = show_columns = ["agreement", "effective_from", "weekly_fee", "reason", "home"]
    base_order = ("effective_from", "desc")


class FeeShareView(BillingView):
    datamodel = SQLAInterface(FeeShare)
    class_permission_name = "Fee agreements"
    list_title = show_title = _l("Fee shares")
    list_columns = show_columns = ["version", "position", "payer", "basis", "weekly_amount", "fnc_rate", "label",
                                   "hospital_charge", "home"]
    base_order = ("id", "desc")


class FncRateView(BillingView):
    datamodel = SQLAInterface(FncRate)
    class_permission_name = "Billing settings"
    list_title = show_title = _l("FNC rates")
    list_columns = show_columns = ["rate", "effective_from", "weekly"]
    base_order = ("effective_from", "desc")


class ExtraView(BillingView):
    datamodel = SQLAInterface(Extra)
    class_permission_name = "Extras"
    list_title = show_title = _l("Extras")
    list_columns = ["on", "resident", "description", "quantity", "unit_price", "payer", "billed", "home"]
    show_columns = ["home", "resident", "payer", "on", "description", "quantity", "unit_price", "tax_code", "billed",
                    "created_at"]
    search_columns = ["resident", "payer", "on", "billed", "home"]
    base_order = ("on", "desc")


class BillingPeriodView(BillingView):
    datamodel = SQLAInterface(BillingPeriod)
    class_permission_name = "Invoice runs"
    list_title = show_title = _l("Billing periods")
    list_columns = show_columns = ["start_on", "end_on", "status", "closed_at", "home"]
    base_order = ("start_on", "desc")


class InvoiceRunView(BillingView):
    datamodel = SQLAInterface(InvoiceRun)
    class_permission_name = "Invoice runs"
    list_title = show_title = _l("Invoice runs")
    list_columns = ["period_start", "period_end", "created_at", "invoices_created", "lines_created", "total", "home"]
    show_columns = ["home", "period_start", "period_end", "created_at", "invoices_created", "lines_created", "total"]
    base_order = ("created_at", "desc")


class InvoiceView(BillingView):
    datamodel = SQLAInterface(Invoice)
    class_permission_name = "Invoices"
    list_title = show_title = _l("Invoices and credit notes")
    list_columns = ["number", "type", "status", "payer", "resident", "period_start", "period_end", "total",
                    "due_on", "home"]
    show_columns = ["home", "number", "type", "status", "payer", "resident", "period_start", "period_end",
                    "issued_on", "due_on", "total", "credits_invoice", "reason", "created_at"]
    search_columns = ["number", "type", "status", "payer", "period_start", "home"]
    base_order = ("created_at", "desc")


class InvoiceLineView(BillingView):
    datamodel = SQLAInterface(InvoiceLine)
    class_permission_name = "Invoices"
    list_title = show_title = _l("Invoice lines")
    list_columns = show_columns = ["invoice", "resident", "line_type", "start_on", "end_on", "days", "weekly",
                                   "amount", "description", "home"]
    base_order = ("id", "desc")


class PaymentView(BillingView):
    datamodel = SQLAInterface(Payment)
    class_permission_name = "Payments"
    list_title = show_title = _l("Payments and refunds")
    list_columns = ["received_on", "payer", "kind", "method", "amount", "reference", "home"]
    show_columns = ["home", "payer", "kind", "method", "received_on", "amount", "reference", "credit_confirmed",
                    "notes", "created_at"]
    search_columns = ["payer", "kind", "method", "received_on", "home"]
    base_order = ("received_on", "desc")


class AllocationView(BillingView):
    datamodel = SQLAInterface(Allocation)
    class_permission_name = "Payments"
    list_title = show_title = _l("Allocations")
    list_columns = show_columns = ["payment", "invoice", "amount", "created_at", "home"]
    base_order = ("created_at", "desc")


class BankStatementLineView(BillingView):
    datamodel = SQLAInterface(BankStatementLine)
    class_permission_name = "Payments"
    list_title = show_title = _l("Bank statement lines")
    list_columns = show_columns = ["on", "amount", "reference", "status", "suggested_payer", "suggested_invoice",
                                   "payment", "home"]
    base_order = ("on", "desc")


class AccountCodeView(BillingView):
    datamodel = SQLAInterface(AccountCode)
    class_permission_name = "Billing settings"
    list_title = show_title = _l("Account codes")
    list_columns = show_columns = ["income_kind", "account_code", "nominal_code", "xero_tax_type", "sage_tax_code",
                                   "home"]
    base_order = ("income_kind", "asc")


class DocumentEmailView(BillingView):
    datamodel = SQLAInterface(DocumentEmail)
    class_permission_name = "Invoices"
    list_title = show_title = _l("Documents emailed to payers")
    list_columns = show_columns = ["requested_at", "document", "invoice", "payer", "to_address", "status", "sent_at",
                                   "home"]
    base_order = ("requested_at", "desc")
