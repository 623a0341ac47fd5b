"""When each scheduled assessment falls due, for one resident or every resident of some homes.

A record the home cannot read (submitted, but without its answers, score or time: a submit that
was cut off half way) never stops a page or a daily job: it is left out of the rule, logged with
its id, and listed on the line as incomplete, for everyone in that home to see until the repair
(`services.repair_half_written_submissions`) has finished it or returned it to a draft.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, not_, select, union_all

from app.assessments.models import AssessmentRecord, AssessmentSchedule, RecordStatus
from app.assessments.services import DONE, form_title, is_incomplete
from app.extensions import db

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


@dataclass(eq=False)
class DueResident:
    """A resident as the due lists show and count them, read as one row with the admission of the
    current stay (a group's 1,200 residents and their stays as ORM objects cost more than the rule)."""

    id: int
    first_name: str | None
    last_name: str | None
    preferred_name: str | None
    home_id: int
    admitted_at: dt.datetime | None
    home: Any = None

    @property
    def full_name(self) -> str:
        from app.residents.models import full_name

        return full_name(self.first_name, self.last_name, self.preferred_name)


def _admitted(resident) -> dt.datetime | None:
    """When the resident's current stay began (None without one)."""
    if isinstance(resident, DueResident):
        return _aware(resident.admitted_at)
    stay = resident.current_stay
    return _aware(stay.admitted_at) if stay is not None else None


@dataclass
class DueLine:
    schedule: AssessmentSchedule
    title: str
    last: AssessmentRecord | None
    draft: AssessmentRecord | None
    due_at: dt.datetime
    overdue: bool
    incomplete: list[AssessmentRecord] = field(default_factory=list)


def records_of(resident_id: int, form_key: str | None = None) -> list[AssessmentRecord]:
    query = select(AssessmentRecord).where(AssessmentRecord.resident_id == resident_id)
    if form_key:
        query = query.where(AssessmentRecord.form_key == form_key)
    return list(db.session.scalars(query.order_by(AssessmentRecord.taken_at.desc().nulls_first(),
                                                   AssessmentRecord.id.desc())))


def report_incomplete(record: AssessmentRecord, where: str) -> None:
    log.warning("assessment record %s (%s, resident %s, home %s) is incomplete: submitted without its answers; "
                "left out of %s until it is repaired", record.id, record.form_key, record.resident_id,
                record.home_id, where)


def _schedules(home_ids) -> dict[int, list[AssessmentSchedule]]:
    found: dict[int, list[AssessmentSchedule]] = {}
    for schedule in db.session.scalars(
        select(AssessmentSchedule).where(AssessmentSchedule.home_id.in_(sorted(home_ids)),
                                         AssessmentSchedule.active.is_(True))
        .order_by(AssessmentSchedule.form_key)
    ):
        found.setdefault(schedule.home_id, []).append(schedule)
    return found


def _lines(resident, schedules, records, now: dt.datetime, title: Callable[[str], str]) -> list[DueLine]:
    """The rule: the last submitted or signed assessment plus the schedule's interval, or sooner if
    its band said so (`next_due_at`); none yet: due on admission when the schedule says so, else now.
    `records` are the resident's, newest first; incomplete ones are left out and reported."""
    admitted = _admitted(resident)
    lines = []
    for schedule in schedules:
        mine = [r for r in records if r.form_key == schedule.form_key]
        incomplete = [r for r in mine if is_incomplete(r)]
        for record in incomplete:
            report_incomplete(record, "the due list")
        last = next((r for r in mine if r.status in DONE and not is_incomplete(r)), None)
        draft = next((r for r in mine if r.status == RecordStatus.draft), None)
        if last is None:
            due = admitted if (schedule.on_admission and admitted) else now
        else:
            due = _aware(last.taken_at) + dt.timedelta(days=schedule.every_days)
            if last.next_due_at is not None:
                due = min(due, _aware(last.next_due_at))
        lines.append(DueLine(schedule, title(schedule.form_key), last, draft, due, due <= now, incomplete))
    return lines


def due_lines(resident, now: dt.datetime | None = None) -> list[DueLine]:
    """Each form the resident's home schedules: the last result, any draft, and when the next is due."""
    schedules = _schedules([resident.home_id]).get(resident.home_id, [])
    records = list(db.session.scalars(
        select(AssessmentRecord).where(AssessmentRecord.id.in_(_records_that_count([resident.id])))
        .order_by(AssessmentRecord.taken_at.desc().nulls_first(), AssessmentRecord.id.desc())))
    return _lines(resident, schedules, records, now or _now(), form_title)


def _records_that_count(resident_ids):
    """The ids of the records the due rule reads, for these residents: per scheduled form, the latest
    complete submitted or signed one (one probe of the index on resident, form and time each), and
    every draft and incomplete one (not a year of history per resident)."""
    from app.residents.models import Resident

    ids = sorted(resident_ids)
    complete = and_(AssessmentRecord.status.in_(sorted(DONE)), AssessmentRecord.submission_id.is_not(None),
                    AssessmentRecord.taken_at.is_not(None))
    newest = (select(AssessmentRecord.id)
              .where(AssessmentRecord.resident_id == Resident.id,
                     AssessmentRecord.form_key == AssessmentSchedule.form_key, complete)
              .order_by(AssessmentRecord.taken_at.desc(), AssessmentRecord.id.desc()).limit(1)
              .correlate(Resident, AssessmentSchedule).scalar_subquery())
    latest = (select(newest.label("id")).select_from(Resident)
              .join(AssessmentSchedule, AssessmentSchedule.home_id == Resident.home_id)
              .where(Resident.id.in_(ids)))
    others = select(AssessmentRecord.id).where(AssessmentRecord.resident_id.in_(ids), not_(complete))
    return union_all(latest, others)


# What the due rule (`_lines`, `is_incomplete`) and the due pages (band, total, time, links) read of a record.
RECORD_FIELDS = (AssessmentRecord.id, AssessmentRecord.resident_id, AssessmentRecord.home_id, AssessmentRecord.form_key,
                 AssessmentRecord.version, AssessmentRecord.status, AssessmentRecord.taken_at,
                 AssessmentRecord.next_due_at, AssessmentRecord.submission_id, AssessmentRecord.submitted_at,
                 AssessmentRecord.total, AssessmentRecord.band, AssessmentRecord.band_label)


def due_table(home_ids, now: dt.datetime | None = None, title: Callable[[str], str] | None = None,
              ) -> list[tuple[Any, DueLine]]:
    """Every scheduled assessment of the residents living in these homes, soonest due first, in a
    few queries whatever the number of residents. `title` names a form (default: its title, which
    publishes a standard form on first use; a reminder passes one that only reads)."""
    from app.homes.models import CareHome
    from app.residents.models import Resident, ResidentStatus, Stay, StayStatus

    now = now or _now()
    schedules = _schedules(home_ids)
    current = select(Stay.resident_id, Stay.admitted_at).where(Stay.status != StayStatus.ended).subquery()
    residents = [DueResident(*row) for row in db.session.execute(
        select(Resident.id, Resident.first_name, Resident.last_name, Resident.preferred_name, Resident.home_id,
               current.c.admitted_at)
        .outerjoin(current, current.c.resident_id == Resident.id)
        .where(Resident.home_id.in_(sorted(schedules)), Resident.voided_at.is_(None),
               Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))
        .order_by(Resident.last_name, Resident.first_name, Resident.id)
    )] if schedules else []
    if residents:
        homes = {home.id: home for home in
                 db.session.scalars(select(CareHome).where(CareHome.id.in_(sorted(schedules))))}
        for resident in residents:
            resident.home = homes.get(resident.home_id)
    by_resident: dict[int, list[AssessmentRecord]] = {}
    if residents:
        # plain rows with what the rule and the page read (a group's thousands of records as ORM
        # objects cost more than the rest of the page)
        for record in db.session.execute(
            select(*RECORD_FIELDS).where(AssessmentRecord.id.in_(_records_that_count([r.id for r in residents])))
            .order_by(AssessmentRecord.taken_at.desc().nulls_first(), AssessmentRecord.id.desc())
        ):
            by_resident.setdefault(record.resident_id, []).append(record)
    titles: dict[str, str] = {}

    def cached_title(key: str) -> str:
        if key not in titles:
            titles[key] = (title or form_title)(key)
        return titles[key]

    found = [(resident, line) for resident in residents
             for line in _lines(resident, schedules[resident.home_id], by_resident.get(resident.id, []), now,
                                cached_title)]
    return sorted(found, key=lambda pair: pair[1].due_at)


