"""Wiring of the billing pages, views and APIs into the app (called from create_app)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.billing import api, views

CATEGORY = "Billing"


def register_views(appbuilder) -> None:
    add = appbuilder.add_view
    first = {"category_label": _l("Billing"), "category_icon": "fa-gbp"}
    try:
        from app.billing import pages
    except ImportError:  # pragma: no cover - the pages come with the same package
        pages = None
    if pages is not None:
        add(pages.BillingPagesView, "Billing", label=_l("Billing"), icon="fa-gbp", category=CATEGORY, **first)
        first = {}
        add(pages.AgedDebtView, "Aged debt", label=_l("Aged debt"), icon="fa-bar-chart", category=CATEGORY)
        appbuilder.add_view_no_menu(pages.BillingFormsView)
    add(views.InvoiceView, "Invoices", label=_l("Invoices and credit notes"), icon="fa-file-text-o",
        category=CATEGORY, **first)
    add(views.InvoiceRunView, "Invoice runs", label=_l("Invoice runs"), icon="fa-cogs", category=CATEGORY)
    add(views.PayerView, "Billing payers", label=_l("Payers"), icon="fa-id-card", category=CATEGORY)
    add(views.FeeAgreementView, "Fee agreements", label=_l("Fee agreements"), icon="fa-handshake-o",
        category=CATEGORY)
    add(views.ExtraView, "Extras", label=_l("Extras"), icon="fa-scissors", category=CATEGORY)
    add(views.PaymentView, "Payments", label=_l("Payments"), icon="fa-money", category=CATEGORY)
    add(views.FncRateView, "Billing settings", label=_l("FNC rates"), icon="fa-medkit", category=CATEGORY)
    for view in (views.PayerReferenceView, views.FeeAgreementVersionView, views.FeeShareView, views.BillingPeriodView,
                 views.InvoiceLineView, views.AllocationView, views.BankStatementLineView, views.AccountCodeView,
                 views.DocumentEmailView):
        appbuilder.add_view_no_menu(view)


def register_apis(appbuilder) -> None:
    for cls in api.APIS:
        appbuilder.add_api(cls)
