"""residents: resident record, contacts and LPA, legal register, enquiries, stays, bed history, hospital leave

Encrypted columns (date of birth, NHS number, medical fields) are Text holding ciphertext.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:36:56.437358

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('preferred_name', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Text(), nullable=True),
    sa.Column('nhs_number', sa.Text(), nullable=True),
    sa.Column('nhs_number_index', sa.String(length=64), nullable=True),
    sa.Column('identity_index', sa.String(length=64), nullable=True),
    sa.Column('sex', sa.Enum('female', 'male', 'not_known', name='sex', native_enum=False, length=32), nullable=False),
    sa.Column('gender_identity', sa.String(length=60), nullable=True),
    sa.Column('photo_filename', sa.String(length=80), nullable=True),
    sa.Column('gp_practice', sa.String(length=200), nullable=True),
    sa.Column('allergies', sa.Text(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('key_risks', sa.Text(), nullable=True),
    sa.Column('communication_needs', sa.Text(), nullable=True),
    sa.Column('religion', sa.String(length=100), nullable=True),
    sa.Column('dietary_needs', sa.Text(), nullable=True),
    sa.Column('what_matters_to_me', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('not_admitted', 'in_residence', 'hospital_leave', 'discharged', 'deceased', name='resident_status', native_enum=False, length=32), nullable=False),
    sa.Column('died_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_identity_index'), ['identity_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_last_name'), ['last_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_nhs_number_index'), ['nhs_number_index'], unique=False)

    op.create_table('legal_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('dnacpr', 'respect', 'dols', 'mca', 'advance_decision', name='legal_kind', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('applied', 'in_force', 'refused', 'ended', name='legal_status', native_enum=False, length=32), nullable=False),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('authorised_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('lacks_capacity', sa.Boolean(), nullable=True),
    sa.Column('supervisory_body', sa.String(length=200), nullable=True),
    sa.Column('made_by', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('legal_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_record_expires_on'), ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_record_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_record_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_record_review_on'), ['review_on'], unique=False)

    op.create_table('resident_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('relationship_to_resident', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('is_next_of_kin', sa.Boolean(), nullable=False),
    sa.Column('may_receive_information', sa.Boolean(), nullable=False),
    sa.Column('lpa_health_welfare', sa.Boolean(), nullable=False),
    sa.Column('lpa_health_welfare_registered_on', sa.Date(), nullable=True),
    sa.Column('lpa_property_finance', sa.Boolean(), nullable=False),
    sa.Column('lpa_property_finance_registered_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['ab_user.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('resident_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_contact_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_contact_resident_id'), ['resident_id'], unique=False)

    op.create_table('enquiry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Text(), nullable=True),
    sa.Column('enquirer_name', sa.String(length=200), nullable=True),
    sa.Column('enquirer_phone', sa.String(length=40), nullable=True),
    sa.Column('enquirer_relationship', sa.String(length=100), nullable=True),
    sa.Column('source', sa.Enum('family', 'self_referral', 'hospital', 'local_authority', 'gp', 'website', 'other', name='enquiry_source', native_enum=False, length=32), nullable=False),
    sa.Column('funding_expected', sa.Enum('self_funder', 'local_authority', 'chc', 'fnc', 'mixed', 'unknown', name='funding', native_enum=False, length=32), nullable=False),
    sa.Column('care_needs', sa.Text(), nullable=True),
    sa.Column('preferred_on', sa.Date(), nullable=True),
    sa.Column('stage', sa.Enum('enquiry', 'assessment', 'offer', 'admitted', 'declined', 'lost', name='enquiry_stage', native_enum=False, length=32), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('assessment_notes', sa.Text(), nullable=True),
    sa.Column('offered_bed_id', sa.Integer(), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('on_waiting_list', sa.Boolean(), nullable=False),
    sa.Column('waiting_priority', sa.Integer(), nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offered_bed_id'], ['bed.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiry_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_offered_bed_id'), ['offered_bed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_resident_id'), ['resident_id'], unique=False)

    op.create_table('stay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('bed_id', sa.Integer(), nullable=False),
    sa.Column('stay_type', sa.Enum('permanent', 'respite', 'trial', name='stay_type', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('current', 'hospital_leave', 'ended', name='stay_status', native_enum=False, length=32), nullable=False),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discharge_destination', sa.Enum('home', 'hospital', 'another_care_home', 'death', name='discharge_destination', native_enum=False, length=32), nullable=True),
    sa.Column('discharge_notes', sa.Text(), nullable=True),
    sa.Column('enquiry_id', sa.Integer(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bed_id'], ['bed.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiry.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stay_bed_id'), ['bed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stay_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stay_resident_id'), ['resident_id'], unique=False)

    op.create_table('stay_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hospital', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stay.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stay_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stay_absence_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stay_absence_stay_id'), ['stay_id'], unique=False)

    op.create_table('stay_bed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('bed_id', sa.Integer(), nullable=False),
    sa.Column('from_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('to_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('home_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bed_id'], ['bed.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_id'], ['care_home.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['stay_id'], ['stay.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stay_bed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stay_bed_bed_id'), ['bed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stay_bed_home_id'), ['home_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stay_bed_stay_id'), ['stay_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stay_bed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stay_bed_stay_id'))
        batch_op.drop_index(batch_op.f('ix_stay_bed_home_id'))
        batch_op.drop_index(batch_op.f('ix_stay_bed_bed_id'))

    op.drop_table('stay_bed')
    with op.batch_alter_table('stay_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stay_absence_stay_id'))
        batch_op.drop_index(batch_op.f('ix_stay_absence_home_id'))

    op.drop_table('stay_absence')
    with op.batch_alter_table('stay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stay_resident_id'))
        batch_op.drop_index(batch_op.f('ix_stay_home_id'))
        batch_op.drop_index(batch_op.f('ix_stay_bed_id'))

    op.drop_table('stay')
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiry_resident_id'))
        batch_op.drop_index(batch_op.f('ix_enquiry_offered_bed_id'))
        batch_op.drop_index(batch_op.f('ix_enquiry_home_id'))

    op.drop_table('enquiry')
    with op.batch_alter_table('resident_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_contact_resident_id'))
        batch_op.drop_index(batch_op.f('ix_resident_contact_home_id'))

    op.drop_table('resident_contact')
    with op.batch_alter_table('legal_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_record_review_on'))
        batch_op.drop_index(batch_op.f('ix_legal_record_resident_id'))
        batch_op.drop_index(batch_op.f('ix_legal_record_home_id'))
        batch_op.drop_index(batch_op.f('ix_legal_record_expires_on'))

    op.drop_table('legal_record')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_nhs_number_index'))
        batch_op.drop_index(batch_op.f('ix_resident_last_name'))
        batch_op.drop_index(batch_op.f('ix_resident_identity_index'))
        batch_op.drop_index(batch_op.f('ix_resident_home_id'))

    op.drop_table('resident')
