"""Billing records: payers, fee agreements (dated versions split into shares), FNC rates, extras,
billing periods, invoice runs, invoices and credit notes with their lines, payments and their
allocations, bank statement lines and account codes.

Money is `Decimal` in `Numeric(12, 2)`. Status values change only through `app.billing.services`.
Issued invoices never change; corrections are credit notes pointing at them. Invoice numbers come
from one counter row per home, taken with a row lock at issue time, so numbering has no gaps.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import mapped_column, relationship

from app import labels
from app.homes.models import str_enum
from app.notifications.models import NotificationOutbox
from app.tenancy import HomeOwnedMixin

MONEY = Numeric(12, 2)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PayerKind(enum.StrEnum):
    resident = "resident"
    third_party = "third_party"
    local_authority = "local_authority"
    chc = "chc"
    fnc = "fnc"


class Delivery(enum.StrEnum):
    post = "post"
    email = "email"


class Cycle(enum.StrEnum):
    monthly = "monthly"
    four_weekly = "four_weekly"


class Timing(enum.StrEnum):
    advance = "advance"
    arrears = "arrears"


class Placement(enum.StrEnum):
    private = "private"
    la_net = "la_net"
    la_gross = "la_gross"
    chc = "chc"


class AgreementStatus(enum.StrEnum):
    active = "active"
    ended = "ended"


class HospitalCharge(enum.StrEnum):
    full = "full"
    percent = "percent"
    none = "none"


class ShareBasis(enum.StrEnum):
    fixed = "fixed"
    fnc = "fnc"
    remainder = "remainder"


class FncRateName(enum.StrEnum):
    standard = "standard"
    higher = "higher"


class PeriodStatus(enum.StrEnum):
    open = "open"
    closed = "closed"


class InvoiceType(enum.StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"


class InvoiceStatus(enum.StrEnum):
    draft = "draft"
    approved = "approved"
    issued = "issued"


class LineType(enum.StrEnum):
    charge = "charge"
    adjustment = "adjustment"
    extra = "extra"


class PaymentMethod(enum.StrEnum):
    bank_transfer = "bank_transfer"
    direct_debit = "direct_debit"
    card = "card"
    cheque = "cheque"
    cash = "cash"


class PaymentKind(enum.StrEnum):
    payment = "payment"
    refund = "refund"


class BankLineStatus(enum.StrEnum):
    unmatched = "unmatched"
    matched = "matched"
    ignored = "ignored"


class EmailedDocument(enum.StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"
    statement = "statement"


class IncomeKind(enum.StrEnum):
    care_fees = "care_fees"
    local_authority = "local_authority"
    chc = "chc"
    fnc = "fnc"
    extras = "extras"


labels.register({
    PayerKind.resident: _l("Resident"), PayerKind.third_party: _l("Third party (relative, deputy, attorney)"),
    PayerKind.local_authority: _l("Local authority"), PayerKind.chc: _l("NHS Continuing Healthcare"),
    PayerKind.fnc: _l("NHS-funded Nursing Care"),
    Delivery.post: _l("Post"), Delivery.email: _l("Email"),
    Cycle.monthly: _l("Calendar month"), Cycle.four_weekly: _l("Four-weekly"),
    Timing.advance: _l("In advance"), Timing.arrears: _l("In arrears"),
    Placement.private: _l("Private (self-funded)"), Placement.la_net: _l("Local authority, net"),
    Placement.la_gross: _l("Local authority, gross"), Placement.chc: _l("NHS Continuing Healthcare"),
    AgreementStatus.active: _l("Active"), AgreementStatus.ended: _l("Ended"),
    HospitalCharge.full: _l("Charged in full"), HospitalCharge.percent: _l("A percentage after N days"),
    HospitalCharge.none: _l("Nothing after N days"),
    ShareBasis.fixed: _l("Fixed weekly amount"), ShareBasis.fnc: _l("FNC rate"), ShareBasis.remainder: _l("Remainder"),
    FncRateName.standard: _l("Standard"), FncRateName.higher: _l("Higher"),
    PeriodStatus.open: _l("Open"), PeriodStatus.closed: _l("Closed"),
    InvoiceType.invoice: _l("Invoice"), InvoiceType.credit_note: _l("Credit note"),
    InvoiceStatus.draft: _l("Draft"), InvoiceStatus.approved: _l("Approved"), InvoiceStatus.issued: _l("Issued"),
    LineType.charge: _l("Charge"), LineType.adjustment: _l("Adjustment"), LineType.extra: _l("Extra"),
    PaymentMethod.bank_transfer: _l("Bank transfer"), PaymentMethod.direct_debit: _l("Direct debit"),
    PaymentMethod.card: _l("Card"), PaymentMethod.cheque: _l("Cheque"), PaymentMethod.cash: _l("Cash"),
    PaymentKind.payment: _l("Payment"), PaymentKind.refund: _l("Refund"),
    BankLineStatus.unmatched: _l("Not matched"), BankLineStatus.matched: _l("Matched"),
    BankLineStatus.ignored: _l("Ignored"),
    IncomeKind.care_fees: _l("Care fees (residents and families)"), IncomeKind.local_authority: _l("Local authority"),
    IncomeKind.chc: _l("NHS Continuing Healthcare"), IncomeKind.fnc: _l("NHS-funded Nursing Care"),
    IncomeKind.extras: _l("Extras"),
    EmailedDocument.invoice: _l("Invoice"), EmailedDocument.credit_note: _l("Credit note"),
    EmailedDocument.statement: _l("Statement of account"),
})


class Payer(HomeOwnedMixin, Model):
    """Who is invoiced: a resident, a third party, or an authority or NHS body shared by many residents."""

    __tablename__ = "billing_payer"

    id = mapped_column(Integer, primary_key=True)
    name = mapped_column(String(200), nullable=False)
    kind = mapped_column(str_enum(PayerKind, "payer_kind"), nullable=False)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), index=True)
    contact_name = mapped_column(String(200))
    email = mapped_column(String(200))
    phone = mapped_column(String(40))
    address = mapped_column(Text)
    postcode = mapped_column(String(10))
    delivery = mapped_column(str_enum(Delivery, "payer_delivery"), nullable=False, default=Delivery.post)
    payment_terms_days = mapped_column(Integer, nullable=False, default=28)
    cycle = mapped_column(str_enum(Cycle, "payer_cycle"), nullable=False, default=Cycle.monthly)
    timing = mapped_column(str_enum(Timing, "payer_timing"), nullable=False, default=Timing.advance)
    account_reference = mapped_column(String(40))
    active = mapped_column(Boolean, nullable=False, default=True)

    resident = relationship("Resident")
    references = relationship("PayerReference", back_populates="payer", order_by="PayerReference.id")

    def __repr__(self) -> str:
        return self.name or ""


class PayerReference(HomeOwnedMixin, Model):
    """An authority's or NHS body's own reference for one resident it funds."""

    __tablename__ = "billing_payer_reference"
    __table_args__ = (UniqueConstraint("payer_id", "resident_id", name="uq_billing_payer_reference"),)

    id = mapped_column(Integer, primary_key=True)
    payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), nullable=False, index=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    reference = mapped_column(String(60), nullable=False)

    payer = relationship(Payer, back_populates="references")
    resident = relationship("Resident")

    def __repr__(self) -> str:
        return self.reference or ""


class FeeAgreement(HomeOwnedMixin, Model):
    """Who pays what for one stay, with its contract terms; the amounts live in dated versions."""

    __tablename__ = "billing_fee_agreement"
    __table_args__ = (
        Index("uq_billing_agreement_active_stay", "stay_id", unique=True,
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
    )

    id = mapped_column(Integer, primary_key=True)
    stay_id = mapped_column(ForeignKey("stay.id", ondelete="RESTRICT"), nullable=False, index=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    placement = mapped_column(str_enum(Placement, "billing_placement"), nullable=False, default=Placement.private)
    status = mapped_column(str_enum(AgreementStatus, "billing_agreement_status"), nullable=False,
                           default=AgreementStatus.active)
    ends_on = mapped_column(Date)
    fees_after_death_days = mapped_column(Integer, nullable=False, default=0)
    hospital_charge = mapped_column(str_enum(HospitalCharge, "billing_hospital_charge"), nullable=False,
                                    default=HospitalCharge.full)
    hospital_percent = mapped_column(Numeric(5, 2))
    hospital_after_days = mapped_column(Integer)
    deposit = mapped_column(MONEY)
    notes = mapped_column(Text)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    stay = relationship("Stay")
    resident = relationship("Resident")
    versions = relationship("FeeAgreementVersion", back_populates="agreement",
                            order_by="FeeAgreementVersion.effective_from")

    def __repr__(self) -> str:
        return f"{self.resident or ''} ({labels.label(self.placement)})"


class FeeAgreementVersion(HomeOwnedMixin, Model):
    """The weekly fee and its split from one date until the next version."""

    __tablename__ = "billing_fee_version"
    __table_args__ = (UniqueConstraint("agreement_id", "effective_from", name="uq_billing_fee_version_from"),)

    id = mapped_column(Integer, primary_key=True)
    agreement_id = mapped_column(ForeignKey("billing_fee_agreement.id", ondelete="RESTRICT"), nullable=False,
                                 index=True)
    effective_from = mapped_column(Date, nullable=False)
    weekly_fee = mapped_column(MONEY, nullable=False)
    reason = mapped_column(String(200))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    agreement = relationship(FeeAgreement, back_populates="versions")
    shares = relationship("FeeShare", back_populates="version", order_by="FeeShare.position")

    def __repr__(self) -> str:
        return f"£{self.weekly_fee} from {self.effective_from:%d/%m/%Y}" if self.effective_from else ""


class FeeShare(HomeOwnedMixin, Model):
    """One payer's part of a version: a fixed weekly amount, the FNC rate, or the remainder."""

    __tablename__ = "billing_fee_share"
    __table_args__ = (UniqueConstraint("version_id", "position", name="uq_billing_fee_share_position"),)

    id = mapped_column(Integer, primary_key=True)
    version_id = mapped_column(ForeignKey("billing_fee_version.id", ondelete="RESTRICT"), nullable=False, index=True)
    position = mapped_column(Integer, nullable=False)
    payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), nullable=False, index=True)
    basis = mapped_column(str_enum(ShareBasis, "billing_share_basis"), nullable=False)
    weekly_amount = mapped_column(MONEY)
    fnc_rate = mapped_column(str_enum(FncRateName, "billing_fnc_rate_name"))
    label = mapped_column(String(100))  # "client contribution", "top-up"
    hospital_charge = mapped_column(str_enum(HospitalCharge, "billing_share_hospital_charge"))
    hospital_percent = mapped_column(Numeric(5, 2))
    hospital_after_days = mapped_column(Integer)

    version = relationship(FeeAgreementVersion, back_populates="shares")
    payer = relationship(Payer)

    def __repr__(self) -> str:
        return f"{self.payer or ''}: {labels.label(self.basis)}"


