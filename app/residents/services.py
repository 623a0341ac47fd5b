"""Rules for resident records, contacts and the legal register; voiding; duplicates; search.

Every function validates first and reports all problems together as a `DomainError` naming the
fields; it flushes, never commits. Stays are in `stays.py`, enquiries in `enquiries.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from app.crypto import blind_index
from app.exceptions import DomainError, NotFoundError
from app.extensions import db
from app.homes.models import Bed, Room
from app.residents.models import (
    Contact,
    LegalKind,
    LegalRecord,
    LegalStatus,
    Resident,
    ResidentStatus,
    Stay,
    StayStatus,
    utcnow,
)

LONDON = ZoneInfo("Europe/London")
DUE_WITHIN_DAYS = 28
DOLS_MAX_DAYS = 366  # a standard authorisation lasts at most a year


class DuplicateResidentError(DomainError):
    """A resident with the same NHS number, or name and date of birth, exists: confirm to go on."""

    status_code = 409

    def __init__(self, errors, duplicate_of: int):
        super().__init__(errors)
        self.duplicate_of = duplicate_of


# ---------------------------------------------------------------------------------------------
# Small helpers shared by the services


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def london_date(value: dt.datetime) -> dt.date:
    return as_utc(value).astimezone(LONDON).date()


def today_in_london() -> dt.date:
    return utcnow().astimezone(LONDON).date()


def get_or_404(model, pk, what: str):
    obj = db.session.get(model, pk) if isinstance(pk, int) else None
    if obj is None or getattr(obj, "voided_at", None) is not None:
        raise NotFoundError(what)
    return obj


# ---------------------------------------------------------------------------------------------
# NHS number


_NHS_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")


def normalise_nhs_number(value: str | None) -> str | None:
    """The number as ten ASCII digits where it can be: spaces and dashes of any kind dropped, and
    digits of any script (Persian, Arabic-Indic, full-width ...) turned into 0-9, so that one
    person has one number for the check digit, the duplicate check, search and storage."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    compact = _NHS_SEPARATORS.sub("", text)
    return compact or None


