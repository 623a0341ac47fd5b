"""Daily care rules: care notes (late entries, amendments that keep the original), chart entries and
vital-sign sets (limits, confirmations, NEWS2 scored by the form engine and escalated by band),
fluid balance, weight trend, and the latest of each chart.

Every writer validates first and reports the field it refuses (`CareInputError`), flushes and never
commits: the caller (API, page, job) commits once. An entry carries an optional idempotency key
(the tablet's offline queue sends one per entry): the key is unique per home in the database, so a
copy sent twice, even by two requests at the same moment, is saved once and the first is returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from app.care.codes import CHARTS, NEWS2_CODES, OPTIONAL_VITALS, SOFT_SIGNS, ChartSpec
from app.care.models import CareNote, CareProfile, NoteCategory, Observation, ObservationSet, SetKind, _aware
from app.exceptions import DomainError
from app.extensions import db
from app.ukdates import LONDON

FUTURE_GRACE = dt.timedelta(minutes=5)  # a device clock a little ahead is not "the future"
OLDEST_ENTRY = dt.timedelta(days=31)  # older than this is refused: a paper record is transcribed with a note
WEIGHT_WEEK_KG = Decimal(5)  # a change larger than this within 7 days needs a confirmation
WEIGHT_MONTH_KG = Decimal(10)  # ... within 31 days
MAX_TEXT = 10_000
KEY_LENGTH = 100

ROUTINE_NOTES = [
    ("night_asleep", NoteCategory.night_check, _l("Night check: asleep, comfortable")),
    ("night_awake_settled", NoteCategory.night_check, _l("Night check: awake, settled, needs met")),
    ("night_pad_changed", NoteCategory.night_check, _l("Night check: pad changed, repositioned, comfortable")),
    ("personal_care_done", NoteCategory.personal_care, _l("Personal care given, skin intact")),
    ("ate_well", NoteCategory.nutrition, _l("Ate well and enjoyed the meal")),
    ("joined_activity", NoteCategory.social, _l("Joined in the group activity")),
    ("settled_mood", NoteCategory.mood_behaviour, _l("Settled and content today")),
    ("family_visit", NoteCategory.visit, _l("Family visited")),
]


class CareInputError(DomainError, ValueError):
    """An entry refused: `field` names what to correct, `message` says why (translated). With
    `needs_confirmation`, the value is possible but unusual: sending it again with confirm saves it
    with the confirmation recorded."""

    status_code = 422

    def __init__(self, field: str, message, *, needs_confirmation: bool = False,
                 errors: Mapping[str, list] | None = None):
        self.field = field
        self.needs_confirmation = needs_confirmation
        self._text = str(message)
        super().__init__(dict(errors) if errors else {field: [self._text]})

    @property
    def message(self) -> str:  # the first message, without the field's name in front
        return self._text

    def body(self) -> dict:
        body = {"message": self._text, "field": self.field, "errors": self.errors}
        if self.needs_confirmation:
            body["needs_confirmation"] = True
        return body


# ---------------------------------------------------------------------------------------------
# Small helpers


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_utc(value: dt.datetime) -> dt.datetime:
    """A time from a device: naive means UK local time (what the carer's clock showed)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(dt.UTC)


def parse_time(value, field: str = "observed_at") -> dt.datetime | None:
    """An ISO 8601 time (with or without a zone: without means UK local time), or None."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return to_utc(value)
    if not isinstance(value, str) or len(value) > 40:
        raise CareInputError(field, _l("Give the time as a date and time, e.g. 2026-03-29T14:30."))
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CareInputError(field, _l("Give the time as a date and time, e.g. 2026-03-29T14:30.")) from None
    return to_utc(parsed)


def check_time(value: dt.datetime | None, field: str, now: dt.datetime) -> dt.datetime:
    """When it happened: now if not given; never in the future; not older than a month."""
    if value is None:
        return now
    value = to_utc(value)
    if value > now + FUTURE_GRACE:
        raise CareInputError(field, _l("This time is in the future. Give the time it happened."))
    if value < now - OLDEST_ENTRY:
        raise CareInputError(field, _l("This time is more than a month ago; record it as a note on paper "
                                       "records instead."))
    return value


def _user_bits(user) -> tuple[int | None, str]:
    if user is None:
        return None, ""
    name = " ".join(p for p in (getattr(user, "first_name", ""), getattr(user, "last_name", "")) if p)
    return getattr(user, "id", None), (name or getattr(user, "username", "") or "")[:200]


def _check_key(key) -> str | None:
    if key in (None, ""):
        return None
    if not isinstance(key, str) or len(key) > KEY_LENGTH or not key.strip():
        raise CareInputError("idempotency_key", _l("The entry key must be text of at most 100 characters."))
    return key.strip()


def _check_resident(resident) -> None:
    if resident is None or getattr(resident, "voided_at", None) is not None:
        raise CareInputError("resident_id", _l("No such resident in your homes."))


def _check_text(text, field: str, required: bool = True) -> str | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise CareInputError(field, _l("Write what happened."))
        return None
    if not isinstance(text, str):
        raise CareInputError(field, _l("This must be text."))
    if len(text) > MAX_TEXT:
        raise CareInputError(field, _l("At most %(n)s characters.", n=MAX_TEXT))
    return text.strip()


def _existing(model, home_id: int, key: str | None):
    if key is None:
        return None
    return db.session.scalar(select(model).where(model.home_id == home_id, model.idempotency_key == key))


def _same_resident(found, resident):
    if found is not None and found.resident_id != resident.id:
        raise CareInputError("idempotency_key", _l("This entry key was already used for another resident."))
    if found is not None:
        found.was_created = False
    return found


def _insert_once(model, row, home_id: int, key: str | None):
    """Insert `row` (already added with its children) under a savepoint. When another request saved
    the same key first, the database refuses the copy and the first one is returned instead."""
    if key is None:  # nothing another request could have saved first: no savepoint needed
        db.session.add(row)
        db.session.flush()
        row.was_created = True
        return row, True
    savepoint = db.session.begin_nested()
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        found = _existing(model, home_id, key)
        if found is None:
            raise
        return found, False
    savepoint.commit()
    row.was_created = True  # the API answers 201 for a new entry, 200 for one sent again
    return row, True


# ---------------------------------------------------------------------------------------------
# Profile


def profile(resident, create: bool = False) -> CareProfile | None:
    """The resident's care profile (None, or a new one with the defaults when `create`)."""
    found = db.session.scalar(select(CareProfile).where(CareProfile.resident_id == resident.id))
    if found is None and create:
        found = CareProfile(home_id=resident.home_id, resident_id=resident.id, daily_fluid_target_ml=1500,
                            spo2_scale=1, bowel_alert_days=3)
        db.session.add(found)
        db.session.flush()
    return found


PROFILE_LIMITS = {
    "daily_fluid_target_ml": (500, 4000), "reposition_interval_h": (1, 12), "height_cm": (100, 220),
    "spo2_scale": (1, 2), "bowel_alert_days": (1, 14),
}


def update_profile(resident, values: Mapping, user) -> CareProfile:
    """Change a resident's targets: {daily_fluid_target_ml, reposition_interval_h (None: not on a
    repositioning schedule), height_cm, spo2_scale, bowel_alert_days}."""
    _check_resident(resident)
    row = profile(resident, create=True)
    for name, (low, high) in PROFILE_LIMITS.items():
        if name not in values:
            continue
        raw = values[name]
        if raw in (None, "") and name == "reposition_interval_h":
            row.reposition_interval_h = None
            continue
        number = _number(raw, name)
        if number < low or number > high:
            raise CareInputError(name, _l("Give a value from %(low)s to %(high)s.", low=low, high=high))
        setattr(row, name, number if name == "height_cm" else int(number))
    row.updated_by_id = _user_bits(user)[0]
    db.session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Care notes


def record_note(resident, category, text, occurred_at, user, *, routine: bool = False,
                idempotency_key: str | None = None, now: dt.datetime | None = None) -> CareNote:
    """A care note. Entered more than an hour after the event it shows as a late entry."""
    now = now or now_utc()
    _check_resident(resident)
    key = _check_key(idempotency_key)
    found = _same_resident(_existing(CareNote, resident.home_id, key), resident)
    if found is not None:
        return found
    try:
        category = NoteCategory(category)
    except ValueError:
        raise CareInputError("category", _l("Choose a category from the list.")) from None
    text = _check_text(text, "text")
    occurred = check_time(occurred_at, "occurred_at", now)
    author_id, author_name = _user_bits(user)
    note = CareNote(home_id=resident.home_id, resident_id=resident.id, category=category, text=text,
                    occurred_at=occurred, entered_at=now, author_id=author_id, author_name=author_name,
                    routine=bool(routine), idempotency_key=key)
    note, _ = _insert_once(CareNote, note, resident.home_id, key)
    return note


def record_routine_note(resident, routine_key: str, user, *, occurred_at=None, idempotency_key=None,
                        now: dt.datetime | None = None) -> CareNote:
    """One tap on a round: a routine note from ROUTINE_NOTES."""
    found = next((r for r in ROUTINE_NOTES if r[0] == routine_key), None)
    if found is None:
        raise CareInputError("routine", _l("Choose a routine entry from the list."))
    return record_note(resident, found[1], str(found[2]), occurred_at, user, routine=True,
                       idempotency_key=idempotency_key, now=now)


def amend_note(note: CareNote, text, reason, user, *, now: dt.datetime | None = None) -> CareNote:
    """Correct a note: a new note with the new text and the reason; the original is kept, marked
    superseded. Only the current version of a note can be amended."""
    now = now or now_utc()
    text = _check_text(text, "text")
    reason = _check_text(reason, "reason")
    if len(reason) > 1000:
        raise CareInputError("reason", _l("At most %(n)s characters.", n=1000))
    locked = db.session.scalar(select(CareNote).where(CareNote.id == note.id).with_for_update())
    if locked is None or locked.superseded_at is not None:
        raise CareInputError("note", _l("This note has already been amended; amend its latest version."))
    author_id, author_name = _user_bits(user)
    new = CareNote(home_id=locked.home_id, resident_id=locked.resident_id, category=locked.category, text=text,
                   occurred_at=locked.occurred_at, entered_at=now, author_id=author_id, author_name=author_name,
                   routine=False, amends_id=locked.id, amendment_reason=reason)
    savepoint = db.session.begin_nested()
    try:
        db.session.add(new)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        raise CareInputError("note", _l("This note has already been amended; amend its latest version.")) from None
    savepoint.commit()
    new.was_created = True
    locked.superseded_at = now
    locked.superseded_by_id = new.id
    db.session.flush()
    return new


# ---------------------------------------------------------------------------------------------
# Values


def _number(raw, field: str) -> Decimal:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise CareInputError(field, _l("Give a number."))
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise CareInputError(field, _l("Give a number.")) from None
    if not value.is_finite():
        raise CareInputError(field, _l("Give a number."))
    return value


def check_value(code: str, value, value_text=None, *, field: str | None = None) -> tuple[Decimal | None, str | None,
                                                                                          bool]:
    """(value, value_text, unusual) for one chart value; refuses an impossible one naming the field.
    `unusual` means outside the plausible range: it needs a confirmation."""
    field = field or "value"
    spec: ChartSpec | None = CHARTS.get(code)
    if spec is None:
        raise CareInputError("code", _l("Choose a chart from the list."))
    if code == "supplemental_oxygen" and isinstance(value, bool):
        value = int(value)
    text = None
    if value_text not in (None, ""):
        if not isinstance(value_text, str) or value_text not in spec.choices:
            raise CareInputError(field if not spec.value_required and spec.text_required else "value_text",
                                 _l("Choose one of the options."))
        text = value_text
    if spec.text_required and text is None:
        raise CareInputError(field if not spec.value_required else "value_text", _l("Choose one of the options."))
    if value in (None, ""):
        if spec.value_required:
            raise CareInputError(field, _l("Give a value."))
        if code == "bowel" and text is None:
            raise CareInputError(field, _l("Give the Bristol stool type (1 to 7), or record no bowel movement."))
        return None, text, False
    if code == "bowel" and text is not None:
        raise CareInputError(field, _l("Give a stool type or 'no bowel movement', not both."))
    if not spec.value_required and code not in ("bowel",):
        raise CareInputError(field, _l("This chart takes one of the options, not a number."))
    number = _number(value, field)
    low, high = spec.impossible
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            message = _l("%(what)s must be between %(low)s and %(high)s %(unit)s.", what=spec.label, low=low,
                         high=high, unit=spec.unit or "")
        else:
            message = _l("This value is not possible.")
        raise CareInputError(field, message)
    if spec.integer and number != number.to_integral_value():
        raise CareInputError(field, _l("Give a whole number."))
    if spec.value_choices and int(number) not in spec.value_choices:
        raise CareInputError(field, _l("Choose one of: %(values)s.",
                                       values=", ".join(str(v) for v in spec.value_choices)))
    number = number.quantize(Decimal(1) if spec.integer else Decimal("0.01"), rounding=ROUND_HALF_UP)
    p_low, p_high = spec.plausible
    unusual = (p_low is not None and number < p_low) or (p_high is not None and number > p_high)
    return number, text, unusual


def _shown(number: Decimal | None) -> str:
    return "" if number is None else f"{number.normalize():f}"


def _confirm_error(unusual: list[tuple[str, Decimal, ChartSpec]]) -> CareInputError:
    errors = {}
    for field, number, spec in unusual:
        errors[field] = [str(_l("%(what)s of %(value)s %(unit)s is unusual: check it, and confirm to save it.",
                                what=spec.label, value=_shown(number), unit=spec.unit or ""))]
    first = unusual[0][0]
    return CareInputError(first, errors[first][0], needs_confirmation=True, errors=errors)


def _weight_jump(resident, number: Decimal, observed_at: dt.datetime, set_id: int | None = None) -> bool:
    """A weight far from the resident's last one (10 kg in a week is usually a typing or scale error)."""
    rows = db.session.execute(
        select(Observation.value, Observation.observed_at).where(
            Observation.resident_id == resident.id, Observation.code == "weight", Observation.voided.is_(False),
            Observation.observed_at <= observed_at, Observation.observed_at >= observed_at - dt.timedelta(days=31))
        .order_by(Observation.observed_at.desc()).limit(1)).all()
    for value, at in rows:  # against the last weight: a confirmed jump is the new baseline
        age = observed_at - _aware(at)
        change = abs(Decimal(value) - number)
        if age <= dt.timedelta(days=7) and change > WEIGHT_WEEK_KG:
            return True
        if change > WEIGHT_MONTH_KG:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Chart entries


def record_entry(resident, code, value, observed_at, user, *, value_text=None, extra: Mapping | None = None,
                 note=None, confirm: bool = False, idempotency_key: str | None = None,
                 now: dt.datetime | None = None) -> ObservationSet:
    """One chart entry (a drink, a turn, a weight...). `extra` adds values of other charts to the
    same entry, e.g. {"skin_check": "red"} with a repositioning, or {"systolic_bp": 130,
    "diastolic_bp": 80} for a blood pressure."""
    now = now or now_utc()
    _check_resident(resident)
    key = _check_key(idempotency_key)
    found = _same_resident(_existing(ObservationSet, resident.home_id, key), resident)
    if found is not None:
        return found
    if not isinstance(code, str) or code not in CHARTS:
        raise CareInputError("code", _l("Choose a chart from the list."))
    observed = check_time(observed_at, "observed_at", now)
    note = _check_text(note, "note", required=False)
    entries = [(code, value, value_text, "value")]
    for other, raw in (extra or {}).items():
        if other not in CHARTS or other == code:
            raise CareInputError(str(other)[:40], _l("Choose a chart from the list."))
        spec = CHARTS[other]
        if spec.choices and isinstance(raw, str) and not spec.value_required:
            entries.append((other, None, raw, other))
        else:
            entries.append((other, raw, None, other))
    checked, unusual = [], []
    for chart, raw, text, field in entries:
        number, text, odd = check_value(chart, raw, text, field=field)
        if chart == "weight" and number is not None and not odd:
            odd = _weight_jump(resident, number, observed)
        if odd:
            unusual.append((field, number, CHARTS[chart]))
        checked.append((chart, number, text, odd))
    _check_pair(dict((c, n) for c, n, _t, _o in checked))
    if unusual and not confirm:
        raise _confirm_error(unusual)
    obs_set = _new_set(resident, SetKind.chart, observed, now, user, note, key, code=code)
    for chart, number, text, odd in checked:
        _add_observation(obs_set, resident, chart, number, text, observed, odd)
    obs_set.confirmed = [c for c, _n, _t, odd in checked if odd] or None
    obs_set, _ = _insert_once(ObservationSet, obs_set, resident.home_id, key)
    return obs_set


def _check_pair(values: Mapping[str, Decimal | None]) -> None:
    systolic, diastolic = values.get("systolic_bp"), values.get("diastolic_bp")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        raise CareInputError("diastolic_bp", _l("The diastolic pressure must be lower than the systolic."))


def _new_set(resident, kind, observed, now, user, note, key, code=None) -> ObservationSet:
    user_id, user_name = _user_bits(user)
    return ObservationSet(home_id=resident.home_id, resident_id=resident.id, kind=kind, code=code,
                          observed_at=observed, entered_at=now, recorded_by_id=user_id, recorded_by_name=user_name,
                          note=note, idempotency_key=key)


def _add_observation(obs_set, resident, code, number, text, observed, confirmed) -> Observation:
    row = Observation(home_id=resident.home_id, resident_id=resident.id, code=code, value=number, value_text=text,
                      unit=CHARTS[code].unit, observed_at=observed, confirmed=bool(confirmed), voided=False)
    obs_set.observations.append(row)
    return row


def void_set(obs_set: ObservationSet, reason, user, *, now: dt.datetime | None = None) -> ObservationSet:
    """Void an entry made in error (its values no longer count anywhere); it stays, with the reason."""
    reason = _check_text(reason, "reason")
    if obs_set.voided_at is not None:
        raise CareInputError("set", _l("This entry is already voided."))
    obs_set.voided_at = now or now_utc()
    obs_set.void_reason = reason
    obs_set.voided_by_id = _user_bits(user)[0]
    for row in obs_set.observations:
        row.voided = True
    db.session.flush()
    return obs_set


# ---------------------------------------------------------------------------------------------
# Vital signs and NEWS2


def news2_definition():
    """The published `news2` definition of the form engine (published from its file on first use)."""
    from app.assessments.services import definition

    return definition("news2")


def record_vitals(resident, values: Mapping, observed_at, user, *, soft_signs: Iterable[str] = (), note=None,
                  confirm: bool = False, idempotency_key: str | None = None,
                  now: dt.datetime | None = None) -> ObservationSet:
    """A set of vital signs recorded together. The server scores NEWS2 with the form engine and the
    published `news2` definition, stores the score with the set, and escalates by band (urgent
    review by the nurse in charge from 5, or a 3 in one parameter; emergency task and notification
    to the home's nurses from 7)."""
    from forms.engine import validate_and_score

    now = now or now_utc()
    _check_resident(resident)
    key = _check_key(idempotency_key)
    found = _same_resident(_existing(ObservationSet, resident.home_id, key), resident)
    if found is not None:
        return found
    if not isinstance(values, Mapping):
        raise CareInputError("values", _l("Give the vital signs as named values."))
    observed = check_time(observed_at, "observed_at", now)
    note = _check_text(note, "note", required=False)
    signs = _check_soft_signs(soft_signs)
    values = dict(values)
    if values.get("spo2_scale") in (None, ""):
        found_profile = profile(resident)
        values["spo2_scale"] = found_profile.spo2_scale if found_profile is not None else 1
    unknown = [k for k in values if k not in NEWS2_CODES and k not in OPTIONAL_VITALS]
    if unknown:
        raise CareInputError(str(unknown[0])[:40], _l("This is not one of the vital signs."))
    checked, unusual, errors = {}, [], {}
    for code in NEWS2_CODES + OPTIONAL_VITALS:
        raw = values.get(code)
        if raw in (None, ""):
            if code in NEWS2_CODES:
                errors.setdefault(code, []).append(str(_l("Needed for the NEWS2 score.")))
            continue
        spec = CHARTS[code]
        try:
            if spec.choices and not spec.value_required:
                number, text, odd = check_value(code, None, raw, field=code)
            else:
                number, text, odd = check_value(code, raw, None, field=code)
        except CareInputError as error:
            for field, messages in error.errors.items():
                errors.setdefault(field, []).extend(messages)
            continue
        checked[code] = (number, text, odd)
        if odd:
            unusual.append((code, number, spec))
    if errors:
        first = next(iter(errors))
        raise CareInputError(first, errors[first][0], errors=errors)
    _check_pair({c: v[0] for c, v in checked.items()})
    if unusual and not confirm:
        raise _confirm_error(unusual)
    answers = _news2_answers(checked)
    definition = news2_definition()
    result = validate_and_score(definition, answers, locale="en-GB")
    if not result.ok:  # our limits sit inside the form's, so this is a definition changed under us
        field, messages = next(iter(result.errors.items()))
        code = next((c for c in NEWS2_CODES if CHARTS[c].news2_field == field), field)
        raise CareInputError(code, messages[0] if messages else _l("This value cannot be scored."))
    obs_set = _new_set(resident, SetKind.vitals, observed, now, user, note, key)
    for code, (number, text, odd) in checked.items():
        _add_observation(obs_set, resident, code, number, text, observed, odd)
    points = {k: v for k, v in (result.points or {}).items()}
    numeric = [v for v in points.values() if isinstance(v, (int, float))]
    obs_set.news2_total = int(result.total)
    obs_set.news2_band = result.band
    obs_set.news2_band_label = (result.band_label or "")[:200] or None
    obs_set.news2_max_single = int(max(numeric)) if numeric else 0
    obs_set.news2_points = points
    obs_set.news2_form_version = result.version
    obs_set.news2_sha256 = result.sha256
    obs_set.soft_signs = signs or None
    obs_set.confirmed = [c for c, (_n, _t, odd) in checked.items() if odd] or None
    obs_set, created = _insert_once(ObservationSet, obs_set, resident.home_id, key)
    if created:
        from app.care.escalation import escalate

        escalate(obs_set, definition, resident)
    return obs_set


def _check_soft_signs(signs) -> list[str]:
    if signs in (None, ""):
        return []
    if isinstance(signs, str) or not isinstance(signs, Iterable):
        raise CareInputError("soft_signs", _l("Choose soft signs from the list."))
    chosen = []
    for sign in signs:
        if sign not in SOFT_SIGNS:
            raise CareInputError("soft_signs", _l("Choose soft signs from the list."))
        if sign not in chosen:
            chosen.append(sign)
    return chosen


def _news2_answers(checked: Mapping) -> dict:
    answers = {}
    for code in NEWS2_CODES:
        number, text, _odd = checked[code]
        name = CHARTS[code].news2_field
        if code == "supplemental_oxygen":
            answers[name] = bool(number)
        elif code == "consciousness":
            answers[name] = text
        elif code == "temperature":
            answers[name] = float(number)
        else:
            answers[name] = int(number)
    return answers


def news2_answers_of(obs_set: ObservationSet) -> dict:
    """The answers a stored vitals set was scored with (for `flask forms score news2`)."""
    checked = {row.code: (row.value, row.value_text, False) for row in obs_set.observations}
    return _news2_answers(checked)


# ---------------------------------------------------------------------------------------------
# Reading: fluids, weight, latest, NEWS2


def _live(query, model=Observation):
    return query.where(model.voided.is_(False)) if model is Observation else query.where(model.voided_at.is_(None))


FLUID_CODES = ("fluid_in", "fluid_out")
WEIGHT_ROWS = 400  # the latest weights read for the summary (years of weekly weights)


def _target(found: CareProfile | None) -> int:
    return found.daily_fluid_target_ml if found is not None else 1500


def _fluid_rows(resident, start: dt.datetime, end: dt.datetime, *, start_inclusive: bool = True):
    """(code, value, observed_at) of the resident's live fluid entries in [start, end) (or (start, end])."""
    lower = Observation.observed_at >= start if start_inclusive else Observation.observed_at > start
    upper = Observation.observed_at < end if start_inclusive else Observation.observed_at <= end
    return db.session.execute(_live(select(Observation.code, Observation.value, Observation.observed_at).where(
        Observation.resident_id == resident.id, Observation.code.in_(FLUID_CODES), lower, upper))).all()


def _balance_from(rows, since: dt.datetime, until: dt.datetime, target: int) -> dict:
    """Fluid in and out of the entries in (since, until]."""
    totals = {"fluid_in": 0, "fluid_out": 0}
    for code, value, at in rows:
        if since < _aware(at) <= until:
            totals[code] += value or 0
    return {"in_ml": int(totals["fluid_in"]), "out_ml": int(totals["fluid_out"]), "target_ml": target,
            "since": since, "until": until}


def fluid_balance(resident, now: dt.datetime | None = None) -> dict:
    """Fluid in and out over the 24 hours up to now (real hours: a clock change does not add or
    lose one), against the resident's daily target."""
    until = to_utc(now) if now is not None else now_utc()
    since = until - dt.timedelta(hours=24)
    rows = _fluid_rows(resident, since, until, start_inclusive=False)
    return _balance_from(rows, since, until, _target(profile(resident)))


def london_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a UK calendar day (23 or 25 hours long on a clock-change day)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON).astimezone(dt.UTC)
    return start, end


