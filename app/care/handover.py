"""The handover of a unit (or a whole home) for one shift, on screen and as a PDF job.

Shifts run 08:00–20:00 (day) and 20:00–08:00 (night) in Europe/London, so a night over a clock
change is 11 or 13 hours long. It gathers, for the residents living on the unit: the shift's care
notes (latest wording of amended notes; late entries marked), who is on the unit board's at-risk
list at the end of the shift (the board's own rules, `app.care.board.at_risk`: fluids below target,
repositioning overdue, weight loss, NEWS2 5+ or a 3, no bowels), vital-sign sets taken in the shift,
body marks recorded or looked at in the shift, and open tasks due by the end of the shift.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.documents.jobs import _user, asker_locale, display_name, in_language, secure_name, sort_key
from app.extensions import db
from app.guards import valid_int_id
from app.jobs import JobError, set_progress, store_result
from app.tenancy import acting_user, allowed_home_ids, current_scope

LONDON = ZoneInfo("Europe/London")
RESOURCE = "Handover"
DOCUMENTS = "Documents and jobs"
HANDOVER_PDF = "Handover"
SHIFTS = {"day": (dt.time(8), dt.time(20)), "night": (dt.time(20), dt.time(8))}
SHIFT_LABELS = {"day": _l("Day shift"), "night": _l("Night shift")}


def shift_bounds(day: dt.date, shift: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC start and end of a shift that starts on `day` (UK local times; DST-aware)."""
    start_time, end_time = SHIFTS[shift]
    end_day = day + dt.timedelta(days=1) if end_time <= start_time else day
    start = dt.datetime.combine(day, start_time, tzinfo=LONDON).astimezone(dt.UTC)
    end = dt.datetime.combine(end_day, end_time, tzinfo=LONDON).astimezone(dt.UTC)
    return start, end


def current_shift(now: dt.datetime | None = None) -> tuple[dt.date, str]:
    local = (now or dt.datetime.now(dt.UTC)).astimezone(LONDON)
    if dt.time(8) <= local.time() < dt.time(20):
        return local.date(), "day"
    if local.time() >= dt.time(20):
        return local.date(), "night"
    return local.date() - dt.timedelta(days=1), "night"


def headings() -> dict:
    """The PDF's headings in the user's language."""
    return {
        "title": str(_l("Handover")), "attention": str(_l("Needs attention now")),
        "none_attention": str(_l("No resident is on the at-risk list.")), "resident": str(_l("Resident")),
        "why": str(_l("Why")), "body": str(_l("Body map")), "vitals": str(_l("Vital signs")),
        "tasks": str(_l("Tasks due")), "notes": str(_l("Care notes")),
        "no_notes": str(_l("No care notes recorded in this shift.")), "late": str(_l("late entry, entered")),
        "amended": str(_l("amended")), "home_tasks": str(_l("Tasks for the home")),
        "quiet": str(_l("Residents with nothing recorded")),
        "summary": str(_l("%(risk)s at risk now · %(body)s body marks of concern · %(tasks)s tasks due · "
                          "%(notes)s care notes")).replace("%%", "%"),
        "footer": str(_l("Gathered at %(when)s. Amended notes show their latest wording; the originals are kept "
                         "in WriteCareNotes.")),
    }


def unit_residents(home_id: int, unit_id: int | None) -> list:
    """Residents living in the home (or on hospital leave), on the unit when one is given, by name."""
    from app.residents.models import Resident, ResidentStatus

    residents = list(db.session.scalars(select(Resident).where(
        Resident.home_id == home_id, Resident.voided_at.is_(None),
        Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))))
    if unit_id is not None:
        residents = [r for r in residents if (room := r._current_room()) is not None and room.unit_id == unit_id]
    residents.sort(key=lambda r: (sort_key(r.last_name), sort_key(r.first_name), r.id))
    return residents


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _mark_line(mark, start, end) -> str:
    from app.care.bodymap import region_label
    from app.labels import label

    what = label(mark.kind) + (f" ({label(mark.category)})" if mark.category else "")
    live = [e for e in mark.entries if e.voided_at is None]
    first_seen = _aware(live[0].observed_at) if live else None
    status = _l("new") if first_seen is not None and start <= first_seen < end else _l("looked at again")
    latest = live[-1] if live else None
    size = ""
    if latest is not None and (latest.length_mm is not None or latest.width_mm is not None):
        size = " · " + " × ".join(f"{v:f}".rstrip("0").rstrip(".") for v in (latest.length_mm, latest.width_mm)
                                  if v is not None) + " mm"
    return f"{what}, {region_label(mark.region)}: {status}, {label(mark.origin).lower()}{size}"


