"""body map: marks on a front/back figure, their dated entries with measurements, and photos

Revision ID: 0016_body_map
Revises: 0015_care_records
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_body_map'
down_revision = '0015_care_records'
branch_labels = None
depends_on = None

KINDS = ('bruise', 'skin_tear', 'pressure_damage', 'wound', 'rash', 'other')
CATEGORIES = ('category_1', 'category_2', 'category_3', 'category_4', 'unstageable', 'deep_tissue_injury')


def _void_columns():
    return [
        sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.Column('voided_by_id', sa.Integer(), nullable=True),
        sa.Column('home_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['voided_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    ]


def upgrade():
    op.create_table(
        'care_body_mark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('side', sa.Enum('front', 'back', name='body_side', native_enum=False, length=32), nullable=False),
        sa.Column('x_pct', sa.Numeric(5, 2), nullable=False),
        sa.Column('y_pct', sa.Numeric(5, 2), nullable=False),
        sa.Column('region', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='body_mark_kind', native_enum=False, length=32), nullable=False),
        sa.Column('category', sa.Enum(*CATEGORIES, name='pressure_category', native_enum=False, length=32),
                  nullable=True),
        sa.Column('origin', sa.Enum('home', 'admission', 'elsewhere', name='body_mark_origin', native_enum=False,
                                    length=32), nullable=False),
        sa.Column('first_seen_on', sa.Date(), nullable=False),
        sa.Column('healed_on', sa.Date(), nullable=True),
        sa.Column('healed_note', sa.Text(), nullable=True),
        sa.Column('healed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=200), nullable=True),
        *_void_columns(),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['healed_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.CheckConstraint('x_pct >= 0 AND x_pct <= 100 AND y_pct >= 0 AND y_pct <= 100', name='ck_body_mark_point'),
        sa.CheckConstraint("category IS NULL OR kind = 'pressure_damage'", name='ck_body_mark_category'),
        sa.CheckConstraint('healed_on IS NULL OR healed_on >= first_seen_on', name='ck_body_mark_healed'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('care_body_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_body_mark_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_created_at'), ['created_at'], unique=False)

    op.create_table(
        'care_body_mark_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mark_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('length_mm', sa.Numeric(6, 1), nullable=True),
        sa.Column('width_mm', sa.Numeric(6, 1), nullable=True),
        sa.Column('depth_mm', sa.Numeric(6, 1), nullable=True),
        sa.Column('category', sa.Enum(*CATEGORIES, name='pressure_category', native_enum=False, length=32),
                  nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_name', sa.String(length=200), nullable=True),
        *_void_columns(),
        sa.ForeignKeyConstraint(['mark_id'], ['care_body_mark.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.CheckConstraint('(length_mm IS NULL OR length_mm >= 0) AND (width_mm IS NULL OR width_mm >= 0) '
                           'AND (depth_mm IS NULL OR depth_mm >= 0)', name='ck_body_mark_entry_sizes'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('care_body_mark_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_body_mark_entry_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_entry_mark_id'), ['mark_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_entry_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_entry_observed_at'), ['observed_at'], unique=False)

    op.create_table(
        'care_body_mark_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('mark_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        *_void_columns(),
        sa.ForeignKeyConstraint(['entry_id'], ['care_body_mark_entry.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['mark_id'], ['care_body_mark.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('filename'),
    )
    with op.batch_alter_table('care_body_mark_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_body_mark_photo_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_photo_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_body_mark_photo_mark_id'), ['mark_id'], unique=False)


def downgrade():
    op.drop_table('care_body_mark_photo')
    op.drop_table('care_body_mark_entry')
    op.drop_table('care_body_mark')
