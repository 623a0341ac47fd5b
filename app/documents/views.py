"""The "Documents and jobs" page: each user's jobs with progress, downloads and retry, and the
print requests that create them. Files are served only here, to the person who asked, while
they still work in the record's home; never from a public path."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.documents.jobs import (
    ASSESSMENT_PDF,
    TRANSFER_SUMMARY,
    asker_locale,
    printable_resident,
    printable_submission,
    render_assessment_pdf,
    render_home_transfer_summaries,
    render_transfer_summary_pdf,
    resident_label,
)
from app.extensions import db
from app.forms_store import get_store
from app.guards import safe_next
from app.jobs import Job, JobError, JobStatus
from app.notifications.services import in_homes_of
from app.tenancy import acting_user, allowed_home_ids, current_scope

RESOURCE = "Documents and jobs"
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")
PAGE_LIMIT = 50


def my_jobs(user, limit: int = PAGE_LIMIT) -> list[Job]:
    """The user's jobs, leaving out those of homes they no longer work in (they name residents)."""
    return list(db.session.scalars(
        select(Job).where(Job.user_id == user.id, in_homes_of(user.id, Job.home_id))
        .order_by(Job.created_at.desc()).limit(limit)
    ))


def own_job(job_id: str) -> Job:
    """The signed-in user's job, or 404 (someone else's job does not exist for them)."""
    user = acting_user()
    if not _HEX_ID.match(job_id or "") or user is None:
        abort(404)
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != user.id:
        abort(404)
    if job.home_id is not None and job.home_id not in allowed_home_ids(user):
        abort(404)
    return job


def recent_assessments(limit_per_home: int = 10) -> list[dict]:
    """Recent assessments of the homes in scope, with their home's name, for the print buttons."""
    from app.homes.models import CareHome
    from forms.store import VOIDED

    scope = current_scope() or frozenset()
    homes = {h.id: h.name for h in db.session.scalars(select(CareHome).where(CareHome.id.in_(sorted(scope))))}
    store = get_store()
    found = []
    for home_id, name in sorted(homes.items(), key=lambda item: item[1]):
        for sub in store.list_submissions(home_id=home_id, limit=limit_per_home):
            if sub.status != VOIDED:
                found.append({"submission": sub, "home_name": name})
    # the residents named, in one (home-scoped) query rather than one per assessment
    from app.residents.models import Resident

    ids = sorted({item["submission"].resident_id for item in found if item["submission"].resident_id is not None})
    named = {r.id: r.full_name for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids)))} if ids else {}
    for item in found:
        rid = item["submission"].resident_id
        item["resident"] = named[rid] if rid in named else resident_label(rid)
    found.sort(key=lambda item: item["submission"].taken_at, reverse=True)
    return found


def request_assessment_pdf(submission_id: str, user) -> Job:
    """Queue the PDF of an assessment the user may see (after the caller commits)."""
    submission = get_store().get_submission(submission_id) if _HEX_ID.match(submission_id or "") else None
    scope = current_scope()
    if submission is None or (scope is not None and submission.home_id not in scope):
        raise LookupError(submission_id)
    printable_submission(submission, user)
    return jobs.enqueue(
        render_assessment_pdf, submission.id, user.id, asker_locale(),
        job_id=f"assessment-pdf:{submission.id}:{user.id}:{asker_locale()}",
        description=f"{ASSESSMENT_PDF}: {submission.form_key} · {resident_label(submission.resident_id)}",
        user_id=user.id, home_id=submission.home_id,
    )


def residents_to_print(limit: int = 500) -> list:
    """Residents of the homes in scope who live there now (or are on hospital leave)."""
    from app.residents.models import Resident, ResidentStatus

    query = (
        select(Resident)
        .where(Resident.voided_at.is_(None),
               Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))
        .order_by(Resident.last_name, Resident.first_name)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def request_transfer_summary(resident_id, user) -> Job:
    """Queue a resident's hospital transfer summary (after the caller commits)."""
    from app.guards import valid_int_id
    from app.residents.models import Resident

    if not valid_int_id(resident_id):
        raise LookupError(resident_id)
    resident = db.session.scalar(select(Resident).where(Resident.id == int(resident_id)))
    if resident is None:
        raise LookupError(resident_id)
    printable_resident(resident.id, user)
    return jobs.enqueue(
        render_transfer_summary_pdf, resident.id, user.id, asker_locale(),
        job_id=f"transfer-summary:{resident.id}:{user.id}:{asker_locale()}",
        description=f"{TRANSFER_SUMMARY}: {resident.full_name}",
        user_id=user.id, home_id=resident.home_id,
    )


def request_home_transfer_summaries(home_id, user) -> Job:
    """Queue every resident's transfer summary for one home in scope (after the caller commits)."""
    from app.guards import valid_int_id
    from app.homes.models import CareHome

    scope = current_scope()
    if not valid_int_id(home_id) or (scope is not None and int(home_id) not in scope):
        raise LookupError(home_id)
    home = db.session.scalar(select(CareHome).where(CareHome.id == int(home_id)))
    if home is None:
        raise LookupError(home_id)
    return jobs.enqueue(
        render_home_transfer_summaries, home.id, user.id, asker_locale(),
        job_id=f"home-transfer-summaries:{home.id}:{user.id}:{asker_locale()}",
        description=f"{TRANSFER_SUMMARY}: {_l('every resident of %(home)s', home=home.name)}",
        user_id=user.id, home_id=home.id,
    )


