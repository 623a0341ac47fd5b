"""One row of every daily care table in a home, made through the services: what the test world (and
the home-isolation test) needs. The demo (`app.care.demo`) builds a month of records."""

from __future__ import annotations

import datetime as dt

from app.care import services


def seed_home_care(home, resident) -> None:
    """A care profile, a care note, a drink and a set of vital signs (NEWS2 0) an hour ago."""
    at = services.now_utc().replace(microsecond=0) - dt.timedelta(hours=1)
    services.update_profile(resident, {"daily_fluid_target_ml": 1500, "height_cm": 162}, None)
    services.record_note(resident, "personal_care", f"Seed note {home.name}", at, None)
    services.record_entry(resident, "fluid_in", 200, at, None)
    services.record_vitals(resident, {"respiration_rate": 16, "spo2": 97, "supplemental_oxygen": 0,
                                      "systolic_bp": 128, "diastolic_bp": 78, "pulse": 72, "consciousness": "A",
                                      "temperature": "36.8"}, at, None)
