"""Care-plan documents as jobs: one plan as a PDF, and every active plan of a home in one file
with progress. Each checks again (in the worker) that the person who asked works in the plan's
home, and refuses a voided plan or resident with a clear reason."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.careplans.models import CarePlan, PlanStatus
from app.documents.jobs import (
    _user,
    asker_locale,
    display_name,
    in_language,
    print_one,
    resident_slug,
    secure_name,
    sort_key,
)
from app.extensions import db
from app.jobs import JobError, set_progress, store_result
from app.notifications.jobs import Reminder, reminder_source
from app.tenancy import allowed_home_ids, current_scope

CARE_PLAN_PDF = "Care plan"


def printable_plan(plan_id: int, user) -> CarePlan:
    plan = db.session.scalar(select(CarePlan).where(CarePlan.id == plan_id))
    if plan is None or plan.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This care plan no longer exists or is in a home you do not work in.")))
    if plan.voided_at is not None or plan.resident.voided_at is not None:
        raise JobError(str(_l("This care plan was voided, so it cannot be printed.")))
    return plan


def _assessment_names(ids: list[int]) -> list[str]:
    from app.assessments.bands import band_words
    from app.assessments.models import AssessmentRecord
    from app.assessments.services import form_title
    from reports.base import london

    if not ids:
        return []
    records = db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.id.in_(ids)))
    names = []
    for record in sorted(records, key=lambda r: r.id):
        result = " ".join(p for p in (record.total or "", band_words(record)) if p)
        when = london(record.taken_at, with_time=False) if record.taken_at else ""
        names.append(" ".join(p for p in (form_title(record.form_key), result, when and f"({when})") if p))
    return names


def _who(user_id: int | None) -> str:
    from app.security import CareUser

    user = db.session.get(CareUser, user_id) if user_id else None
    return display_name(user) if user is not None else ""


def build_document(plan: CarePlan):
    from app.labels import label
    from reports.base import day_month_year
    from reports.care_plan import CarePlanDocument, Section

    resident = plan.resident
    version = plan.current
    participants = ", ".join(p for p in (
        str(_l("the resident")) if version.resident_took_part else "",
        version.family_names or "", version.staff_names or "",
    ) if p)
    consent = label(version.consent) + (f" ({version.consent_by})" if version.consent_by else "")
    stay = resident.current_stay
    history = [
        f"Version {v.version_no}: reviewed {day_month_year(v.reviewed_on)}"
        + (f" by {_who(v.created_by_id)}" if v.created_by_id else "")
        for v in plan.versions
    ]
    return CarePlanDocument(
        resident_name=f"{resident.first_name} {resident.last_name}".strip(),
        home_name=plan.home.name, title=plan.title, version_no=version.version_no,
        reviewed_on=version.reviewed_on, next_review_on=plan.next_review_on, status=label(plan.status),
        sections=[Section(need=s.get("need", ""), matters=s.get("matters", ""), outcome=s.get("outcome", ""),
                          interventions=s.get("interventions", ""), risks=s.get("risks", ""),
                          assessments=_assessment_names(s.get("assessments") or []))
                  for s in version.sections or []],
        date_of_birth=resident.date_of_birth, nhs_number=resident.nhs_number_display or "",
        location=str(stay.bed) if stay is not None and stay.bed is not None else "",
        review_notes=version.review_notes or "", participants=participants, consent=consent,
        written_by=_who(version.created_by_id), history=history,
        allergies=resident.allergies or "", key_risks=resident.key_risks or "",
        resuscitation=_resuscitation(resident), latest_results=_latest_results(resident),
    )


def _resuscitation(resident) -> str:
    """DNACPR and ReSPECT decisions in force, in words."""
    from app.labels import label
    from app.residents.models import LegalKind, LegalRecord, LegalStatus
    from reports.base import day_month_year

    records = db.session.scalars(
        select(LegalRecord).where(LegalRecord.resident_id == resident.id, LegalRecord.voided_at.is_(None),
                                  LegalRecord.kind.in_([LegalKind.dnacpr, LegalKind.respect]),
                                  LegalRecord.status == LegalStatus.in_force)
        .order_by(LegalRecord.decided_on)
    )
    parts = []
    for record in records:
        when = f" ({day_month_year(record.decided_on)})" if record.decided_on else ""
        parts.append(f"{label(record.kind)} in force{when}" + (f": {record.decision}" if record.decision else ""))
    return "; ".join(parts)


def _latest_results(resident) -> list[str]:
    """The latest score and band of each assessment the home schedules for the resident."""
    from app.assessments.bands import band_words
    from app.assessments.due import due_lines
    from reports.base import london

    results = []
    for line in due_lines(resident):
        last = line.last
        if last is None:
            results.append(f"{line.title}: not yet done")
            continue
        outcome = ", ".join(p for p in (last.total or "", band_words(last)) if p) or "recorded"
        when = london(last.taken_at, with_time=False) if last.taken_at else ""
        results.append(f"{line.title}: {outcome}" + (f" ({when})" if when else ""))
    return results


def render_care_plan_pdf(care_plan_id: int, user_id: int, locale: str | None = None) -> str:
    """One resident's care plan (its current version) as an A4 PDF, kept as the job's result."""
    from reports.care_plan import care_plan_pdf

    return print_one(user_id, locale, lambda user: printable_plan(care_plan_id, user), build_document, care_plan_pdf,
                     lambda plan, document: f"care-plan-{resident_slug(plan.resident)}-v{document.version_no}-"
                                            f"{dt.date.today().isoformat()}.pdf")


def render_home_care_plans(home_id: int, user_id: int, locale: str | None = None) -> str:
    """Every active care plan of the home's current residents in one file, with progress."""
    from app.homes.models import CareHome
    from app.residents.models import Resident, ResidentStatus
    from reports.care_plan import care_plans_pdf

    with in_language(locale):
        user = _user(user_id)
        home = db.session.scalar(select(CareHome).where(CareHome.id == home_id))
        if home is None or home_id not in allowed_home_ids(user):
            raise JobError(str(_l("This home no longer exists or is not one you work in.")))
        plans = list(db.session.scalars(
            select(CarePlan).join(Resident, Resident.id == CarePlan.resident_id)
            .where(CarePlan.home_id == home_id, CarePlan.voided_at.is_(None), CarePlan.status == PlanStatus.active,
                   Resident.voided_at.is_(None),
                   Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))
        ))
        plans.sort(key=lambda p: (sort_key(p.resident.last_name), sort_key(p.resident.first_name), p.id))
        total = len(plans)
        documents = []
        for done, plan in enumerate(plans, start=1):
            documents.append(build_document(plan))
            set_progress(done, 2 * total)
        pages = max(total, 1)
        pdf = care_plans_pdf(
            documents, home_name=home.name, printed_by=display_name(user), printed_at=dt.datetime.now(dt.UTC),
            on_page=lambda page: set_progress(total + min(page, pages), 2 * total) if total else None,
        )
        return store_result(pdf, f"care-plans-{secure_name(home.name)}-{dt.date.today().isoformat()}.pdf")


