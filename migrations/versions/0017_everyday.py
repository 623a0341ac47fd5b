"""everyday use: a user must change a temporary password at the next sign-in; notifications keep a
message key and its values, so they are shown in the reader's language

Revision ID: 0017_everyday
Revises: 0016_body_map
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_everyday'
down_revision = '0016_body_map'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (SQLite supports them): a batch copy of ab_user would cascade to its children.
    op.add_column('ab_user', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column('notification_outbox', sa.Column('message', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_column('message')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
