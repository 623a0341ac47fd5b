"""billing: payers, fee agreements with dated versions and shares, FNC rates, extras, billing
periods, invoice runs, invoices and credit notes, payments, allocations, bank statement lines and
account codes

Revision ID: 0013
Revises: 0012
"""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# England's standard FNC weekly rate; each year runs from 1 April.
FNC_RATES = [
    ("standard", dt.date(2024, 4, 1), Decimal("235.88")),
    ("standard", dt.date(2025, 4, 1), Decimal("254.06")),
    ("standard", dt.date(2026, 4, 1), Decimal("267.68")),
]


def upgrade():

    op.create_table('billing_fnc_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rate', sa.Enum('standard', 'higher', name='billing_fnc_rate', native_enum=False, length=32), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('weekly', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rate', 'effective_from', name='uq_billing_fnc_rate_from')
    )
    op.create_table('billing_account_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('income_kind', sa.Enum('care_fees', 'local_authority', 'chc', 'fnc', 'extras', name='billing_income_kind', native_enum=False, length=32), nullable=False),
    sa.Column('account_code', sa.String(length=20), nullable=False),
    sa.Column('nominal_code', sa.String(length=20), nullable=False),
    sa.Column('xero_tax_type', sa.String(length=40), nullable=False),
    sa.Column('sage_tax_code', sa.String(length=5), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('home_id', 'income_kind', name='uq_billing_account_code')
    )
    with op.batch_alter_table('billing_account_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_account_code_home_id'), ['home_id'], unique=False)

    op.create_table('billing_invoice_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_home_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['care_home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('care_home_id')
    )
    op.create_table('billing_invoice_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('invoices_created', sa.Integer(), nullable=False),
    sa.Column('lines_created', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_invoice_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_invoice_run_home_id'), ['home_id'], unique=False)

    op.create_table('billing_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='billing_period_status', native_enum=False, length=32), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('home_id', 'start_on', 'end_on', name='uq_billing_period')
    )
    with op.batch_alter_table('billing_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_period_home_id'), ['home_id'], unique=False)

    op.create_table('billing_payer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('resident', 'third_party', 'local_authority', 'chc', 'fnc', name='payer_kind', native_enum=False, length=32), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('delivery', sa.Enum('post', 'email', name='payer_delivery', native_enum=False, length=32), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Enum('monthly', 'four_weekly', name='payer_cycle', native_enum=False, length=32), nullable=False),
    sa.Column('timing', sa.Enum('advance', 'arrears', name='payer_timing', native_enum=False, length=32), nullable=False),
    sa.Column('account_reference', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_payer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_payer_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payer_resident_id'), ['resident_id'], unique=False)

    op.create_table('billing_extra',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('tax_code', sa.String(length=20), nullable=False),
    sa.Column('billed', sa.Boolean(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_extra', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_extra_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_extra_payer_id'), ['payer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_extra_resident_id'), ['resident_id'], unique=False)

    op.create_table('billing_invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.Enum('invoice', 'credit_note', name='billing_invoice_type', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'approved', 'issued', name='billing_invoice_status', native_enum=False, length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('credits_invoice_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['credits_invoice_id'], ['billing_invoice.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['run_id'], ['billing_invoice_run.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('home_id', 'number', name='uq_billing_invoice_number'),
    sa.UniqueConstraint('home_id', 'sequence', name='uq_billing_invoice_sequence')
    )
    with op.batch_alter_table('billing_invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_invoice_credits_invoice_id'), ['credits_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_payer_id'), ['payer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_status'), ['status'], unique=False)

    op.create_table('billing_payer_reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payer_id', 'resident_id', name='uq_billing_payer_reference')
    )
    with op.batch_alter_table('billing_payer_reference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_payer_reference_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payer_reference_payer_id'), ['payer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payer_reference_resident_id'), ['resident_id'], unique=False)

    op.create_table('billing_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('payment', 'refund', name='billing_payment_kind', native_enum=False, length=32), nullable=False),
    sa.Column('method', sa.Enum('bank_transfer', 'direct_debit', 'card', 'cheque', 'cash', name='billing_payment_method', native_enum=False, length=32), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('credit_confirmed', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_payment_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_payment_payer_id'), ['payer_id'], unique=False)

    op.create_table('billing_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['billing_payment.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_allocation_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_allocation_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_allocation_payment_id'), ['payment_id'], unique=False)

    op.create_table('billing_bank_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('unmatched', 'matched', 'ignored', name='billing_bank_line_status', native_enum=False, length=32), nullable=False),
    sa.Column('suggested_payer_id', sa.Integer(), nullable=True),
    sa.Column('suggested_invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['billing_payment.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['suggested_invoice_id'], ['billing_invoice.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['suggested_payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_bank_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_bank_line_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_bank_line_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_bank_line_suggested_invoice_id'), ['suggested_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_bank_line_suggested_payer_id'), ['suggested_payer_id'], unique=False)

    op.create_table('billing_fee_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('placement', sa.Enum('private', 'la_net', 'la_gross', 'chc', name='billing_placement', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'ended', name='billing_agreement_status', native_enum=False, length=32), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('fees_after_death_days', sa.Integer(), nullable=False),
    sa.Column('hospital_charge', sa.Enum('full', 'percent', 'none', name='billing_hospital_charge', native_enum=False, length=32), nullable=False),
    sa.Column('hospital_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('hospital_after_days', sa.Integer(), nullable=True),
    sa.Column('deposit', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stay.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_fee_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_fee_agreement_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fee_agreement_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fee_agreement_stay_id'), ['stay_id'], unique=False)
        batch_op.create_index('uq_billing_agreement_active_stay', ['stay_id'], unique=True, postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))

    op.create_table('billing_invoice_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('line_type', sa.Enum('charge', 'adjustment', 'extra', name='billing_line_type', native_enum=False, length=32), nullable=False),
    sa.Column('income_kind', sa.Enum('care_fees', 'local_authority', 'chc', 'fnc', 'extras', name='billing_line_income', native_enum=False, length=32), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('weekly', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('extra_id', sa.Integer(), nullable=True),
    sa.Column('credits_line_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['credits_line_id'], ['billing_invoice_line.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['extra_id'], ['billing_extra.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stay.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_credits_line_id'), ['credits_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_extra_id'), ['extra_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_invoice_line_stay_id'), ['stay_id'], unique=False)

    op.create_table('billing_fee_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('weekly_fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['billing_fee_agreement.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agreement_id', 'effective_from', name='uq_billing_fee_version_from')
    )
    with op.batch_alter_table('billing_fee_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_fee_version_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fee_version_home_id'), ['home_id'], unique=False)

    op.create_table('billing_fee_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.Enum('fixed', 'fnc', 'remainder', name='billing_share_basis', native_enum=False, length=32), nullable=False),
    sa.Column('weekly_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('fnc_rate', sa.Enum('standard', 'higher', name='billing_fnc_rate_name', native_enum=False, length=32), nullable=True),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('hospital_charge', sa.Enum('full', 'percent', 'none', name='billing_share_hospital_charge', native_enum=False, length=32), nullable=True),
    sa.Column('hospital_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('hospital_after_days', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['version_id'], ['billing_fee_version.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'position', name='uq_billing_fee_share_position')
    )
    with op.batch_alter_table('billing_fee_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_fee_share_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fee_share_payer_id'), ['payer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_fee_share_version_id'), ['version_id'], unique=False)

    fnc = sa.table('billing_fnc_rate', sa.column('rate', sa.String), sa.column('effective_from', sa.Date),
                   sa.column('weekly', sa.Numeric(12, 2)))
    op.bulk_insert(fnc, [{"rate": r, "effective_from": d, "weekly": w} for r, d, w in FNC_RATES])


def downgrade():
    op.drop_table('billing_fee_share')
    op.drop_table('billing_fee_version')
    op.drop_table('billing_invoice_line')
    op.drop_table('billing_fee_agreement')
    op.drop_table('billing_bank_line')
    op.drop_table('billing_allocation')
    op.drop_table('billing_payment')
    op.drop_table('billing_payer_reference')
    op.drop_table('billing_invoice')
    op.drop_table('billing_extra')
    op.drop_table('billing_payer')
    op.drop_table('billing_period')
    op.drop_table('billing_invoice_run')
    op.drop_table('billing_invoice_counter')
    op.drop_table('billing_account_code')
    op.drop_table('billing_fnc_rate')
