"""Care-plan pages: a resident's plans, creating one from a template, the current version with
its history, reading an earlier version back, reviewing (pre-filled from the latest version),
each home's due and overdue reviews, and asking for the plan PDFs. Works without JavaScript."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.careplans import services
from app.careplans.models import CarePlan, CarePlanVersion, Consent, PlanStatus
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.jobs import JobError
from app.residents.common import flash_domain_error
from app.residents.models import Resident
from app.tenancy import acting_user, current_scope

RESOURCE = "Care plans"
DOCUMENTS = "Documents and jobs"
BLANK_ROWS = 2


def _resident(pk) -> Resident:
    resident = db.session.scalar(select(Resident).where(Resident.id == pk)) if valid_int_id(pk) else None
    if resident is None or resident.voided_at is not None:
        abort(404)
    return resident


def _plan(pk) -> CarePlan:
    plan = db.session.scalar(select(CarePlan).where(CarePlan.id == pk)) if valid_int_id(pk) else None
    if plan is None or plan.voided_at is not None:
        abort(404)
    return plan


def _can(permission: str, resource: str = RESOURCE) -> bool:
    return current_app.appbuilder.sm.has_access(permission, resource)


def assessment_choices(resident_id: int) -> list[tuple[int, str]]:
    """The resident's submitted assessments, newest first, to link from a need."""
    from app.assessments.models import AssessmentRecord, RecordStatus
    from app.assessments.services import form_title
    from reports.base import london

    records = db.session.scalars(
        select(AssessmentRecord).where(AssessmentRecord.resident_id == resident_id,
                                       AssessmentRecord.status != RecordStatus.draft)
        .order_by(AssessmentRecord.taken_at.desc()).limit(100))
    return [(r.id, " ".join(p for p in (form_title(r.form_key), r.total or "", r.band_label or "",
                                        london(r.taken_at, with_time=False)) if p)) for r in records]


def sections_from_form(form) -> list[dict]:
    try:
        count = min(int(form.get("count", "0")), services.MAX_SECTIONS + BLANK_ROWS + 5)
    except ValueError:
        count = 0
    sections = []
    for i in range(max(count, 0)):
        section = {f: str(form.get(f"{f}-{i}", ""))[: services.MAX_TEXT + 1] for f in services.SECTION_FIELDS}
        section["assessments"] = [x for x in form.getlist(f"assessments-{i}") if x.isdigit()]
        sections.append(section)
    return sections


def with_pending_needs(resident_id: int, sections: list[dict]) -> list[dict]:
    """The sections, then each need an assessment band asks for that is not among them yet."""
    return list(sections) + services.suggested_needs(resident_id, sections)


def _who_from_form(form) -> dict:
    return {"participants": {"resident": form.get("resident_took_part") == "y",
                             "family": form.get("family_names", "")[:500],
                             "staff": form.get("staff_names", "")[:500]},
            "consent": form.get("consent", ""), "consent_by": form.get("consent_by", "")[:200]}


def profile_summary(resident):
    """The Care plans section of the resident's profile (None when the user may not read them)."""
    if not _can("can_read"):
        return None
    plans = services.plans_of(resident.id)
    return {"plans": plans, "can_write": _can("can_write"), "state": services.review_state}