def build_handover(home, unit, day: dt.date, shift: str, now: dt.datetime | None = None):
    """The handover document (reports.handover.HandoverDocument) of a unit (None: every unit) and shift."""
    from app.assessments.models import Task, TaskStatus
    from app.care import bodymap
    from app.care.board import at_risk
    from app.care.models import CareNote, ObservationSet, SetKind
    from app.labels import label
    from reports.base import london
    from reports.handover import HandoverDocument, NoteLine, ResidentHandover

    start, end = shift_bounds(day, shift)
    now = now or dt.datetime.now(dt.UTC)
    residents = unit_residents(home.id, unit.id if unit is not None else None)
    ids = [r.id for r in residents]
    alerts: dict[int, list[str]] = {}
    for row in at_risk(home.id, unit.id if unit is not None else None, now=min(end, now)):
        alerts[row["resident_id"]] = [str(reason["text"]) for reason in row.get("reasons", [])]
    notes: dict[int, list] = {i: [] for i in ids}
    vitals: dict[int, list[str]] = {i: [] for i in ids}
    body: dict[int, list[str]] = {i: [] for i in ids}
    tasks: dict[int, list[str]] = {i: [] for i in ids}
    home_tasks: list[str] = []
    if ids:
        for note in db.session.scalars(select(CareNote).where(
                CareNote.resident_id.in_(ids), CareNote.superseded_at.is_(None),
                CareNote.occurred_at >= start, CareNote.occurred_at < end).order_by(CareNote.occurred_at, CareNote.id)):
            notes[note.resident_id].append(NoteLine(
                at=note.occurred_at, category=label(note.category), text=note.text, author=note.author_name or "",
                late=note.is_late, entered_at=note.entered_at, amended=note.amends_id is not None))
        for obs_set in db.session.scalars(select(ObservationSet).where(
                ObservationSet.resident_id.in_(ids), ObservationSet.kind == SetKind.vitals,
                ObservationSet.voided_at.is_(None), ObservationSet.observed_at >= start,
                ObservationSet.observed_at < end).order_by(ObservationSet.observed_at)):
            line = str(_l("%(when)s NEWS2 %(total)s (%(band)s) by %(who)s", when=london(obs_set.observed_at)[-5:],
                          total=obs_set.news2_total, band=obs_set.news2_band_label or "", who=obs_set.recorded_by_name))
            if obs_set.soft_signs:
                from app.care.codes import SOFT_SIGNS

                line += "; " + ", ".join(str(SOFT_SIGNS.get(s, s)) for s in obs_set.soft_signs)
            vitals[obs_set.resident_id].append(line)
        for mark in bodymap.marks_seen_between(home.id, start, end, ids):
            body[mark.resident_id].append(_mark_line(mark, start, end))
    last_day = (end - dt.timedelta(seconds=1)).astimezone(LONDON).date()
    open_tasks = db.session.scalars(select(Task).where(
        Task.home_id == home.id, Task.status == TaskStatus.open, Task.due_on <= last_day,
    ).order_by(Task.due_on, Task.id))
    for task in open_tasks:
        line = f"{task.title} ({_l('due')} {task.due_on.strftime('%d/%m/%Y')})"
        if task.resident_id is None:
            home_tasks.append(line)
        elif task.resident_id in tasks:
            tasks[task.resident_id].append(line)
    blocks = [ResidentHandover(
        name=r.full_name, room=r.list_room(), alerts=alerts.get(r.id, []), vitals=vitals[r.id], body=body[r.id],
        tasks=tasks[r.id], notes=notes[r.id]) for r in residents]
    return HandoverDocument(
        home_name=home.name, unit_name=unit.name if unit is not None else str(_l("All units")),
        shift_label=str(SHIFT_LABELS[shift]), start=start, end=end, residents=blocks, home_tasks=home_tasks,
        labels=headings(),
    )


def _home_and_unit(home_id: int, unit_id: int | None, user=None):
    from app.homes.models import CareHome, Unit

    home = db.session.scalar(select(CareHome).where(CareHome.id == home_id))
    allowed = allowed_home_ids(user) if user is not None else current_scope()
    if home is None or (allowed is not None and home.id not in allowed):
        raise LookupError(home_id)
    unit = None
    if unit_id is not None:
        unit = db.session.scalar(select(Unit).where(Unit.id == unit_id, Unit.home_id == home.id))
        if unit is None:
            raise LookupError(unit_id)
    return home, unit