def _day_window(now: dt.datetime, days: int) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The first UK day of the last `days` (today included) and the UTC bounds of the whole window."""
    today = now.astimezone(LONDON).date()
    first = today - dt.timedelta(days=days - 1)
    return first, london_day_bounds(first)[0], london_day_bounds(today)[1]


def _days_from(rows, first: dt.date, days: int, target: int) -> list[dict]:
    out = {first + dt.timedelta(days=i): {"in_ml": 0, "out_ml": 0} for i in range(days)}
    for code, value, at in rows:
        day = _aware(at).astimezone(LONDON).date()
        if day in out:
            out[day]["in_ml" if code == "fluid_in" else "out_ml"] += int(value or 0)
    return [{"day": day, "in_ml": v["in_ml"], "out_ml": v["out_ml"], "target_ml": target} for day, v in out.items()]


def fluid_by_day(resident, days: int = 14, now: dt.datetime | None = None) -> list[dict]:
    """Fluid in and out per UK calendar day, oldest first, for the last `days` days (today included)."""
    now = to_utc(now) if now is not None else now_utc()
    first, start, end = _day_window(now, days)
    return _days_from(_fluid_rows(resident, start, end), first, days, _target(profile(resident)))


def _months_before(at: dt.datetime, months: int) -> dt.datetime:
    return at - dt.timedelta(days=round(30.44 * months))


def _weight_rows(resident) -> list[tuple[Decimal, dt.datetime]]:
    """The resident's latest live weights (value, time), newest first."""
    return [(Decimal(v), _aware(at)) for v, at in db.session.execute(_live(
        select(Observation.value, Observation.observed_at).where(
            Observation.resident_id == resident.id, Observation.code == "weight", Observation.value.is_not(None)))
        .order_by(Observation.observed_at.desc()).limit(WEIGHT_ROWS)).all()]


