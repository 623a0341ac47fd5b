"""Stays: admit, move bed, hospital leave (bed kept), return, discharge, death.

Rules: a bed holds at most one current stay and a resident at most one; no admission to a bed of
another home or out of service; dates cannot overlap, lie in the future or go backwards; after a
death only after-death records are allowed. The bed's status follows the stay. Each function
validates first, reports every problem together naming the fields, and flushes (never commits).

Two people may admit into one bed at the same moment. The database refuses the second open stay
(partial unique indexes, migration 0008); before writing, each function takes the row locks of the
resident and then of the bed (always in that order), looks again, and tells the one who lost the
race which bed was taken and by whom. A refusal by the database itself (a path that skipped the
lock, or SQLite, which has no row locks) is turned into the same message: never a server error.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from app.exceptions import ConflictError, DomainError
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
        holder = holder_of(bed.id)
        if holder is not None and holder.id != resident.id:
            errors.setdefault(field, []).append(str(_l(
                "%(bed)s is occupied by %(name)s.", bed=bed, name=holder.full_name)))
        else:
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


def holder_of(bed_id: int) -> Resident | None:
    """The resident whose stay (not ended) holds the bed now, if any."""
    open_period = select(StayBed.stay_id).where(StayBed.bed_id == bed_id, StayBed.to_at.is_(None))
    held = or_(and_(Stay.bed_id == bed_id, Stay.status != StayStatus.ended), Stay.id.in_(open_period))
    query = select(Resident).join(Stay, Stay.resident_id == Resident.id).where(held).order_by(Stay.id)
    return db.session.scalar(query.limit(1))


def open_stay_of(resident_id: int) -> Stay | None:
    """The resident's stay that has not ended, as the database has it now."""
    query = select(Stay).where(Stay.resident_id == resident_id, Stay.status != StayStatus.ended).order_by(Stay.id)
    return db.session.scalar(query.limit(1))


# ---------------------------------------------------------------------------------------------
# Two people at once: row locks, a second look, and the database's own refusal


def _lock(resident: Resident, *beds: Bed | None) -> None:
    """Wait until no other transaction is changing this resident's stays or these beds, then
    forget what this session had read of them, so the second look sees what the other wrote.

    Locks are taken resident first, then beds by id, so two requests never wait for each other.
    FOR NO KEY UPDATE (not FOR UPDATE): rows that merely point at a resident or a bed (notes,
    assessments) can still be written meanwhile. SQLite ignores it: it has one writer at a time."""
    lock_row(Resident, resident.id)
    for bed in sorted({b for b in beds if b is not None}, key=lambda b: b.id):
        lock_row(Bed, bed.id)
        db.session.expire(bed)
    db.session.expire(resident)


def lock_row(model, pk: int) -> None:
    """SELECT ... FOR NO KEY UPDATE of one row: wait for whoever is changing it to commit."""
    db.session.execute(select(model.id).where(model.id == pk).with_for_update(key_share=True))


def _taken_message(bed: Bed, holder: Resident | None) -> str:
    if holder is None:
        return str(_l("%(bed)s was taken a moment ago by another admission.", bed=bed))
    return str(_l("%(bed)s was taken a moment ago by %(name)s.", bed=bed, name=holder.full_name))


def _has_stay_message(resident: Resident, stay: Stay | None) -> str:
    if stay is None or stay.bed is None:
        return str(_l("%(name)s already has a current stay.", name=resident.full_name))
    return str(_l("%(name)s already has a current stay in %(bed)s.", name=resident.full_name, bed=stay.bed))


def _look_again(resident: Resident, bed: Bed | None, stay_id: int | None = None) -> None:
    """After the locks: is the resident still without another stay, and the bed still free?"""
    errors: dict[str, list[str]] = {}
    if resident.died_at is not None or resident.status == ResidentStatus.deceased:
        raise ConflictError({"resident": [str(_l(
            "%(name)s's death was recorded a moment ago.", name=resident.full_name))]})
    other = open_stay_of(resident.id)
    if other is not None and other.id != stay_id:
        errors["resident"] = [_has_stay_message(resident, other)]
    if bed is not None:
        holder = holder_of(bed.id)
        if bed.status == BedStatus.out_of_service:
            errors["bed"] = [str(_l("%(bed)s was taken out of service a moment ago.", bed=bed))]
        elif holder is not None or bed.status == BedStatus.occupied:
            errors["bed"] = [_taken_message(bed, holder)]
    if errors:
        raise ConflictError(errors)


