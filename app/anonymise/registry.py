"""What every column holds, for the anonymised copy: the one place to classify a new column.

Each column of each table is either replaced (a kind below) or kept. A column may say so itself,
in its model, with `info={"personal": "<kind>"}` (or `info={"personal": False}` when it is safe to
keep); otherwise it is listed in COLUMNS here. Numbers, booleans, dates and times of events, enums,
primary and foreign keys are kept without being listed, unless their name suggests personal data
(birth, NHS number, postcode, phone, email, address, name). tests/security/test_anonymise.py fails
for any other column that is neither replaced nor listed as safe, so a new model cannot leak.
"""

from __future__ import annotations

import re

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Integer, LargeBinary, Numeric, String, Text

KEEP = "keep"

# What a kind does with a value (fakes.py):
KINDS = {
    KEEP: "kept as it is (codes, statuses, hashes of secrets, labels of the product itself)",
    "null": "emptied (client addresses, browser names, file names, attachments)",
    "first_name": "a fake first name, the same for the same real name everywhere",
    "last_name": "a fake surname (each word of it), the same for the same real name everywhere",
    "name": "a person's full name: first names and surname replaced as above",
    "names": "a list of people's names (commas, 'and')",
    "person": "a username if it is one, otherwise a full name",
    "username": "a fake username (firstname.surname), the same for the same user everywhere",
    "email": "a fake address at example.org, the same for the same address",
    "phone": "an Ofcom drama number (01632 960xxx or 07700 900xxx), the same for the same number",
    "address": "a fake street address and town",
    "address_line": "a fake street line",
    "town": "a fake town",
    "postcode": "a fake postcode in the valid format",
    "nhs_number": "a fake NHS number (999 range, valid check digit), the same for the same number",
    "nhs_index": "the blind index of the fake NHS number, under the copy's key",
    "identity_index": "the blind index of the fake name and date of birth, under the copy's key",
    "date_of_birth": "shifted by up to a year, by the same number of days for the same person",
    "place": "a fake name of a surgery, hospital or authority",
    "reference": "an account or case reference: the same shape, other letters and digits",
    "text": "free text replaced by fake words of about the same length (same text, same words)",
    "text_json": "every text value inside replaced as free text (numbers, keys and booleans kept)",
    "answers": "form answers: codes of the form's options kept, any other text replaced",
    "password": "the one password stated for the copy",
    "audit_changes": "each changed value treated as its own column is",
}

# Rows not copied at all: sign-in secrets and sessions (every user signs in afresh in the copy).
DROPPED_TABLES = {
    "user_session": "sessions end with the copy",
    "refresh_token": "API tokens end with the copy",
    "second_factor": "authenticator secrets are not copied: users set up a new one",
    "recovery_code": "recovery codes go with the second factor",
    "password_reset_token": "reset links are not copied",
    "ab_api_key": "API keys are not copied",
    "ab_register_user": "pending self-registrations hold names, emails and passwords",
}

