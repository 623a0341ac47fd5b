"""The band actions of a submitted assessment, run through the job layer (inline or on a worker):
`notify` writes notifications to the role in that home, `create_task` and `refer` create a task,
`set_review_interval` brings the next assessment forward. Safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.assessments.due import due_table
from app.assessments.models import AssessmentRecord, Task
from app.extensions import db
from app.forms_store import get_store
from app.jobs import SWEEP_HOOKS, JobError
from app.notifications.jobs import Reminder, reminder_source
from app.notifications.services import CLINICAL_ROLES
from forms.messages import localised

# Who does a task a band action creates when the action names no role.
DEFAULT_TASK_ROLE = "Nurse"
URGENCY_DAYS = {"emergency": 0, "urgent": 0, "soon": 1, "routine": 7}
log = logging.getLogger(__name__)


def run_band_actions(record_id: int) -> dict:
    """Apply the actions of the band the assessment scored. Returns what was done."""
    from app.notifications.jobs import notify_band_actions

    record = db.session.get(AssessmentRecord, record_id)
    if record is None or not record.submission_id:
        raise JobError(str(_l("This assessment no longer exists.")))
    submission = get_store().get_submission(record.submission_id)
    if submission is None:
        raise JobError(str(_l("This assessment no longer exists.")))
    actions = list((submission.data or {}).get("actions") or ())
    done = {"notified": 0, "tasks": 0, "review": None}
    if any(a.get("type") == "notify" for a in actions):
        done["notified"] = notify_band_actions(record.submission_id)
    title = localised(store_title(submission.form_key, submission.version))
    taken = submission.taken_at
    for index, action in enumerate(actions):
        kind = action.get("type")
        if kind in ("refer", "create_task"):
            done["tasks"] += _task(record, action, index, title, taken)
        elif kind == "create_care_plan_need" and _plan_lacks_need(record.resident_id, action):
            done["tasks"] += _task(record, action, index, title, taken)
        elif kind == "set_review_interval":
            interval = dt.timedelta(days=action.get("days") or 0, hours=action.get("hours") or 0)
            record.next_due_at = taken + interval
            done["review"] = record.next_due_at.isoformat()
    db.session.flush()
    return done


def store_title(key: str, version: int):
    return get_store().load(key, version).title


def _task(record: AssessmentRecord, action: dict, index: int, form_title: str, taken: dt.datetime) -> int:
    source = f"band:{record.submission_id}:{index}"
    if db.session.scalar(select(Task.id).where(Task.source == source)) is not None:
        return 0
    title = action_title(action)
    urgency = action.get("urgency") or "routine"
    due = taken.date() + dt.timedelta(days=URGENCY_DAYS.get(urgency, 7))
    db.session.add(Task(
        home_id=record.home_id, resident_id=record.resident_id, title=f"{title}"[:300],
        detail=str(_l("%(form)s scored %(total)s (%(band)s); urgency: %(urgency)s.", form=form_title,
                      total=record.total, band=record.band_label or record.band, urgency=urgency)),
        due_on=due, assigned_role=_role(action), source=source,
    ))
    return 1


def _need_text(action: dict, locale: str | None = None) -> str:
    need = action.get("need")
    return (localised(need, locale) if isinstance(need, dict) else str(need or "")).strip()


def action_title(action: dict, locale: str | None = None) -> str:
    """The task a band action makes, in words (English when the job writes it; the reader's
    language when shown, see task_title)."""
    target = action.get("to")
    target = localised(target, locale) if isinstance(target, dict) else (target or "")
    if action.get("type") == "refer":
        return str(_l("Refer to %(to)s", to=target))
    if action.get("type") == "create_care_plan_need":
        return str(_l("Care plan: add the need \u201c%(need)s\u201d", need=_need_text(action, locale)))
    task = action.get("task")
    return (localised(task, locale) if isinstance(task, dict) else task) or str(_l("Follow up the assessment"))


def task_title(task) -> str:
    """A task's title in the reader's language: a task a band action made (source band:<submission>:<n>)
    is put into words again from its form's band, when shown; any other task, or one whose form cannot
    be read, shows its stored title."""
    from flask import g, has_request_context
    from flask_babel import force_locale

    from app.assessments.bands import _locale

    source = getattr(task, "source", None) or ""
    stored = getattr(task, "title", "") or ""
    parts = source.split(":")
    if len(parts) != 3 or parts[0] != "band" or not parts[2].isdigit():
        return stored
    cache = g.setdefault("_task_action_cache", {}) if has_request_context() else {}
    if source not in cache:
        cache[source] = None
        try:
            store = get_store()
            submission = store.get_submission(parts[1])
            if submission is not None and submission.band:
                definition = store.load(submission.form_key, submission.version)
                band = next((b for b in (definition.scoring or {}).get("bands", ())
                             if b.get("code") == submission.band), None)
                actions = list((band or {}).get("actions", ()))
                index = int(parts[2])
                with force_locale("en_GB"):  # the job wrote it in English
                    written = action_title(actions[index], "en-GB")[:300] if index < len(actions) else None
                if written == stored:
                    cache[source] = actions[index]  # still the action that made this task
        except Exception:  # a form that cannot be read: the stored title
            log.warning("task %s: its band action could not be read", getattr(task, "id", None), exc_info=True)
    action = cache[source]
    return action_title(action, _locale())[:300] if action is not None else stored


def _plan_lacks_need(resident_id: int, action: dict) -> bool:
    """A `create_care_plan_need` action becomes a task for the nurse unless the resident's active
    care plan already has that need (the plan's pages also offer it pre-filled until it is written)."""
    from app.careplans.models import CarePlan, PlanStatus

    need = _need_text(action).casefold()
    if not need:
        return False
    plans = db.session.scalars(select(CarePlan).where(
        CarePlan.resident_id == resident_id, CarePlan.status == PlanStatus.active, CarePlan.voided_at.is_(None)))
    for plan in plans:
        current = plan.current
        if current is not None and any(str(s.get("need", "")).strip().casefold() == need for s in current.sections):
            return False
    return True


def _role(action: dict) -> str:
    """The role a task goes to: a role the action names (a role name, or a band-action role such
    as nurse_in_charge, meaning its first role), else a nurse."""
    from app.notifications.services import ACTION_ROLES

    role = str(action.get("role") or "").strip()
    if role in ACTION_ROLES:
        return ACTION_ROLES[role][0]
    return role[:64] or DEFAULT_TASK_ROLE


DUE_LINK = "/assessments/due/"


@reminder_source
def overdue_tasks(now: dt.datetime):
    """Once a day, per home: how many open tasks are overdue (one message pointing at the home's
    due list, rather than one per task)."""
    from app.assessments.models import TaskStatus
    from app.homes.models import CareHome
    from app.residents.services import LONDON

    today = now.astimezone(LONDON).date()
    for home in db.session.scalars(select(CareHome).where(CareHome.active.is_(True)).order_by(CareHome.id)):
        tasks = db.session.scalar(select(func.count()).select_from(Task).where(
            Task.home_id == home.id, Task.status == TaskStatus.open, Task.due_on < today))
        if tasks:
            yield Reminder(
                home_id=home.id, kind="assessment_overdue", key=f"tasks-overdue:{home.id}",
                subject=str(_l("%(n)s tasks overdue in %(home)s", n=tasks, home=home.name)),
                body=str(_l("The home's list of due and overdue tasks shows which.")),
                roles=CLINICAL_ROLES, link=DUE_LINK,
            )


OVERDUE_NAMED = 5  # how many overdue assessments a reminder names; the due list shows the rest


@reminder_source
def overdue_scheduled(now: dt.datetime):
    """Once a day, per home: how many assessments its schedules ask for are overdue for the
    residents living there (one message naming the most overdue, pointing at the due list)."""
    from app.homes.models import CareHome
    from reports.base import LONDON

    for home in db.session.scalars(select(CareHome).where(CareHome.active.is_(True)).order_by(CareHome.id)):
        try:
            lines = overdue_in_home(home.id, now)
        except Exception:  # one home's data must not stop every other home's reminders
            log.exception("the overdue assessments of home %s could not be counted today", home.id)
            continue
        if not lines:
            continue
        titles: dict[str, str] = {}
        named = []
        for resident, form_key, due_at in lines[:OVERDUE_NAMED]:
            if form_key not in titles:
                titles[form_key] = read_only_title(form_key)
            due = due_at.astimezone(LONDON)
            named.append(str(_l("%(form)s for %(who)s, due %(due)s", form=titles[form_key],
                                who=resident.full_name, due=f"{due.day} {due:%b}")))
        body = "; ".join(named)
        if len(lines) > OVERDUE_NAMED:
            body += "; " + str(_l("and %(n)s more", n=len(lines) - OVERDUE_NAMED))
        yield Reminder(
            home_id=home.id, kind="assessment_overdue", key=f"scheduled-overdue:{home.id}",
            subject=str(_l("%(n)s assessments overdue in %(home)s", n=len(lines), home=home.name)),
            body=body + ".", roles=CLINICAL_ROLES, link=DUE_LINK,
        )


def overdue_in_home(home_id: int, now: dt.datetime) -> list[tuple]:
    """(resident, form key, due at) of each scheduled assessment overdue for the residents living
    in the home, most overdue first (the rule of `due.due_table`), naming forms by key only:
    looking up a title may publish a standard form, and a reminder only reads."""
    return [(resident, line.schedule.form_key, line.due_at)
            for resident, line in due_table([home_id], now, title=str) if line.overdue]


def read_only_title(key: str) -> str:
    """A form's title from the store if it is published there, else from its file; never publishes."""
    from forms.definition import find_definition_file, load_definition
    from forms.store import StoreError

    store = get_store()
    try:
        if store.get_definition(key) is not None:
            return localised(store.load(key).title)
    except StoreError:
        pass
    path = find_definition_file(key)
    return localised(load_definition(path).title) if path is not None else key


def repair_on_sweep(app) -> None:
    """Every sweep (worker start and every few minutes) finishes, or returns to a draft, any assessment
    submit cut off half way, as `flask setup` does at start-up."""
    from app.assessments.services import repair_half_written_submissions

    repaired = repair_half_written_submissions()
    if any(repaired.values()):
        log.warning("sweeper repaired half-written assessments: %s", repaired)


if repair_on_sweep not in SWEEP_HOOKS:
    SWEEP_HOOKS.append(repair_on_sweep)