class CarePlanPagesView(BaseView):
    route_base = "/careplans"
    class_permission_name = RESOURCE
    method_permission_name = {
        "resident": "read", "plan": "read", "version": "read", "due": "read", "print_plan": "read",
        "print_home": "read", "new": "write", "review": "write", "archive": "write",
    }
    default_view = "due"

    def _edit_page(self, resident, *, plan=None, sections, values, status=200, errors=None):
        rows = list(sections) + [dict.fromkeys(services.SECTION_FIELDS, "") | {"assessments": []}
                                 for _ in range(BLANK_ROWS)]
        title = (_l("Review care plan: %(name)s", name=resident.full_name) if plan is not None
                 else _l("New care plan: %(name)s", name=resident.full_name))
        return self.render_template(
            "careplans/edit.html", resident=resident, plan=plan, rows=rows, values=values,
            errors=errors or {}, templates=services.template_titles(resident.home_id), consents=list(Consent),
            assessments=assessment_choices(resident.id), title=title,
        ), status

    @expose("/resident/<int:pk>/")
    @has_access
    def resident(self, pk):
        resident = _resident(pk)
        return self.render_template(
            "careplans/resident.html", resident=resident, plans=services.plans_of(resident.id),
            state=services.review_state, can_write=_can("can_write"),
            title=_l("Care plans: %(name)s", name=resident.full_name),
        )

    @expose("/resident/<int:pk>/new", methods=["GET", "POST"])
    @has_access
    def new(self, pk):
        resident = _resident(pk)
        chosen = (services.find_template(request.values.get("template"), resident.home_id)
                  or services.find_template("standard"))
        template = chosen.key
        if request.method == "GET":
            values = {"template": template, "review_every_days": chosen.review_every_days,
                      "consent": Consent.not_able.value, "title": str(chosen.title)}
            sections = with_pending_needs(resident.id, services.template_sections(template))
            return self._edit_page(resident, sections=sections, values=values)
        form = request.form
        sections = sections_from_form(form)
        try:
            plan = services.create_care_plan(
                resident.id, template, sections, acting_user(), title=form.get("title", ""),
                review_every_days=form.get("review_every_days"), notes=form.get("notes", ""), **_who_from_form(form),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
            return self._edit_page(resident, sections=sections, values=form.to_dict(), status=422,
                                   errors=error.errors)
        flash(str(_l("Care plan created.")), "success")
        return redirect(url_for("CarePlanPagesView.plan", pk=plan.id))

    @expose("/plan/<int:pk>/")
    @has_access
    def plan(self, pk):
        plan = _plan(pk)
        return self._show(plan, plan.current)

    @expose("/plan/<int:pk>/version/<int:number>")
    @has_access
    def version(self, pk, number):
        plan = _plan(pk)
        found = next((v for v in plan.versions if v.version_no == number), None)
        if found is None:
            abort(404)
        return self._show(plan, found)

    def _show(self, plan: CarePlan, version: CarePlanVersion):
        names = dict(assessment_choices(plan.resident_id))
        return self.render_template(
            "careplans/plan.html", plan=plan, version=version, resident=plan.resident,
            latest=version.version_no == plan.current_version_no, state=services.review_state(plan),
            assessment_names=names, can_write=_can("can_write") and plan.status == PlanStatus.active,
            suggested=services.suggested_needs(plan.resident_id, version.sections)
            if version.version_no == plan.current_version_no and plan.status == PlanStatus.active else [],
            can_print=_can("can_write", DOCUMENTS),
            title=_l("Care plan: %(name)s", name=plan.resident.full_name),
        )

    @expose("/plan/<int:pk>/review", methods=["GET", "POST"])
    @has_access
    def review(self, pk):
        plan = _plan(pk)
        if plan.status != PlanStatus.active:
            flash(str(_l("Only an active care plan can be reviewed.")), "warning")
            return redirect(url_for("CarePlanPagesView.plan", pk=plan.id))
        latest = plan.current
        if request.method == "GET":
            values = {"review_every_days": plan.review_every_days, "consent": latest.consent.value,
                      "consent_by": latest.consent_by or "", "family_names": latest.family_names or "",
                      "staff_names": latest.staff_names or "",
                      "resident_took_part": "y" if latest.resident_took_part else "",
                      "expected_version": plan.current_version_no}
            sections = with_pending_needs(plan.resident_id, latest.sections)
            return self._edit_page(plan.resident, plan=plan, sections=sections, values=values)
        form = request.form
        sections = sections_from_form(form)
        expected = form.get("expected_version", "")
        try:
            services.review_care_plan(
                plan.id, sections, notes=form.get("notes", ""), by_user=acting_user(),
                review_every_days=form.get("review_every_days"),
                expected_version=int(expected) if expected.isdigit() else None, **_who_from_form(form),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
            return self._edit_page(plan.resident, plan=plan, sections=sections, values=form.to_dict(),
                                   status=422, errors=error.errors)
        flash(str(_l("Review saved as version %(n)s.", n=plan.current_version_no)), "success")
        return redirect(url_for("CarePlanPagesView.plan", pk=plan.id))

    @expose("/plan/<int:pk>/archive", methods=["POST"])
    @has_access
    def archive(self, pk):
        plan = _plan(pk)
        try:
            services.archive_care_plan(plan.id, acting_user())
            db.session.commit()
            flash(str(_l("Care plan archived.")), "info")
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        return redirect(url_for("CarePlanPagesView.plan", pk=plan.id))

    @expose("/due/")
    @has_access
    def due(self):
        plans = services.due_reviews(current_scope())
        return self.render_template(
            "careplans/due.html", plans=plans, state=services.review_state, homes=_homes(),
            can_print=_can("can_write", DOCUMENTS), title=_l("Care plan reviews due"),
        )

    @expose("/plan/<int:pk>/print", methods=["POST"])
    @has_access
    def print_plan(self, pk):
        from app.careplans.jobs import request_care_plan_pdf

        return self._ask(request_care_plan_pdf, pk, back=url_for("CarePlanPagesView.plan", pk=pk))

    @expose("/print-home", methods=["POST"])
    @has_access
    def print_home(self):
        from app.careplans.jobs import request_home_care_plans

        return self._ask(request_home_care_plans, request.form.get("home_id", ""))

    def _ask(self, request_document, record_id, back: str | None = None):
        if not _can("can_write", DOCUMENTS):
            abort(403)
        try:
            job = request_document(record_id, acting_user())
        except LookupError:
            abort(404)
        except JobError as error:
            flash(error.message, "danger")
            return redirect(url_for("DocumentsView.list"))
        db.session.commit()
        if back and job is not None:  # the plan's page shows the progress and then the download
            from app.documents.views import with_print_job

            return redirect(with_print_job(back, job.id))
        flash(str(_l("Your document is being prepared; it will appear below.")), "info")
        return redirect(url_for("DocumentsView.list"))


def _homes():
    from app.homes.models import CareHome

    return list(db.session.scalars(select(CareHome).order_by(CareHome.name)))