class FncRate(Model):
    """NHS-funded Nursing Care weekly rates by date (group-wide; finance adds each April's)."""

    __tablename__ = "billing_fnc_rate"
    __table_args__ = (UniqueConstraint("rate", "effective_from", name="uq_billing_fnc_rate_from"),)

    id = mapped_column(Integer, primary_key=True)
    rate = mapped_column(str_enum(FncRateName, "billing_fnc_rate"), nullable=False, default=FncRateName.standard)
    effective_from = mapped_column(Date, nullable=False)
    weekly = mapped_column(MONEY, nullable=False)

    def __repr__(self) -> str:
        return f"{labels.label(self.rate)} £{self.weekly} from {self.effective_from:%d/%m/%Y}"


class BillingPeriod(HomeOwnedMixin, Model):
    """A home's billing period; once closed no run may change it (the next one stays open)."""

    __tablename__ = "billing_period"
    __table_args__ = (UniqueConstraint("home_id", "start_on", "end_on", name="uq_billing_period"),)

    id = mapped_column(Integer, primary_key=True)
    start_on = mapped_column(Date, nullable=False)
    end_on = mapped_column(Date, nullable=False)
    status = mapped_column(str_enum(PeriodStatus, "billing_period_status"), nullable=False, default=PeriodStatus.open)
    closed_at = mapped_column(DateTime(timezone=True))
    closed_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    def __repr__(self) -> str:
        return f"{self.start_on:%d/%m/%Y}–{self.end_on:%d/%m/%Y}" if self.start_on else ""


