"""Occupancy per unit, home and group over a period of nights.

A bed-night is the night that starts on a date (Europe/London). A stay holding a bed from
`from_at` to `to_at` occupies the nights from the date of `from_at` up to, not including, the
date of `to_at`: admitted on the 1st and discharged on the 4th is 3 nights; admitted and
discharged on one day is none. Hospital leave keeps the bed, so its nights count as occupied (and
are also shown on their own).

Available bed-nights are each bed's nights in the period less the nights it was out of service
(its `BedServicePeriod`s, the night of the day it went out of service up to, not including, the
night of the day it came back), but never fewer than the nights a stay held it (it was evidently
in service then), so the figure never exceeds 100 %. A bed out of service today with no recorded
period (set so before the history was kept) counts as out of service for the whole period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.exceptions import DomainError
from app.extensions import db
from app.homes.models import Bed, BedServicePeriod, BedStatus, CareHome, Room, Unit
from app.residents.models import Absence, DischargeDestination, Stay, StayBed
from app.residents.services import london_date, today_in_london

MAX_PERIOD_DAYS = 3 * 366


def _overlap(first: dt.date, last_excl: dt.date, start: dt.date, end_excl: dt.date) -> int:
    return max(0, (min(last_excl, end_excl) - max(first, start)).days)


def check_period(start_on, end_on) -> None:
    errors = {}
    if not isinstance(start_on, dt.date):
        errors["start_on"] = [str(_l("Give the first night of the period."))]
    if not isinstance(end_on, dt.date):
        errors["end_on"] = [str(_l("Give the last night of the period."))]
    if not errors:
        if end_on < start_on:
            errors["end_on"] = [str(_l("The period cannot end before it starts."))]
        elif end_on > today_in_london():
            errors["end_on"] = [str(_l("The period cannot end after today."))]
        elif (end_on - start_on).days >= MAX_PERIOD_DAYS:
            errors["start_on"] = [str(_l("Choose a period of at most three years."))]
    if errors:
        raise DomainError(errors)


class _Tally:
    __slots__ = ("beds", "beds_in_service", "occupied_today", "vacant_today", "out_of_service_today",
                 "available", "occupied", "leave", "admissions", "discharges", "deaths", "los_days", "los_count")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, 0)

    def figures(self) -> dict:
        percent = round(100 * self.occupied / self.available, 1) if self.available else None
        return {
            "beds": self.beds,
            "beds_in_service": self.beds_in_service,
            "occupied_today": self.occupied_today,
            "vacant_today": self.vacant_today,
            "out_of_service_today": self.out_of_service_today,
            "available_bed_nights": self.available,
            "occupied_bed_nights": self.occupied,
            "hospital_leave_bed_nights": self.leave,
            "occupancy_percent": percent,
            "admissions": self.admissions,
            "discharges": self.discharges,
            "deaths": self.deaths,
            "average_length_of_stay_days": round(self.los_days / self.los_count, 1) if self.los_count else None,
        }


def occupancy(start_on: dt.date, end_on: dt.date) -> dict:
    """Occupancy figures for the nights start_on..end_on (inclusive), in the user's homes."""
    check_period(start_on, end_on)
    end_excl = end_on + dt.timedelta(days=1)
    nights = (end_excl - start_on).days
    period_start = dt.datetime.combine(start_on, dt.time(), dt.UTC) - dt.timedelta(days=1)

    beds = db.session.execute(select(Bed.id, Bed.home_id, Room.unit_id, Bed.status).join(Room)).all()
    unit_of = {bed_id: unit_id for bed_id, _h, unit_id, _s in beds}
    tallies: dict[tuple, _Tally] = defaultdict(_Tally)

    def add(home_id, unit_id, **amounts):
        for key in (("group",), ("home", home_id), ("unit", unit_id)):
            tally = tallies[key]
            for name, amount in amounts.items():
                setattr(tally, name, getattr(tally, name) + amount)

    occupied_by_bed: dict[int, int] = defaultdict(int)
    periods = db.session.scalars(
        select(StayBed).where(or_(StayBed.to_at.is_(None), StayBed.to_at >= period_start))
    )
    for period in periods:
        first = london_date(period.from_at)
        last_excl = london_date(period.to_at) if period.to_at is not None else today_in_london() + dt.timedelta(days=1)
        occupied_by_bed[period.bed_id] += _overlap(first, last_excl, start_on, end_excl)

    out_by_bed: dict[int, int] = defaultdict(int)
    open_out: set[int] = set()
    for period in db.session.scalars(
        select(BedServicePeriod).where(or_(BedServicePeriod.to_at.is_(None), BedServicePeriod.to_at >= period_start))
    ):
        last_excl = london_date(period.to_at) if period.to_at is not None else today_in_london() + dt.timedelta(days=1)
        out_by_bed[period.bed_id] += _overlap(london_date(period.from_at), last_excl, start_on, end_excl)
        if period.to_at is None:
            open_out.add(period.bed_id)

    for bed_id, home_id, unit_id, status in beds:
        in_service = status != BedStatus.out_of_service
        occupied = occupied_by_bed.get(bed_id, 0)
        out_nights = nights if (not in_service and bed_id not in open_out) else min(nights, out_by_bed.get(bed_id, 0))
        add(
            home_id, unit_id,
            beds=1,
            beds_in_service=int(in_service),
            occupied_today=int(status == BedStatus.occupied),
            vacant_today=int(status == BedStatus.available),
            out_of_service_today=int(not in_service),
            available=max(nights - out_nights, occupied),
            occupied=occupied,
        )

    absences = db.session.scalars(
        select(Absence).where(or_(Absence.returned_at.is_(None), Absence.returned_at >= period_start))
    )
    for absence in absences:
        first = london_date(absence.left_at)
        last_excl = (london_date(absence.returned_at) if absence.returned_at is not None
                     else today_in_london() + dt.timedelta(days=1))
        stay = absence.stay
        bed_id = _bed_on(stay, absence.left_at)
        add(stay.home_id, unit_of.get(bed_id), leave=_overlap(first, last_excl, start_on, end_excl))

    for stay in db.session.scalars(
        select(Stay).where(or_(Stay.discharged_at.is_(None), Stay.discharged_at >= period_start))
    ):
        admitted = london_date(stay.admitted_at)
        if start_on <= admitted < end_excl:
            add(stay.home_id, unit_of.get(stay.bed_periods[0].bed_id if stay.bed_periods else stay.bed_id),
                admissions=1)
        if stay.discharged_at is not None:
            left = london_date(stay.discharged_at)
            if start_on <= left < end_excl:
                add(stay.home_id, unit_of.get(stay.bed_id), discharges=1,
                    deaths=int(stay.discharge_destination == DischargeDestination.death),
                    los_days=(left - admitted).days, los_count=1)

    homes = list(db.session.scalars(select(CareHome).order_by(CareHome.name)))
    units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
    return {
        "start_on": start_on.isoformat(),
        "end_on": end_on.isoformat(),
        "nights": nights,
        "group": tallies[("group",)].figures(),
        "homes": [
            {
                "home_id": home.id,
                "name": home.name,
                **tallies[("home", home.id)].figures(),
                "units": [
                    {"unit_id": unit.id, "name": unit.name, **tallies[("unit", unit.id)].figures()}
                    for unit in units if unit.home_id == home.id
                ],
            }
            for home in homes
        ],
    }


def _bed_on(stay: Stay, at) -> int:
    """The bed a stay held at a moment (for leave that began after a move)."""
    held = stay.bed_id
    for period in stay.bed_periods:
        if period.from_at <= at:
            held = period.bed_id
    return held