def homes_in_scope() -> list:
    from app.homes.models import CareHome

    return list(db.session.scalars(select(CareHome).order_by(CareHome.name)))


class DocumentsView(BaseView):
    route_base = "/documents"
    default_view = "list"
    class_permission_name = RESOURCE
    method_permission_name = {
        "list": "read", "status": "read", "document": "read", "retry": "write", "remake": "write",
        "assessment": "write", "transfer_summary": "write", "home_transfer_summaries": "write",
    }

    @expose("/")
    @has_access
    def list(self):
        user = acting_user()
        rows = my_jobs(user)
        return self.render_template(
            "documents/list.html",
            jobs=rows,
            missing={job.id for job in rows if jobs.file_missing(job)},
            active=any(job.is_active for job in rows),
            assessments=recent_assessments(),
            residents=residents_to_print(),
            homes=homes_in_scope(),
            result_days=current_app.config.get("JOB_RESULT_DAYS", jobs.DEFAULT_RESULT_DAYS),
            status=JobStatus,
        )

    @expose("/status.json")
    @has_access
    def status(self):
        return {"jobs": [
            {"id": job.id, "status": job.status, "progress": job.progress, "error": job.error,
             "description": job.description, "retrying": job.is_retrying, "attempts": job.attempts,
             "file_missing": jobs.file_missing(job),
             "download": url_for("DocumentsView.document", job_id=job.id)
             if job.status == JobStatus.finished.value and jobs.result_file(job) else None}
            for job in my_jobs(acting_user())
        ]}

    # Not called "download": the request guards close every FAB "download" route.
    @expose("/file/<job_id>")
    @has_access
    def document(self, job_id):
        job = own_job(job_id)
        path = jobs.result_file(job) if job.status == JobStatus.finished.value else None
        if path is None:  # not made yet, failed, or no longer in the files folder: say which, and what to do
            return self.render_template(
                "documents/unavailable.html", job=job, status=JobStatus, can_remake=jobs.file_missing(job),
                result_days=current_app.config.get("JOB_RESULT_DAYS", jobs.DEFAULT_RESULT_DAYS),
            ), (410 if jobs.file_missing(job) else 404)
        response = send_file(
            path, mimetype=job.result_mimetype or "application/octet-stream", as_attachment=True,
            download_name=job.result_name or path.name, max_age=0,
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/retry/<job_id>", methods=["POST"])
    @has_access
    def retry(self, job_id):
        return _once_more(job_id, jobs.retry, _l("Trying it again."))

    @expose("/remake/<job_id>", methods=["POST"])
    @has_access
    def remake(self, job_id):
        """Make a document again whose file is no longer available (cleared after some days, or lost)."""
        return _once_more(job_id, jobs.remake, _l("Your document is being made again; it will appear below."))

    @expose("/assessment/<submission_id>", methods=["POST"])
    @has_access
    def assessment(self, submission_id):
        return self._ask(request_assessment_pdf, submission_id)

    @expose("/transfer-summary", methods=["POST"])
    @has_access
    def transfer_summary(self):
        return self._ask(request_transfer_summary, request.form.get("resident_id", ""))

    @expose("/home-transfer-summaries", methods=["POST"])
    @has_access
    def home_transfer_summaries(self):
        return self._ask(request_home_transfer_summaries, request.form.get("home_id", ""))

    def _ask(self, request_document, record_id):
        try:
            job = request_document(record_id, acting_user())
        except LookupError:
            abort(404)
        except JobError as error:
            flash(error.message, "danger")
            return redirect(url_for("DocumentsView.list"))
        db.session.commit()
        back = safe_next(request.form.get("next"), "")
        if back and job is not None:  # the page it was asked from shows its progress and then the download
            return redirect(with_print_job(back, job.id))
        flash(str(_l("Your document is being prepared; it will appear below.")), "info")
        return redirect(url_for("DocumentsView.list"))


def with_print_job(url: str, job_id: str) -> str:
    """The page's address with ?print_job=<id>: documents/_print_progress.html follows that job."""
    from urllib.parse import urlencode

    return url + ("&" if "?" in url else "?") + urlencode({"print_job": job_id})


def register(appbuilder) -> None:
    """The "Documents and jobs" page in the menu, and the `local_time` filter (Europe/London) its templates use."""
    from reports.base import london

    appbuilder.add_view(
        DocumentsView, RESOURCE, label=_l("Documents and jobs"), icon="fa-file-pdf",
        category=RESOURCE, category_label=_l("Documents"), category_icon="fa-file-alt",
    )
    from flask import current_app

    current_app.jinja_env.filters["local_time"] = london


def _once_more(job_id, action, done_message):
    """Queue one of the user's own jobs again (a retry, or a remake of a lost file) and say so."""
    job = own_job(job_id)
    try:
        action(job)
        db.session.commit()
        flash(str(done_message), "info")
    except JobError as error:
        db.session.rollback()
        flash(error.message, "warning")
    return redirect(url_for("DocumentsView.list"))
