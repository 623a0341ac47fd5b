"""Enquiry -> pre-admission assessment -> offer -> admission, with declined/lost reasons and a
waiting list per home. Stages change only here."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.exceptions import ConflictError, DomainError
from app.extensions import db
from app.homes.models import Bed, BedStatus
from app.residents.models import (
    Contact,
    Enquiry,
    EnquiryStage,
    Resident,
    Stay,
    StayType,
    WaitingPriority,
    utcnow,
)
from app.residents.services import check_contact, check_resident, get_or_404, today_in_london
from app.residents.stays import admit_resident, lock_row

OPEN_STAGES = (EnquiryStage.enquiry, EnquiryStage.assessment, EnquiryStage.offer)


def check_enquiry(enquiry: Enquiry) -> None:
    """Field rules for an enquiry typed into a form. The stage is not set here."""
    errors: dict[str, list[str]] = {}
    for field in ("first_name", "last_name"):
        value = (getattr(enquiry, field) or "").strip()
        setattr(enquiry, field, value)
        if not value:
            errors[field] = [str(_l("This is required."))]
    if enquiry.date_of_birth is not None and enquiry.date_of_birth > today_in_london():
        errors["date_of_birth"] = [str(_l("The date of birth cannot be in the future."))]
    if enquiry.waiting_priority is not None and enquiry.waiting_priority not in [p.value for p in WaitingPriority]:
        errors["waiting_priority"] = [str(_l("Priority is 1 (urgent), 2 (high) or 3 (routine)."))]
    if errors:
        raise DomainError(errors)


def _open(enquiry_id) -> Enquiry:
    enquiry = get_or_404(Enquiry, enquiry_id, str(_l("enquiry")))
    if enquiry.stage not in OPEN_STAGES:
        raise DomainError({"stage": [str(_l("This enquiry is closed (%(stage)s).", stage=enquiry.stage.value))]})
    return enquiry


def record_assessment(enquiry_id, assessed_on, notes: str | None = None, by_user=None) -> Enquiry:
    """The home has carried out (or booked) the pre-admission assessment."""
    enquiry = _open(enquiry_id)
    errors = {}
    if not isinstance(assessed_on, dt.date) or isinstance(assessed_on, dt.datetime):
        errors["assessed_on"] = [str(_l("Give the date of the assessment."))]
    if enquiry.stage == EnquiryStage.offer:
        errors["stage"] = [str(_l("A place has already been offered."))]
    if errors:
        raise DomainError(errors)
    enquiry.assessed_on = assessed_on
    if notes:
        enquiry.assessment_notes = str(notes).strip()
    enquiry.stage = EnquiryStage.assessment
    db.session.flush()
    return enquiry


def make_offer(enquiry_id, bed_id, by_user=None) -> Enquiry:
    """Offer a bed after the assessment. The bed must be free and in the enquiry's home."""
    enquiry = _open(enquiry_id)
    errors: dict[str, list[str]] = {}
    if enquiry.stage != EnquiryStage.assessment:
        errors["stage"] = [str(_l("Record the pre-admission assessment before offering a place."))]
    bed = db.session.get(Bed, bed_id) if isinstance(bed_id, int) and not isinstance(bed_id, bool) else None
    if bed is None or bed.home_id != enquiry.home_id:
        errors["bed"] = [str(_l("No such bed in this home."))]
    elif bed.status != BedStatus.available:
        errors["bed"] = [str(_l("This bed is not available."))]
    if errors:
        raise DomainError(errors)
    enquiry.offered_bed = bed
    enquiry.offered_at = utcnow()
    enquiry.stage = EnquiryStage.offer
    db.session.flush()
    return enquiry


def close_enquiry(enquiry_id, stage, reason, by_user=None) -> Enquiry:
    """Declined (by the home or the person) or lost (went elsewhere): the reason is kept."""
    enquiry = _open(enquiry_id)
    errors = {}
    if stage not in (EnquiryStage.declined, EnquiryStage.lost, "declined", "lost"):
        errors["stage"] = [str(_l("Choose declined or lost."))]
    if not isinstance(reason, str) or not reason.strip():
        errors["closed_reason"] = [str(_l("Give the reason."))]
    if errors:
        raise DomainError(errors)
    enquiry.stage = EnquiryStage(stage)
    enquiry.closed_reason = reason.strip()
    enquiry.on_waiting_list = False
    db.session.flush()
    return enquiry


