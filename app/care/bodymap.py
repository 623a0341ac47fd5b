"""Body map services: every rule about marks, their entries and photos lives here.

A mark is a point on the front or back figure (x and y in percent of the figure's width and
height) with the region it falls in, a kind, where it was acquired and when first seen. Each look
at it afterwards is an entry (measurements in mm, description, category for pressure damage, who).
It stays open until healed; one made in error is voided with a reason, never deleted.

Photos are re-encoded exactly as resident photos are (`app.residents.photos`): checked, turned
upright, re-saved as a fresh JPEG under a random name, so no metadata (camera, GPS) reaches disk.

Functions validate first and report every error together (a DomainError naming each field), then
flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.care.bodymap_models import (
    BodyMark,
    BodyMarkEntry,
    BodyMarkPhoto,
    BodySide,
    MarkKind,
    MarkOrigin,
    PressureCategory,
)
from app.exceptions import DomainError
from app.extensions import db
from app.ukdates import LONDON, parse_uk_date, parse_uk_datetime

PHOTO_DIR = "bodymap"
MAX_PHOTOS_PER_ENTRY = 6
MAX_SIDE_PX = 1600  # larger than a profile photo: a wound's edges must stay readable
MAX_MM = Decimal("2000")
MAX_TEXT = 4000
FUTURE_GRACE = dt.timedelta(minutes=5)

# Regions of the figure as boxes in percent (x0, y0, x1, y1), most specific first. The figure is
# drawn facing the viewer on the front (the resident's right is on the left) and from behind on
# the back (the resident's right is on the right). The same table draws the clickable areas.
REGIONS: dict[str, list[tuple[str, object, tuple[float, float, float, float]]]] = {
    "front": [
        ("face", _l("Face and head"), (40, 0, 60, 11)),
        ("neck_front", _l("Neck"), (44, 11, 56, 14)),
        ("right_shoulder", _l("Right shoulder"), (27, 14, 38, 21)),
        ("left_shoulder", _l("Left shoulder"), (62, 14, 73, 21)),
        ("chest", _l("Chest"), (38, 14, 62, 30)),
        ("abdomen", _l("Abdomen"), (38, 30, 62, 42)),
        ("groin", _l("Groin and hips"), (36, 42, 64, 50)),
        ("right_upper_arm", _l("Right upper arm"), (24, 21, 37, 36)),
        ("left_upper_arm", _l("Left upper arm"), (63, 21, 76, 36)),
        ("right_forearm", _l("Right forearm"), (19, 36, 33, 50)),
        ("left_forearm", _l("Left forearm"), (67, 36, 81, 50)),
        ("right_hand", _l("Right hand"), (14, 50, 29, 59)),
        ("left_hand", _l("Left hand"), (71, 50, 86, 59)),
        ("right_thigh", _l("Right thigh"), (36, 50, 50, 70)),
        ("left_thigh", _l("Left thigh"), (50, 50, 64, 70)),
        ("right_knee", _l("Right knee"), (37, 70, 50, 76)),
        ("left_knee", _l("Left knee"), (50, 70, 63, 76)),
        ("right_shin", _l("Right shin"), (38, 76, 50, 92)),
        ("left_shin", _l("Left shin"), (50, 76, 62, 92)),
        ("right_foot", _l("Right foot"), (35, 92, 50, 100)),
        ("left_foot", _l("Left foot"), (50, 92, 65, 100)),
    ],
    "back": [
        ("back_of_head", _l("Back of the head"), (40, 0, 60, 11)),
        ("ears", _l("Ears"), (36, 3, 64, 9)),
        ("neck_back", _l("Back of the neck"), (44, 11, 56, 14)),
        ("left_shoulder_blade", _l("Left shoulder blade"), (27, 14, 50, 26)),
        ("right_shoulder_blade", _l("Right shoulder blade"), (50, 14, 73, 26)),
        ("upper_back", _l("Upper back"), (38, 26, 62, 32)),
        ("lower_back", _l("Lower back"), (38, 32, 62, 40)),
        ("sacrum", _l("Sacrum and coccyx"), (43, 40, 57, 48)),
        ("left_buttock", _l("Left buttock"), (36, 40, 50, 52)),
        ("right_buttock", _l("Right buttock"), (50, 40, 64, 52)),
        ("left_elbow", _l("Left elbow"), (20, 32, 34, 40)),
        ("right_elbow", _l("Right elbow"), (66, 32, 80, 40)),
        ("left_arm_back", _l("Back of the left arm"), (19, 21, 37, 50)),
        ("right_arm_back", _l("Back of the right arm"), (63, 21, 81, 50)),
        ("left_hand_back", _l("Back of the left hand"), (14, 50, 29, 59)),
        ("right_hand_back", _l("Back of the right hand"), (71, 50, 86, 59)),
        ("left_thigh_back", _l("Back of the left thigh"), (36, 52, 50, 70)),
        ("right_thigh_back", _l("Back of the right thigh"), (50, 52, 64, 70)),
        ("left_calf", _l("Left calf"), (37, 70, 50, 92)),
        ("right_calf", _l("Right calf"), (50, 70, 63, 92)),
        ("left_heel", _l("Left heel"), (35, 92, 50, 100)),
        ("right_heel", _l("Right heel"), (50, 92, 65, 100)),
    ],
}
REGION_LABELS = {code: text for side in REGIONS.values() for code, text, _box in side}


def region_label(code: str | None) -> str:
    return str(REGION_LABELS.get(code or "", code or ""))


def region_at(side: str, x: float, y: float) -> str:
    """The region a point falls in; outside every box, the region whose box is nearest."""
    boxes = REGIONS[side]
    for code, _text, (x0, y0, x1, y1) in boxes:
        if x0 <= x <= x1 and y0 <= y <= y1:
            return code

    def distance(box):
        x0, y0, x1, y1 = box[2]
        dx = max(x0 - x, 0, x - x1)
        dy = max(y0 - y, 0, y - y1)
        return dx * dx + dy * dy

    return min(boxes, key=distance)[0]


def regions_for_page() -> dict:
    """The regions as plain values, for the figure's script and the no-script drop-down."""
    return {side: [{"code": code, "label": str(text), "box": list(box)} for code, text, box in boxes]
            for side, boxes in REGIONS.items()}


