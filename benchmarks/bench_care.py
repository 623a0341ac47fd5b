"""Daily care benchmarks on PostgreSQL: recording an observation, and the unit board.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wcn_care_bench python benchmarks/bench_care.py [--rebuild]

Builds (once; --rebuild to start again) 20 homes of 60 residents (1,200 residents, each in a bed of
a one-unit home) and a year of their records with set-based bulk inserts (INSERT ... SELECT over
generate_series): drinks every 3 hours, three meals, a bowel entry a day, notes three times a day,
weekly weights and vital-sign sets, 2-hourly turns for one resident in five. It prints the rows.

Then, through the REST API as a device calls it (JWT, JSON, service rules, audit trail, commit):
1. recording a drink (POST /api/v1/care/entries/) and a vital-sign set scored with NEWS2
   (POST /api/v1/care/vitals/) for random residents: p50 / p95 / max;
2. the unit board for one unit of 60 residents (GET /api/v1/care/board/?home_id=): p50 / p95 and
   the number of SQL statements it takes (the board query alone, and the whole request).
The database is dropped and rebuilt only with --rebuild; measurements add a few hundred rows.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

HOMES = 20
PER_HOME = 60
DAYS = 365
PASSWORD = "Bench-password-1!"

RECORDS_SQL = [
    # drinks every 3 hours, a year
    ("fluid sets", """
INSERT INTO care_observation_set (home_id, resident_id, kind, code, observed_at, entered_at, recorded_by_name)
SELECT r.home_id, r.id, 'chart', 'fluid_in', ts, ts + interval '2 minutes', 'bench'
FROM resident r CROSS JOIN generate_series(:start, :end, interval '3 hours') ts"""),
    ("meal sets", """
INSERT INTO care_observation_set (home_id, resident_id, kind, code, observed_at, entered_at, recorded_by_name)
SELECT r.home_id, r.id, 'chart', 'food', d + t, d + t, 'bench'
FROM resident r CROSS JOIN generate_series(:start, :end, interval '1 day') d
CROSS JOIN (VALUES (interval '8 hours'), (interval '12 hours 30 minutes'), (interval '17 hours')) AS m(t)"""),
    ("bowel sets", """
INSERT INTO care_observation_set (home_id, resident_id, kind, code, observed_at, entered_at, recorded_by_name)
SELECT r.home_id, r.id, 'chart', 'bowel', d + interval '9 hours', d + interval '9 hours', 'bench'
FROM resident r CROSS JOIN generate_series(:start, :end, interval '1 day') d"""),
    ("weight sets", """
INSERT INTO care_observation_set (home_id, resident_id, kind, code, observed_at, entered_at, recorded_by_name)
SELECT r.home_id, r.id, 'chart', 'weight', d, d, 'bench'
FROM resident r CROSS JOIN generate_series(:start, :end, interval '7 days') d"""),
    ("turn sets", """
INSERT INTO care_observation_set (home_id, resident_id, kind, code, observed_at, entered_at, recorded_by_name)
SELECT r.home_id, r.id, 'chart', 'reposition', ts, ts, 'bench'
FROM resident r CROSS JOIN generate_series(:start, :end, interval '2 hours') ts WHERE r.id % 5 = 0"""),
    ("vitals sets", """
INSERT INTO care_observation_set (home_id, resident_id, kind, code, observed_at, entered_at, recorded_by_name,
    news2_total, news2_band, news2_band_label, news2_max_single, news2_form_version)
SELECT r.home_id, r.id, 'vitals', NULL, d, d, 'bench', 0, 'low_score_0', 'Low clinical risk (NEWS2 0)', 0, 1
FROM resident r CROSS JOIN generate_series(:start, :end, interval '7 days') d"""),
    ("chart observations", """
INSERT INTO care_observation (home_id, set_id, resident_id, code, value, value_text, unit, observed_at, confirmed,
    voided)
SELECT s.home_id, s.id, s.resident_id, s.code,
       CASE s.code WHEN 'fluid_in' THEN 150 + (s.id % 6) * 20 WHEN 'food' THEN 75 WHEN 'bowel' THEN 4
                   WHEN 'weight' THEN 55 + (s.resident_id % 30) ELSE NULL END,
       CASE s.code WHEN 'food' THEN 'lunch' WHEN 'reposition' THEN 'left' ELSE NULL END,
       CASE s.code WHEN 'fluid_in' THEN 'mL' WHEN 'food' THEN '%' WHEN 'weight' THEN 'kg' ELSE NULL END,
       s.observed_at, false, false
