"""billing email: the notification outbox takes emails to people who are not users (a payer's address,
with one attached file), and each invoice, credit note or statement emailed to a payer is recorded

Revision ID: 0014_billing_email
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_billing_email'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('to_address', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment', sa.LargeBinary(), nullable=True))
        batch_op.create_check_constraint('ck_notification_outbox_recipient',
                                         'user_id IS NOT NULL OR to_address IS NOT NULL')

    op.create_table('billing_document_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('document', sa.Enum('invoice', 'credit_note', 'statement', name='billing_emailed_document',
                                  native_enum=False, length=32), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['billing_invoice.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['outbox_id'], ['notification_outbox.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_id'], ['billing_payer.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('billing_document_email', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_document_email_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_document_email_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_document_email_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_document_email_payer_id'), ['payer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_document_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_document_email_payer_id'))
        batch_op.drop_index(batch_op.f('ix_billing_document_email_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_billing_document_email_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_billing_document_email_home_id'))
    op.drop_table('billing_document_email')
    op.execute("DELETE FROM notification_outbox WHERE user_id IS NULL")
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_constraint('ck_notification_outbox_recipient', type_='check')
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')
        batch_op.drop_column('to_address')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