# ---------------------------------------------------------------------------------------------
# Reading typed values (the API and the pages share them, so the messages are the same)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    return _now().astimezone(LONDON).date()


def _enum(enum_cls, value, field: str, errors: dict, required: bool = True, message=None):
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(str(_l("This field is required.")))
        return None
    raw = getattr(value, "value", value)
    if not isinstance(raw, str) or raw not in enum_cls.__members__:
        errors.setdefault(field, []).append(str(message or _l("Choose one of the values offered.")))
        return None
    return enum_cls[raw]


def _number(value, field: str, errors: dict, *, low, high, required=False, message=None) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(str(_l("This field is required.")))
        return None
    if isinstance(value, bool):
        value = "x"
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(str(_l("Enter a number.")))
        return None
    if not number.is_finite() or number < low or number > high:
        errors.setdefault(field, []).append(str(message or _l("Enter a number from %(low)s to %(high)s.",
                                                               low=low, high=high)))
        return None
    return number


def _date(value, field: str, errors: dict, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(str(_l("This field is required.")))
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(LONDON).date()
    if isinstance(value, dt.date):
        day = value
    else:
        day = parse_uk_date(value)
    if day is None:
        errors.setdefault(field, []).append(str(_l("Enter a date as day/month/year, e.g. 24/08/2026.")))
        return None
    if day > _today():
        errors.setdefault(field, []).append(str(_l("This date is in the future.")))
        return None
    return day


def _when(value, field: str, errors: dict) -> dt.datetime:
    """A time something was seen: now when not given; refused when in the future."""
    if value in (None, ""):
        return _now()
    when = value if isinstance(value, dt.datetime) else parse_uk_datetime(value)
    if when is None:
        errors.setdefault(field, []).append(str(_l("Enter a date and time, e.g. 24/08/2026 14:05.")))
        return _now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=LONDON)
    when = when.astimezone(dt.UTC)
    if when > _now() + FUTURE_GRACE:
        errors.setdefault(field, []).append(str(_l("This time is in the future.")))
    return when


def _text(value, field: str, errors: dict, required: bool = False) -> str | None:
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            errors.setdefault(field, []).append(str(_l("This field is required.")))
        return None
    if len(value) > MAX_TEXT:
        errors.setdefault(field, []).append(str(_l("Keep this under %(n)s characters.", n=MAX_TEXT)))
        return None
    return value


