"""Assessment rules: the forms a home schedules and when they fall due, drafts, submit (once per
form on screen), sign, amend with a reason, and tasks done or not done.

The form store writes on its own connections. On SQLite (WAL) a session that has read before
such a write cannot write afterwards, so every store write here is followed by ending the
session's read (`_end_read`); callers commit once at the end as usual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.assessments.models import AssessmentRecord, AssessmentSchedule, RecordStatus, Task, TaskStatus
from app.exceptions import DomainError, NotFoundError
from app.extensions import db
from app.forms_store import get_store, publish_standard
from forms.engine import Result, validate_and_score
from forms.messages import localised
from forms.store import PUBLISHED, StoreError

# The standard assessments a home may schedule (each has a file in form_definitions/).
STANDARD_FORMS = ("must", "waterlow", "braden", "news2", "barthel", "barthel_20", "abbey_pain", "morse_fall")
# What a new home schedules: (form key, every how many days, on admission).
DEFAULT_SCHEDULES = (("must", 30, True), ("waterlow", 30, True), ("barthel", 90, True),
                     ("morse_fall", 30, True), ("abbey_pain", 30, False))
DONE = (RecordStatus.submitted, RecordStatus.signed)
# Rights of standard forms that set none of their own: NEWS2 observations and their escalation
# are for trained staff, not carers (a home changes this in the form builder's roles).
DEFAULT_RIGHTS = {"news2": {"fill": ["Nurse", "Senior Carer", "Home Manager"]}}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _end_read() -> None:
    db.session.commit()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


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


def assessment_forms() -> list[str]:
    """What a home may schedule and fill in: the standard assessments, and every assessment form
    a home has published in the form builder (an archived form drops out)."""
    keys = list(STANDARD_FORMS)
    for version in get_store().list_definitions(status=PUBLISHED):
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


def form_title(key: str) -> str:
    try:
        return localised(definition(key).title)
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
# Due and overdue


@dataclass
class DueLine:
    schedule: AssessmentSchedule
    title: str
    last: AssessmentRecord | None
    draft: AssessmentRecord | None
    due_at: dt.datetime
    overdue: bool


def records_of(resident_id: int, form_key: str | None = None) -> list[AssessmentRecord]:
    query = select(AssessmentRecord).where(AssessmentRecord.resident_id == resident_id)
    if form_key:
        query = query.where(AssessmentRecord.form_key == form_key)
    return list(db.session.scalars(query.order_by(AssessmentRecord.taken_at.desc().nulls_first(),
                                                   AssessmentRecord.id.desc())))


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
    `records` are the resident's, newest first."""
    stay = resident.current_stay
    admitted = _aware(stay.admitted_at) if stay is not None else None
    lines = []
    for schedule in schedules:
        mine = [r for r in records if r.form_key == schedule.form_key]
        last = next((r for r in mine if r.status in DONE), None)
        draft = next((r for r in mine if r.status == RecordStatus.draft), None)
        if last is None:
            due = admitted if (schedule.on_admission and admitted) else now
        else:
            due = _aware(last.taken_at) + dt.timedelta(days=schedule.every_days)
            if last.next_due_at is not None:
                due = min(due, _aware(last.next_due_at))
        lines.append(DueLine(schedule, title(schedule.form_key), last, draft, due, due <= now))
    return lines


def due_lines(resident, now: dt.datetime | None = None) -> list[DueLine]:
    """Each form the resident's home schedules: the last result, any draft, and when the next is due."""
    schedules = _schedules([resident.home_id]).get(resident.home_id, [])
    return _lines(resident, schedules, records_of(resident.id), now or _now(), form_title)