# Which rule of migration 0008 a refused write broke: the index name (PostgreSQL) or the columns
# SQLite names in its message.
_RULES = (
    ("bed", ("uq_stay_bed_open_bed", "uq_stay_open_bed", "stay_bed.bed_id", "stay.bed_id")),
    ("resident", ("uq_stay_open_resident", "stay.resident_id")),
    ("enquiry", ("uq_stay_enquiry", "stay.enquiry_id")),
)


def broken_rule(error: IntegrityError) -> str | None:
    """'bed', 'resident' or 'enquiry' when the error is one of the one-open-stay rules."""
    text = str(getattr(error, "orig", error))
    constraint = getattr(getattr(getattr(error, "orig", None), "diag", None), "constraint_name", None)
    for field, names in _RULES:
        if constraint in names or any(name in text for name in names):
            return field
    return None


@contextlib.contextmanager
def refused_as_taken(resident: Resident, bed: Bed | None):
    """Write a stay change in a savepoint, flushed at the end; if the database refuses a second
    open stay, say who has it instead of failing.

    The savepoint starts before anything is added (starting it flushes what is pending) and keeps
    the transaction usable to look the winner up: on PostgreSQL the unique index waited for the
    other transaction, so what it wrote is committed and visible now."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        field = broken_rule(error)
        if field is None:
            raise
        if field == "bed" and bed is not None:
            message = _taken_message(bed, holder_of(bed.id))
        elif field == "resident":
            message = _has_stay_message(resident, open_stay_of(resident.id))
        else:
            message = str(_l("This enquiry was admitted a moment ago."))
        raise ConflictError({field if field != "enquiry" else "stage": [message]}) from None


def _last_event_at(stay: Stay) -> dt.datetime:
    times = [as_utc(stay.admitted_at)]
    times += [as_utc(p.from_at) for p in stay.bed_periods]
    for absence in stay.absences:
        times.append(as_utc(absence.left_at))
        if absence.returned_at is not None:
            times.append(as_utc(absence.returned_at))
    return max(times)


def _still_current(stay: Stay, resident: Resident) -> Stay:
    """After the locks: the stay as the database has it now, refused if it ended meanwhile."""
    db.session.expire(stay)
    if stay.status == StayStatus.ended:
        raise ConflictError({"stay": [str(_l(
            "%(name)s's stay was ended a moment ago.", name=resident.full_name))]})
    return stay


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
    current = open_stay_of(resident.id)
    if current is not None:
        errors.setdefault("resident", []).append(_has_stay_message(resident, current))
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
    _lock(resident, bed)
    _look_again(resident, bed)
    with refused_as_taken(resident, bed):
        stay = Stay(
            home_id=resident.home_id, resident=resident, bed=bed, stay_type=kind,
            status=StayStatus.current, admitted_at=at, enquiry_id=enquiry_id,
        )
        db.session.add(stay)
        db.session.add(StayBed(home_id=resident.home_id, stay=stay, bed=bed, from_at=at))
        bed.status = BedStatus.occupied
        _set_resident_status(resident, ResidentStatus.in_residence)
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
    resident, old_bed = stay.resident, stay.bed
    _lock(resident, old_bed, bed)
    stay = _still_current(stay, resident)
    if stay.bed_id != old_bed.id or stay.status == StayStatus.hospital_leave:
        raise ConflictError({"stay": [str(_l(
            "%(name)s's stay was changed a moment ago: look at it again.", name=resident.full_name))]})
    _look_again(resident, bed, stay_id=stay.id)
    with refused_as_taken(resident, bed):
        open_period = next(p for p in stay.bed_periods if p.to_at is None)
        open_period.to_at = at
        db.session.add(StayBed(home_id=stay.home_id, stay=stay, bed=bed, from_at=at))
        stay.bed = bed
        old_bed.status = BedStatus.available
        bed.status = BedStatus.occupied
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
    _lock(stay.resident)
    if _still_current(stay, stay.resident).status == StayStatus.hospital_leave:
        raise ConflictError({"stay": [str(_l("The resident's hospital leave was recorded a moment ago."))]})
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
    _lock(stay.resident)
    if _still_current(stay, stay.resident).status != StayStatus.hospital_leave:
        raise ConflictError({"stay": [str(_l("The resident's return was recorded a moment ago."))]})
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
    _lock(stay.resident, stay.bed)
    stay = _still_current(stay, stay.resident)
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
    _lock(resident)
    if resident.died_at is not None or open_stay_of(resident.id) is not None:
        raise ConflictError({"resident": [str(_l(
            "%(name)s's record was changed a moment ago: look at it again.", name=resident.full_name))]})
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