def home_due(home_ids, now: dt.datetime | None = None) -> list[tuple[Any, DueLine]]:
    """Due and overdue assessments of the residents living in these homes, soonest first."""
    now = now or _now()
    return [(r, line) for r, line in due_table(home_ids, now) if line.due_at <= now + dt.timedelta(days=7)]


def history_points(records: list[AssessmentRecord]) -> list[tuple[dt.datetime, float]]:
    """(taken at, total) of the submitted assessments, oldest first, for the chart."""
    points = []
    for record in records:
        if record.status in DONE and record.total not in (None, "") and record.taken_at is not None:
            try:
                points.append((_aware(record.taken_at), float(record.total)))
            except ValueError:
                continue
    return sorted(points)


@dataclass
class DueGroup:
    """The due and overdue lines of one resident (or one form), most overdue first."""

    key: Any
    title: str
    lines: list
    home: Any = None
    unit: Any = None

    @property
    def overdue(self) -> int:
        return sum(1 for _resident, line in self.lines if line.overdue)

    @property
    def due(self) -> int:
        return len(self.lines) - self.overdue

    @property
    def first_due(self):
        return min(line.due_at for _resident, line in self.lines)


def first_lines(groups: list[DueGroup], limit: int) -> tuple[list[DueGroup], int]:
    """The groups as shown on a page of at most `limit` lines (soonest due first; a group cut short
    keeps the lines that fit), and how many lines were left out."""
    shown, room = [], limit
    for group in groups:
        if room <= 0:
            break
        lines = group.lines[:room]
        shown.append(group if len(lines) == len(group.lines) else DueGroup(group.key, group.title, lines,
                                                                           group.home, group.unit))
        room -= len(lines)
    return shown, sum(len(g.lines) for g in groups) - sum(len(g.lines) for g in shown)