class InvoiceRun(HomeOwnedMixin, Model):
    """One run of a home's invoices for a period, with its summary (created, skipped and why)."""

    __tablename__ = "billing_invoice_run"

    id = mapped_column(Integer, primary_key=True)
    period_start = mapped_column(Date, nullable=False)
    period_end = mapped_column(Date, nullable=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    invoices_created = mapped_column(Integer, nullable=False, default=0)
    lines_created = mapped_column(Integer, nullable=False, default=0)
    total = mapped_column(MONEY, nullable=False, default=0)
    summary = mapped_column(JSON, nullable=False, default=dict)

    def __repr__(self) -> str:
        return f"{self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}" if self.period_start else ""


class InvoiceCounter(Model):
    """The next invoice number of a home, taken with SELECT … FOR UPDATE when an invoice is issued."""

    __tablename__ = "billing_invoice_counter"

    id = mapped_column(Integer, primary_key=True)
    care_home_id = mapped_column(ForeignKey("care_home.id", ondelete="RESTRICT"), nullable=False, unique=True)
    prefix = mapped_column(String(20), nullable=False, default="INV")
    next_number = mapped_column(Integer, nullable=False, default=1)


class Invoice(HomeOwnedMixin, Model):
    """An invoice or credit note to one payer. Numbered when issued; never changed afterwards."""

    __tablename__ = "billing_invoice"
    __table_args__ = (
        UniqueConstraint("home_id", "number", name="uq_billing_invoice_number"),
        UniqueConstraint("home_id", "sequence", name="uq_billing_invoice_sequence"),
    )

    id = mapped_column(Integer, primary_key=True)
    run_id = mapped_column(ForeignKey("billing_invoice_run.id", ondelete="RESTRICT"), index=True)
    payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), nullable=False, index=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), index=True)
    type = mapped_column(str_enum(InvoiceType, "billing_invoice_type"), nullable=False, default=InvoiceType.invoice)
    status = mapped_column(str_enum(InvoiceStatus, "billing_invoice_status"), nullable=False,
                           default=InvoiceStatus.draft, index=True)
    sequence = mapped_column(Integer)
    number = mapped_column(String(30))
    period_start = mapped_column(Date, nullable=False)
    period_end = mapped_column(Date, nullable=False)
    issued_on = mapped_column(Date)
    due_on = mapped_column(Date)
    total = mapped_column(MONEY, nullable=False, default=0)
    credits_invoice_id = mapped_column(ForeignKey("billing_invoice.id", ondelete="RESTRICT"), index=True)
    reason = mapped_column(Text)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    approved_at = mapped_column(DateTime(timezone=True))
    approved_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    issued_at = mapped_column(DateTime(timezone=True))
    issued_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    run = relationship(InvoiceRun)
    payer = relationship(Payer)
    resident = relationship("Resident")
    credits_invoice = relationship("Invoice", remote_side=[id])
    lines = relationship("InvoiceLine", back_populates="invoice", order_by="InvoiceLine.id")

    def __repr__(self) -> str:
        return self.number or f"{labels.label(self.status)} #{self.id}"