def _who(user) -> tuple[int | None, str | None]:
    if user is None:
        return None, None
    full = " ".join(p for p in (getattr(user, "first_name", ""), getattr(user, "last_name", "")) if p).strip()
    return user.id, full or getattr(user, "username", None)


def _measurements(values: dict, errors: dict) -> dict:
    return {name: _number(values.get(name), name, errors, low=Decimal("0"), high=MAX_MM,
                          message=_l("Enter a size in millimetres from 0 to %(high)s.", high=MAX_MM))
            for name in ("length_mm", "width_mm", "depth_mm")}


def _category(kind, value, errors: dict):
    """A category only for pressure damage; pressure damage needs one."""
    if kind is None:
        return None
    if kind != MarkKind.pressure_damage:
        if value not in (None, ""):
            errors.setdefault("category", []).append(
                str(_l("Only pressure damage has a category; leave it empty for this kind of mark.")))
        return None
    return _enum(PressureCategory, value, "category", errors,
                 message=_l("Choose category 1 to 4, unstageable or deep tissue injury."))


# ---------------------------------------------------------------------------------------------
# Marks and entries


def record_mark(resident, user, *, side, x, y, kind, origin, first_seen_on, region=None, category=None,
                description=None, length_mm=None, width_mm=None, depth_mm=None, observed_at=None,
                photos=()) -> BodyMark:
    """A new mark with its first entry (and photos). Every error is reported together."""
    errors: dict[str, list[str]] = {}
    if resident is None or resident.voided_at is not None:
        errors["resident_id"] = [str(_l("Give the id of a resident of your homes."))]
    side_value = _enum(BodySide, side, "side", errors, message=_l("Choose front or back."))
    x_pct = _number(x, "x", errors, low=0, high=100, required=True,
                    message=_l("The point must lie on the figure: across from 0 to 100 %."))
    y_pct = _number(y, "y", errors, low=0, high=100, required=True,
                    message=_l("The point must lie on the figure: down from 0 to 100 %."))
    kind_value = _enum(MarkKind, kind, "kind", errors,
                       message=_l("Choose bruise, skin tear, pressure damage, wound, rash or other."))
    category_value = _category(kind_value, category, errors)
    origin_value = _enum(MarkOrigin, origin, "origin", errors,
                         message=_l("Choose acquired in the home, present on admission or acquired elsewhere."))
    seen = _date(first_seen_on, "first_seen_on", errors)
    sizes = _measurements({"length_mm": length_mm, "width_mm": width_mm, "depth_mm": depth_mm}, errors)
    text = _text(description, "description", errors)
    when = _when(observed_at, "observed_at", errors)
    region_code = None
    if side_value is not None and region not in (None, ""):
        if not isinstance(region, str) or region not in {code for code, _t, _b in REGIONS[side_value.value]}:
            errors.setdefault("region", []).append(str(_l("Choose a region of the %(side)s of the body.",
                                                          side=side_value.value)))
        else:
            region_code = region
    elif side_value is not None and x_pct is not None and y_pct is not None:
        region_code = region_at(side_value.value, float(x_pct), float(y_pct))
    images = _check_photos(photos, errors)
    if errors:
        raise DomainError(errors)
    user_id, user_name = _who(user)
    mark = BodyMark(
        home_id=resident.home_id, resident_id=resident.id, side=side_value, x_pct=x_pct, y_pct=y_pct,
        region=region_code, kind=kind_value, category=category_value, origin=origin_value, first_seen_on=seen,
        created_by_id=user_id, created_by_name=user_name, created_at=_now(),
    )
    db.session.add(mark)
    db.session.flush()
    entry = BodyMarkEntry(
        home_id=mark.home_id, mark_id=mark.id, resident_id=resident.id, observed_at=when, entered_at=_now(),
        category=category_value, description=text, recorded_by_id=user_id, recorded_by_name=user_name, **sizes,
    )
    db.session.add(entry)
    db.session.flush()
    _store_photos(entry, images, user_id)
    return mark


