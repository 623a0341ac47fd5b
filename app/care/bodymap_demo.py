"""Demo body maps, made through the services so every rule applies: in each demo home, pressure
damage acquired in the home on the sacrum of the resident who misses turns (looked at every few days,
worse last week), a bruise on an arm that healed, a heel that was already damaged on admission, and
a skin tear recorded by mistake and voided. Loaded once: nothing is added where marks exist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.care import bodymap
from app.care.bodymap_models import BodyMark
from app.extensions import db
from app.ukdates import LONDON


def load_demo_body_map(homes, now: dt.datetime | None = None) -> int:
    """Returns how many marks it made."""
    from app.care.demo import _staff, current_residents
    from app.security import CareUser

    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(LONDON).date()
    made = 0
    for home in homes:
        exists = db.session.scalar(select(func.count()).select_from(BodyMark).where(BodyMark.home_id == home.id)
                                   .execution_options(skip_home_scope=True))
        residents = current_residents(home.id)
        if exists or len(residents) < 3:
            continue
        staff = _staff(home.id)
        nurse_id = (staff.get("Nurse") or staff.get("Home Manager") or next(iter(staff.values()), (None, "")))[0]
        nurse = db.session.get(CareUser, nurse_id) if nurse_id else None

        def ago(days: int, hour: int = 10) -> dt.datetime:
            day = today - dt.timedelta(days=days)
            return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON).astimezone(dt.UTC)

        turns, second, third = residents[1], residents[0], residents[2]
        sacrum = bodymap.record_mark(
            turns, nurse, side="back", x=50, y=44, kind="pressure_damage", category="category_1", origin="home",
            first_seen_on=today - dt.timedelta(days=9), observed_at=ago(9), length_mm=30, width_mm=25,
            description="Non-blanching redness over the sacrum; skin intact. Turns every 2 hours.")
        bodymap.add_entry(sacrum, nurse, observed_at=ago(5), length_mm=32, width_mm=26,
                          description="Still red, no broken skin. Cushion checked.")
        bodymap.add_entry(sacrum, nurse, observed_at=ago(1), length_mm=35, width_mm=28, depth_mm=1,
                          category="category_2", description="Small area of broken skin; dressing applied. "
                                                             "Tissue viability nurse informed.")
        bruise = bodymap.record_mark(
            second, nurse, side="front", x=28, y=42, kind="bruise", origin="home",
            first_seen_on=today - dt.timedelta(days=20), observed_at=ago(20), length_mm=40, width_mm=30,
            description="Purple bruise on the right forearm after knocking it on the chair arm.")
        bodymap.mark_healed(bruise, nurse, today - dt.timedelta(days=6), "Faded completely.")
        bodymap.record_mark(
            third, nurse, side="back", x=42, y=96, kind="pressure_damage", category="category_2",
            origin="admission", first_seen_on=today - dt.timedelta(days=14), observed_at=ago(14), length_mm=15,
            width_mm=12, description="Left heel blister present on admission from hospital; heel boots on.")
        mistake = bodymap.record_mark(
            third, nurse, side="front", x=70, y=45, kind="skin_tear", origin="home",
            first_seen_on=today - dt.timedelta(days=3), observed_at=ago(3), description="Skin tear left forearm")
        bodymap.void_mark(mistake, nurse, "Recorded on the wrong resident")
        made += 4
    db.session.flush()
    return made
