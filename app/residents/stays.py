"""Stays: admit, move bed, hospital leave (bed kept), return, discharge, death.

Rules: a bed holds at most one current stay and a resident at most one; no admission to a bed of
another home or out of service; dates cannot overlap, lie in the future or go backwards; after a
death only after-death records are allowed. The bed's status follows the stay. Each function
validates first, reports every problem together naming the fields, and flushes (never commits).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.exceptions import DomainError
from app.extensions import db
from app.homes.models import Bed, BedStatus
from app.residents.models import (
    Absence,
    DischargeDestination,
    Resident,
    ResidentStatus,
    Stay,
    StayBed,
    StayStatus,
    StayType,
    utcnow,
)
from app.residents.services import as_utc, ensure_alive, get_or_404

# A little clock skew between a device and the server is not "the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def _when(value, field: str, errors: dict) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        errors.setdefault(field, []).append(str(_l("Give a date and time.")))
        return None
    value = as_utc(value)
    if value > utcnow() + FUTURE_TOLERANCE:
        errors.setdefault(field, []).append(str(_l("This cannot be in the future.")))
    return value


def _enum(enum_cls, value, field: str, errors: dict):
    try:
        return enum_cls(value)
    except ValueError:
        errors.setdefault(field, []).append(str(_l(
            "Choose one of: %(choices)s.", choices=", ".join(e.value for e in enum_cls)
        )))
        return None


def _bed(bed_id, resident: Resident, at: dt.datetime | None, errors: dict, field: str = "bed") -> Bed | None:
    bed = db.session.get(Bed, bed_id) if isinstance(bed_id, int) and not isinstance(bed_id, bool) else None
    if bed is None:
        errors.setdefault(field, []).append(str(_l("No such bed in your homes.")))
        return None
    if bed.home_id != resident.home_id:
        errors.setdefault(field, []).append(str(_l("This bed is in another home than the resident.")))
        return None
    if bed.status == BedStatus.out_of_service:
        errors.setdefault(field, []).append(str(_l("This bed is out of service.")))
    elif bed.status == BedStatus.occupied or _bed_held(bed.id, at):
        errors.setdefault(field, []).append(str(_l("This bed is occupied.")))
    return bed


def _bed_held(bed_id: int, since: dt.datetime | None) -> bool:
    """Is the bed held by any stay now, or at any time from `since` (a backdated admission)?"""
    query = select(StayBed.id).where(StayBed.bed_id == bed_id)
    if since is None:
        query = query.where(StayBed.to_at.is_(None))
    else:
        query = query.where(or_(StayBed.to_at.is_(None), StayBed.to_at > since))
    return db.session.scalar(query.limit(1)) is not None


def _last_event_at(stay: Stay) -> dt.datetime:
    times = [as_utc(stay.admitted_at)]
    times += [as_utc(p.from_at) for p in stay.bed_periods]
    for absence in stay.absences:
        times.append(as_utc(absence.left_at))
        if absence.returned_at is not None:
            times.append(as_utc(absence.returned_at))
    return max(times)


def _current_stay(stay_id) -> Stay:
    stay = get_or_404(Stay, stay_id, str(_l("stay")))
    if stay.status == StayStatus.ended:
        raise DomainError({"stay": [str(_l("This stay has ended."))]})
    return stay


def _not_before_last_event(stay: Stay, at: dt.datetime | None, field: str, errors: dict) -> None:
    if at is not None and at < _last_event_at(stay):
        errors.setdefault(field, []).append(str(_l(
            "This cannot be before the stay's last recorded change (%(when)s UTC).",
            when=_last_event_at(stay).strftime("%d/%m/%Y %H:%M"),
        )))


def _set_resident_status(resident: Resident, status: ResidentStatus) -> None:
    resident.status = status


# ---------------------------------------------------------------------------------------------


def admit_resident(resident_id, bed_id, admitted_at, stay_type=StayType.permanent, by_user=None,
                   enquiry_id: int | None = None) -> Stay:
    """Admit a resident to a bed of their home."""
    resident = get_or_404(Resident, resident_id, str(_l("resident")))
    ensure_alive(resident)
    errors: dict[str, list[str]] = {}
    at = _when(admitted_at, "admitted_at", errors)
    kind = _enum(StayType, stay_type, "stay_type", errors)
    if resident.current_stay is not None:
        errors.setdefault("resident", []).append(str(_l("This resident already has a current stay.")))
    bed = _bed(bed_id, resident, at, errors)
    if at is not None:
        for stay in resident.stays:
            if stay.discharged_at is not None and as_utc(stay.discharged_at) > at:
                errors.setdefault("admitted_at", []).append(str(_l(
                    "This overlaps an earlier stay, which ended on %(when)s.",
                    when=as_utc(stay.discharged_at).strftime("%d/%m/%Y %H:%M"),
                )))
                break
    if errors:
        raise DomainError(errors)
    stay = Stay(
        home_id=resident.home_id, resident=resident, bed=bed, stay_type=kind,
        status=StayStatus.current, admitted_at=at, enquiry_id=enquiry_id,
    )
    db.session.add(stay)
    db.session.add(StayBed(home_id=resident.home_id, stay=stay, bed=bed, from_at=at))
    bed.status = BedStatus.occupied
    _set_resident_status(resident, ResidentStatus.in_residence)
    db.session.flush()
    return stay


def move_bed(stay_id, bed_id, moved_at, by_user=None) -> Stay:
    """Move a current stay to another free bed of the same home."""
    stay = _current_stay(stay_id)
    ensure_alive(stay.resident)
    errors: dict[str, list[str]] = {}
    if stay.status == StayStatus.hospital_leave:
        errors["stay"] = [str(_l("The resident is on hospital leave: record their return first."))]
    at = _when(moved_at, "moved_at", errors)
    if isinstance(bed_id, int) and bed_id == stay.bed_id:
        errors.setdefault("bed", []).append(str(_l("The resident is already in this bed.")))
        bed = None
    else:
        bed = _bed(bed_id, stay.resident, None, errors)
    _not_before_last_event(stay, at, "moved_at", errors)
    if errors:
        raise DomainError(errors)
    old_bed = stay.bed
    open_period = next(p for p in stay.bed_periods if p.to_at is None)
    open_period.to_at = at
    db.session.add(StayBed(home_id=stay.home_id, stay=stay, bed=bed, from_at=at))
    stay.bed = bed
    old_bed.status = BedStatus.available
    bed.status = BedStatus.occupied
    db.session.flush()
    return stay


def start_hospital_leave(stay_id, left_at, hospital: str | None = None, reason: str | None = None,
                         by_user=None) -> Absence:
    """The resident goes into hospital; the bed is kept for them."""
    stay = _current_stay(stay_id)
    ensure_alive(stay.resident)
    errors: dict[str, list[str]] = {}
    if stay.status == StayStatus.hospital_leave:
        errors["stay"] = [str(_l("The resident is already on hospital leave."))]
    at = _when(left_at, "left_at", errors)
    _not_before_last_event(stay, at, "left_at", errors)
    if errors:
        raise DomainError(errors)
    absence = Absence(
        home_id=stay.home_id, stay=stay, left_at=at,
        hospital=(hospital or "").strip()[:200] or None, reason=(reason or "").strip() or None,
    )
    db.session.add(absence)
    stay.status = StayStatus.hospital_leave
    _set_resident_status(stay.resident, ResidentStatus.hospital_leave)
    db.session.flush()
    return absence


def return_from_leave(stay_id, returned_at, by_user=None) -> Stay:
    stay = _current_stay(stay_id)
    ensure_alive(stay.resident)
    errors: dict[str, list[str]] = {}
    if stay.status != StayStatus.hospital_leave:
        errors["stay"] = [str(_l("The resident is not on hospital leave."))]
    at = _when(returned_at, "returned_at", errors)
    _not_before_last_event(stay, at, "returned_at", errors)
    if errors:
        raise DomainError(errors)
    absence = next(a for a in stay.absences if a.returned_at is None)
    absence.returned_at = at
    stay.status = StayStatus.current
    _set_resident_status(stay.resident, ResidentStatus.in_residence)
    db.session.flush()
    return stay


def discharge_resident(stay_id, discharged_at, destination, notes: str | None = None, by_user=None) -> Stay:
    """End a stay: home, hospital, another care home, or death (`record_death`). Frees the bed."""
    stay = _current_stay(stay_id)
    errors: dict[str, list[str]] = {}
    where = _enum(DischargeDestination, destination, "destination", errors)
    at = _when(discharged_at, "discharged_at", errors)
    if at is not None and at < as_utc(stay.admitted_at):
        errors.setdefault("discharged_at", []).append(str(_l("The discharge cannot be before the admission.")))
    else:
        _not_before_last_event(stay, at, "discharged_at", errors)
    if errors:
        raise DomainError(errors)
    _end_stay(stay, at, where, notes)
    if where == DischargeDestination.death:
        stay.resident.died_at = at
        _set_resident_status(stay.resident, ResidentStatus.deceased)
    else:
        _set_resident_status(stay.resident, ResidentStatus.discharged)
    db.session.flush()
    return stay


def record_death(resident_id, died_at, notes: str | None = None, by_user=None) -> Resident:
    """Record a death (date and time). Ends the current stay, if any, at that moment."""
    resident = get_or_404(Resident, resident_id, str(_l("resident")))
    ensure_alive(resident, "died_at")
    stay = resident.current_stay
    if stay is not None:
        discharge_resident(stay.id, died_at, DischargeDestination.death, notes, by_user)
        return resident
    errors: dict[str, list[str]] = {}
    at = _when(died_at, "died_at", errors)
    for past in resident.stays:
        if at is not None and past.discharged_at is not None and at < as_utc(past.discharged_at):
            errors.setdefault("died_at", []).append(str(_l("This is before the end of an earlier stay.")))
            break
    if errors:
        raise DomainError(errors)
    resident.died_at = at
    _set_resident_status(resident, ResidentStatus.deceased)
    db.session.flush()
    return resident


def _end_stay(stay: Stay, at: dt.datetime, where: DischargeDestination, notes: str | None) -> None:
    for absence in stay.absences:
        if absence.returned_at is None:
            absence.returned_at = at
    for period in stay.bed_periods:
        if period.to_at is None:
            period.to_at = at
    stay.discharged_at = at
    stay.discharge_destination = where
    stay.discharge_notes = (notes or "").strip() or None if isinstance(notes, str | None) else None
    stay.status = StayStatus.ended
    stay.bed.status = BedStatus.available
