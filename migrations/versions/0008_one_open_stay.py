"""one open stay: a bed and a resident each have at most one stay that has not ended

The database now refuses what two people admitting at the same moment could otherwise write:
- a second open bed period on one bed (stay_bed.to_at IS NULL),
- a second stay not ended on one bed, or for one resident,
- a second stay made from one enquiry,
- a second open out-of-service period on one bed.

Existing rows that already break a rule stop the upgrade with a list of them: which record is
right is a decision for the home (end the wrong stay or period), never something to guess here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

STAY_OPEN = "status <> 'ended'"

# (index name, table, column, where, what a duplicate means)
INDEXES = [
    ("uq_stay_bed_open_bed", "stay_bed", "bed_id", "to_at IS NULL",
     "beds with more than one open bed period (stay_bed without to_at)"),
    ("uq_stay_open_bed", "stay", "bed_id", STAY_OPEN,
     "beds held by more than one stay that has not ended"),
    ("uq_stay_open_resident", "stay", "resident_id", STAY_OPEN,
     "residents with more than one stay that has not ended"),
    ("uq_stay_enquiry", "stay", "enquiry_id", "enquiry_id IS NOT NULL",
     "enquiries admitted into more than one stay"),
    ("uq_bed_service_period_open_bed", "bed_service_period", "bed_id", "to_at IS NULL",
     "beds with more than one open out-of-service period"),
]


class ExistingDuplicates(RuntimeError):
    """Rows already in the database break a rule this revision enforces."""


def _duplicates(connection) -> list[str]:
    found = []
    for _name, table, column, where, what in INDEXES:
        rows = connection.execute(sa.text(
            f"SELECT {column}, COUNT(*) AS n, MIN(id) AS first_id, MAX(id) AS last_id FROM {table} "
            f"WHERE {where} GROUP BY {column} HAVING COUNT(*) > 1 ORDER BY {column}"
        )).all()
        if rows:
            listed = "; ".join(
                f"{column} {row[0]}: {row[1]} rows in {table} (ids {row[2]}..{row[3]})" for row in rows[:20]
            )
            more = f" and {len(rows) - 20} more" if len(rows) > 20 else ""
            found.append(f"{len(rows)} {what}: {listed}{more}")
    return found


def upgrade():
    problems = _duplicates(op.get_bind())
    if problems:
        raise ExistingDuplicates(
            "Cannot add the one-open-stay rules: the database already holds double bookings. "
            "End the wrong stay (discharge, or close the bed period) for each, then run the upgrade again.\n  - "
            + "\n  - ".join(problems)
        )
    for name, table, column, where, _what in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=True,
                                  postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade():
    for name, table, _column, _where, _what in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
