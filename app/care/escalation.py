"""Escalation of a NEWS2 score by band, in the transaction that records the vital signs.

The band and its actions come from the published `news2` definition (RCP Chart 4): a band whose
actions are urgent or emergency (a total of 5 or more, or a 3 in one parameter) notifies the nurse
in charge (the home's nurses and managers) and makes an urgent review task due today; its "refer"
actions become tasks too (a total of 7 or more: refer to the medical team, emergency). Lower bands
are shown on the resident's charts and the unit board, without messages. Each notification and
task is written once per vitals set (dedup keys and the tasks' unique source).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.ukdates import LONDON

ESCALATING = ("urgent", "emergency")
URGENT_TOTAL = 5
EMERGENCY_TOTAL = 7


def profile_link(resident_id: int) -> str:
    return f"/residents/{resident_id}/"


def needs_urgent_review(total: int | None, max_single: int | None) -> bool:
    return (total or 0) >= URGENT_TOTAL or (max_single or 0) >= 3


def escalate(obs_set, definition, resident) -> dict:
    """Notifications and tasks for a scored vitals set. Returns what was done."""
    from app.assessments.models import Task
    from app.notifications.services import ACTION_ROLES, notify, recipients
    from forms.messages import localised

    done = {"notified": 0, "tasks": 0}
    band = next((b for b in (definition.scoring or {}).get("bands", ()) if b.get("code") == obs_set.news2_band),
                None)
    actions = list((band or {}).get("actions", ()))
    urgent = needs_urgent_review(obs_set.news2_total, obs_set.news2_max_single) or any(
        a.get("urgency") in ESCALATING for a in actions)
    if not urgent:
        return done
    today = obs_set.observed_at.astimezone(LONDON).date() if obs_set.observed_at.tzinfo else dt.date.today()
    who = resident.full_name
    label = localised(band.get("label")) if band else obs_set.news2_band_label or ""
    response = localised(band.get("response")) if band else ""
    emergency = (obs_set.news2_total or 0) >= EMERGENCY_TOTAL
    level = str(_l("EMERGENCY")) if emergency else str(_l("Urgent"))
    subject = str(_l("%(level)s: NEWS2 %(total)s for %(who)s", level=level, total=obs_set.news2_total, who=who))
    link = profile_link(resident.id)
    roles_done = set()
    for index, action in enumerate(actions):
        if action.get("type") != "notify" or action.get("urgency") not in ESCALATING:
            continue
        roles = ACTION_ROLES.get(action.get("role"), ("Nurse", "Home Manager"))
        roles_done.update(roles)
        done["notified"] += len(notify(recipients(obs_set.home_id, roles), "band_action", subject,
                                       f"{label}. {response}".strip(), link=link, home_id=obs_set.home_id,
                                       dedup_key=f"news2:{obs_set.id}:{index}"))
    if not roles_done:  # a 3 in one parameter under a band that names no urgent notify action
        done["notified"] += len(notify(recipients(obs_set.home_id, ("Nurse", "Home Manager")), "band_action",
                                       subject, label, link=link, home_id=obs_set.home_id,
                                       dedup_key=f"news2:{obs_set.id}:review"))
    detail = str(_l("NEWS2 %(total)s (%(band)s), recorded by %(by)s. %(response)s", total=obs_set.news2_total,
                    band=label, by=obs_set.recorded_by_name or "-", response=response))
    review = str(_l("Urgent review by the nurse in charge: %(who)s, NEWS2 %(total)s", who=who,
                    total=obs_set.news2_total))
    if emergency:
        review = str(_l("Emergency response now: %(who)s, NEWS2 %(total)s", who=who, total=obs_set.news2_total))
    done["tasks"] += _task(Task, obs_set, f"news2:{obs_set.id}:review", review, detail, today)
    for index, action in enumerate(actions):
        if action.get("type") != "refer" or action.get("urgency") not in ESCALATING:
            continue
        target = action.get("to")
        target = localised(target) if isinstance(target, dict) else (target or "")
        title = str(_l("Refer %(who)s to %(to)s", who=who, to=target))
        done["tasks"] += _task(Task, obs_set, f"news2:{obs_set.id}:{index}", title, detail, today)
    db.session.flush()
    return done


def _task(Task, obs_set, source: str, title: str, detail: str, due_on: dt.date) -> int:
    if db.session.scalar(select(Task.id).where(Task.source == source)) is not None:
        return 0
    db.session.add(Task(home_id=obs_set.home_id, resident_id=obs_set.resident_id, title=title[:300], detail=detail,
                        due_on=due_on, assigned_role="Nurse", source=source))
    return 1
