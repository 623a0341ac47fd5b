"""Demo care plans: the first residents living in each demo home get a plan from the standard
template, some reviewed once, with reviews falling overdue, due this week and later."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.careplans import services
from app.extensions import db

PLANS_PER_HOME = 8
# Days ago each plan was written: the standard 30-day review is overdue, due soon or later.
STARTED_DAYS_AGO = [45, 33, 26, 24, 12, 5, 60, 2]


def load_demo_care_plans(homes) -> int:
    from app.residents.models import Resident, ResidentStatus

    today = services.today()
    created = 0
    for home in homes:
        residents = db.session.scalars(
            select(Resident).where(Resident.home_id == home.id, Resident.status == ResidentStatus.in_residence,
                                   Resident.voided_at.is_(None))
            .order_by(Resident.id).limit(PLANS_PER_HOME))
        for index, resident in enumerate(residents):
            started = today - dt.timedelta(days=STARTED_DAYS_AGO[index % len(STARTED_DAYS_AGO)])
            plan = services.create_care_plan(
                resident.id, "standard", None, None, participants={"resident": True, "staff": "Demo nurse"},
                consent="given", consent_by=resident.first_name, notes="Written on admission.", on=started)
            if index % 3 == 2:  # reviewed once since: version 2 keeps the needs, with a change
                sections = [dict(s) for s in plan.current.sections]
                sections[0]["outcome"] = "Walks to the dining room with a frame and one carer."
                services.review_care_plan(
                    plan.id, sections, {"resident": True, "family": "Daughter", "staff": "Demo nurse"}, "given",
                    resident.first_name, "Mobility reviewed after a fall; other needs unchanged.", None,
                    on=started + dt.timedelta(days=min(20, (today - started).days)))
            created += 1
    db.session.flush()
    return created
