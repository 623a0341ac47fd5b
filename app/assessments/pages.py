"""Assessment pages: a resident's assessments (due, overdue, drafts), filling in a form without
JavaScript, the result with its score, band and response, signing, amending with a reason, the
history chart, and each home's list of due and overdue assessments and tasks."""

from __future__ import annotations

import datetime as dt
import uuid

import wtforms
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.assessments import due as due_rules
from app.assessments import services
from app.assessments.chart import score_chart
from app.assessments.models import AssessmentRecord, RecordStatus, Task
from app.exceptions import DomainError
from app.extensions import db
from app.forms_store import form_usable, get_store
from app.guards import valid_int_id
from app.residents.common import flash_domain_error, parse_datetime
from app.residents.models import Resident
from app.residents.services import LONDON
from app.tenancy import acting_user, current_scope
from forms.messages import localised
from forms.printing import printable_rows
from forms.rendering import build_form_class

SIGNING = "Assessment signing"


def _locale() -> str:
    return str(get_locale() or "en-GB")


def _resident(pk) -> Resident:
    resident = db.session.get(Resident, pk) if valid_int_id(pk) else None
    if resident is None or resident.voided_at is not None:
        abort(404)
    return resident


def _record(pk) -> AssessmentRecord:
    record = db.session.get(AssessmentRecord, pk) if valid_int_id(pk) else None
    if record is None:
        abort(404)
    return record


def _definition(key: str, version: int | None = None, right: str | None = None):
    try:
        found = services.definition(key, version)
    except DomainError:
        abort(404)
    if right and not services.form_allows(found, right, acting_user()):
        abort(403)
    return found


def _form_class(definition):
    return build_form_class(definition, _locale(), base_class=wtforms.Form)


def live_logic(definition) -> dict:
    """What the page's optional show/hide script needs: the server's field order, each field's
    type, visibility rule and option values (as posted text -> typed value)."""
    from forms.plan import build_plan

    def posted(value):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    fields = {}
    for key, spec in definition.fields.items():
        fields[key] = {"type": spec.type, "visible_if": spec.visible_if,
                       "options": [[posted(o.value), o.value] for o in spec.options]}
    return {"order": list(build_plan(definition).order), "fields": fields}


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and valid_int_id(int(text)) else None


def _role_name(user) -> str:
    roles = [r.name for r in getattr(user, "roles", [])]
    return roles[0] if roles else ""


