"""The unit board "at risk now": it lists exactly the residents the demo data puts at risk, for the
reasons the demo gives them, in a fixed number of queries whatever the number of residents."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import event, select

from app.care import board, services
from app.care.demo import load_demo_care
from app.care.models import CareProfile
from app.extensions import db
from app.residents import stays
from tests.factories import make_bed, make_resident, make_room


def _admit(world, n: int, start: int = 0):
    now = services.now_utc()
    for index in range(start, start + n):
        room = make_room(world.unit_a, f"C{index}")
        bed = make_bed(room, "A")
        resident = make_resident(world.home_a, f"Board{index}", "Resident")
        stays.admit_resident(resident.id, bed.id, now - dt.timedelta(days=90), "permanent")
    db.session.flush()


def _board(home_id):
    return {row["resident_id"]: {r["code"] for r in row["reasons"]} for row in board.at_risk(home_id)}


def test_the_board_lists_exactly_the_residents_the_demo_puts_at_risk(world):
    _admit(world, 12)
    expected = load_demo_care([world.home_a], only_if_empty=False)
    db.session.commit()
    assert len(expected) == 4 and set().union(*expected.values()) == {
        "fluid_low", "reposition_overdue", "weight_loss", "news2_high"}
    assert _board(world.home_a.id) == expected
    # another unit's view: nobody of home A's unit is listed for home B
    assert not set(_board(world.home_b.id)) & set(expected)


def test_the_board_takes_the_same_number_of_queries_for_5_or_13_residents(world):
    _admit(world, 4)
    load_demo_care([world.home_a], only_if_empty=False)
    db.session.commit()
    counted = []

    def count(*_args, **_kw):
        counted[-1] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        counted.append(0)
        board.at_risk(world.home_a.id)
        counted.append(0)  # the admissions and records in between are not counted
        _admit(world, 8, start=100)
        load_demo_care([world.home_a], only_if_empty=False)
        db.session.commit()
        counted.append(0)
        assert board.at_risk(world.home_a.id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counted[0] == counted[2] <= 6, counted


def test_each_reason_appears_and_goes_as_the_records_change(world):
    from app.security import CareUser

    nurse = db.session.scalar(select(CareUser).where(CareUser.username == "nurse"))
    resident = world.resident_a
    now = services.now_utc()
    services.update_profile(resident, {"reposition_interval_h": 2}, nurse)
    services.record_entry(resident, "bowel", 4, now - dt.timedelta(hours=1), nurse)
    for hours in range(1, 24, 3):
        services.record_entry(resident, "fluid_in", 250, now - dt.timedelta(hours=hours, minutes=5), nurse)
    services.record_entry(resident, "reposition", None, now - dt.timedelta(hours=3), nurse, value_text="left")
    assert _board(world.home_a.id).get(resident.id) == {"reposition_overdue"}
    services.record_entry(resident, "reposition", None, now - dt.timedelta(minutes=5), nurse, value_text="right")
    assert resident.id not in _board(world.home_a.id)
    profile = db.session.scalar(select(CareProfile).where(CareProfile.resident_id == resident.id))
    assert profile.reposition_interval_h == 2
    # a vitals set with a 3 in one parameter (new confusion) puts them back on, for that reason
    services.record_vitals(resident, {"respiration_rate": 16, "spo2": 97, "supplemental_oxygen": 0,
                                      "systolic_bp": 130, "pulse": 70, "consciousness": "C", "temperature": 37},
                           now - dt.timedelta(minutes=2), nurse)
    assert _board(world.home_a.id).get(resident.id) == {"news2_high"}


DEMO_SCRIPT = """
import json, time
from app import create_app
from app.cli import setup
import app.care.demo as care_demo
spent = {}
original = care_demo.load_demo_care
def timed(*args, **kwargs):
    started = time.perf_counter()
    try:
        return original(*args, **kwargs)
    finally:
        spent['care'] = time.perf_counter() - started
care_demo.load_demo_care = timed
application = create_app('development')
with application.app_context():
    started = time.perf_counter()
    setup(load_demo=True)
    total = time.perf_counter() - started
    from sqlalchemy import func, select
    from app.extensions import db
    from app.homes.models import CareHome
    from app.care import board
    from app.care.demo import AT_RISK, current_residents
    from app.care.models import CareNote, Observation, ObservationSet
    homes = db.session.scalars(select(CareHome).order_by(CareHome.id)).all()
    found, expected = {}, {}
    for index, home in enumerate(homes):
        living = current_residents(home.id)
        for position, reasons in AT_RISK[index].items():
            expected[str(living[position].id)] = sorted(reasons)
        for row in board.at_risk(home.id):
            found[str(row['resident_id'])] = sorted(r['code'] for r in row['reasons'])
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in
              (ObservationSet, Observation, CareNote)}
    print(json.dumps({'found': found, 'expected': expected, 'care_seconds': spent.get('care'),
                      'setup_seconds': total, 'counts': counts}))
"""


def test_the_real_demo_puts_exactly_its_chosen_residents_on_the_board(tmp_path):
    """`flask setup` with the demo, as a newcomer starts it (SQLite in a fresh instance folder)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(tmp_path), WCN_ENV="development")
    done = subprocess.run([sys.executable, "-c", DEMO_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=900, cwd=Path(__file__).resolve().parents[3])
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print("demo care records:", result["counts"], "in", result["care_seconds"], "s of", result["setup_seconds"])
    assert result["found"] == result["expected"]
    assert len(result["expected"]) == 9
    assert result["counts"]["ObservationSet"] > 10_000