def request_care_plan_pdf(plan_id, user):
    """Queue a plan's PDF (after the caller commits). LookupError when not in scope."""
    from app.guards import valid_int_id

    plan = db.session.scalar(select(CarePlan).where(CarePlan.id == int(plan_id))) if valid_int_id(plan_id) else None
    if plan is None:
        raise LookupError(plan_id)
    printable_plan(plan.id, user)
    return jobs.enqueue(
        render_care_plan_pdf, plan.id, user.id, asker_locale(),
        job_id=f"care-plan-pdf:{plan.id}:{user.id}:{asker_locale()}",
        description=f"{CARE_PLAN_PDF}: {plan.resident.full_name}", user_id=user.id, home_id=plan.home_id,
    )


def request_home_care_plans(home_id, user):
    """Queue every care plan of one home in scope (after the caller commits)."""
    from app.guards import valid_int_id
    from app.homes.models import CareHome

    scope = current_scope()
    if not valid_int_id(home_id) or (scope is not None and int(home_id) not in scope):
        raise LookupError(home_id)
    home = db.session.scalar(select(CareHome).where(CareHome.id == int(home_id)))
    if home is None:
        raise LookupError(home_id)
    return jobs.enqueue(
        render_home_care_plans, home.id, user.id, asker_locale(),
        job_id=f"home-care-plans:{home.id}:{user.id}:{asker_locale()}",
        description=f"{_l('Care plans')}: {_l('every resident of %(home)s', home=home.name)}",
        user_id=user.id, home_id=home.id,
    )


# ---------------------------------------------------------------------------------------------
# Daily reminder

DUE_LINK = "/careplans/due/"
OVERDUE_NAMED = 5  # how many overdue reviews a reminder names; the due list shows the rest


@reminder_source
def overdue_reviews(now: dt.datetime):
    """Once a day, per home: how many active care plans of residents living there are past their
    review date (one message naming the most overdue, pointing at the reviews-due list)."""
    from app.careplans.services import due_reviews, review_state
    from app.homes.models import CareHome
    from app.residents.models import ResidentStatus
    from app.residents.services import LONDON

    today = now.astimezone(LONDON).date()
    living = (ResidentStatus.in_residence, ResidentStatus.hospital_leave)
    for home in db.session.scalars(select(CareHome).where(CareHome.active.is_(True)).order_by(CareHome.id)):
        plans = [plan for plan in due_reviews([home.id], on=today, within_days=0)
                 if review_state(plan, today) == "overdue" and plan.resident.status in living]
        if not plans:
            continue
        named = [str(_l("%(plan)s for %(who)s, review due %(due)s", plan=plan.title, who=plan.resident.full_name,
                        due=f"{plan.next_review_on.day} {plan.next_review_on:%b}"))
                 for plan in plans[:OVERDUE_NAMED]]
        body = "; ".join(named)
        if len(plans) > OVERDUE_NAMED:
            body += "; " + str(_l("and %(n)s more", n=len(plans) - OVERDUE_NAMED))
        yield Reminder(
            home_id=home.id, kind="assessment_overdue", key=f"care-plan-reviews-overdue:{home.id}",
            subject=str(_l("%(n)s care plan reviews overdue in %(home)s", n=len(plans), home=home.name)),
            body=body + ".", roles=("Home Manager", "Nurse"), link=DUE_LINK,
        )
