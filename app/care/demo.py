"""Demo daily care records: a month of notes and charts for every resident living in each demo home,
so the profile charts, the lists and the unit board "at risk now" work at once.

Most residents are well looked after: drinks through the day (about 1.5 litres), meals, bowels every
day or two, weekly weights and vital signs, turns on time for those on a repositioning schedule.
A few are deliberately on the board (`AT_RISK` by position among the home's current residents):
low fluids for three days, missed turns, weight falling 8-9 % in a month, a NEWS2 of 6 two hours ago
(recorded through the service, so its urgent task and notifications exist) and, in the second
home, no bowel movement for four days.

The month is bulk-inserted (a few seconds for two homes, without an audit event per row: it is demo
data). Loaded once: nothing is added where care records exist. Deterministic but for `now`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import func, insert, select

from app.care import services
from app.care.codes import CHARTS
from app.care.models import CareNote, Observation, ObservationSet
from app.extensions import db
from app.ukdates import LONDON

DAYS = 30
DRINK_SLOTS = ((8, 0), (10, 0), (12, 30), (15, 0), (17, 30), (19, 30), (21, 0))
MEALS = (("breakfast", 8, 30), ("lunch", 12, 45), ("tea", 17, 15))
# position among a home's current residents -> the board reasons the demo gives them
AT_RISK = [
    {0: {"fluid_low"}, 1: {"reposition_overdue"}, 2: {"weight_loss"}, 3: {"news2_high"}},
    {0: {"news2_high"}, 1: {"fluid_low"}, 2: {"reposition_overdue"}, 3: {"weight_loss"}, 4: {"no_bowels"}},
]
ON_TURNS = {1, 5, 8, 11}  # positions on a repositioning schedule (and whoever AT_RISK has miss turns)
NOTES_MORNING = ["Assisted with washing and dressing; skin intact.", "Had a shower with support of one; "
                 "chose a blue cardigan.", "Washed and dressed independently with prompting.",
                 "Declined a wash this morning; offered again at 10:00 and accepted."]
NOTES_LUNCH = ["Ate most of lunch; enjoyed the fish pie.", "Needed encouragement to eat; had soup and pudding.",
               "Ate all of lunch and asked for seconds.", "Joined the lunch club in the dining room."]
NOTES_AFTERNOON = ["Joined the singing group and sang along.", "Sat in the garden with a visitor.",
                   "Watched the rugby in the lounge; in good spirits.", "Slept in the chair after lunch.",
                   "Phoned daughter with help; happy afterwards."]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def _staff(home_id: int) -> dict[str, tuple[int, str]]:
    """A member of staff per role who works in the home, (id, name), to record the demo entries."""
    from app.security import CareUser, user_home

    rows = db.session.execute(
        select(Role.name, CareUser.id, CareUser.first_name, CareUser.last_name).join(CareUser.roles)
        .join(user_home, user_home.c.user_id == CareUser.id).where(user_home.c.home_id == home_id)
        .order_by(CareUser.id)).all()
    found: dict[str, tuple[int, str]] = {}
    for role, user_id, first, last in rows:
        found.setdefault(role, (user_id, f"{first} {last}"))
    nurse = found.get("Nurse") or found.get("Home Manager") or (None, "")
    carer = found.get("Carer") or found.get("Senior Carer") or nurse
    return {"nurse": nurse, "carer": carer, "senior": found.get("Senior Carer") or carer}


def current_residents(home_id: int) -> list:
    """The residents living in the home now (not in hospital), in a stable order."""
    from app.residents.models import Resident, Stay, StayStatus

    return list(db.session.scalars(
        select(Resident).join(Stay, Stay.resident_id == Resident.id)
        .where(Resident.home_id == home_id, Stay.status == StayStatus.current, Resident.voided_at.is_(None))
        .order_by(Resident.id)))


class _Batch:
    """Rows for one bulk insert of entries (sets with their observations) and notes."""

    def __init__(self):
        self.sets: list[dict] = []
        self.observations: list[list[dict]] = []
        self.notes: list[dict] = []

    def entry(self, resident, at, who, code, values, *, kind="chart", news2=None, note=None):
        user_id, name = who
        self.sets.append({
            "home_id": resident.home_id, "resident_id": resident.id, "kind": kind,
            "code": code if kind == "chart" else None, "observed_at": at,
            "entered_at": at + dt.timedelta(minutes=3), "recorded_by_id": user_id, "recorded_by_name": name,
            "note": note, "idempotency_key": None, "news2_total": None, "news2_band": None,
            "news2_band_label": None, "news2_max_single": None, "news2_points": None, "news2_form_version": None,
            "news2_sha256": None, "soft_signs": None, "confirmed": None, "corrects_id": None, "voided_at": None,
            "void_reason": None, "voided_by_id": None, **(news2 or {}),
        })
        rows = []
        for obs_code, value, *meal in values:
            text = value if isinstance(value, str) else (meal[0] if meal else None)
            number = None if isinstance(value, str) else Decimal(str(value))
            rows.append({"home_id": resident.home_id, "resident_id": resident.id, "code": obs_code, "value": number,
                         "value_text": text, "unit": CHARTS[obs_code].unit, "observed_at": at, "confirmed": False,
                         "voided": False})
        self.observations.append(rows)

    def note(self, resident, at, who, category, text, *, routine=False, late_by=None):
        user_id, name = who
        self.notes.append({
            "home_id": resident.home_id, "resident_id": resident.id, "category": category, "text": text,
            "occurred_at": at, "entered_at": at + (late_by or dt.timedelta(minutes=5)), "author_id": user_id,
            "author_name": name, "routine": routine, "idempotency_key": None, "amends_id": None,
            "amendment_reason": None, "superseded_at": None, "superseded_by_id": None,
        })

    def write(self) -> int:
        set_table = ObservationSet.__table__
        ids = []
        if self.sets:
            result = db.session.execute(
                insert(set_table).returning(set_table.c.id, sort_by_parameter_order=True), self.sets)
            ids = [row[0] for row in result]
        observations = [{**row, "set_id": set_id} for set_id, rows in zip(ids, self.observations, strict=True)
                        for row in rows]
        if observations:
            db.session.execute(insert(Observation.__table__), observations)
        if self.notes:
            db.session.execute(insert(CareNote.__table__), self.notes)
        return len(self.sets) + len(observations) + len(self.notes)


def load_demo_care(homes, now: dt.datetime | None = None, *, only_if_empty: bool = True) -> dict[int, set[str]]:
    """A month of care records for each home's current residents. Returns {resident_id: the board
    reasons the demo gives them} ({} when care records already exist, unless told otherwise)."""
    if only_if_empty and db.session.scalar(select(func.count()).select_from(ObservationSet)):
        return {}
    now = (now or services.now_utc()).replace(microsecond=0)
    from app.care.services import news2_definition

    definition = news2_definition()
    at_risk: dict[int, set[str]] = {}
    for home_index, home in enumerate(homes):
        rng = random.Random(20261130 + home_index)
        residents = current_residents(home.id)
        plan = AT_RISK[home_index % len(AT_RISK)]
        staff = _staff(home.id)
        batch = _Batch()
        deteriorating = None
        for position, resident in enumerate(residents):
            reasons = plan.get(position, set())
            if reasons:
                at_risk[resident.id] = set(reasons)
            admitted = services._aware(resident.current_stay.admitted_at) if resident.current_stay else now
            start = max(now - dt.timedelta(days=DAYS), admitted)
            turns = position in ON_TURNS or "reposition_overdue" in reasons
            interval = 2 if position % 2 else 3
            care_profile = services.profile(resident, create=True)
            care_profile.daily_fluid_target_ml = rng.choice((1500, 1500, 1600, 1800))
            care_profile.reposition_interval_h = interval if turns else None
            care_profile.height_cm = Decimal(rng.randint(150, 182))
            _fluids(batch, rng, resident, start, now, staff, low="fluid_low" in reasons)
            _meals_and_notes(batch, rng, resident, start, now, staff)
            _bowels(batch, rng, resident, start, now, staff, position, stopped="no_bowels" in reasons)
            _weights(batch, rng, resident, now, staff, falling="weight_loss" in reasons)
            if turns:
                _turns(batch, rng, resident, start, now, staff, interval, missed="reposition_overdue" in reasons)
            _vitals(batch, rng, resident, start, now, staff, definition, rising="news2_high" in reasons)
            if "news2_high" in reasons:
                deteriorating = resident
        batch.write()
        db.session.flush()
        if deteriorating is not None:  # through the service: scored, stored, escalated (task, notifications)
            _record_news2_of_6(deteriorating, now, staff)
        _late_and_amended(residents, now, staff)
    db.session.flush()
    return at_risk


def _fluids(batch, rng, resident, start, now, staff, low: bool):
    day = start.astimezone(LONDON).date()
    while day <= now.astimezone(LONDON).date():
        recent = now - _local(day, 12) < dt.timedelta(days=3)
        for index, (hour, minute) in enumerate(DRINK_SLOTS):
            at = _local(day, hour, minute)
            if not start <= at <= now:
                continue
            if low and recent:
                if index % 2:
                    continue  # three or four small drinks a day
                amount = rng.choice((100, 120, 150))
            else:
                amount = rng.choice((180, 200, 220, 240, 260))
            batch.entry(resident, at, staff["carer"], "fluid_in", [("fluid_in", amount)])
        if resident.id % 5 == 0:
            for hour in (7, 14, 22):
                at = _local(day, hour)
                if start <= at <= now:
                    batch.entry(resident, at, staff["carer"], "fluid_out", [("fluid_out", rng.choice((250, 300, 350)))])
        day += dt.timedelta(days=1)


def _meals_and_notes(batch, rng, resident, start, now, staff):
    day = start.astimezone(LONDON).date()
    while day <= now.astimezone(LONDON).date():
        for meal, hour, minute in MEALS:
            at = _local(day, hour, minute)
            if start <= at <= now:
                batch.entry(resident, at, staff["carer"], "food", [("food", rng.choice((50, 75, 100, 100)), meal)])
        for hour, minute, category, texts, routine in (
                (2, 15, "night_check", ["Night check: asleep, comfortable."], True),
                (8, 10, "personal_care", NOTES_MORNING, False),
                (13, 30, "nutrition", NOTES_LUNCH, False),
                (16, 0, "social", NOTES_AFTERNOON, False)):
            at = _local(day, hour, minute)
            if start <= at <= now:
                batch.note(resident, at, staff["carer"], category, rng.choice(texts), routine=routine)
        day += dt.timedelta(days=1)


def _bowels(batch, rng, resident, start, now, staff, position, stopped: bool):
    every = dt.timedelta(days=1 if position % 2 == 0 else 2)
    at = now - dt.timedelta(hours=3)
    if stopped:  # the last movement four days ago; checked and recorded "none" every day since
        for days in range(1, 4):
            batch.entry(resident, now - dt.timedelta(days=days, hours=2), staff["carer"], "bowel", [("bowel", "none")])
        at = now - dt.timedelta(days=4, hours=2)
    while at >= start:
        batch.entry(resident, at, staff["carer"], "bowel", [("bowel", rng.choice((3, 4, 4, 5)))])
        at -= every


def _weights(batch, rng, resident, now, staff, falling: bool):
    base = Decimal(rng.randint(52, 84))
    for week in range(13):  # weekly, three months back
        at = now - dt.timedelta(days=1 + 7 * week, hours=1)
        if falling:  # steady for months, then 1.3 kg a week for the last five weeks
            kg = base + Decimal("6.5") - Decimal("1.3") * max(0, 5 - week)
        else:
            kg = base + Decimal(str(round(0.3 * math.sin(week + resident.id), 1)))
        batch.entry(resident, at, staff["senior"], "weight", [("weight", kg)])


def _turns(batch, rng, resident, start, now, staff, interval: int, missed: bool):
    step = dt.timedelta(hours=interval) - dt.timedelta(minutes=15)
    at = now - (dt.timedelta(hours=interval + 3) if missed else dt.timedelta(minutes=10))
    positions = ("left", "back", "right", "back")
    index = 0
    while at >= start:
        batch.entry(resident, at, staff["carer"], "reposition",
                    [("reposition", positions[index % 4]), ("skin_check", "ok" if index % 7 else "red")])
        at -= step
        index += 1


def _vitals(batch, rng, resident, start, now, staff, definition, rising: bool):
    from forms.engine import validate_and_score

    times = [now - dt.timedelta(days=3 + 7 * week, hours=rng.randint(0, 6)) for week in range(5)]
    if rising:  # daily over the last four days, creeping up (no single 3), before the 6 two hours ago
        times = [now - dt.timedelta(days=d, hours=4) for d in (4, 3, 2)] + times[2:]
    for index, at in enumerate(times):
        if at < start:
            continue
        values = {"respiration_rate": rng.choice((14, 16, 16, 18)), "spo2": rng.choice((96, 97, 98)),
                  "supplemental_oxygen": 0, "systolic_bp": rng.randint(118, 142), "diastolic_bp": rng.randint(68, 86),
                  "pulse": rng.randint(62, 84), "consciousness": "A", "temperature": Decimal(rng.choice(
                      ("36.5", "36.7", "36.9", "37.1")))}
        if rising and index < 3:
            values.update({"respiration_rate": (18, 21, 21)[index], "spo2": (96, 95, 95)[index],
                           "pulse": (86, 92, 96)[index]})
        answers = services._news2_answers({c: (Decimal(str(v)) if not isinstance(v, str) else None,
                                               v if isinstance(v, str) else None, False)
                                           for c, v in {**values, "spo2_scale": 1}.items()})
        result = validate_and_score(definition, answers, locale="en-GB")
        points = dict(result.points or {})
        news2 = {"news2_total": int(result.total), "news2_band": result.band,
                 "news2_band_label": (result.band_label or "")[:200], "news2_points": points,
                 "news2_max_single": int(max(points.values())), "news2_form_version": result.version,
                 "news2_sha256": result.sha256}
        batch.entry(resident, at, staff["nurse"], None, [(c, v) for c, v in {**values, "spo2_scale": 1}.items()],
                    kind="vitals", news2=news2)


def _record_news2_of_6(resident, now, staff):
    from app.security import CareUser

    user = db.session.get(CareUser, staff["nurse"][0]) if staff["nurse"][0] else None
    services.record_vitals(resident, {"respiration_rate": 22, "spo2": 94, "supplemental_oxygen": 0,
                                      "systolic_bp": 112, "diastolic_bp": 70, "pulse": 112, "consciousness": "A",
                                      "temperature": "38.4"}, now - dt.timedelta(hours=2), user,
                           soft_signs=["more_sleepy", "not_eating"], note="Chesty cough since yesterday.", now=now)


def _late_and_amended(residents, now, staff):
    from app.security import CareUser

    if not residents:
        return
    user = db.session.get(CareUser, staff["carer"][0]) if staff["carer"][0] else None
    first = residents[-1]
    services.record_note(first, "visit", "Son visited in the afternoon and brought photographs; a happy visit.",
                         now - dt.timedelta(hours=5), user, now=now)  # entered five hours later: a late entry
    note = services.record_note(first, "mood_behaviour", "Upset at tea time, calmer after a walk.",
                                now - dt.timedelta(hours=3), user, now=now - dt.timedelta(hours=2, minutes=50))
    services.amend_note(note, "Upset at tea time, looking for her late husband; calmer after a walk in the "
                        "garden with a carer.", "More detail for the night staff", user, now=now)