def due_table(home_ids, now: dt.datetime | None = None, title: Callable[[str], str] | None = None,
              ) -> list[tuple[Any, DueLine]]:
    """Every scheduled assessment of the residents living in these homes, soonest due first, in a
    few queries whatever the number of residents. `title` names a form (default: its title, which
    publishes a standard form on first use; a reminder passes one that only reads)."""
    from app.residents.models import Resident, ResidentStatus

    now = now or _now()
    schedules = _schedules(home_ids)
    residents = db.session.scalars(
        select(Resident).where(Resident.home_id.in_(sorted(schedules)), Resident.voided_at.is_(None),
                               Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))
        .order_by(Resident.last_name, Resident.first_name, Resident.id)
    ).all() if schedules else []
    by_resident: dict[int, list[AssessmentRecord]] = {}
    if residents:
        for record in db.session.scalars(
            select(AssessmentRecord).where(AssessmentRecord.resident_id.in_([r.id for r in residents]))
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


# ---------------------------------------------------------------------------------------------
# Draft, submit, sign, amend


def by_token(token: str) -> AssessmentRecord | None:
    return db.session.scalar(select(AssessmentRecord).where(AssessmentRecord.token == token))


def _check_version(key: str, version: int, sha256: str):
    """The version shown on the page (kept in hidden fields), even if a newer one was published since."""
    shown = definition(key, version)
    if shown.sha256 != sha256:
        raise DomainError(str(_l("The form on your screen does not match the stored version; open it again.")))
    return shown


def save_draft(resident, key: str, version: int, sha256: str, token: str, answers: dict, user) -> AssessmentRecord:
    _check_version(key, version, sha256)
    record = by_token(token)
    _same_form(record, resident, key)
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

    Returns (result, record); with errors in the result, nothing is saved and record is None.
    A token already submitted raises DuplicateSubmit."""
    shown = _check_version(key, version, sha256)
    taken = taken_at or _now()
    result = validate_and_score(shown, answers, locale=locale, today=taken.date())
    if not result.ok:
        return result, None
    record = by_token(token)
    _same_form(record, resident, key)
    if record is not None and record.status != RecordStatus.draft:
        raise DuplicateSubmit()
    if record is None:
        record = AssessmentRecord(home_id=resident.home_id, resident_id=resident.id, form_key=key,
                                  version=version, sha256=sha256, token=token, status=RecordStatus.submitted,
                                  created_by_id=getattr(user, "id", None), answers=answers)
        db.session.add(record)
        _flush_claim()
    else:
        claimed = db.session.execute(
            update(AssessmentRecord).where(AssessmentRecord.id == record.id,
                                           AssessmentRecord.status == RecordStatus.draft)
            .values(status=RecordStatus.submitted).execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            raise DuplicateSubmit()
    record_id = record.id
    db.session.commit()  # the claim: a second submit of this form now finds it taken
    try:
        result, submission = get_store().submit(
            key, answers, resident_id=resident.id, home_id=resident.home_id, taken_at=taken,
            submitted_by=getattr(user, "username", None), version=version, locale=locale,
        )
    except StoreError:
        submission = None
    _end_read()
    record = db.session.get(AssessmentRecord, record_id)
    if submission is None:
        record.status = RecordStatus.draft
        db.session.commit()
        raise DomainError(str(_l("The assessment could not be stored; it is kept as a draft.")))
    record.submission_id = submission.id
    record.answers = result.answers
    record.total = None if result.total is None else str(result.total)
    record.band, record.band_label, record.band_response = result.band, result.band_label, result.band_response
    record.taken_at = submission.taken_at
    record.submitted_at = _now()
    record.submitted_by_id = getattr(user, "id", None)
    record.status = RecordStatus.submitted
    db.session.flush()
    from app.assessments.jobs import run_band_actions

    # A system job (no user_id): the person who submitted is not told "ready" about it.
    jobs.enqueue(run_band_actions, record.id, job_id=f"band-actions:{record.id}",
                 description="Assessment band actions", home_id=record.home_id)
    return result, record


def sign(record: AssessmentRecord, name: str, role: str, user) -> AssessmentRecord:
    errors = {}
    if not (name or "").strip():
        errors["signed_name"] = [str(_l("Type your name to sign."))]
    if not (role or "").strip():
        errors["signed_role"] = [str(_l("Give your role."))]
    if errors:
        raise DomainError(errors)
    if record.status != RecordStatus.submitted:
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