def set_waiting_list(enquiry_id, priority, by_user=None) -> Enquiry:
    """Put an open enquiry on the home's waiting list with a priority (None takes it off)."""
    enquiry = _open(enquiry_id)
    if priority is None:
        enquiry.on_waiting_list = False
        enquiry.waiting_priority = None
    else:
        if priority not in [p.value for p in WaitingPriority] or isinstance(priority, bool):
            raise DomainError({"waiting_priority": [str(_l("Priority is 1 (urgent), 2 (high) or 3 (routine)."))]})
        enquiry.on_waiting_list = True
        enquiry.waiting_priority = priority
    db.session.flush()
    return enquiry


def admit_from_enquiry(enquiry_id, admitted_at, stay_type=StayType.permanent, bed_id=None,
                       resident_id=None, confirm_duplicate: bool = False, by_user=None,
                       enquirer_as_contact: bool = False) -> Stay:
    """Admit the person of an offer: creates their resident record (or uses `resident_id`). With
    `enquirer_as_contact`, the enquirer becomes one of the resident's contacts, in the same
    transaction (not when the resident already has a contact of that name)."""
    enquiry = _open(enquiry_id)
    if enquiry.stage != EnquiryStage.offer:
        raise DomainError({"stage": [str(_l("Offer a place before admitting."))]})
    bed_id = bed_id if bed_id is not None else enquiry.offered_bed_id
    # Two people admitting from one enquiry: the second waits here, then finds it admitted. The
    # bed's lock is taken too before anything is written (the audit trail's lock comes with the
    # first write, and must come after every row lock, or two admissions could wait on each other).
    _lock_for_admission(enquiry, resident_id, bed_id)
    if resident_id is not None:
        resident = get_or_404(Resident, resident_id, str(_l("resident")))
        if resident.home_id != enquiry.home_id:
            raise DomainError({"resident": [str(_l("This resident belongs to another home."))]})
    else:
        resident = Resident(
            home_id=enquiry.home_id, first_name=enquiry.first_name, last_name=enquiry.last_name,
            date_of_birth=enquiry.date_of_birth,
        )
        check_resident(resident, confirm_duplicate=confirm_duplicate)
        db.session.add(resident)
        db.session.flush()
    stay = admit_resident(resident.id, bed_id, admitted_at, stay_type, by_user, enquiry_id=enquiry.id)
    if enquirer_as_contact:
        add_enquirer_contact(enquiry, resident)
    enquiry.resident = resident
    enquiry.stage = EnquiryStage.admitted
    enquiry.on_waiting_list = False
    db.session.flush()
    return stay


def enquirer_relationship(enquiry: Enquiry) -> str:
    return (enquiry.enquirer_relationship or "").strip() or str(_l("Enquirer"))


def add_enquirer_contact(enquiry: Enquiry, resident: Resident) -> Contact | None:
    """The enquirer as the resident's contact (not next of kin unless someone says so later)."""
    name = (enquiry.enquirer_name or "").strip()
    if not name:
        return None
    known = db.session.scalar(select(Contact.id).where(
        Contact.resident_id == resident.id, Contact.voided_at.is_(None),
        func.lower(Contact.name) == name.lower()).limit(1))
    if known is not None:
        return None
    contact = Contact(
        home_id=resident.home_id, resident=resident, name=name[:200],
        relationship_to_resident=enquirer_relationship(enquiry)[:100],
        phone=(enquiry.enquirer_phone or "").strip()[:40] or None, is_next_of_kin=False,
    )
    check_contact(contact)
    db.session.add(contact)
    db.session.flush()
    return contact


def _lock_for_admission(enquiry: Enquiry, resident_id, bed_id) -> None:
    lock_row(Enquiry, enquiry.id)
    db.session.expire(enquiry)
    if enquiry.stage != EnquiryStage.offer:
        admitted = enquiry.resident.full_name if enquiry.resident is not None else None
        raise ConflictError({"stage": [
            str(_l("%(name)s was admitted from this enquiry a moment ago.", name=admitted)) if admitted else
            str(_l("This enquiry was changed a moment ago (%(stage)s).", stage=enquiry.stage.value))
        ]})
    if isinstance(resident_id, int) and not isinstance(resident_id, bool):
        lock_row(Resident, resident_id)
    if isinstance(bed_id, int) and not isinstance(bed_id, bool):
        lock_row(Bed, bed_id)


def board() -> dict:
    """Open enquiries by stage, recent closed ones, and the waiting list, in the user's homes."""
    enquiries = list(db.session.scalars(select(Enquiry).order_by(Enquiry.received_at.desc()).limit(500)))
    columns = {stage: [] for stage in EnquiryStage}
    for enquiry in enquiries:
        columns[enquiry.stage].append(enquiry)
    waiting = sorted(
        (e for e in enquiries if e.on_waiting_list and e.stage in OPEN_STAGES),
        key=lambda e: (e.home.name, e.waiting_priority or 9, e.received_at),
    )
    return {"columns": columns, "waiting": waiting}
