"""form ownership: each form definition belongs to the group's library or to one home

Every definition stored before this belongs to the group (owner_home_id NULL): the standard
assessments, care-plan templates and forms built so far stay in every home's library, changed
only by group administrators from now on.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('form_definition_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_home_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_form_definition_versions_owner_home_id', ['owner_home_id'], unique=False)
    # existing definitions are the group's: NULL is the group's library
    op.execute("UPDATE form_definition_versions SET owner_home_id = NULL")


def downgrade():
    with op.batch_alter_table('form_definition_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_form_definition_versions_owner_home_id')
        batch_op.drop_column('owner_home_id')