COLUMNS: dict[str, str] = {
    # Flask-AppBuilder's own tables
    "ab_user.first_name": "first_name", "ab_user.last_name": "last_name", "ab_user.username": "username",
    "ab_user.email": "email", "ab_user.password": "password",
    "ab_role.name": KEEP, "ab_permission.name": KEEP, "ab_view_menu.name": KEEP,
    "ab_group.name": KEEP, "ab_group.label": KEEP, "ab_group.description": KEEP,
    "role_sync.role_name": KEEP, "role_sync.matrix_hash": KEEP,
    # audit trail
    "audit_event.actor_name": "person", "audit_event.entity": KEEP, "audit_event.entity_id": KEEP,
    "audit_event.action": KEEP, "audit_event.changes": "audit_changes", "audit_event.request_id": KEEP,
    "audit_event.client_addr": "null", "audit_event.prev_hash": KEEP, "audit_event.hash": KEEP,
    # homes
    "organisation.name": KEEP, "organisation.cqc_provider_id": KEEP, "organisation.address": "address",
    "organisation.phone": "phone", "organisation.email": "email",
    "care_home.name": KEEP, "care_home.cqc_location_id": KEEP, "care_home.address_line_1": "address_line",
    "care_home.address_line_2": "address_line", "care_home.town": "town", "care_home.county": KEEP,
    "care_home.postcode": "postcode", "care_home.phone": "phone", "care_home.email": "email",
    "care_home.emergency_access_notes": "text",
    "unit.name": KEEP, "unit.floor": KEEP, "unit.description": "text",
    "room.number": KEEP, "room.notes": "text", "bed.label": KEEP, "bed.out_of_service_reason": "text",
    "bed_service_period.reason": "text",
    # residents
    "resident.first_name": "first_name", "resident.last_name": "last_name", "resident.preferred_name": "first_name",
    "resident.date_of_birth": "date_of_birth", "resident.nhs_number": "nhs_number",
    "resident.nhs_number_index": "nhs_index", "resident.identity_index": "identity_index",
    "resident.gender_identity": KEEP, "resident.photo_filename": "null", "resident.gp_practice": "place",
    "resident.allergies": "text", "resident.conditions": "text", "resident.key_risks": "text",
    "resident.communication_needs": "text", "resident.religion": KEEP, "resident.dietary_needs": "text",
    "resident.what_matters_to_me": "text", "resident.void_reason": "text",
    "resident_contact.name": "name", "resident_contact.relationship_to_resident": KEEP,
    "resident_contact.phone": "phone", "resident_contact.email": "email", "resident_contact.address": "address",
    "resident_contact.notes": "text", "resident_contact.void_reason": "text",
    "legal_record.decision": "text", "legal_record.conditions": "text", "legal_record.supervisory_body": "place",
    "legal_record.made_by": "name", "legal_record.notes": "text", "legal_record.void_reason": "text",
    "enquiry.first_name": "first_name", "enquiry.last_name": "last_name", "enquiry.date_of_birth": "date_of_birth",
    "enquiry.enquirer_name": "name", "enquiry.enquirer_phone": "phone", "enquiry.enquirer_relationship": KEEP,
    "enquiry.care_needs": "text", "enquiry.assessment_notes": "text", "enquiry.closed_reason": "text",
    "stay.discharge_notes": "text", "stay_absence.hospital": "place", "stay_absence.reason": "text",
    # assessments, tasks, care plans
    "assessment_schedule.form_key": KEEP,
    "assessment_record.form_key": KEEP, "assessment_record.sha256": KEEP, "assessment_record.token": KEEP,
    "assessment_record.answers": "answers", "assessment_record.submission_id": KEEP,
    "assessment_record.total": KEEP, "assessment_record.band": KEEP, "assessment_record.band_label": KEEP,
    "assessment_record.band_response": KEEP, "assessment_record.signed_name": "name",
    "assessment_record.signed_role": KEEP,
    "care_task.title": "text", "care_task.detail": "text", "care_task.assigned_role": KEEP,
    "care_task.outcome_reason": "text", "care_task.source": KEEP,
    "care_plan.title": "text", "care_plan.template_key": KEEP, "care_plan.void_reason": "text",
    "care_plan_version.sections": "text_json", "care_plan_version.review_notes": "text",
    "care_plan_version.family_names": "names", "care_plan_version.staff_names": "names",
    "care_plan_version.consent_by": "name",
    # the form store
    "form_definition_versions.key": KEEP, "form_definition_versions.status": KEEP,
    "form_definition_versions.sha256": KEEP, "form_definition_versions.title": KEEP,
    "form_definition_versions.definition": KEEP, "form_definition_versions.created_by": "person",
    "form_definition_versions.published_by": "person",
    "form_submissions.id": KEEP, "form_submissions.form_key": KEEP, "form_submissions.sha256": KEEP,
    "form_submissions.status": KEEP, "form_submissions.band": KEEP, "form_submissions.submitted_by": "person",
    "form_submissions.data": "answers",
    "form_submission_amendments.id": KEEP, "form_submission_amendments.submission_id": KEEP,
    "form_submission_amendments.amended_by": "person", "form_submission_amendments.reason": "text",
    "form_submission_amendments.changes": "answers",
    # jobs and notifications
    "job.id": KEEP, "job.key": KEEP, "job.active_key": KEEP, "job.func": KEEP, "job.args": "answers",
    "job.description": "text", "job.status": KEEP, "job.error": "text", "job.result_path": "null",
    "job.result_name": "null", "job.result_mimetype": KEEP,
    "notification_outbox.to_address": "email", "notification_outbox.kind": KEEP,
    "notification_outbox.channel": KEEP, "notification_outbox.subject": "text", "notification_outbox.body": "text",
    "notification_outbox.link": KEEP, "notification_outbox.status": KEEP, "notification_outbox.last_error": "text",
    "notification_outbox.dedup_key": KEEP, "notification_outbox.attachment_name": "null",
    "notification_outbox.attachment_type": KEEP, "notification_outbox.attachment": "null",
    "notification_outbox.message": "answers",  # [message key, values]: the keys are kept, names in values not
    "notification_preference.kind": KEEP, "notification_preference.email": KEEP,  # a yes/no choice
    # billing
    "billing_payer.name": "name", "billing_payer.contact_name": "name", "billing_payer.email": "email",
    "billing_payer.phone": "phone", "billing_payer.address": "address", "billing_payer.postcode": "postcode",
    "billing_payer.account_reference": "reference",
    "billing_payer_reference.reference": "reference",
    "billing_fee_agreement.notes": "text", "billing_fee_version.reason": "text", "billing_fee_share.label": KEEP,
    "billing_invoice_run.summary": "text_json", "billing_invoice_counter.prefix": KEEP,
    "billing_invoice.number": KEEP, "billing_invoice.reason": "text",
    "billing_invoice_line.description": "text", "billing_extra.description": "text", "billing_extra.tax_code": KEEP,
    "billing_payment.reference": "reference", "billing_payment.notes": "text",
    "billing_bank_line.reference": "reference",
    "billing_account_code.account_code": KEEP, "billing_account_code.nominal_code": KEEP,
    "billing_account_code.xero_tax_type": KEEP, "billing_account_code.sage_tax_code": KEEP,
    "billing_document_email.to_address": "email",
    # daily care (app/care) and the body map
    "care_note.text": "text", "care_note.author_name": "name", "care_note.idempotency_key": KEEP,
    "care_note.amendment_reason": "text",
    "care_observation_set.code": KEEP, "care_observation_set.recorded_by_name": "name",
    "care_observation_set.note": "text", "care_observation_set.idempotency_key": KEEP,
    "care_observation_set.news2_band": KEEP, "care_observation_set.news2_band_label": KEEP,
    "care_observation_set.news2_points": KEEP, "care_observation_set.news2_sha256": KEEP,
    "care_observation_set.soft_signs": KEEP, "care_observation_set.confirmed": KEEP,
    "care_observation_set.void_reason": "text",
    "care_observation.code": KEEP, "care_observation.value_text": KEEP, "care_observation.unit": KEEP,
    "care_body_mark.region": KEEP, "care_body_mark.healed_note": "text", "care_body_mark.created_by_name": "name",
    "care_body_mark_entry.description": "text", "care_body_mark_entry.recorded_by_name": "name",
    "care_body_mark_photo.filename": "null", "care_body_mark.void_reason": "text",
    "care_body_mark_entry.void_reason": "text", "care_body_mark_photo.void_reason": "text",
}