class InvoiceLine(HomeOwnedMixin, Model):
    """One line: a share of the fee over some days, an adjustment for an earlier period, or an extra."""

    __tablename__ = "billing_invoice_line"

    id = mapped_column(Integer, primary_key=True)
    invoice_id = mapped_column(ForeignKey("billing_invoice.id", ondelete="RESTRICT"), nullable=False, index=True)
    stay_id = mapped_column(ForeignKey("stay.id", ondelete="RESTRICT"), index=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), index=True)
    line_type = mapped_column(str_enum(LineType, "billing_line_type"), nullable=False, default=LineType.charge)
    income_kind = mapped_column(str_enum(IncomeKind, "billing_line_income"), nullable=False,
                                default=IncomeKind.care_fees)
    start_on = mapped_column(Date, nullable=False)
    end_on = mapped_column(Date, nullable=False)
    days = mapped_column(Integer, nullable=False, default=0)
    weekly = mapped_column(MONEY, nullable=False, default=0)
    amount = mapped_column(MONEY, nullable=False)
    description = mapped_column(Text, nullable=False, default="")
    extra_id = mapped_column(ForeignKey("billing_extra.id", ondelete="RESTRICT"), index=True)
    credits_line_id = mapped_column(ForeignKey("billing_invoice_line.id", ondelete="RESTRICT"), index=True)

    invoice = relationship(Invoice, back_populates="lines")
    resident = relationship("Resident")

    def __repr__(self) -> str:
        return self.description or ""


class Extra(HomeOwnedMixin, Model):
    """A chargeable item (hairdressing, chiropody, newspapers, escorts) billed on the next run."""

    __tablename__ = "billing_extra"

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), nullable=False, index=True)
    on = mapped_column(Date, nullable=False)
    description = mapped_column(String(200), nullable=False)
    quantity = mapped_column(Numeric(10, 2), nullable=False, default=1)
    unit_price = mapped_column(MONEY, nullable=False)
    tax_code = mapped_column(String(20), nullable=False, default="exempt")
    billed = mapped_column(Boolean, nullable=False, default=False)
    voided_at = mapped_column(DateTime(timezone=True))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    resident = relationship("Resident")
    payer = relationship(Payer)

    def __repr__(self) -> str:
        return self.description or ""