def nhs_number_is_valid(value: str) -> bool:
    """Ten ASCII digits whose last is the modulus-11 check digit of the first nine, and not one
    digit repeated (0000000000 and 9999999999 are never issued)."""
    if not re.fullmatch(r"[0-9]{10}", value or ""):
        return False
    if len(set(value)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def nhs_index(value: str | None) -> str | None:
    return blind_index(value, "nhs_number") if value else None


def identity_index(last_name: str | None, first_name: str | None, born_on: dt.date | None) -> str | None:
    if not (last_name and first_name and born_on):
        return None
    return blind_index(f"{last_name}|{first_name}|{born_on.isoformat()}", "resident_identity")


# ---------------------------------------------------------------------------------------------
# Resident record


def check_resident(resident: Resident, confirm_duplicate: bool = False) -> None:
    """Validate a resident record and fill its blind indexes; warn of a likely duplicate."""
    errors: dict[str, list[str]] = {}
    for field in ("first_name", "last_name"):
        value = (getattr(resident, field) or "").strip()
        setattr(resident, field, value)
        if not value:
            errors[field] = [str(_l("This is required."))]
    resident.nhs_number = normalise_nhs_number(resident.nhs_number)
    if resident.nhs_number and not nhs_number_is_valid(resident.nhs_number):
        errors["nhs_number"] = [str(_l(
            "This is not a valid NHS number: it needs 10 digits with a correct check digit."
        ))]
    born = resident.date_of_birth
    if born is not None:
        if born > today_in_london():
            errors["date_of_birth"] = [str(_l("The date of birth cannot be in the future."))]
        elif born < dt.date(1900, 1, 1):
            errors["date_of_birth"] = [str(_l("Check the date of birth: it is before 1900."))]
    if errors:
        raise DomainError(errors)
    resident.nhs_number_index = nhs_index(resident.nhs_number)
    resident.identity_index = identity_index(
        resident.last_name.casefold(), resident.first_name.casefold(), resident.date_of_birth
    )
    if not confirm_duplicate:
        check_duplicate(resident)


def check_duplicate(resident: Resident) -> None:
    """Refuse (with a hint) a record whose NHS number, or name and date of birth, is already used
    in the user's homes, unless the user confirms."""
    with db.session.no_autoflush:
        for column, field, message in (
            ("nhs_number_index", "nhs_number",
             _l("A resident with this NHS number already exists. Confirm to save anyway.")),
            ("identity_index", "date_of_birth",
             _l("A resident with this name and date of birth already exists. Confirm to save anyway.")),
        ):
            value = getattr(resident, column)
            if not value:
                continue
            query = select(Resident.id).where(
                getattr(Resident, column) == value, Resident.voided_at.is_(None)
            )
            if resident.id is not None:
                query = query.where(Resident.id != resident.id)
            other = db.session.scalar(query.limit(1))
            if other is not None:
                raise DuplicateResidentError({field: [str(message)]}, duplicate_of=other)


def ensure_alive(resident: Resident, field: str = "resident") -> None:
    if resident.died_at is not None or resident.status == ResidentStatus.deceased:
        raise DomainError({field: [str(_l(
            "This resident has died: only after-death records can be added."
        ))]})


def void_record(obj, reason: str | None, by_user_id: int | None) -> None:
    """Void a resident, contact or legal record with a reason (it stays in the database)."""
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    errors = {}
    if not reason:
        errors["void_reason"] = [str(_l("Give the reason for voiding this record."))]
    if obj.voided_at is not None:
        errors["voided_at"] = [str(_l("This record is already voided."))]
    if isinstance(obj, Resident) and obj.current_stay is not None:
        errors["resident"] = [str(_l("This resident has a current stay: discharge them first."))]
    if errors:
        raise DomainError(errors)
    obj.voided_at = utcnow()
    obj.voided_by_id = by_user_id
    obj.void_reason = reason
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Contacts and LPA


def check_contact(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    if contact.resident is not None and contact.resident.voided_at is not None:
        errors["resident"] = [str(_l("This resident's record is voided."))]
    if not (contact.name or "").strip():
        errors["name"] = [str(_l("This is required."))]
    if not (contact.relationship_to_resident or "").strip():
        errors["relationship_to_resident"] = [str(_l("Say how this person is related to the resident."))]
    if contact.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact.email.strip()):
        errors["email"] = [str(_l("Enter an email address such as name@example.com."))]
    today = today_in_london()
    for flag, date_field in (
        ("lpa_health_welfare", "lpa_health_welfare_registered_on"),
        ("lpa_property_finance", "lpa_property_finance_registered_on"),
    ):
        registered = getattr(contact, date_field)
        if registered is not None and not getattr(contact, flag):
            errors[flag] = [str(_l("Tick the power of attorney this registration date belongs to."))]
        if registered is not None and registered > today:
            errors[date_field] = [str(_l("The registration date cannot be in the future."))]
    if errors:
        raise DomainError(errors)


# ---------------------------------------------------------------------------------------------
# Legal and advance-care register


def check_legal_record(record: LegalRecord) -> None:
    """The dates and details each kind of record needs."""
    errors: dict[str, list[str]] = {}
    kind = record.kind
    resident = record.resident
    if resident is not None and record.id is None:
        if resident.voided_at is not None:
            errors["resident"] = [str(_l("This resident's record is voided."))]
        elif resident.died_at is not None:
            errors["resident"] = [str(_l("This resident has died: only after-death records can be added."))]
    required = _l("This is required.")
    if kind in (LegalKind.dnacpr, LegalKind.respect, LegalKind.mca, LegalKind.advance_decision):
        if not (record.decision or "").strip():
            errors["decision"] = [str(required)]
        if record.decided_on is None:
            errors["decided_on"] = [str(required)]
    if kind == LegalKind.mca and record.lacks_capacity is None:
        errors["lacks_capacity"] = [str(_l("Record whether the person lacks capacity for this decision."))]
    if kind == LegalKind.dols:
        if record.applied_on is None:
            errors["applied_on"] = [str(_l("Give the date the DoLS application was made."))]
        if record.status == LegalStatus.in_force:
            if record.authorised_on is None:
                errors["authorised_on"] = [str(_l("An authorisation in force needs its date."))]
            if record.expires_on is None:
                errors["expires_on"] = [str(_l("An authorisation in force needs its expiry date."))]
        if record.authorised_on and record.applied_on and record.authorised_on < record.applied_on:
            errors["authorised_on"] = [str(_l("The authorisation cannot come before the application."))]
        if record.authorised_on and record.expires_on:
            if record.expires_on <= record.authorised_on:
                errors["expires_on"] = [str(_l("The expiry date must be after the authorisation date."))]
            elif (record.expires_on - record.authorised_on).days > DOLS_MAX_DAYS:
                errors["expires_on"] = [str(_l("A DoLS authorisation lasts at most one year."))]
    today = today_in_london()
    for field in ("decided_on", "applied_on", "authorised_on"):
        value = getattr(record, field)
        if value is not None and value > today:
            errors.setdefault(field, []).append(str(_l("This date cannot be in the future.")))
    if record.review_on and record.decided_on and record.review_on < record.decided_on:
        errors["review_on"] = [str(_l("The review date cannot be before the decision."))]
    if errors:
        raise DomainError(errors)


def legal_due(within_days: int = DUE_WITHIN_DAYS, today: dt.date | None = None) -> list[dict]:
    """Register entries in force whose expiry or review date falls within `within_days` (or has
    passed), soonest first, in the user's homes."""
    today = today or today_in_london()
    limit = today + dt.timedelta(days=within_days)
    query = (
        select(LegalRecord)
        .join(Resident, LegalRecord.resident_id == Resident.id)
        .where(
            LegalRecord.voided_at.is_(None),
            Resident.voided_at.is_(None),
            Resident.died_at.is_(None),
            LegalRecord.status.in_([LegalStatus.in_force, LegalStatus.applied]),
            or_(LegalRecord.expires_on <= limit, LegalRecord.review_on <= limit),
        )
    )
    rows = []
    for record in db.session.scalars(query):
        for field, what in (("expires_on", _l("expires")), ("review_on", _l("review due"))):
            due = getattr(record, field)
            if due is not None and due <= limit:
                rows.append({
                    "record": record, "home": record.home, "resident": record.resident,
                    "what": str(what), "due_on": due, "days": (due - today).days,
                    "overdue": due < today,
                })
    rows.sort(key=lambda r: (r["home"].name, r["due_on"]))
    return rows


def legal_warnings(resident: Resident, today: dt.date | None = None) -> list[str]:
    """What a nurse must see on the profile: resuscitation decisions, expiring authorisations."""
    today = today or today_in_london()
    warnings = []
    for record in resident.legal_records:
        if record.voided_at is not None or record.status not in (LegalStatus.in_force, LegalStatus.applied):
            continue
        if record.kind in (LegalKind.dnacpr, LegalKind.respect) and record.status == LegalStatus.in_force:
            warnings.append(str(_l("%(kind)s in place: %(decision)s",
                                   kind=record.kind.value.upper(), decision=record.decision or "")))
        if record.expires_on is not None:
            days = (record.expires_on - today).days
            if days < 0:
                warnings.append(str(_l("%(kind)s expired on %(date)s: renew it now.",
                                       kind=record.kind.value.upper(), date=record.expires_on.strftime("%d/%m/%Y"))))
            elif days <= DUE_WITHIN_DAYS:
                warnings.append(str(_l("%(kind)s expires in %(days)s days (%(date)s).",
                                       kind=record.kind.value.upper(), days=days,
                                       date=record.expires_on.strftime("%d/%m/%Y"))))
        if record.review_on is not None and record.review_on < today:
            warnings.append(str(_l("%(kind)s review was due on %(date)s.",
                                   kind=record.kind.value.upper(), date=record.review_on.strftime("%d/%m/%Y"))))
    return warnings


# ---------------------------------------------------------------------------------------------
# Search


def search_residents(text: str, limit: int = 25) -> list[Resident]:
    """By NHS number (exact, through the blind index), room number, or part of a name."""
    text = (text or "").strip()[:100]
    if not text:
        return []
    base = select(Resident).where(Resident.voided_at.is_(None))
    compact = normalise_nhs_number(text) or ""
    if re.fullmatch(r"[0-9]{10}", compact):
        return list(db.session.scalars(base.where(Resident.nhs_number_index == nhs_index(compact))))
    in_room = (
        select(Stay.resident_id)
        .join(Bed, Stay.bed_id == Bed.id)
        .join(Room, Bed.room_id == Room.id)
        .where(Stay.status != StayStatus.ended, func.lower(Room.number) == text.lower())
    )
    words = [w for w in re.split(r"\s+", text.lower()) if w]
    name_match = [
        or_(
            func.lower(Resident.first_name).contains(w, autoescape=True),
            func.lower(Resident.last_name).contains(w, autoescape=True),
            func.lower(Resident.preferred_name).contains(w, autoescape=True),
        )
        for w in words
    ]
    query = base.where(or_(Resident.id.in_(in_room), *([and_(*name_match)] if name_match else [])))
    return list(db.session.scalars(query.order_by(Resident.last_name, Resident.first_name).limit(limit)))




def attach_residents(rows, attribute: str = "resident") -> None:
    """Give each row (tasks, care plan reviews: anything with `resident_id`) its resident, read for all
    of them in one query without their encrypted columns (a list shows only names), so the page does
    not read them one by one."""
    from sqlalchemy.orm import defer
    from sqlalchemy.orm.attributes import set_committed_value

    from app.crypto import encrypted_attributes

    rows = [row for row in rows if row.resident_id is not None]
    ids = sorted({row.resident_id for row in rows})
    if not ids:
        return
    found = {r.id: r for r in db.session.scalars(
        select(Resident).where(Resident.id.in_(ids)).options(*(defer(a) for a in encrypted_attributes(Resident))))}
    for row in rows:
        if row.resident_id in found:
            set_committed_value(row, attribute, found[row.resident_id])