def add_entry(mark: BodyMark, user, *, description=None, length_mm=None, width_mm=None, depth_mm=None,
              category=None, observed_at=None, photos=()) -> BodyMarkEntry:
    """Another dated look at an open mark. A pressure damage entry may change its category."""
    errors: dict[str, list[str]] = {}
    _refuse_closed(mark)
    sizes = _measurements({"length_mm": length_mm, "width_mm": width_mm, "depth_mm": depth_mm}, errors)
    if mark.kind == MarkKind.pressure_damage and category in (None, ""):
        category_value = mark.category  # unchanged
    else:
        category_value = _category(mark.kind, category, errors)
    text = _text(description, "description", errors)
    when = _when(observed_at, "observed_at", errors)
    if when.astimezone(LONDON).date() < mark.first_seen_on and "observed_at" not in errors:
        errors.setdefault("observed_at", []).append(str(_l("This is before the mark was first seen.")))
    images = _check_photos(photos, errors)
    if text is None and not any(v is not None for v in sizes.values()) and not images and not errors:
        errors["description"] = [str(_l("Describe the mark, give a measurement or add a photo."))]
    if errors:
        raise DomainError(errors)
    user_id, user_name = _who(user)
    entry = BodyMarkEntry(
        home_id=mark.home_id, mark_id=mark.id, resident_id=mark.resident_id, observed_at=when, entered_at=_now(),
        category=category_value, description=text, recorded_by_id=user_id, recorded_by_name=user_name, **sizes,
    )
    db.session.add(entry)
    if category_value is not None:
        mark.category = category_value
    db.session.flush()
    _store_photos(entry, images, user_id)
    return entry


def mark_healed(mark: BodyMark, user, healed_on, note=None) -> BodyMark:
    errors: dict[str, list[str]] = {}
    _refuse_closed(mark)
    day = _date(healed_on, "healed_on", errors)
    if day is not None and day < mark.first_seen_on:
        errors.setdefault("healed_on", []).append(str(_l(
            "A mark cannot heal before it was first seen (%(day)s).", day=mark.first_seen_on.strftime("%d/%m/%Y"))))
    text = _text(note, "note", errors)
    if errors:
        raise DomainError(errors)
    mark.healed_on = day
    mark.healed_note = text
    mark.healed_by_id = _who(user)[0]
    db.session.flush()
    return mark


def void_mark(mark: BodyMark, user, reason) -> BodyMark:
    """A mark made in error: kept, with its entries, and shown as voided with the reason."""
    if mark.voided_at is not None:
        raise DomainError({"_": [str(_l("This mark is already voided."))]})
    errors: dict[str, list[str]] = {}
    text = _text(reason, "reason", errors, required=True)
    if errors:
        raise DomainError(errors)
    mark.voided_at = _now()
    mark.void_reason = text
    mark.voided_by_id = _who(user)[0]
    db.session.flush()
    return mark


def _refuse_closed(mark: BodyMark) -> None:
    if mark.voided_at is not None:
        raise DomainError({"_": [str(_l("This mark was voided; it cannot be changed."))]})
    if mark.healed_on is not None:
        raise DomainError({"_": [str(_l("This mark healed on %(day)s; record a new mark if it comes back.",
                                        day=mark.healed_on.strftime("%d/%m/%Y")))]})


# ---------------------------------------------------------------------------------------------
# Photos


def photo_dir() -> Path:
    path = Path(current_app.config["FILES_DIR"]) / PHOTO_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_path(photo: BodyMarkPhoto) -> Path | None:
    base = photo_dir().resolve()
    path = (base / photo.filename).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def reencode(data: bytes) -> bytes:
    """A body-map photo checked and re-encoded as resident photos are, with its metadata dropped."""
    from app.residents.photos import reencode as reencode_photo

    return reencode_photo(data, MAX_SIDE_PX)


def _check_photos(photos, errors: dict) -> list[bytes]:
    photos = [p for p in (photos or ()) if p]
    if len(photos) > MAX_PHOTOS_PER_ENTRY:
        errors.setdefault("photo", []).append(str(_l("Add at most %(n)s photos at a time.", n=MAX_PHOTOS_PER_ENTRY)))
        return []
    images = []
    for data in photos:
        try:
            images.append(reencode(data))
        except DomainError as error:
            for message in error.errors.get("photo", []):
                if message not in errors.get("photo", []):
                    errors.setdefault("photo", []).append(message)
    return images