def units_of(resident_ids) -> dict[int, Any]:
    """The unit each resident's current stay is in, in one query."""
    from app.homes.models import Bed, Room, Unit
    from app.residents.models import Stay

    ids = sorted(set(resident_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Stay.resident_id, Unit).join(Bed, Bed.id == Stay.bed_id).join(Room, Room.id == Bed.room_id)
        .join(Unit, Unit.id == Room.unit_id)
        .where(Stay.resident_id.in_(ids), Stay.discharged_at.is_(None))
    ).all()
    return {resident_id: unit for resident_id, unit in rows}


def group_due(lines, by: str = "resident", unit_id: int | None = None) -> list[DueGroup]:
    """Due lines grouped by resident (or by form), narrowed to a unit, the most overdue group first."""
    units = units_of(resident.id for resident, _line in lines)
    groups: dict[Any, DueGroup] = {}
    for resident, line in lines:
        unit = units.get(resident.id)
        if unit_id is not None and getattr(unit, "id", None) != unit_id:
            continue
        if by == "form":
            key, title = line.schedule.form_key, line.title
            group = groups.setdefault(key, DueGroup(key, title, []))
        else:
            group = groups.setdefault(resident.id, DueGroup(resident, resident.full_name, [], resident.home, unit))
        group.lines.append((resident, line))
    for group in groups.values():
        group.lines.sort(key=lambda pair: pair[1].due_at)
    return sorted(groups.values(), key=lambda g: (g.first_due, g.title))
