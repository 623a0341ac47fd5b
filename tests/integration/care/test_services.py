"""The rules of daily care records, through the services: limits and confirmations, late entries,
amendments, idempotency keys, fluid totals across midnight and clock changes, weight trend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.care import services
from app.care.models import CareNote, Observation, ObservationSet
from app.care.services import CareInputError
from app.extensions import db
from app.security import CareUser
from app.ukdates import LONDON

UTC = dt.UTC


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture()
def nurse(world):
    return db.session.scalar(select(CareUser).where(CareUser.username == "nurse"))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model).execution_options(skip_home_scope=True))


@pytest.mark.parametrize(("code", "value", "field"), [
    ("spo2", 140, "value"), ("temperature", 60, "value"), ("fluid_in", -50, "value"), ("pulse", "abc", "value"),
    ("bowel", 9, "value"), ("food", 30, "value"), ("nonsense", 1, "code"),
])
def test_impossible_values_are_refused_naming_the_field(world, nurse, code, value, field):
    before = count(Observation)
    with pytest.raises(CareInputError) as refused:
        services.record_entry(world.resident_a, code, value, None, nurse,
                              value_text="lunch" if code == "food" else None)
    assert refused.value.field == field
    assert not refused.value.needs_confirmation
    assert count(Observation) == before


def test_a_time_in_the_future_is_refused(world, nurse):
    later = services.now_utc() + dt.timedelta(hours=1)
    with pytest.raises(CareInputError) as refused:
        services.record_entry(world.resident_a, "fluid_in", 200, later, nurse)
    assert refused.value.field == "observed_at"
    with pytest.raises(CareInputError) as refused:
        services.record_note(world.resident_a, "other", "Went for a walk", later, nurse)
    assert refused.value.field == "occurred_at"


def test_a_pulse_of_220_needs_a_confirmation_which_is_recorded(world, nurse):
    with pytest.raises(CareInputError) as refused:
        services.record_entry(world.resident_a, "pulse", 220, None, nurse)
    assert refused.value.needs_confirmation and refused.value.field == "value"
    saved = services.record_entry(world.resident_a, "pulse", 220, None, nurse, confirm=True)
    assert saved.confirmed == ["pulse"]
    assert saved.observations[0].confirmed is True and saved.observations[0].value == 220


def test_a_weight_change_of_10_kg_in_a_week_needs_a_confirmation(world, nurse):
    now = services.now_utc()
    services.record_entry(world.resident_a, "weight", "62.4", now - dt.timedelta(days=5), nurse)
    with pytest.raises(CareInputError) as refused:
        services.record_entry(world.resident_a, "weight", "72.4", now, nurse)
    assert refused.value.needs_confirmation and refused.value.field == "value"
    saved = services.record_entry(world.resident_a, "weight", "72.4", now, nurse, confirm=True)
    assert saved.observations[0].confirmed and saved.confirmed == ["weight"]
    # a small change needs nothing
    ok = services.record_entry(world.resident_a, "weight", "72.0", now, nurse)
    assert not ok.confirmed


def test_the_same_idempotency_key_saves_one_entry(world, nurse):
    before = count(ObservationSet)
    first = services.record_entry(world.resident_a, "fluid_in", 200, None, nurse, idempotency_key="tab-1-0001")
    again = services.record_entry(world.resident_a, "fluid_in", 200, None, nurse, idempotency_key="tab-1-0001")
    assert again.id == first.id
    assert count(ObservationSet) == before + 1
    note = services.record_note(world.resident_a, "night_check", "Asleep", None, nurse, idempotency_key="n-1")
    assert services.record_note(world.resident_a, "night_check", "Asleep", None, nurse, idempotency_key="n-1").id \
        == note.id


def test_a_note_entered_over_an_hour_late_is_a_late_entry(world, nurse):
    now = services.now_utc()
    late = services.record_note(world.resident_a, "sleep", "Slept well", now - dt.timedelta(hours=3), nurse)
    prompt = services.record_note(world.resident_a, "sleep", "Slept well", now - dt.timedelta(minutes=30), nurse)
    assert late.is_late and not prompt.is_late


def test_an_amendment_keeps_the_original_and_the_reason(world, nurse):
    note = services.record_note(world.resident_a, "nutrition", "Ate all of lunch", None, nurse)
    new = services.amend_note(note, "Ate half of lunch", "Wrong resident's tray read", nurse)
    db.session.commit()
    db.session.expire_all()
    original = db.session.get(CareNote, note.id)
    assert original.text == "Ate all of lunch"
    assert original.superseded_by_id == new.id and original.superseded_at is not None
    assert new.amends_id == note.id and new.amendment_reason == "Wrong resident's tray read"
    with pytest.raises(CareInputError):
        services.amend_note(original, "Again", "Twice", nurse)


def _drink(resident, user, at, ml):
    return services.record_entry(resident, "fluid_in", ml, at, user, now=at + dt.timedelta(minutes=1))


def test_rolling_24_hour_fluids_across_midnight(world, nurse):
    r = world.resident_a
    for at, ml in [(london(2026, 6, 10, 14, 0), 300), (london(2026, 6, 10, 22, 30), 200),
                   (london(2026, 6, 11, 0, 30), 150), (london(2026, 6, 11, 8, 0), 250),
                   (london(2026, 6, 9, 13, 0), 999)]:  # the last one is more than 24 hours before
        db.session.add_all(_entries_without_time_check(r, nurse, at, ml))
    db.session.flush()
    balance = services.fluid_balance(r, now=london(2026, 6, 11, 13, 59))
    assert balance["in_ml"] == 300 + 200 + 150 + 250
    days = {d["day"]: d["in_ml"] for d in services.fluid_by_day(r, days=3, now=london(2026, 6, 11, 13, 59))}
    assert days[dt.date(2026, 6, 10)] == 500 and days[dt.date(2026, 6, 11)] == 400
    assert days[dt.date(2026, 6, 9)] == 999


def test_fluids_across_the_october_clock_change(world, nurse):
    """25 October 2026: clocks go back at 02:00 BST. The 24 hours before 12:00 GMT on the 25th start
    at 13:00 BST on the 24th (12:00 UTC), and the 25th is a 25-hour day."""
    r = world.resident_a
    for at, ml in [(london(2026, 10, 24, 12, 30), 400),  # 11:30 UTC: outside the 24 hours
                   (london(2026, 10, 24, 13, 30), 100),  # 12:30 UTC: inside
                   (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 50),  # 01:30 BST, first time
                   (dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 60),  # 01:30 GMT, second time
                   (london(2026, 10, 25, 23, 30), 70)]:
        db.session.add_all(_entries_without_time_check(r, nurse, at, ml))
    db.session.flush()
    balance = services.fluid_balance(r, now=london(2026, 10, 25, 12, 0))
    assert balance["in_ml"] == 100 + 50 + 60
    assert balance["until"] - balance["since"] == dt.timedelta(hours=24)
    days = {d["day"]: d["in_ml"] for d in services.fluid_by_day(r, days=2, now=london(2026, 10, 25, 23, 45))}
    assert days == {dt.date(2026, 10, 24): 500, dt.date(2026, 10, 25): 180}


def test_fluids_across_the_march_clock_change(world, nurse):
    """29 March 2026: clocks go forward at 01:00 GMT; the day has 23 hours."""
    r = world.resident_a
    for at, ml in [(london(2026, 3, 28, 23, 30), 100), (dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), 200),
                   (london(2026, 3, 29, 2, 30), 300), (london(2026, 3, 29, 23, 59), 400),
                   (london(2026, 3, 30, 0, 0), 500)]:
        db.session.add_all(_entries_without_time_check(r, nurse, at, ml))
    db.session.flush()
    days = {d["day"]: d["in_ml"] for d in services.fluid_by_day(r, days=3, now=london(2026, 3, 30, 9, 0))}
    assert days == {dt.date(2026, 3, 28): 100, dt.date(2026, 3, 29): 900, dt.date(2026, 3, 30): 500}
    # 24 real hours up to 10:00 BST on the 29th (09:00 UTC) go back to 09:00 UTC on the 28th
    assert services.fluid_balance(r, now=london(2026, 3, 29, 10, 0))["in_ml"] == 100 + 200 + 300


def _entries_without_time_check(resident, user, at, ml):
    """A drink recorded at `at` (a past date the month limit would refuse today: tests of the
    arithmetic only)."""
    obs_set = services._new_set(resident, "chart", at, at, user, None, None, code="fluid_in")
    services._add_observation(obs_set, resident, "fluid_in", Decimal(ml), None, at, False)
    return [obs_set]


def test_weight_summary_gives_bmi_and_changes(world, nurse):
    r = world.resident_a
    services.update_profile(r, {"height_cm": 160}, nurse)
    now = services.now_utc()
    for days_ago, kg in [(200, "70"), (100, "68"), (40, "66"), (0, "62.7")]:
        at = now - dt.timedelta(days=days_ago)
        obs_set = services._new_set(r, "chart", at, at, nurse, None, None, code="weight")
        services._add_observation(obs_set, r, "weight", Decimal(kg), None, at, False)
        db.session.add(obs_set)
    db.session.flush()
    summary = services.weight_summary(r)
    assert summary["latest_kg"] == Decimal("62.7")
    assert summary["bmi"] == Decimal("24.5")  # 62.7 / 1.6²
    assert summary["change_1m_pct"] == Decimal("-5.0")  # against 66 kg 40 days ago
    assert summary["change_3m_pct"] == Decimal("-7.8")  # against 68 kg
    assert summary["change_6m_pct"] == Decimal("-10.4")  # against 70 kg


@pytest.mark.parametrize("now", [london(2026, 10, 25, 12, 0), london(2026, 10, 25, 23, 45),
                                 london(2026, 3, 30, 9, 0), london(2026, 3, 29, 10, 0), london(2026, 6, 11, 0, 5)])
def test_the_profiles_one_read_gives_what_each_single_read_gives(world, nurse, now):
    """The resident profile reads fluids and weights once (`chart_summary`); its fluid days, 24-hour
    balance, weight summary and weight points are those of the single functions, clock changes too."""
    r = world.resident_a
    services.update_profile(r, {"height_cm": 172, "daily_fluid_target_ml": 1800}, nurse)
    start = now - dt.timedelta(days=16)
    step, at, ml = dt.timedelta(minutes=97), start, 50
    while at <= now:
        db.session.add_all(_entries_without_time_check(r, nurse, at, ml))
        at, ml = at + step, ml % 400 + 35
    for days_ago, kg in [(300, "81"), (150, "79.5"), (100, "78"), (20, "76.2"), (1, "75.9")]:
        when = now - dt.timedelta(days=days_ago)
        obs_set = services._new_set(r, "chart", when, when, nurse, None, None, code="weight")
        services._add_observation(obs_set, r, "weight", Decimal(kg), None, when, False)
        db.session.add(obs_set)
    db.session.flush()
    read = services.chart_summary(r, days=14, weight_days=190, now=now)
    assert read["fluid_days"] == services.fluid_by_day(r, days=14, now=now)
    assert read["balance"] == services.fluid_balance(r, now=now)
    assert read["balance"]["in_ml"] > 0
    assert read["weight"] == services.weight_summary(r)
    assert read["weight"]["change_6m_pct"] is not None
    assert [at for at, _ in read["weight_points"]] == sorted(at for at, _ in read["weight_points"])
    assert [kg for _, kg in read["weight_points"]] == [79.5, 78.0, 76.2, 75.9]