def _store_photos(entry: BodyMarkEntry, images: list[bytes], user_id) -> list[BodyMarkPhoto]:
    rows = []
    for image in images:
        name = f"{secrets.token_hex(16)}.jpg"
        (photo_dir() / name).write_bytes(image)
        row = BodyMarkPhoto(home_id=entry.home_id, entry_id=entry.id, mark_id=entry.mark_id, filename=name,
                            created_by_id=user_id, created_at=_now())
        db.session.add(row)
        rows.append(row)
    if rows:
        db.session.flush()
    return rows


def add_photo(entry: BodyMarkEntry, user, data: bytes) -> BodyMarkPhoto:
    """One more photo of an existing entry of an open mark."""
    _refuse_closed(entry.mark)
    if entry.voided_at is not None:
        raise DomainError({"_": [str(_l("This entry was voided; it cannot be changed."))]})
    errors: dict[str, list[str]] = {}
    images = _check_photos([data] if data else [b""], errors) if data else []
    if not data:
        errors["photo"] = [str(_l("Choose a photo to upload."))]
    if errors:
        raise DomainError(errors)
    return _store_photos(entry, images, _who(user)[0])[0]


# ---------------------------------------------------------------------------------------------
# Reading


def get_mark(pk) -> BodyMark | None:
    """A mark of the homes in scope (None for another home's, or an id no row can have)."""
    from app.guards import valid_int_id

    if not valid_int_id(pk):
        return None
    return db.session.scalar(select(BodyMark).where(BodyMark.id == int(pk)))


def marks_of(resident_id: int, include_closed: bool = True) -> list[BodyMark]:
    query = select(BodyMark).where(BodyMark.resident_id == resident_id)
    if not include_closed:
        query = query.where(BodyMark.voided_at.is_(None), BodyMark.healed_on.is_(None))
    return list(db.session.scalars(query.order_by(BodyMark.first_seen_on.desc(), BodyMark.id.desc())))


def open_marks(home_ids=None, kind: MarkKind | None = None) -> list[BodyMark]:
    query = select(BodyMark).where(BodyMark.voided_at.is_(None), BodyMark.healed_on.is_(None))
    if home_ids is not None:
        query = query.where(BodyMark.home_id.in_(sorted(home_ids)))
    if kind is not None:
        query = query.where(BodyMark.kind == kind)
    return list(db.session.scalars(query.order_by(BodyMark.first_seen_on.desc(), BodyMark.id.desc())))


def home_acquired_pressure_damage(home_ids=None, since: dt.date | None = None) -> dict:
    """Pressure damage acquired in the home (not voided): open now, new since a date (default the
    last 30 days), by category of the open ones. For the manager's count."""
    since = since or (_today() - dt.timedelta(days=30))
    base = select(BodyMark).where(BodyMark.kind == MarkKind.pressure_damage, BodyMark.origin == MarkOrigin.home,
                                  BodyMark.voided_at.is_(None))
    if home_ids is not None:
        base = base.where(BodyMark.home_id.in_(sorted(home_ids)))
    marks = list(db.session.scalars(base))
    open_marks_ = [m for m in marks if m.healed_on is None]
    by_category: dict[str, int] = {}
    for mark in open_marks_:
        key = mark.category.value if mark.category is not None else ""
        by_category[key] = by_category.get(key, 0) + 1
    return {"open": len(open_marks_), "new": sum(1 for m in marks if m.first_seen_on >= since), "since": since,
            "by_category": by_category}


def marks_seen_between(home_id: int, start: dt.datetime, end: dt.datetime, resident_ids=None) -> list[BodyMark]:
    """Marks recorded, or looked at again, in a period (a shift): the handover's new marks of concern."""
    query = (select(BodyMark).join(BodyMarkEntry, BodyMarkEntry.mark_id == BodyMark.id)
             .where(BodyMark.home_id == home_id, BodyMark.voided_at.is_(None), BodyMarkEntry.voided_at.is_(None),
                    BodyMarkEntry.observed_at >= start, BodyMarkEntry.observed_at < end)
             .distinct())
    if resident_ids is not None:
        query = query.where(BodyMark.resident_id.in_(sorted(resident_ids)))
    return sorted(db.session.scalars(query), key=lambda m: (m.resident_id, m.id))