def _weight_from(rows: list[tuple[Decimal, dt.datetime]], found: CareProfile | None) -> dict:
    summary = {"latest_kg": None, "at": None, "bmi": None, "change_1m_pct": None, "change_3m_pct": None,
               "change_6m_pct": None}
    if not rows:
        return summary
    latest, at = rows[0]
    summary.update(latest_kg=latest, at=at)
    if found is not None and found.height_cm:
        metres = Decimal(found.height_cm) / 100
        summary["bmi"] = (latest / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    for months in (1, 3, 6):
        limit = _months_before(at, months)
        before = next((v for v, when in rows if when <= limit), None)
        if before:
            change = (latest - before) / before * 100
            summary[f"change_{months}m_pct"] = change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return summary


def weight_summary(resident) -> dict:
    """The latest weight, BMI (with the profile's height) and % change over 1, 3 and 6 months (against
    the latest weight recorded at least that long before the latest; None without one)."""
    return _weight_from(_weight_rows(resident), profile(resident))


def chart_summary(resident, *, days: int = 14, weight_days: int = 190, now: dt.datetime | None = None) -> dict:
    """What the resident profile shows of the charts, in three reads (care profile, fluids of the
    window, latest weights): fluid per UK day for the last `days` days (`fluid_days`), the balance of
    the last 24 hours (`balance`), the weight summary (`weight`) and the weights of the last
    `weight_days` days, oldest first (`weight_points`). Each is what the single functions above give."""
    now = to_utc(now) if now is not None else now_utc()
    found = profile(resident)
    target = _target(found)
    first, start, end = _day_window(now, days)
    rows = _fluid_rows(resident, min(start, now - dt.timedelta(hours=24)), max(end, now + dt.timedelta(seconds=1)))
    weights = _weight_rows(resident)
    since = now - dt.timedelta(days=weight_days)
    return {"fluid_days": _days_from(rows, first, days, target),
            "balance": _balance_from(rows, now - dt.timedelta(hours=24), now, target),
            "weight": _weight_from(weights, found),
            "weight_points": [(at, float(value)) for value, at in reversed(weights) if at >= since]}


def percent_change(latest: Decimal, before: Decimal) -> Decimal:
    return ((latest - before) / before * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def latest_by_chart(resident) -> dict[str, Observation]:
    """The latest live observation of each chart code the resident has."""
    newest = (select(Observation.code, func.max(Observation.observed_at).label("at"))
              .where(Observation.resident_id == resident.id, Observation.voided.is_(False))
              .group_by(Observation.code).subquery())
    rows = db.session.scalars(select(Observation).join(newest, and_(
        Observation.code == newest.c.code, Observation.observed_at == newest.c.at)).where(
        Observation.resident_id == resident.id, Observation.voided.is_(False)).order_by(Observation.id)).all()
    return {row.code: row for row in rows}


def news2_history(resident, days: int = 90, now: dt.datetime | None = None) -> list[ObservationSet]:
    """The resident's scored vital-sign sets of the last `days` days, oldest first."""
    now = to_utc(now) if now is not None else now_utc()
    return list(db.session.scalars(_live(select(ObservationSet).where(
        ObservationSet.resident_id == resident.id, ObservationSet.kind == SetKind.vitals,
        ObservationSet.observed_at >= now - dt.timedelta(days=days)), ObservationSet)
        .order_by(ObservationSet.observed_at)))


def notes_of(resident, since: dt.datetime | None = None, current_only: bool = True) -> list[CareNote]:
    query = select(CareNote).where(CareNote.resident_id == resident.id)
    if current_only:
        query = query.where(CareNote.superseded_at.is_(None))
    if since is not None:
        query = query.where(CareNote.occurred_at >= to_utc(since))
    return list(db.session.scalars(query.order_by(CareNote.occurred_at.desc())))
