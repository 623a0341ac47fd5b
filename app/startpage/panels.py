"""The start page's panels: what each person needs to see first, built from the domains' own services.

A panel is offered when the user may read what it shows (the same permissions as its own pages), so a
role an administrator makes gets the panels its permissions allow. The built-in roles get their panels
in the order that suits their work (`ORDER`). Every figure is for the home chosen in the navigation bar,
or all the user's homes: the queries go through the usual home scope.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.tenancy import acting_user, current_scope, homes_of

HIGH_RISK_BAND = re.compile(r"(^|_)(high|severe|very_high)(_|$)|red_score")
WORST = 5

# Panels in the order each built-in role reads them; other roles get every panel they may see.
ORDER = {
    "Home Manager": ["occupancy", "overdue", "pressure_damage", "legal", "tasks", "pipeline", "notifications", "homes"],
    "Nurse": ["shift", "care_risk", "risk", "hospital", "tasks", "legal", "notifications"],
    "Senior Carer": ["shift", "care_risk", "risk", "hospital", "tasks", "notifications"],
    "Carer": ["my_tasks", "record_care", "risk", "notifications"],
    "Office": ["pipeline", "movements", "vacancies", "notifications"],
    "Auditor": ["audit", "homes"],
    "Family": ["family"],
}
DEFAULT_ORDER = ["occupancy", "shift", "care_risk", "overdue", "risk", "hospital", "legal", "tasks", "pipeline",
                 "movements", "vacancies", "audit", "notifications", "homes"]


@dataclass
class Panel:
    key: str
    data: dict = field(default_factory=dict)


def _may_read(resource: str) -> bool:
    return bool(current_app.appbuilder.sm.has_access("can_read", resource))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    from app.residents.services import today_in_london

    return today_in_london()


def _home_ids() -> list[int]:
    scope = current_scope()
    if scope is None:
        return [home.id for home in homes_of(acting_user())]
    return sorted(scope)


def is_high_risk(band: str | None) -> bool:
    return bool(band) and bool(HIGH_RISK_BAND.search(band))


# -- the panels --------------------------------------------------------------------------------


def occupancy_panel() -> dict:
    """Occupancy now and this month, and the last 12 months as a trend."""
    from app.residents.occupancy import occupancy

    today = _today()
    month_start = today.replace(day=1)
    this_month = occupancy(month_start, today)
    trend = []
    first = month_start
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    cursor = first
    while cursor <= month_start:
        last = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        figures = occupancy(cursor, min(last, today))["group"]
        trend.append({"month": cursor, "percent": figures.get("occupancy_percent")})
        cursor = last + dt.timedelta(days=1)
    return {"month": this_month, "trend": trend}


def overdue_panel() -> dict:
    """Overdue assessments and care-plan reviews: counts and the worst few."""
    from app.assessments.due import due_table
    from app.careplans.services import due_reviews, review_state

    lines = [(resident, line) for resident, line in due_table(_home_ids()) if line.overdue]
    lines.sort(key=lambda pair: pair[1].due_at)
    reviews = []
    if _may_read("Care plans"):
        reviews = [plan for plan in due_reviews(_home_ids()) if review_state(plan) == "overdue"]
        reviews.sort(key=lambda plan: plan.next_review_on)
    from app.residents.services import attach_residents

    attach_residents(reviews[:WORST])
    return {"assessments": len(lines), "worst": lines[:WORST], "reviews": len(reviews),
            "worst_reviews": reviews[:WORST]}


def pressure_damage_panel() -> dict:
    """Pressure damage acquired in the home (body map): open now and new in the last 30 days."""
    from app.care.bodymap import home_acquired_pressure_damage

    return home_acquired_pressure_damage(_home_ids())


def shift_panel() -> dict:
    """What is due in this shift: assessments due or overdue today, reviews due, tasks due."""
    from app.assessments.due import due_table
    from app.assessments.services import open_tasks
    from app.careplans.services import due_reviews, review_state

    end_of_shift = _now() + dt.timedelta(hours=12)
    lines = [(resident, line) for resident, line in due_table(_home_ids()) if line.due_at <= end_of_shift]
    lines.sort(key=lambda pair: pair[1].due_at)
    reviews = []
    if _may_read("Care plans"):
        reviews = [plan for plan in due_reviews(_home_ids(), within_days=0)
                   if review_state(plan) in ("due", "overdue")]
    tasks = [task for task in open_tasks(_home_ids(), within_days=0)] if _may_read("Tasks") else []
    from app.residents.services import attach_residents

    attach_residents([*reviews[:10], *tasks[:10]])
    return {"assessments": lines[:15], "assessments_count": len(lines), "reviews": reviews[:10],
            "reviews_count": len(reviews), "tasks": tasks[:10], "tasks_count": len(tasks)}


def risk_panel() -> dict:
    """Residents whose latest result of a form is in a high-risk band, newest first."""
    from app.assessments.models import AssessmentRecord, RecordStatus
    from app.assessments.services import form_title
    from app.residents.models import Resident, ResidentStatus

    latest = (
        select(AssessmentRecord.resident_id, AssessmentRecord.form_key,
               func.max(AssessmentRecord.taken_at).label("taken_at"))
        .where(AssessmentRecord.status.in_([RecordStatus.submitted, RecordStatus.signed]),
               AssessmentRecord.taken_at.is_not(None))
        .group_by(AssessmentRecord.resident_id, AssessmentRecord.form_key)
        .subquery()
    )
    rows = db.session.execute(
        select(AssessmentRecord, Resident)
        .join(latest, (latest.c.resident_id == AssessmentRecord.resident_id)
              & (latest.c.form_key == AssessmentRecord.form_key)
              & (latest.c.taken_at == AssessmentRecord.taken_at))
        .join(Resident, Resident.id == AssessmentRecord.resident_id)
        .where(Resident.voided_at.is_(None),
               Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))
        .order_by(AssessmentRecord.taken_at.desc())
    ).all()
    titles: dict[str, str] = {}
    risks = []
    for record, resident in rows:
        if not is_high_risk(record.band):
            continue
        if record.form_key not in titles:
            titles[record.form_key] = form_title(record.form_key)
        risks.append({"resident": resident, "record": record, "title": titles[record.form_key]})
    return {"risks": risks[:20], "count": len(risks)}


def hospital_panel() -> dict:
    from app.residents.models import Absence

    absences = list(db.session.scalars(
        select(Absence).where(Absence.returned_at.is_(None)).order_by(Absence.left_at)))
    return {"absences": absences}


def legal_panel() -> dict:
    from app.residents.services import legal_due

    rows = legal_due(28)
    return {"rows": rows[:10], "count": len(rows)}


def tasks_panel() -> dict:
    """Open tasks due within a week, counted by the role they are for."""
    from app.assessments.services import open_tasks

    tasks = open_tasks(_home_ids())
    by_role = Counter(task.assigned_role or "" for task in tasks)
    return {"by_role": sorted(by_role.items()), "count": len(tasks),
            "overdue": sum(1 for task in tasks if task.due_on < _today())}


def my_tasks_panel() -> dict:
    """The tasks for me, or for my role, due within a week."""
    from app.assessments.services import open_tasks

    user = acting_user()
    roles = {role.name for role in getattr(user, "roles", [])}
    roles |= {name.lower().replace(" ", "_") for name in roles}
    mine = [task for task in open_tasks(_home_ids())
            if task.assigned_user_id == user.id or (task.assigned_role or "") in roles]
    return {"tasks": mine[:20], "count": len(mine)}


def pipeline_panel() -> dict:
    from app.residents.models import Enquiry

    rows = db.session.execute(
        select(Enquiry.stage, func.count()).group_by(Enquiry.stage)
    ).all()
    stages = {getattr(stage, "value", stage): count for stage, count in rows}
    return {"stages": stages}


def movements_panel() -> dict:
    """Admissions and discharges this month."""
    from app.residents.occupancy import occupancy

    today = _today()
    figures = occupancy(today.replace(day=1), today)["group"]
    return {"admissions": figures.get("admissions", 0), "discharges": figures.get("discharges", 0),
            "deaths": figures.get("deaths", 0)}


def vacancies_panel() -> dict:
    from app.homes.models import Bed, BedStatus, Room, Unit

    rows = db.session.execute(
        select(Unit, func.count(Bed.id))
        .join(Room, Room.unit_id == Unit.id).join(Bed, Bed.room_id == Room.id)
        .where(Bed.status == BedStatus.available)
        .group_by(Unit.id).order_by(Unit.name)
    ).all()
    return {"units": [(unit, count) for unit, count in rows], "count": sum(count for _u, count in rows)}


_VERIFIED: dict[str, tuple[float, object]] = {}  # database URL -> (when, result): one walk per 10 minutes
VERIFY_EVERY_SECONDS = 600


def audit_panel() -> dict:
    """The latest events, and whether the hash chain verifies (walked at most every 10 minutes)."""
    import time

    from app.audit import AuditEvent, verify_chain

    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10)))
    key = str(db.engine.url)
    when, result = _VERIFIED.get(key, (0.0, None))
    if result is None or time.monotonic() - when > VERIFY_EVERY_SECONDS:
        result = verify_chain(db.session)
        _VERIFIED[key] = (time.monotonic(), result)
    return {"events": events, "verified": result}


def notifications_panel() -> dict:
    from app.notifications.services import inbox, unread_count

    user = acting_user()
    return {"unread": unread_count(user.id), "latest": inbox(user.id, limit=5)}


def homes_panel() -> dict:
    from app.views import home_summaries

    return {"summaries": home_summaries()}


def care_risk_panel() -> dict:
    from app.care.profile import risk_panel

    return risk_panel()


def record_care_panel() -> dict:
    from app.care.profile import record_panel

    return record_panel()


def family_panel() -> dict:
    """A family member sees their homes' contact details, and what the home has shared (nothing yet)."""
    return {"homes": homes_of(acting_user())}


