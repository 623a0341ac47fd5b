"""job heartbeat and attempt limit: a running job writes the time every few seconds, so the
sweeper can tell a job whose worker died (or whose database went away) from one that is still
working; the number of attempts a job may use is kept on its row, so a retry budget survives
handing the job to Redis again

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 06:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempt_limit', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('attempt_limit')
        batch_op.drop_column('heartbeat_at')
