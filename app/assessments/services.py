"""Assessment rules: the forms a home schedules, drafts, submit (once per form on screen, whole or
not at all), the repair of a submit cut off half way, sign, amend with a reason, and tasks done or
not done. When assessments fall due is in `app.assessments.due`.

A submit writes its answers in the session's transaction when the form store is SQL (see
`submit`). Otherwise the form store writes on its own connections: on SQLite (WAL) a session that
has read before such a write cannot write afterwards, so an amendment is followed by ending the
session's read (`_end_read`); callers commit once at the end as usual.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.assessments.models import AssessmentRecord, AssessmentSchedule, RecordStatus, Task, TaskStatus
from app.exceptions import DomainError, NotFoundError
from app.extensions import db
from app.forms_store import check_form_home, form_homes, get_store, publish_standard
from forms.engine import Result, validate_and_score
from forms.messages import localised
from forms.store import PUBLISHED, VOIDED, DuplicateSubmission, StoreError

# The standard assessments a home may schedule (each has a file in form_definitions/).
STANDARD_FORMS = ("must", "waterlow", "braden", "news2", "barthel", "barthel_20", "abbey_pain", "morse_fall")
# What a new home schedules: (form key, every how many days, on admission).
DEFAULT_SCHEDULES = (("must", 30, True), ("waterlow", 30, True), ("barthel", 90, True),
                     ("morse_fall", 30, True), ("abbey_pain", 30, False))
DONE = (RecordStatus.submitted, RecordStatus.signed)
log = logging.getLogger(__name__)
# Rights of standard forms that set none of their own: NEWS2 observations and their escalation
# are for trained staff, not carers (a home changes this in the form builder's roles).
DEFAULT_RIGHTS = {"news2": {"fill": ["Nurse", "Senior Carer", "Home Manager"]}}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _end_read() -> None:
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# Definitions


def definition(key: str, version: int | None = None):
    """The engine's definition of a form: the given version, or the latest published one (a
    standard form is published from its file the first time it is needed)."""
    store = get_store()
    if version is None and store.get_definition(key) is None:
        _publish_standard(key)
    try:
        return store.load(key, version)
    except StoreError:
        raise NotFoundError(str(_l("form"))) from None


def _publish_standard(key: str) -> None:
    if key in STANDARD_FORMS:
        publish_standard(key)


def assessment_forms(home_id: int | None = None) -> list[str]:
    """What a home may schedule and fill in: the standard assessments, and every assessment form
    published in the form builder for the group or as the home's own (an archived form drops out).
    Without a home: those of the homes in the current scope."""
    keys = list(STANDARD_FORMS)
    for version in get_store().list_definitions(status=PUBLISHED, homes=form_homes(home_id)):
        kind = (version.definition.get("x-form") or {}).get("kind")
        if kind == "assessment" and version.key not in keys:
            keys.append(version.key)
    return keys


def form_allows(form_definition, right: str, user) -> bool:
    """The form's own `x-permissions` (set in the form builder): roles that may fill, view or sign.
    A right the form leaves out follows the permission matrix alone; administrators always may."""
    roles = (form_definition.raw.get("x-permissions") or {}).get(right)
    if roles is None:
        roles = DEFAULT_RIGHTS.get(form_definition.key, {}).get(right)
    if roles is None:
        return True
    names = {role.name for role in getattr(user, "roles", ())}
    return "Administrator" in names or bool(names & set(roles))


def fillable(keys, user) -> set[str]:
    """Of these forms, those the user may fill in (by each form's own roles)."""
    found = set()
    for key in keys:
        try:
            if form_allows(definition(key), "fill", user):
                found.add(key)
        except DomainError:
            continue
    return found


def form_title(key: str, locale: str | None = None) -> str:
    """A form's title in `locale`, by default the reader's language (in a request)."""
    if locale is None:
        from app.assessments.bands import _locale

        locale = _locale()
    try:
        return localised(definition(key).title, locale)
    except DomainError:
        return key


def ensure_default_schedules(home_id: int) -> list[AssessmentSchedule]:
    """Give a home the default schedule (MUST and Waterlow monthly, on admission...) if it has none."""
    existing = db.session.scalars(select(AssessmentSchedule).where(AssessmentSchedule.home_id == home_id)).all()
    if existing:
        return list(existing)
    rows = [AssessmentSchedule(home_id=home_id, form_key=key, every_days=days, on_admission=admission)
            for key, days, admission in DEFAULT_SCHEDULES]
    db.session.add_all(rows)
    db.session.flush()
    return rows


# ---------------------------------------------------------------------------------------------
# Draft, submit, sign, amend


def by_token(token: str, lock: bool = False) -> AssessmentRecord | None:
    query = select(AssessmentRecord).where(AssessmentRecord.token == token)
    if lock:  # PostgreSQL: a second submit of the same form waits here for the first to finish
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def is_incomplete(record: AssessmentRecord) -> bool:
    """Submitted or signed, but without its answers in the form store, its score or its time: what a
    submit cut off half way left before submits were made whole (the repair finishes or undoes it)."""
    return record.status in DONE and (record.submission_id is None or record.taken_at is None)


def is_unfinished(record: AssessmentRecord) -> bool:
    """A submit was started and not finished: incomplete, or a draft marked as being submitted."""
    if record.submission_id is not None:
        return False
    return record.status in DONE or (record.status == RecordStatus.draft and record.submitted_at is not None)


def _check_version(key: str, version: int, sha256: str):
    """The version shown on the page (kept in hidden fields), even if a newer one was published since."""
    shown = definition(key, version)
    if shown.sha256 != sha256:
        raise DomainError(str(_l("The form on your screen does not match the stored version; open it again.")))
    return shown


def save_draft(resident, key: str, version: int, sha256: str, token: str, answers: dict, user) -> AssessmentRecord:
    check_form_home(key, resident.home_id)
    _check_version(key, version, sha256)
    record = by_token(token, lock=True)
    _same_form(record, resident, key)
    if record is not None and is_unfinished(record):
        repair_record(record.id, get_store())  # its answers may be stored already: then they count
        record = by_token(token, lock=True)
    if record is not None and record.status != RecordStatus.draft:
        return record
    if record is None:
        record = AssessmentRecord(home_id=resident.home_id, resident_id=resident.id, form_key=key,
                                  version=version, sha256=sha256, token=token, status=RecordStatus.draft,
                                  created_by_id=getattr(user, "id", None))
        db.session.add(record)
    record.answers = answers
    _flush_claim()
    return record


def _same_form(record: AssessmentRecord | None, resident, key: str) -> None:
    """A token belongs to one resident's form: another's is refused, never overwritten."""
    if record is not None and (record.resident_id != resident.id or record.form_key != key):
        raise DomainError(str(_l("The form on your screen does not match the stored version; open it again.")))


def _flush_claim() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateSubmit() from None


class DuplicateSubmit(DomainError):
    """The same form was sent twice; the first one counts."""

    status_code = 409

    def __init__(self):
        super().__init__(str(_l("This form was already saved; it was not saved again.")))


def submit(resident, key: str, version: int, sha256: str, token: str, answers: dict, user,
           taken_at: dt.datetime | None = None, locale: str | None = None) -> tuple[Result, AssessmentRecord | None]:
    """Validate and score against the version shown; store it once per token; queue the band actions.

    One outcome: the record and its answers are saved together or not at all. A SQL form store
    writes the answers in the caller's transaction (commit once, as usual). A store that cannot
    share it (MongoDB) gets an order that can always be finished or undone: the record is marked
    as being submitted (committed here), the answers are stored under the form's token, then the
    record is completed; `repair_half_written_submissions` finishes or undoes what a dying
    request leaves between those steps, and so does sending the same form again.

    Returns (result, record); with errors in the result, nothing is saved and record is None.
    A token already submitted raises DuplicateSubmit."""
    check_form_home(key, resident.home_id)
    shown = _check_version(key, version, sha256)
    taken = taken_at or _now()
    result = validate_and_score(shown, answers, locale=locale, today=taken.date())
    if not result.ok:
        return result, None
    store = get_store()
    shared = store.shares_transaction(db.session.connection())
    record_id = _claim(resident, key, version, sha256, token, answers, user)
    if not shared:
        db.session.commit()  # on record before the answers are written, so that the repair can find it
    try:
        stored, submission = store.submit(
            key, answers, resident_id=resident.id, home_id=resident.home_id, taken_at=taken,
            submitted_by=getattr(user, "username", None), version=version, locale=locale,
            idempotency_key=token, connection=db.session.connection() if shared else None,
        )
    except DuplicateSubmission as duplicate:  # an earlier send of this form stored its answers: they count
        stored, submission = None, duplicate.existing
        if submission is None or submission.status == VOIDED:
            db.session.rollback()
            raise DomainError(str(_l("This form was already sent and withdrawn; open the form again."))) from None
    except StoreError:
        db.session.rollback()
        raise DomainError(str(_l("The assessment could not be stored; nothing was submitted. Send it again.")),
                          ) from None
    if submission is None:
        db.session.rollback()
        return stored or result, None
    record = _finish(record_id, submission, stored)
    if record is None:
        raise DuplicateSubmit()
    return stored or result, record


def _claim(resident, key: str, version: int, sha256: str, token: str, answers: dict, user) -> int:
    """Mark the form's record (a new one if the form had none) as being submitted by this user.
    A record already complete raises DuplicateSubmit; one a cut-off submit left is taken over."""
    record = by_token(token, lock=True)
    _same_form(record, resident, key)
    if record is not None and record.submission_id is not None:
        raise DuplicateSubmit()
    if record is None:
        record = AssessmentRecord(home_id=resident.home_id, resident_id=resident.id, form_key=key,
                                  version=version, sha256=sha256, token=token,
                                  created_by_id=getattr(user, "id", None))
        db.session.add(record)
    record.status = RecordStatus.draft
    record.answers = answers
    record.submitted_at = _now()
    record.submitted_by_id = getattr(user, "id", None)
    _flush_claim()
    return record.id


def _finish(record_id: int, submission, result: Result | None) -> AssessmentRecord | None:
    """Complete the record from its stored submission (from the engine's result when this request
    scored it) and queue its band actions. None if someone else completed it first."""
    record = db.session.scalar(select(AssessmentRecord).where(AssessmentRecord.id == record_id)
                               .with_for_update().execution_options(populate_existing=True))
    if record is None or record.submission_id is not None:
        return None
    data = submission.data or {}
    total = result.total if result is not None else submission.total
    record.submission_id = submission.id
    record.answers = submission.answers
    record.total = None if total is None else str(total)
    record.band = submission.band
    record.band_label = result.band_label if result is not None else data.get("band_label")
    record.band_response = result.band_response if result is not None else _band_response(submission)
    record.taken_at = submission.taken_at
    record.submitted_at = record.submitted_at or submission.submitted_at
    record.status = RecordStatus.submitted
    db.session.flush()
    # A system job (no user_id): the person who submitted is not told "ready" about it. By name:
    # the jobs of this package import these services, not the other way round.
    jobs.enqueue(BAND_ACTIONS, record.id, job_id=f"band-actions:{record.id}",
                 description="Assessment band actions", home_id=record.home_id)
    return record


BAND_ACTIONS = "app.assessments.jobs.run_band_actions"


def _band_response(submission) -> str | None:
    """The response text of the band a stored submission scored (not kept with the submission)."""
    try:
        scoring = definition(submission.form_key, submission.version).scoring or {}
    except DomainError:
        return None
    band = next((b for b in scoring.get("bands", ()) if b.get("code") == submission.band), None)
    return (localised(band.get("response")) or None) if band else None


# ---------------------------------------------------------------------------------------------
# Repair


# A submit started longer ago than this and not finished was cut off (longer than any request).
REPAIR_AFTER = dt.timedelta(minutes=5)


def repair_record(record_id: int, store=None) -> str | None:
    """Finish a record a cut-off submit left, from the answers stored under its token, or return it
    to a draft (keeping what was typed) when no answers were stored. Returns "finished",
    "returned_to_draft", or None when there was nothing to do (someone else repaired it).
    Flushes; the caller commits."""
    record = db.session.scalar(select(AssessmentRecord).where(AssessmentRecord.id == record_id)
                               .with_for_update().execution_options(populate_existing=True))
    if record is None or not is_unfinished(record):
        return None
    submission = (store or get_store()).find_submission(record.token)
    if submission is not None and submission.status != VOIDED:
        _finish(record.id, submission, None)
        log.warning("assessment record %s (%s, resident %s): a cut-off submit was finished from its stored "
                    "answers", record.id, record.form_key, record.resident_id)
        return "finished"
    was = record.status
    record.status = RecordStatus.draft
    record.submitted_at = record.submitted_by_id = None
    db.session.flush()
    log.warning("assessment record %s (%s, resident %s): a cut-off submit (%s) had stored no answers; "
                "it is a draft again, with what was typed", record.id, record.form_key, record.resident_id, was)
    return "returned_to_draft"


def repair_half_written_submissions(now: dt.datetime | None = None, older_than: dt.timedelta = REPAIR_AFTER,
                                    limit: int = 500) -> dict[str, int]:
    """Finish or undo every submit cut off half way (at start-up and by the sweeper). Idempotent and
    safe to run in several processes at once: each record is locked and re-checked, and only one
    run changes it. Leaves alone submits started less than `older_than` ago (still in progress).
    Commits each record on its own; returns how many were finished and returned to a draft."""
    now = now or _now()
    cutoff = now - older_than
    started = func.coalesce(AssessmentRecord.submitted_at, AssessmentRecord.created_at)
    ids = list(db.session.scalars(
        select(AssessmentRecord.id).where(
            AssessmentRecord.submission_id.is_(None), started < cutoff,
            or_(AssessmentRecord.status.in_(DONE),
                and_(AssessmentRecord.status == RecordStatus.draft, AssessmentRecord.submitted_at.is_not(None))),
        ).order_by(AssessmentRecord.id).limit(limit).execution_options(skip_home_scope=True)))
    db.session.commit()
    done = {"finished": 0, "returned_to_draft": 0}
    store = get_store()
    for record_id in ids:
        try:
            outcome = repair_record(record_id, store)
            db.session.commit()
        except Exception:  # one record must not stop the others; it is tried again next time
            db.session.rollback()
            log.exception("assessment record %s: the repair of a cut-off submit failed", record_id)
            continue
        if outcome:
            done[outcome] += 1
    return done


def sign(record: AssessmentRecord, name: str, role: str, user) -> AssessmentRecord:
    errors = {}
    if not (name or "").strip():
        errors["signed_name"] = [str(_l("Type your name to sign."))]
    if not (role or "").strip():
        errors["signed_role"] = [str(_l("Give your role."))]
    if errors:
        raise DomainError(errors)
    if record.status != RecordStatus.submitted or is_incomplete(record):
        raise DomainError(str(_l("Only a submitted assessment that is not yet signed can be signed.")))
    record.signed_name, record.signed_role = name.strip()[:200], role.strip()[:200]
    record.signed_at, record.signed_by_id = _now(), getattr(user, "id", None)
    record.status = RecordStatus.signed
    db.session.flush()
    return record


def amend(record: AssessmentRecord, answers: dict, reason: str, user,
          locale: str | None = None) -> tuple[Result | None, AssessmentRecord]:
    """Correct a submitted or signed assessment: a reason is required; the store keeps the
    original values in its append-only amendment record. Returns (result with errors, record) on refusal."""
    if not (reason or "").strip():
        raise DomainError({"reason": [str(_l("Give the reason for the amendment."))]})
    if record.status not in DONE or not record.submission_id:
        raise DomainError(str(_l("Only a submitted assessment can be amended.")))
    record_id = record.id
    _end_read()
    try:
        result, updated = get_store().amend_submission(
            record.submission_id, answers, reason=reason.strip(), amended_by=getattr(user, "username", None),
            locale=locale,
        )
    except StoreError as error:
        raise DomainError(str(error)) from None
    _end_read()
    record = db.session.get(AssessmentRecord, record_id)
    if updated is None:
        return result, record
    record.answers = result.answers
    record.total = None if result.total is None else str(result.total)
    record.band, record.band_label, record.band_response = result.band, result.band_label, result.band_response
    db.session.flush()
    return result, record


# ---------------------------------------------------------------------------------------------
# Tasks


def close_task(task: Task, status: str, reason: str | None, user) -> Task:
    if task.status != TaskStatus.open:
        raise DomainError(str(_l("This task is already closed.")))
    if status not in (TaskStatus.done.value, TaskStatus.not_done.value):
        raise DomainError({"status": [str(_l("Choose done or not done."))]})
    if status == TaskStatus.not_done.value and not (reason or "").strip():
        raise DomainError({"outcome_reason": [str(_l("Say why it was not done."))]})
    task.status = TaskStatus(status)
    task.outcome_reason = (reason or "").strip() or None
    task.closed_at, task.closed_by_id = _now(), getattr(user, "id", None)
    db.session.flush()
    return task


def open_tasks(home_ids, within_days: int = 7) -> list[Task]:
    limit = _now().date() + dt.timedelta(days=within_days)
    query = (select(Task).where(Task.home_id.in_(sorted(home_ids)), Task.status == TaskStatus.open,
                                Task.due_on <= limit).order_by(Task.due_on, Task.id))
    return list(db.session.scalars(query))
