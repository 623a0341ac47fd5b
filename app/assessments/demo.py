"""Demo assessment history: the first residents living in each demo home have MUST and Waterlow
taken two or three times over the past months, so the history chart shows a trend (weight falling
for some, recovering for others), some results land in medium or high bands (their band actions
run as usual: tasks, notifications, care-plan needs) and a few are overdue today.

Loaded once: nothing is added to a database that already has an assessment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.assessments import services
from app.assessments.models import AssessmentRecord
from app.extensions import db

RESIDENTS_PER_HOME = 6

# One history per resident, in order: (days ago, MUST answers, Waterlow risk profile) per visit.
# MUST: (BMI, unplanned weight loss % in 3-6 months, acutely ill with no intake over 5 days).
# Waterlow profile: (build, skin, continence, mobility); sex and age band come from the resident.
HISTORIES = [
    # losing weight after a chest infection: MUST low -> medium -> high, pressure risk rising
    [(70, (22.4, 0.0, False), ("average", "healthy", "complete_or_catheterised", "restless_fidgety")),
     (40, (20.0, 4.0, False), ("average", "dry", "urine_incontinence", "restricted")),
     (10, (18.4, 7.5, False), ("below_average", "discoloured_grade_1", "urine_incontinence", "chairbound"))],
    # recovering: fortified diet working, MUST high -> medium -> low
    [(75, (18.1, 11.0, False), ("below_average", "tissue_paper", "urine_incontinence", "chairbound")),
     (45, (19.6, 3.0, False), ("below_average", "dry", "urine_incontinence", "restricted")),
     (12, (20.6, 2.0, False), ("average", "dry", "complete_or_catheterised", "restricted"))],
    # stable and low risk, but the monthly review is five days late
    [(95, (24.8, 0.0, False), ("above_average", "healthy", "complete_or_catheterised", "fully")),
     (65, (24.5, 0.0, False), ("above_average", "healthy", "complete_or_catheterised", "fully")),
     (35, (24.1, 1.0, False), ("above_average", "healthy", "complete_or_catheterised", "restless_fidgety"))],
    # bedbound, high pressure risk; last assessed six weeks ago, so overdue
    [(80, (21.0, 2.0, False), ("average", "tissue_paper", "urinary_and_faecal_incontinence", "chairbound")),
     (42, (20.3, 4.5, True), ("average", "broken_spots_grade_2_4", "urinary_and_faecal_incontinence", "bedbound"))],
    # slowly losing weight: low -> medium
    [(68, (21.5, 0.0, False), ("average", "healthy", "complete_or_catheterised", "restricted")),
     (38, (20.9, 3.5, False), ("average", "dry", "complete_or_catheterised", "restricted")),
     (8, (20.2, 5.5, False), ("average", "dry", "urine_incontinence", "restricted"))],
    # new admission: one set of assessments
    [(6, (27.3, 0.0, False), ("obese", "healthy", "complete_or_catheterised", "fully"))],
]


def load_demo_assessments(homes, now: dt.datetime | None = None) -> int:
    """Submit the demo histories; returns how many assessments were submitted. Commits as it goes
    (each submission writes the form store on its own connection)."""
    from app.residents.models import Resident, ResidentStatus

    if db.session.scalar(select(func.count()).select_from(AssessmentRecord)):
        return 0
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    forms = {key: services.definition(key) for key in ("must", "waterlow")}
    db.session.commit()
    submitted = 0
    for home in homes:
        nurse = _nurse_of(home.id)
        residents = db.session.scalars(
            select(Resident).where(Resident.home_id == home.id, Resident.status == ResidentStatus.in_residence,
                                   Resident.voided_at.is_(None))
            .order_by(Resident.id)).all()
        for resident, history in zip(_long_enough(residents, now), HISTORIES, strict=False):
            for days, must, waterlow in history:
                taken = now - dt.timedelta(days=days, hours=2 + resident.id % 5)
                for key, answers in (("must", _must(must)), ("waterlow", _waterlow(resident, taken, waterlow))):
                    form = forms[key]
                    result, _ = services.submit(resident, key, form.version, form.sha256,
                                                f"demo-{resident.id}-{key}-{days}", answers, nurse, taken_at=taken)
                    if not result.ok:
                        raise ValueError(f"demo {key} answers do not validate: {result.errors}")
                    db.session.commit()  # runs the band actions (inline without Redis)
                    submitted += 1
    return submitted


def _long_enough(residents, now: dt.datetime):
    """The residents in order, each there since before the first visit of the next history (no
    assessment from before a resident came)."""
    histories = iter(HISTORIES)
    history = next(histories)
    for resident in residents:
        stay = resident.current_stay
        admitted = stay.admitted_at if stay is not None else None
        if admitted is None:
            continue
        if admitted.tzinfo is None:
            admitted = admitted.replace(tzinfo=dt.UTC)
        if admitted < now - dt.timedelta(days=history[0][0] + 1):
            yield resident
            history = next(histories, None)
            if history is None:
                return


def _nurse_of(home_id: int):
    from app.security import CareUser

    for user in db.session.scalars(select(CareUser).where(CareUser.active.is_(True)).order_by(CareUser.id)):
        if any(role.name == "Nurse" for role in user.roles) and (
                user.all_homes or any(home.id == home_id for home in user.homes)):
            return user
    return None


def _must(values) -> dict:
    bmi, loss, acutely_ill = values
    return {"bmi_kg_m2": bmi, "unplanned_weight_loss_percent_past_3_6_months": loss,
            "acutely_ill_and_no_nutritional_intake_over_5_days": acutely_ill}


def _waterlow(resident, taken: dt.datetime, profile) -> dict:
    from app.residents.models import Sex

    build, skin, continence, mobility = profile
    born = resident.date_of_birth
    day = taken.date()
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day)) if born else 85
    band = next(b for limit, b in ((49, "14_49"), (64, "50_64"), (74, "65_74"), (80, "75_80"), (200, "81_plus"))
                if age <= limit)
    return {"build_weight_for_height": build, "skin_type": skin,
            "sex": "male" if resident.sex == Sex.male else "female", "age_band": band,
            "mst_lost_weight_recently": "no", "mst_eating_poorly_or_lack_of_appetite": False,
            "continence": continence, "mobility": mobility, "tissue_malnutrition": "none",
            "neurological_deficit_score": 0, "major_surgery_or_trauma": "none", "medication": "none"}
