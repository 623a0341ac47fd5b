"""due rule index: a resident's latest assessment of a form is found by one index probe
(resident, form, time), not by ranking every record of a home or a group

Revision ID: 0018_due_index
Revises: 0017_everyday
"""
from alembic import op

revision = '0018_due_index'
down_revision = '0017_everyday'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_assessment_record_resident_form_time', 'assessment_record',
                    ['resident_id', 'form_key', 'taken_at'], unique=False)


def downgrade():
    op.drop_index('ix_assessment_record_resident_form_time', table_name='assessment_record')