class AssessmentPagesView(BaseView):
    """The resident's assessments and the forms themselves."""

    route_base = "/assessments"
    class_permission_name = "Assessments"
    method_permission_name = {"resident": "read", "record": "read", "history": "read", "due": "read",
                              "fill": "write"}
    default_view = "due"

    @expose("/resident/<int:pk>/")
    @has_access
    def resident(self, pk):
        resident = _resident(pk)
        lines = due_rules.due_lines(resident)
        others = [r for r in due_rules.records_of(resident.id)
                  if r.form_key not in {line.schedule.form_key for line in lines}]
        for other in others:
            if services.is_incomplete(other):
                due_rules.report_incomplete(other, "the resident's assessments")
        forms = services.assessment_forms(resident.home_id)
        return self.render_template(
            "assessments/resident.html", resident=resident, lines=lines, others=others,
            incomplete=services.is_incomplete,
            forms=[(key, services.form_title(key)) for key in forms],
            fillable=services.fillable(forms, acting_user()),
            can_fill=self.appbuilder.sm.has_access("can_write", "Assessments"),
            title=_l("Assessments: %(name)s", name=resident.full_name),
        )

    @expose("/resident/<int:pk>/fill/<string:key>", methods=["GET", "POST"])
    @has_access
    def fill(self, pk, key):
        resident = _resident(pk)
        if not form_usable(key, resident.home_id):  # another home's own form
            abort(404)
        if request.method == "POST":
            return self._post(resident, key)
        draft = None
        draft_id = _int(request.args.get("draft"))
        if draft_id is not None:
            draft = _record(draft_id)
            if draft.resident_id != resident.id or draft.form_key != key or draft.status != RecordStatus.draft:
                abort(404)
        definition = _definition(key, draft.version if draft else None, "fill")
        form_class = _form_class(definition)
        form = form_class.from_answers(draft.answers) if draft else form_class()
        token = draft.token if draft else uuid.uuid4().hex
        return self._render_form(resident, definition, form, token)

    def _render_form(self, resident, definition, form, token, status=200, taken_at=""):
        return self.render_template(
            "assessments/fill.html", resident=resident, definition=definition, form=form, token=token,
            form_title=localised(definition.title, _locale()), taken_at=taken_at, live=live_logic(definition),
            title=localised(definition.title, _locale()),
        ), status

    def _post(self, resident, key):
        version = _int(request.form.get("_version"))
        sha256 = str(request.form.get("_sha256", ""))[:64]
        token = str(request.form.get("_token", ""))[:64]
        if version is None or len(token) < 16:
            abort(400)
        definition = _definition(key, version, "fill")
        form = _form_class(definition)(request.form)
        answers = form.to_answers()
        user = acting_user()
        taken_text = str(request.form.get("_taken_at", ""))[:40]
        try:
            if request.form.get("_action") == "draft":
                record = services.save_draft(resident, key, version, sha256, token, answers, user)
                db.session.commit()
                flash(str(_l("Draft saved.")), "success")
                if record.status != RecordStatus.draft:
                    return redirect(url_for(".record", pk=record.id))
                return redirect(url_for(".fill", pk=resident.id, key=key, draft=record.id))
            taken_at = parse_datetime(taken_text, naive_zone=LONDON) if taken_text else None
            if taken_text and (taken_at is None or taken_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)):
                raise DomainError({"taken_at": [str(_l("Give a time that is not in the future."))]})
            result, record = services.submit(resident, key, version, sha256, token, answers, user,
                                             taken_at=taken_at, locale=_locale())
        except services.DuplicateSubmit as error:
            db.session.rollback()
            flash(error.message, "warning")
            existing = services.by_token(token)
            return redirect(url_for(".record", pk=existing.id) if existing else url_for(".resident", pk=resident.id))
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
            return self._render_form(resident, definition, form, token, status=422, taken_at=taken_text)
        if record is None:
            form.apply_result(result)
            flash(str(_l("Some answers need attention; nothing was saved yet.")), "danger")
            return self._render_form(resident, definition, form, token, status=422, taken_at=taken_text)
        db.session.commit()
        return redirect(url_for(".record", pk=record.id))

    @expose("/record/<int:pk>/")
    @has_access
    def record(self, pk):
        record = _record(pk)
        if record.status == RecordStatus.draft:
            return redirect(url_for(".fill", pk=record.resident_id, key=record.form_key, draft=record.id))
        store = get_store()
        submission = store.get_submission(record.submission_id) if record.submission_id else None
        if submission is None or services.is_incomplete(record):
            due_rules.report_incomplete(record, "its page")
            flash(str(_l("This assessment was not saved completely. It has been reported; it will be finished or "
                         "returned to a draft shortly.")), "warning")
            return redirect(url_for(".resident", pk=record.resident_id))
        definition = _definition(record.form_key, record.version, "view")
        labels = {k: localised(f.label, _locale()) for k, f in definition.fields.items()}
        sm = self.appbuilder.sm
        user = acting_user()
        return self.render_template(
            "assessments/record.html", record=record, resident=record.resident, submission=submission,
            rows=printable_rows(definition, submission, _locale()), labels=labels,
            amendments=store.list_amendments(submission.id),
            form_title=localised(definition.title, _locale()),
            can_sign=(sm.has_access("can_write", SIGNING) and record.status == RecordStatus.submitted
                      and services.form_allows(definition, "sign", user)),
            can_amend=sm.has_access("can_write", SIGNING) and services.form_allows(definition, "sign", user),
            can_print=sm.has_access("can_write", "Documents and jobs"),
            signer_name=f"{getattr(user, 'first_name', '')} {getattr(user, 'last_name', '')}".strip(),
            signer_role=_role_name(user), title=localised(definition.title, _locale()),
        )

    @expose("/resident/<int:pk>/history/<string:key>")
    @has_access
    def history(self, pk, key):
        resident = _resident(pk)
        records = [r for r in due_rules.records_of(resident.id, key) if r.status != RecordStatus.draft]
        definition = _definition(key, right="view")
        score_range = (definition.scoring or {}).get("range")
        from app.assessments.bands import chart_bands

        bands = chart_bands(key, None, *(score_range if isinstance(score_range, (list, tuple)) and len(score_range) == 2
                                         else (None, None)))
        return self.render_template(
            "assessments/history.html", resident=resident, records=records, key=key,
            chart=score_chart(due_rules.history_points(records), score_range, bands),
            incomplete=services.is_incomplete,
            form_title=localised(definition.title, _locale()), title=localised(definition.title, _locale()),
        )

    @expose("/due/")
    @has_access
    def due(self):
        from app.careplans.services import due_reviews, review_state

        homes = current_scope() or frozenset()
        today = dt.datetime.now(dt.UTC).astimezone(LONDON).date()
        mine = request.args.get("mine") == "1"
        tasks = services.open_tasks(homes)
        if mine:
            user = acting_user()
            roles = {role.name for role in getattr(user, "roles", ())}
            tasks = [t for t in tasks if t.assigned_user_id == getattr(user, "id", None)
                     or (t.assigned_user_id is None and t.assigned_role in roles)]
        sm = self.appbuilder.sm
        by = "form" if request.args.get("by") == "form" else "resident"
        unit_id = _int(request.args.get("unit"))
        from app.homes.models import Unit

        units = list(db.session.scalars(select(Unit).order_by(Unit.name)))
        if unit_id is not None and unit_id not in {unit.id for unit in units}:
            unit_id = None
        groups = due_rules.group_due(due_rules.home_due(homes), by=by, unit_id=unit_id)
        reviews = due_reviews(homes) if sm.has_access("can_read", "Care plans") else None
        if unit_id is not None:  # reviews and tasks of the unit's residents only
            units_by_resident = due_rules.units_of(
                [p.resident_id for p in reviews or []] + [t.resident_id for t in tasks if t.resident_id])
            keep = {resident_id for resident_id, unit in units_by_resident.items() if unit.id == unit_id}
            if reviews is not None:
                reviews = [p for p in reviews if p.resident_id in keep]
            tasks = [t for t in tasks if t.resident_id in keep]
        # A page a person can read: at most DUE_PAGE_LINES assessments and DUE_PAGE_ROWS tasks and
        # reviews, soonest first (a group-wide user's twenty homes are thousands of lines); the counts
        # are of everything, and the page says what is left out and how to see it.
        shown, lines_left = due_rules.first_lines(groups, DUE_PAGE_LINES)
        from app.residents.services import attach_residents

        attach_residents([*tasks[:DUE_PAGE_ROWS], *(reviews or [])[:DUE_PAGE_ROWS]])
        return self.render_template(
            "assessments/due.html", groups=shown, by=by, units=units, unit_id=unit_id,
            tasks=tasks[:DUE_PAGE_ROWS], tasks_left=max(0, len(tasks) - DUE_PAGE_ROWS), lines_left=lines_left,
            mine=mine, overdue_count=sum(g.overdue for g in groups), due_count=sum(g.due for g in groups),
            reviews=None if reviews is None else reviews[:DUE_PAGE_ROWS],
            reviews_left=max(0, len(reviews or []) - DUE_PAGE_ROWS), review_state=review_state,
            now=dt.datetime.now(dt.UTC), today=today,
            can_close=sm.has_access("can_write", "Tasks"), title=_l("Due and overdue"),
        )


