"""Rules for homes, units, rooms and beds."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.exceptions import ConflictError, DomainError
from app.homes.models import Bed, BedServicePeriod, BedStatus, CareHome

# A UK postcode (BS 7666 shape, GIR 0AA included), spaces optional.
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$")
# CQC location ids look like 1-123456789 (a "1-" and 9 to 11 digits).
CQC_LOCATION_ID = re.compile(r"^1-\d{9,11}$")


def normalise_postcode(value: str | None) -> str | None:
    if not value:
        return value
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def check_care_home(home: CareHome) -> None:
    """Validate a home's registration details, reporting every problem together."""
    errors: dict[str, list[str]] = {}
    home.postcode = normalise_postcode(home.postcode)
    if home.postcode and not POSTCODE.match(home.postcode):
        errors["postcode"] = [str(_l("Enter a UK postcode, such as CF10 1AA."))]
    if home.cqc_location_id:
        home.cqc_location_id = home.cqc_location_id.strip()
        if not CQC_LOCATION_ID.match(home.cqc_location_id):
            errors["cqc_location_id"] = [
                str(_l("A CQC location ID looks like 1-123456789."))
            ]
    if home.registered_places is not None and not 1 <= home.registered_places <= 1000:
        errors["registered_places"] = [str(_l("Registered places must be between 1 and 1000."))]
    if errors:
        raise DomainError(errors)


def check_bed(bed, status_before: str | None) -> None:
    """Bed status follows stays: only a stay makes a bed occupied or frees it."""
    status = getattr(bed.status, "value", bed.status)
    before = getattr(status_before, "value", status_before)
    if bed.id is not None and status != before:
        # Someone may have admitted into the bed since the form was opened: wait for them (the
        # bed's row lock, as admissions take it) and judge by what the database has now.
        committed = _locked_status(bed)
        if committed == BedStatus.occupied.value and before != committed:
            raise ConflictError({"status": [str(_l(
                "%(bed)s was taken a moment ago; discharge or move the resident first.", bed=bed))]})
        before = committed
    if status == BedStatus.occupied.value and before != BedStatus.occupied.value:
        raise DomainError(
            {"status": [str(_l("A bed becomes occupied by admitting a resident to it."))]}
        )
    if before == BedStatus.occupied.value and status != BedStatus.occupied.value:
        raise DomainError(
            {"status": [str(_l("This bed is occupied; discharge or move the resident first."))]}
        )
    if status == BedStatus.out_of_service.value and not (bed.out_of_service_reason or "").strip():
        raise DomainError(
            {"out_of_service_reason": [str(_l("Say why the bed is out of service."))]}
        )


def _locked_status(bed) -> str | None:
    """The bed's status as committed, once no one else is changing the bed (not this form's)."""
    from app.extensions import db

    with db.session.no_autoflush:
        status = db.session.scalar(select(Bed.status).where(Bed.id == bed.id).with_for_update(key_share=True))
    return getattr(status, "value", status)


def track_service(bed, status_before: str | None, at: dt.datetime | None = None) -> None:
    """Keep the bed's out-of-service history: a period opens when it goes out of service and
    closes when it comes back (a changed reason while out updates the open period)."""
    from app.extensions import db

    at = at or dt.datetime.now(dt.UTC)
    status = getattr(bed.status, "value", bed.status)
    before = getattr(status_before, "value", status_before)
    out = BedStatus.out_of_service.value
    open_period = next((p for p in bed.service_periods if p.to_at is None), None) if bed.id is not None else None
    if status == out and open_period is None:
        db.session.add(BedServicePeriod(home_id=bed.home_id, bed=bed, from_at=at,
                                        reason=(bed.out_of_service_reason or "").strip()[:200] or None))
    elif status == out:
        open_period.reason = (bed.out_of_service_reason or "").strip()[:200] or open_period.reason
    elif before == out and open_period is not None:
        open_period.to_at = at
