"""daily care records: care profiles, care notes (amended, never edited), observation sets (chart
entries and vital-sign sets with their NEWS2 score) and their observations

Revision ID: 0015_care_records
Revises: 0014_billing_email
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_care_records'
down_revision = '0014_billing_email'
branch_labels = None
depends_on = None

NOTE_CATEGORIES = ('personal_care', 'nutrition', 'social', 'mood_behaviour', 'sleep', 'night_check', 'visit',
                   'other')


def upgrade():
    op.create_table(
        'care_profile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('daily_fluid_target_ml', sa.Integer(), nullable=False),
        sa.Column('reposition_interval_h', sa.Integer(), nullable=True),
        sa.Column('height_cm', sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column('spo2_scale', sa.Integer(), nullable=False),
        sa.Column('bowel_alert_days', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('home_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('resident_id', name='uq_care_profile_resident'),
    )
    with op.batch_alter_table('care_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_profile_home_id'), ['home_id'], unique=False)

    op.create_table(
        'care_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.Enum(*NOTE_CATEGORIES, name='care_note_category', native_enum=False, length=32),
                  nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('routine', sa.Boolean(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=100), nullable=True),
        sa.Column('amends_id', sa.Integer(), nullable=True),
        sa.Column('amendment_reason', sa.Text(), nullable=True),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('superseded_by_id', sa.Integer(), nullable=True),
        sa.Column('home_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['amends_id'], ['care_note.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['superseded_by_id'], ['care_note.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('home_id', 'idempotency_key', name='uq_care_note_idempotency'),
    )
    with op.batch_alter_table('care_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_note_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_note_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_care_note_resident_time', ['resident_id', 'occurred_at'], unique=False)
        batch_op.create_index('uq_care_note_amends_once', ['amends_id'], unique=True,
                              postgresql_where=sa.text('amends_id IS NOT NULL'),
                              sqlite_where=sa.text('amends_id IS NOT NULL'))

    op.create_table(
        'care_observation_set',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('chart', 'vitals', name='care_set_kind', native_enum=False, length=32),
                  nullable=False),
        sa.Column('code', sa.String(length=40), nullable=True),
        sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('idempotency_key', sa.String(length=100), nullable=True),
        sa.Column('news2_total', sa.Integer(), nullable=True),
        sa.Column('news2_band', sa.String(length=40), nullable=True),
        sa.Column('news2_band_label', sa.String(length=200), nullable=True),
        sa.Column('news2_max_single', sa.Integer(), nullable=True),
        sa.Column('news2_points', sa.JSON(), nullable=True),
        sa.Column('news2_form_version', sa.Integer(), nullable=True),
        sa.Column('news2_sha256', sa.String(length=64), nullable=True),
        sa.Column('soft_signs', sa.JSON(), nullable=True),
        sa.Column('confirmed', sa.JSON(), nullable=True),
        sa.Column('corrects_id', sa.Integer(), nullable=True),
        sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.Column('voided_by_id', sa.Integer(), nullable=True),
        sa.Column('home_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['voided_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['corrects_id'], ['care_observation_set.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('home_id', 'idempotency_key', name='uq_care_observation_set_idempotency'),
    )
    with op.batch_alter_table('care_observation_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_observation_set_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_observation_set_observed_at'), ['observed_at'], unique=False)
        batch_op.create_index('ix_care_observation_set_resident_time', ['resident_id', 'kind', 'observed_at'],
                              unique=False)

    op.create_table(
        'care_observation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('set_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column('value_text', sa.String(length=40), nullable=True),
        sa.Column('unit', sa.String(length=20), nullable=True),
        sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.Column('voided', sa.Boolean(), nullable=False),
        sa.Column('home_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['set_id'], ['care_observation_set.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('care_observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_observation_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_observation_set_id'), ['set_id'], unique=False)
        batch_op.create_index('ix_care_observation_resident_code_time', ['resident_id', 'code', 'observed_at'],
                              unique=False)


def downgrade():
    op.drop_table('care_observation')
    op.drop_table('care_observation_set')
    op.drop_table('care_note')
    op.drop_table('care_profile')