# Kinds kept without listing, unless the column's name looks personal.
_SAFE_TYPES = (Integer, Numeric, Boolean, DateTime, Date, Enum)
_PERSONAL_NAME = re.compile(r"birth|dob|nhs|postcode|phone|e_?mail|address|name|note|reason|description|text")
_TEXT_TYPES = (String, Text, JSON, LargeBinary)


def column_key(column) -> str:
    return f"{column.table.name}.{column.name}"


def declared_kind(column) -> str | None:
    """The kind a column's model or this registry gives it, or None."""
    marker = column.info.get("personal") if column.info else None
    if marker is False:
        return KEEP
    if isinstance(marker, str):
        return marker
    return COLUMNS.get(column_key(column))


def _is_key(column) -> bool:
    return bool(column.primary_key or column.foreign_keys)


def kind_of(column) -> str | None:
    """What the copy does with this column; None when nobody has said (the test fails then)."""
    kind = declared_kind(column)
    if kind is not None:
        return kind
    if _is_key(column) and not isinstance(column.type, _TEXT_TYPES):
        return KEEP
    if isinstance(column.type, Enum):
        return KEEP
    if isinstance(column.type, _SAFE_TYPES) and not _PERSONAL_NAME.search(column.name):
        return KEEP
    if _is_key(column) and isinstance(column.type, String) and not _PERSONAL_NAME.search(column.name):
        return KEEP  # a string key (a job or session id)
    return None


def unclassified(tables) -> list[str]:
    """"table.column" of every column of these tables that nobody has classified."""
    missing = []
    for table in tables:
        if table.name in DROPPED_TABLES or table.name == "alembic_version":
            continue
        for column in table.columns:
            kind = kind_of(column)
            if kind is None:
                missing.append(column_key(column))
            elif kind not in KINDS:
                missing.append(f"{column_key(column)} (unknown kind {kind!r})")
    return missing


def all_tables():
    from flask_appbuilder import Model

    from forms.store.sql import metadata as forms_metadata

    seen, tables = set(), []
    for table in list(Model.metadata.sorted_tables) + list(forms_metadata.sorted_tables):
        if table.name not in seen:
            seen.add(table.name)
            tables.append(table)
    return tables


def all_tables_by_name() -> dict:
    return {table.name: table for table in all_tables()}