def render_handover_pdf(home_id: int, unit_id: int | None, day_iso: str, shift: str, user_id: int,
                        locale: str | None = None) -> str:
    """A unit's (or home's) handover for one shift as an A4 PDF, with progress."""
    from reports.handover import handover_pdf

    with in_language(locale):
        user = _user(user_id)
        try:
            home, unit = _home_and_unit(home_id, unit_id, user)
        except LookupError:
            raise JobError(str(_l("This home or unit no longer exists or is not one you work in."))) from None
        document = build_handover(home, unit, dt.date.fromisoformat(day_iso), shift)
        set_progress(40)
        pdf = handover_pdf(document, printed_by=display_name(user), printed_at=dt.datetime.now(dt.UTC),
                           on_page=lambda page: set_progress(min(40 + 10 * page, 95)))
        place = secure_name(unit.name if unit is not None else home.name)
        return store_result(pdf, f"handover-{place}-{day_iso}-{shift}.pdf")


def request_handover_pdf(home_id: int, unit_id: int | None, day: dt.date, shift: str, user):
    home, unit = _home_and_unit(home_id, unit_id)
    where = unit.name if unit is not None else home.name
    return jobs.enqueue(
        render_handover_pdf, home.id, unit.id if unit is not None else None, day.isoformat(), shift, user.id,
        asker_locale(),
        job_id=(f"handover-pdf:{home.id}:{unit.id if unit is not None else 0}:{day.isoformat()}:{shift}:{user.id}"
                f":{asker_locale()}"),
        description=f"{_l('Handover')}: {where}, {SHIFT_LABELS[shift]} {day.strftime('%d/%m/%Y')}",
        user_id=user.id, home_id=home.id,
    )


# ---------------------------------------------------------------------------------------------
# The page


def _choices():
    """Homes in scope with their units, by name."""
    from app.homes.models import CareHome, Unit

    homes = list(db.session.scalars(select(CareHome).order_by(CareHome.name)))
    units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
    return [(home, [u for u in units if u.home_id == home.id]) for home in homes]


def _params(source):
    """(home_id, unit_id, day, shift, errors) from the query string or the print form."""
    from app.tenancy import current_home_id
    from app.ukdates import parse_uk_date

    errors = {}
    day, shift = current_shift()
    if source.get("date"):
        parsed = parse_uk_date(source.get("date"))
        if parsed is None:
            errors["date"] = str(_l("Enter a date as day/month/year, e.g. 24/08/2026."))
        else:
            day = parsed
    if source.get("shift"):
        if source.get("shift") in SHIFTS:
            shift = source.get("shift")
        else:
            errors["shift"] = str(_l("Choose the day or night shift."))
    where = source.get("where", "")
    home_id = unit_id = None
    if where.startswith("unit:") and valid_int_id(where[5:]):
        from app.homes.models import Unit

        unit = db.session.scalar(select(Unit).where(Unit.id == int(where[5:])))
        if unit is not None:
            home_id, unit_id = unit.home_id, unit.id
    elif where.startswith("home:") and valid_int_id(where[5:]):
        home_id = int(where[5:])
    if where and home_id is None:
        errors["where"] = str(_l("Choose a unit or home of yours."))
    if home_id is None:
        home_id = current_home_id()
        if home_id is None:
            scope = sorted(current_scope() or ())
            home_id = scope[0] if scope else None
    return home_id, unit_id, day, shift, errors


class HandoverView(BaseView):
    route_base = "/care/handover"
    default_view = "index"
    class_permission_name = RESOURCE
    method_permission_name = {"index": "read", "print_handover": "read"}

    @expose("/")
    @has_access
    def index(self):
        home_id, unit_id, day, shift, errors = _params(request.args)
        document = None
        if home_id is not None and not errors:
            try:
                home, unit = _home_and_unit(home_id, unit_id)
                document = build_handover(home, unit, day, shift)
            except LookupError:
                errors["where"] = str(_l("Choose a unit or home of yours."))
        for message in errors.values():
            flash(message, "danger")
        where = f"unit:{unit_id}" if unit_id else (f"home:{home_id}" if home_id else "")
        return self.render_template(
            "care/handover.html", document=document, choices=_choices(), where=where,
            date=day.strftime("%d/%m/%Y"), shift=shift, shifts=[(k, str(v)) for k, v in SHIFT_LABELS.items()],
            can_print=current_app.appbuilder.sm.has_access("can_write", DOCUMENTS), title=_l("Handover"),
        ), (422 if errors else 200)

    @expose("/print", methods=["POST"])
    @has_access
    def print_handover(self):
        if not current_app.appbuilder.sm.has_access("can_write", DOCUMENTS):
            abort(403)
        home_id, unit_id, day, shift, errors = _params(request.form)
        if errors or home_id is None:
            for message in errors.values():
                flash(message, "danger")
            return redirect(url_for("HandoverView.index"))
        try:
            request_handover_pdf(home_id, unit_id, day, shift, acting_user())
        except LookupError:
            abort(404)
        db.session.commit()
        flash(str(_l("Your handover is being prepared; it will appear below.")), "info")
        return redirect(url_for("DocumentsView.list"))
