"""The unit board "at risk now": who, in a home or one unit, needs a nurse's attention and why.

Reasons (codes):
- fluid_low: on a fluid chart (a drink recorded in the last 7 days) and either under half of what the
  daily target expects by this time of day (the target spread over 07:00-21:00 UK time, once that is at
  least 300 mL), or under 60 % of the target over the last 24 hours;
- reposition_overdue: on a repositioning schedule (care profile) and not turned within the interval;
- weight_loss: the latest weight (last 31 days) is 5 % or more below the weight of about a month
  before it (the most recent weight 26 to 45 days before the latest);
- news2_high: a NEWS2 total of 5 or more, or a 3 in one parameter, in the last 24 hours;
- no_bowels: no bowel movement recorded for the profile's number of days (3 by default) after
  the first days of the stay.

The number of queries is fixed whatever the number of residents: the residents with their stay, bed,
room, unit and profile (1), the chart aggregates (1), the weights (1) and the NEWS2 maxima (1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import has_request_context, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from app.care.models import CareProfile, Observation, ObservationSet, SetKind, _aware
from app.care.services import london_day_bounds, now_utc, to_utc
from app.extensions import db
from app.ukdates import LONDON

FLUID_DAY_START_H = 7
FLUID_DAY_HOURS = 14
FLUID_TODAY_SHARE = Decimal("0.5")
FLUID_24H_SHARE = Decimal("0.6")
FLUID_MIN_EXPECTED_ML = 300
FLUID_CHART_DAYS = 7
REPOSITION_LOOKBACK = dt.timedelta(days=7)
BOWEL_LOOKBACK = dt.timedelta(days=30)
WEIGHT_LATEST_WITHIN = dt.timedelta(days=31)
WEIGHT_REFERENCE = (dt.timedelta(days=26), dt.timedelta(days=45))
WEIGHT_LOSS_PCT = Decimal(5)
NEWS2_WINDOW = dt.timedelta(hours=24)
DEFAULT_TARGET_ML = 1500
DEFAULT_BOWEL_DAYS = 3
REASONS = ("news2_high", "fluid_low", "reposition_overdue", "weight_loss", "no_bowels")


def _residents(home_id, unit_id):
    from app.homes.models import Bed, Room, Unit
    from app.residents.models import Resident, Stay, StayStatus

    query = (select(Resident.id, Resident.first_name, Resident.last_name, Resident.preferred_name,
                    Resident.photo_filename, Resident.home_id, Stay.admitted_at, Bed.label.label("bed"),
                    Room.number.label("room"), Unit.id.label("unit_id"), Unit.name.label("unit"),
                    CareProfile.daily_fluid_target_ml, CareProfile.reposition_interval_h,
                    CareProfile.bowel_alert_days)
             .join(Stay, Stay.resident_id == Resident.id).join(Bed, Stay.bed_id == Bed.id)
             .join(Room, Bed.room_id == Room.id).join(Unit, Room.unit_id == Unit.id)
             .outerjoin(CareProfile, CareProfile.resident_id == Resident.id)
             .where(Stay.status == StayStatus.current, Resident.voided_at.is_(None)))
    if home_id is not None:
        query = query.where(Resident.home_id == home_id)
    if unit_id is not None:
        query = query.where(Unit.id == unit_id)
    return db.session.execute(query).all()


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return str(_l("%(m)s min", m=minutes))
    if minutes < 48 * 60:
        return str(_l("%(h)s h %(m)s min", h=minutes // 60, m=minutes % 60))
    return str(_l("%(d)s days", d=minutes // (24 * 60)))


def _photo(row) -> str | None:
    if not row.photo_filename or not has_request_context():
        return None
    try:
        return url_for("ResidentPhotoView.show", pk=row.id)
    except Exception:  # the photo view is optional; the board works without it
        return None


def at_risk(home_id: int | None, unit_id: int | None = None, now: dt.datetime | None = None) -> list[dict]:
    """One dict per resident at risk now, most urgent first: resident_id, name, room, unit, unit_id,
    photo_url, reasons [{code, text, severity}], entry_url, profile_url."""
    now = to_utc(now) if now is not None else now_utc()
    people = _residents(home_id, unit_id)
    if not people:
        return []
    ids = [row.id for row in people]
    local_now = now.astimezone(LONDON)
    day_start, _ = london_day_bounds(local_now.date())
    since_24h = now - dt.timedelta(hours=24)
    fluid_from = now - dt.timedelta(days=FLUID_CHART_DAYS)
    live = and_(Observation.resident_id.in_(ids), Observation.voided.is_(False), Observation.observed_at <= now)
    fluid = Observation.code == "fluid_in"
    aggregates = {row.resident_id: row for row in db.session.execute(
        select(
            Observation.resident_id,
            func.sum(case((and_(fluid, Observation.observed_at >= day_start), Observation.value), else_=0))
            .label("today_ml"),
            func.sum(case((and_(fluid, Observation.observed_at > since_24h), Observation.value), else_=0))
            .label("last24_ml"),
            func.count(case((fluid, 1))).label("drinks"),
            func.max(case((Observation.code == "reposition", Observation.observed_at))).label("turned_at"),
            func.max(case((and_(Observation.code == "bowel", Observation.value.is_not(None)),
                           Observation.observed_at))).label("bowels_at"),
        ).where(live, or_(
            and_(fluid, Observation.observed_at >= fluid_from),
            and_(Observation.code == "reposition", Observation.observed_at >= now - REPOSITION_LOOKBACK),
            and_(Observation.code == "bowel", Observation.observed_at >= now - BOWEL_LOOKBACK),
        )).group_by(Observation.resident_id))}
    weights: dict[int, list[tuple[dt.datetime, Decimal]]] = {}
    for resident_id, value, at in db.session.execute(
            select(Observation.resident_id, Observation.value, Observation.observed_at)
            .where(live, Observation.code == "weight",
                   Observation.observed_at >= now - WEIGHT_LATEST_WITHIN - WEIGHT_REFERENCE[1])
            .order_by(Observation.resident_id, Observation.observed_at.desc())):
        weights.setdefault(resident_id, []).append((_aware(at), Decimal(value)))
    news2 = {row.resident_id: row for row in db.session.execute(
        select(ObservationSet.resident_id, func.max(ObservationSet.news2_total).label("total"),
               func.max(ObservationSet.news2_max_single).label("single"))
        .where(ObservationSet.resident_id.in_(ids), ObservationSet.kind == SetKind.vitals,
               ObservationSet.voided_at.is_(None), ObservationSet.observed_at >= now - NEWS2_WINDOW,
               ObservationSet.observed_at <= now)
        .group_by(ObservationSet.resident_id))}
    elapsed_h = (local_now - local_now.replace(hour=FLUID_DAY_START_H, minute=0, second=0, microsecond=0))
    day_share = min(max(Decimal(elapsed_h.total_seconds()) / Decimal(FLUID_DAY_HOURS * 3600), Decimal(0)), Decimal(1))
    out = []
    for person in people:
        reasons = []
        agg = aggregates.get(person.id)
        scored = news2.get(person.id)
        if scored is not None and ((scored.total or 0) >= 5 or (scored.single or 0) >= 3):
            three = _l(" (a 3 in one parameter)")
            reasons.append({"code": "news2_high", "severity": "high" if (scored.total or 0) >= 5 else "medium",
                            "text": str(_l("NEWS2 %(total)s in the last 24 hours%(red)s", total=scored.total,
                                           red=str(three) if (scored.single or 0) >= 3 else ""))})
        target = Decimal(person.daily_fluid_target_ml or DEFAULT_TARGET_ML)
        if agg is not None and agg.drinks:
            today = Decimal(agg.today_ml or 0)
            last24 = Decimal(agg.last24_ml or 0)
            expected = (target * day_share).quantize(Decimal(1))
            behind_today = expected >= FLUID_MIN_EXPECTED_ML and today < expected * FLUID_TODAY_SHARE
            low_24h = last24 < target * FLUID_24H_SHARE
            if behind_today or low_24h:
                reasons.append({"code": "fluid_low", "severity": "high" if last24 < target / 2 else "medium",
                                "text": str(_l("Drunk %(last24)s mL in 24 hours of %(target)s mL; %(today)s mL "
                                               "today, %(expected)s mL expected by now",
                                               last24=int(last24), target=int(target), today=int(today),
                                               expected=int(expected)))})
        interval = person.reposition_interval_h
        if interval:
            turned = _aware(agg.turned_at) if agg is not None and agg.turned_at is not None else None
            if turned is None or now - turned > dt.timedelta(hours=interval):
                late = (now - turned) if turned else None
                reasons.append({"code": "reposition_overdue",
                                "severity": "high" if late is None or late > dt.timedelta(hours=2 * interval)
                                else "medium",
                                "text": str(_l("Last turned %(ago)s ago (every %(h)s h)", ago=_hours(late), h=interval))
                                if late else str(_l("No repositioning recorded this week (every %(h)s h)",
                                                    h=interval))})
        loss = _weight_loss(weights.get(person.id, ()), now)
        if loss is not None:
            pct, latest, before = loss
            reasons.append({"code": "weight_loss", "severity": "high" if pct >= 10 else "medium",
                            "text": str(_l("Weight down %(pct)s%% in a month (%(before)s kg to %(latest)s kg)",
                                           pct=pct, before=before, latest=latest))})
        bowel_days = person.bowel_alert_days or DEFAULT_BOWEL_DAYS
        limit = dt.timedelta(days=bowel_days)
        opened = _aware(agg.bowels_at) if agg is not None and agg.bowels_at is not None else None
        admitted = _aware(person.admitted_at)
        if (opened is None and now - admitted > limit) or (opened is not None and now - opened > limit):
            reasons.append({"code": "no_bowels", "severity": "medium",
                            "text": str(_l("No bowel movement for %(ago)s", ago=_hours(now - opened))) if opened
                            else str(_l("No bowel movement recorded in 30 days"))})
        if not reasons:
            continue
        reasons.sort(key=lambda r: (r["severity"] != "high", REASONS.index(r["code"])))
        preferred = f" ({person.preferred_name})" if person.preferred_name else ""
        out.append({
            "resident_id": person.id, "name": f"{person.first_name} {person.last_name}{preferred}",
            "room": gettext("Room %(room)s bed %(bed)s", room=person.room, bed=person.bed), "unit": person.unit,
            "unit_id": person.unit_id, "home_id": person.home_id, "photo_url": _photo(person), "reasons": reasons,
            "entry_url": f"/care/entry/?resident={person.id}", "profile_url": f"/residents/{person.id}/",
        })
    out.sort(key=lambda r: (not any(x["severity"] == "high" for x in r["reasons"]), -len(r["reasons"]), r["name"]))
    return out


def _weight_loss(rows, now: dt.datetime):
    """(loss %, latest kg, kg a month before) when the loss is 5 % or more; rows newest first."""
    if not rows:
        return None
    latest_at, latest = rows[0]
    if now - latest_at > WEIGHT_LATEST_WITHIN:
        return None
    low, high = WEIGHT_REFERENCE
    before = next((kg for at, kg in rows if latest_at - high <= at <= latest_at - low), None)
    if not before:
        return None
    pct = ((before - latest) / before * 100).quantize(Decimal("0.1"))
    if pct < WEIGHT_LOSS_PCT:
        return None
    return pct, latest.normalize(), before.normalize()


def as_json(rows: list[dict]) -> list[dict]:
    return rows