class Payment(HomeOwnedMixin, Model):
    """Money received from (or, for a refund, returned to) a payer."""

    __tablename__ = "billing_payment"

    id = mapped_column(Integer, primary_key=True)
    payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), nullable=False, index=True)
    kind = mapped_column(str_enum(PaymentKind, "billing_payment_kind"), nullable=False, default=PaymentKind.payment)
    method = mapped_column(str_enum(PaymentMethod, "billing_payment_method"), nullable=False,
                           default=PaymentMethod.bank_transfer)
    received_on = mapped_column(Date, nullable=False)
    amount = mapped_column(MONEY, nullable=False)
    reference = mapped_column(String(100))
    credit_confirmed = mapped_column(Boolean, nullable=False, default=False)
    notes = mapped_column(Text)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    payer = relationship(Payer)
    allocations = relationship("Allocation", back_populates="payment", order_by="Allocation.id")

    def __repr__(self) -> str:
        return f"£{self.amount} {self.received_on:%d/%m/%Y}" if self.received_on else ""


class Allocation(HomeOwnedMixin, Model):
    """Part of a payment set against one invoice."""

    __tablename__ = "billing_allocation"

    id = mapped_column(Integer, primary_key=True)
    payment_id = mapped_column(ForeignKey("billing_payment.id", ondelete="RESTRICT"), nullable=False, index=True)
    invoice_id = mapped_column(ForeignKey("billing_invoice.id", ondelete="RESTRICT"), nullable=False, index=True)
    amount = mapped_column(MONEY, nullable=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    payment = relationship(Payment, back_populates="allocations")
    invoice = relationship(Invoice)

    def __repr__(self) -> str:
        return f"£{self.amount}"


class BankStatementLine(HomeOwnedMixin, Model):
    """One line of an imported bank statement, with the match suggested and, once confirmed, its payment."""

    __tablename__ = "billing_bank_line"

    id = mapped_column(Integer, primary_key=True)
    on = mapped_column(Date, nullable=False)
    amount = mapped_column(MONEY, nullable=False)
    reference = mapped_column(String(200), nullable=False, default="")
    status = mapped_column(str_enum(BankLineStatus, "billing_bank_line_status"), nullable=False,
                           default=BankLineStatus.unmatched)
    suggested_payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), index=True)
    suggested_invoice_id = mapped_column(ForeignKey("billing_invoice.id", ondelete="RESTRICT"), index=True)
    payment_id = mapped_column(ForeignKey("billing_payment.id", ondelete="RESTRICT"), index=True)
    imported_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    suggested_payer = relationship(Payer)
    suggested_invoice = relationship(Invoice)
    payment = relationship(Payment)

    def __repr__(self) -> str:
        return f"{self.on:%d/%m/%Y} £{self.amount} {self.reference}" if self.on else ""


class AccountCode(HomeOwnedMixin, Model):
    """The accounting codes of one kind of income in one home (Xero account, Sage nominal, tax)."""

    __tablename__ = "billing_account_code"
    __table_args__ = (UniqueConstraint("home_id", "income_kind", name="uq_billing_account_code"),)

    id = mapped_column(Integer, primary_key=True)
    income_kind = mapped_column(str_enum(IncomeKind, "billing_income_kind"), nullable=False)
    account_code = mapped_column(String(20), nullable=False)
    nominal_code = mapped_column(String(20), nullable=False)
    xero_tax_type = mapped_column(String(40), nullable=False, default="Exempt Income")
    sage_tax_code = mapped_column(String(5), nullable=False, default="T2")

    def __repr__(self) -> str:
        return f"{labels.label(self.income_kind)}: {self.account_code}"


class DocumentEmail(HomeOwnedMixin, Model):
    """An invoice, credit note or statement emailed to a payer: when, to which address, by whom, and
    the outbox row that carries it (its status: waiting, sent or failed, with the last error)."""

    __tablename__ = "billing_document_email"

    id = mapped_column(Integer, primary_key=True)
    payer_id = mapped_column(ForeignKey("billing_payer.id", ondelete="RESTRICT"), nullable=False, index=True)
    invoice_id = mapped_column(ForeignKey("billing_invoice.id", ondelete="RESTRICT"), index=True)
    document = mapped_column(str_enum(EmailedDocument, "billing_emailed_document"), nullable=False)
    to_address = mapped_column(String(254), nullable=False)
    outbox_id = mapped_column(ForeignKey("notification_outbox.id", ondelete="RESTRICT"), nullable=False, index=True)
    requested_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    requested_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    payer = relationship(Payer)
    invoice = relationship(Invoice)
    outbox = relationship(NotificationOutbox)

    @property
    def status(self) -> str:
        return self.outbox.status if self.outbox is not None else "pending"

    @property
    def sent_at(self):
        return self.outbox.sent_at if self.outbox is not None else None

    def __repr__(self) -> str:
        return f"{labels.label(self.document)} → {self.to_address}" if self.document else ""