BUILDERS = {
    "occupancy": ("Occupancy", occupancy_panel),
    "overdue": ("Assessments", overdue_panel),
    "pressure_damage": ("Body map", pressure_damage_panel),
    "shift": ("Assessments", shift_panel),
    "risk": ("Assessments", risk_panel),
    "hospital": ("Stays", hospital_panel),
    "legal": ("Legal register", legal_panel),
    "tasks": ("Tasks", tasks_panel),
    "my_tasks": ("Tasks", my_tasks_panel),
    "pipeline": ("Enquiries", pipeline_panel),
    "movements": ("Stays", movements_panel),
    "vacancies": ("Beds", vacancies_panel),
    "audit": ("Audit trail", audit_panel),
    "notifications": ("Notifications", notifications_panel),
    "homes": ("Care homes", homes_panel),
    "family": (None, family_panel),
    "care_risk": ("Unit board", care_risk_panel),
    "record_care": ("Charts", record_care_panel),
}


def panel_keys(user) -> list[str]:
    """The panels this user gets, in order: their role's order, or every panel they may read."""
    names = [role.name for role in getattr(user, "roles", [])]
    order: list[str] = []
    for name in names:
        for key in ORDER.get(name, []):
            if key not in order:
                order.append(key)
    if not order or current_app.appbuilder.sm.auth_role_admin in names:
        order = order + [key for key in DEFAULT_ORDER if key not in order]
    keys = []
    for key in order:
        resource, _builder = BUILDERS[key]
        if key == "family":
            if "Family" in names:
                keys.append(key)
        elif _may_read(resource):
            keys.append(key)
    return keys


def build(user) -> list[Panel]:
    panels = []
    for key in panel_keys(user):
        panels.append(Panel(key, BUILDERS[key][1]()))
    return panels


def trend_points(trend: list[dict], width: int = 240, height: int = 60) -> list[tuple[float, float, dict]]:
    """(x, y, month) of each month with a figure, for the small occupancy chart (0–100 %)."""
    known = [point for point in trend if point["percent"] is not None]
    if not known:
        return []
    step = width / max(len(trend) - 1, 1)
    points = []
    for index, point in enumerate(trend):
        if point["percent"] is None:
            continue
        percent = max(0.0, min(100.0, float(point["percent"])))
        points.append((round(index * step, 1), round(height - percent / 100 * height, 1), point))
    return points


def group_by_home(rows, home_of) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[home_of(row)].append(row)
    return grouped