DUE_PAGE_LINES = 200
DUE_PAGE_ROWS = 100


class AssessmentSigningView(BaseView):
    """Sign a submitted assessment; amend one with a reason (the original stays in the history)."""

    route_base = "/assessment-signing"
    class_permission_name = SIGNING
    method_permission_name = {"sign": "write", "amend": "write"}

    @expose("/<int:pk>/sign", methods=["POST"])
    @has_access
    def sign(self, pk):
        record = _record(pk)
        _definition(record.form_key, record.version, "sign")
        try:
            services.sign(record, request.form.get("signed_name", "")[:200], request.form.get("signed_role", "")[:200],
                          acting_user())
            db.session.commit()
            flash(str(_l("Signed.")), "success")
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        return redirect(url_for("AssessmentPagesView.record", pk=pk))

    @expose("/<int:pk>/amend", methods=["GET", "POST"])
    @has_access
    def amend(self, pk):
        record = _record(pk)
        if record.status == RecordStatus.draft:
            abort(404)
        definition = _definition(record.form_key, record.version, "sign")
        form_class = _form_class(definition)
        reason = ""
        status = 200
        if request.method == "POST":
            form = form_class(request.form)
            reason = str(request.form.get("reason", ""))[:2000]
            try:
                result, record = services.amend(record, form.to_answers(), reason, acting_user(), locale=_locale())
            except DomainError as error:
                db.session.rollback()
                flash_domain_error(error)
                result, status = None, 422
            else:
                if result is not None and not result.ok:
                    form.apply_result(result)
                    status = 422
                else:
                    db.session.commit()
                    flash(str(_l("Amended; the original answers stay in the history.")), "success")
                    return redirect(url_for("AssessmentPagesView.record", pk=pk))
        else:
            form = form_class.from_answers(record.answers)
        return self.render_template(
            "assessments/amend.html", record=record, resident=record.resident, form=form, reason=reason,
            form_title=localised(definition.title, _locale()), title=_l("Amend an assessment"),
        ), status


class TaskActionsView(BaseView):
    """Mark a task done, or not done with a reason."""

    route_base = "/task-actions"
    class_permission_name = "Tasks"
    method_permission_name = {"close": "write"}

    @expose("/<int:pk>/close", methods=["POST"])
    @has_access
    def close(self, pk):
        task = db.session.get(Task, pk) if valid_int_id(pk) else None
        if task is None:
            abort(404)
        try:
            services.close_task(task, str(request.form.get("status", ""))[:20],
                                str(request.form.get("outcome_reason", ""))[:2000], acting_user())
            db.session.commit()
            flash(str(_l("Task closed.")), "success")
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        return redirect(url_for("AssessmentPagesView.due"))


def profile_summary(resident):
    """The Assessments section of the resident's profile (None when the user may not read them)."""
    from flask import current_app

    sm = current_app.appbuilder.sm
    if not sm.has_access("can_read", "Assessments"):
        return None
    lines = due_rules.due_lines(resident)
    return {"lines": lines, "can_fill": sm.has_access("can_write", "Assessments"),
            "fillable": services.fillable([line.schedule.form_key for line in lines], acting_user())}