FROM care_observation_set s WHERE s.kind = 'chart'"""),
    ("vital-sign observations", """
INSERT INTO care_observation (home_id, set_id, resident_id, code, value, value_text, unit, observed_at, confirmed,
    voided)
SELECT s.home_id, s.id, s.resident_id, v.code, v.value, v.value_text, v.unit, s.observed_at, false, false
FROM care_observation_set s CROSS JOIN (VALUES
    ('respiration_rate', 16, NULL, '/min'), ('spo2', 97, NULL, '%'), ('spo2_scale', 1, NULL, NULL),
    ('supplemental_oxygen', 0, NULL, NULL), ('systolic_bp', 128, NULL, 'mmHg'), ('diastolic_bp', 78, NULL, 'mmHg'),
    ('pulse', 72, NULL, '/min'), ('consciousness', NULL, 'A', NULL), ('temperature', 36.8, NULL, '°C')
) AS v(code, value, value_text, unit) WHERE s.kind = 'vitals'"""),
    ("care notes", """
INSERT INTO care_note (home_id, resident_id, category, text, occurred_at, entered_at, author_name, routine)
SELECT r.home_id, r.id, n.category, n.text, d + n.t, d + n.t + interval '5 minutes', 'bench', n.routine
FROM resident r CROSS JOIN generate_series(:start, :end, interval '1 day') d
CROSS JOIN (VALUES ('night_check', 'Night check: asleep, comfortable.', interval '2 hours', true),
                   ('personal_care', 'Assisted with washing and dressing; skin intact.', interval '8 hours', false),
                   ('nutrition', 'Ate most of lunch and enjoyed it.', interval '13 hours', false)) AS n(category,
                   text, t, routine)"""),
]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return (f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms (n={len(ordered)})")


def build(app) -> None:
    from app.audit import acting_as
    from app.cli import ensure_roles, sync_permissions, upgrade_schema
    from app.extensions import db
    from app.forms_store import publish_standard_forms
    from app.homes.models import Bed, CareHome, Organisation, Regulator, Room, ServiceType, Unit
    from app.residents.models import Resident, Stay

    engine = db.engine
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    started = time.perf_counter()
    upgrade_schema()
    sync_permissions()
    ensure_roles()
    publish_standard_forms()
    sm = app.appbuilder.sm
    with acting_as(None, "benchmark"):
        group = Organisation(name="Bench Care Group")
        db.session.add(group)
        homes = []
        for number in range(HOMES):
            home = CareHome(name=f"Bench Home {number + 1}", organisation=group, active=True,
                            registered_places=PER_HOME, regulator=Regulator.cqc, service_type=ServiceType.nursing,
                            address_line_1="1 High Street", town="Bristol", postcode="BS1 4DJ")
            db.session.add(home)
            homes.append(home)
        db.session.flush()
        for home in homes:
            db.session.add(Unit(home_id=home.id, name="Ground floor"))
        db.session.flush()
        user = sm.add_user(username="bench.nurse", first_name="Bench", last_name="Nurse",
                           email="bench@bench.example", role=sm.find_role("Nurse"), password=PASSWORD)
        user.all_homes = True
        db.session.commit()
    units = db.session.execute(select(Unit.id, Unit.home_id).order_by(Unit.id)).all()
    admitted = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS + 30)
    for unit_id, home_id in units:
        rooms, beds = Room.__table__, Bed.__table__
        room_ids = db.session.execute(insert(rooms).returning(rooms.c.id, sort_by_parameter_order=True),
                                      [{"home_id": home_id, "unit_id": unit_id, "number": str(n + 1), "en_suite": True}
                                       for n in range(PER_HOME)]).scalars().all()
        bed_ids = db.session.execute(insert(beds).returning(beds.c.id, sort_by_parameter_order=True),
                                     [{"home_id": home_id, "room_id": r, "label": "A", "status": "occupied"}
                                      for r in room_ids]).scalars().all()
        resident_ids = db.session.execute(
            insert(Resident.__table__).returning(Resident.__table__.c.id, sort_by_parameter_order=True),
            [{"home_id": home_id, "first_name": f"Resident{n}", "last_name": f"Home{home_id}", "sex": "female",
              "status": "in_residence", "created_at": admitted} for n in range(PER_HOME)]).scalars().all()
        db.session.execute(insert(Stay.__table__), [
            {"home_id": home_id, "resident_id": r, "bed_id": b, "stay_type": "permanent", "status": "current",
             "admitted_at": admitted} for r, b in zip(resident_ids, bed_ids, strict=True)])
    db.session.execute(text(
        "INSERT INTO care_profile (home_id, resident_id, daily_fluid_target_ml, reposition_interval_h, height_cm, "
        "spo2_scale, bowel_alert_days, updated_at) SELECT home_id, id, 1500, CASE WHEN id % 5 = 0 THEN 2 END, 165, "
        "1, 3, now() FROM resident"))
    db.session.commit()
    end = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    start = end - dt.timedelta(days=DAYS)
    with engine.connect() as conn:
        # generated rows point at rows that exist: skip the per-row foreign-key triggers while loading
        conn.execute(text("SET session_replication_role = replica"))
        for label, sql in RECORDS_SQL:
            took = time.perf_counter()
            rows = conn.execute(text(sql), {"start": start, "end": end}).rowcount
            conn.commit()
            print(f"  {label}: {rows:,} rows in {time.perf_counter() - took:.1f} s", flush=True)
        conn.execute(text("SET session_replication_role = DEFAULT"))
        conn.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("set DATABASE_URL to a PostgreSQL database of your own (it is dropped with --rebuild)")
    from app import create_app
    from app.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from app.care.models import CareNote, Observation, ObservationSet
        from app.residents.models import Resident

        fresh = "--rebuild" in sys.argv
        if not fresh:
            try:
                fresh = (db.session.scalar(select(func.count()).select_from(Resident)) or 0) < HOMES * PER_HOME
            except Exception:
                db.session.rollback()
                fresh = True
        if fresh:
            print(f"building {HOMES * PER_HOME} residents with a year of records ...", flush=True)
            build(app)
        counts = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Resident, ObservationSet, Observation, CareNote)}
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
        size = db.session.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        print(f"database size: {size}")
        residents = db.session.execute(select(Resident.id, Resident.home_id)).all()
        db.session.commit()
        engine = db.engine

    client = app.test_client()
    token = client.post("/api/v1/security/login", json={"username": "bench.nurse", "password": PASSWORD,
                                                        "provider": "db"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)

    def timed_post(url, body):
        started = time.perf_counter()
        response = client.post(url, json=body, headers=headers)
        took = time.perf_counter() - started
        assert response.status_code == 201, (response.status_code, response.get_data(as_text=True)[:300])
        return took

    for _ in range(10):  # warm up
        timed_post("/api/v1/care/entries/", {"resident_id": rng.choice(residents)[0], "code": "fluid_in",
                                             "value": 150})
    drinks = [timed_post("/api/v1/care/entries/", {"resident_id": rng.choice(residents)[0], "code": "fluid_in",
                                                   "value": rng.choice((100, 150, 200)),
                                                   "idempotency_key": f"bench-{time.time_ns()}"})
              for _ in range(300)]
    print("record a drink (POST /api/v1/care/entries/):", percentiles(drinks))
    vitals = [timed_post("/api/v1/care/vitals/", {
        "resident_id": rng.choice(residents)[0], "values": {
            "respiration_rate": 16, "spo2": 97, "supplemental_oxygen": False, "systolic_bp": rng.randint(110, 150),
            "diastolic_bp": 75, "pulse": rng.randint(60, 90), "consciousness": "A", "temperature": 36.9}})
        for _ in range(200)]
    print("record a vitals set with NEWS2 (POST /api/v1/care/vitals/):", percentiles(vitals))

    home_id = residents[len(residents) // 2][1]
    with app.app_context():
        from app.care import board

        statements = []
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        rows = board.at_risk(home_id)
        event.remove(engine, "before_cursor_execute", listener)
        print(f"board query: {len(statements)} SQL statements for a unit of {PER_HOME} residents "
              f"({len(rows)} at risk)")
        direct = []
        for _ in range(50):
            started = time.perf_counter()
            board.at_risk(home_id)
            direct.append(time.perf_counter() - started)
        print("board query alone (app.care.board.at_risk):", percentiles(direct))
        db.session.remove()
    statements.clear()
    event.listen(engine, "before_cursor_execute", listener)
    client.get(f"/api/v1/care/board/?home_id={home_id}", headers=headers)
    event.remove(engine, "before_cursor_execute", listener)
    print(f"board request: {len(statements)} SQL statements in all (auth, permissions, home scope, board)")
    pages = []
    for _ in range(100):
        started = time.perf_counter()
        response = client.get(f"/api/v1/care/board/?home_id={home_id}", headers=headers)
        pages.append(time.perf_counter() - started)
        assert response.status_code == 200
    print(f"unit board, {PER_HOME} residents (GET /api/v1/care/board/):", percentiles(pages))


if __name__ == "__main__":
    main()
