"""A realistic care-home group on PostgreSQL, built deterministically from a seed, for load tests.

    python benchmarks/scale.py --database postgresql://postgres@127.0.0.1:5432/wcn_scale \
        [--homes 20] [--residents-per-home 60] [--past-per-home 150] [--seed 15]

The database's public schema is dropped and made again with the real migrations. Then, with the
app's own models and services (so encryption, blind indexes, home scope and the audit trail are the
product's): an organisation, the homes (3 units of 20 rooms, one bed each), 250 staff users across
the roles (one password, hashed once), 1,200 current residents admitted through the stay service
and 3,000 past ones (discharged or died), default assessment schedules, one care plan per current
resident with a review for every third, open and closed tasks, notifications. The bulk of the
volume, a year of assessments (about 70,000 submissions and their records), is cloned in bulk from
real submissions made through the assessment service (one per standard form), each clone with its
own id, resident, home and time, and chained into the audit trail in bulk (`app.audit._append`).

Hooks for later capabilities: `EXTRA_BUILDERS` (a list of callables `(ctx) -> dict`) runs after
the rest; each returns counts to report. `--care-days N` adds N days of daily care records
(app/care/: notes, charts, vital signs) for the current residents; medicines will go the same way.

Prints what it built, how long it took and the database's size; the last line is JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Load-test-password-1!"
UNITS_PER_HOME = 3
# 250 staff: per home 1 manager, 2 nurses, 3 senior carers, 6 carers (240), and 10 group staff.
HOME_STAFF = [("Home Manager", 1), ("Nurse", 2), ("Senior Carer", 3), ("Carer", 6)]
GROUP_STAFF = [("Administrator", 2), ("Office", 2), ("Finance", 2), ("HR", 2), ("Auditor", 2)]
SUBMISSIONS_PER_CURRENT = 52  # MUST and Waterlow fortnightly for a year
SUBMISSIONS_PER_PAST = 2
EXTRA_BUILDERS: list = []


def bench_env(database_url: str, redis_url: str | None = None) -> dict:
    """The environment the benchmark app runs with (fixed secrets: the data is made up)."""
    import base64

    env = {
        "WCN_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "load-benchmark-secret-not-for-production",
        "FIELD_ENCRYPTION_KEYS": "b1:" + base64.b64encode(b"\x07" * 32).decode(),
        "FIELD_BLIND_INDEX_KEY": "load-benchmark-blind-index-key",
        "SESSION_COOKIE_SECURE": "0",
        "HSTS_SECONDS": "0",
        "MFA_REQUIRED_ROLES": "",
        "FILES_DIR": "/tmp/wcn-load-files",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def reset_database(database_url: str) -> None:
    import sqlalchemy

    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def build(database_url: str, homes: int = 20, per_home: int = 60, past_per_home: int = 150, seed: int = 15,
          log=print) -> dict:
    os.environ.update(bench_env(database_url))
    started = time.perf_counter()
    reset_database(database_url)
    from app import create_app

    app = create_app("production")
    timings: dict[str, float] = {}
    with app.app_context():
        from app.audit import acting_as
        from app.cli import setup

        mark = time.perf_counter()
        setup(load_demo=False)
        timings["schema"] = time.perf_counter() - mark
        rng = random.Random(seed)
        ctx = {"rng": rng, "homes": homes, "per_home": per_home, "past_per_home": past_per_home,
               "now": dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)}
        counts: dict[str, int] = {}
        with acting_as(None, "scale benchmark"):
            for step in (_homes, _users, _residents, _schedules, _assessments, _care_plans, _tasks,
                         _notifications, *EXTRA_BUILDERS):
                mark = time.perf_counter()
                counts.update(step(ctx) or {})
                timings[step.__name__.strip("_")] = round(time.perf_counter() - mark, 1)
                log(f"  {step.__name__.strip('_')}: {timings[step.__name__.strip('_')]} s")
        from sqlalchemy import text

        from app.extensions import db

        db.session.execute(text("ANALYZE"))
        db.session.commit()
        size = db.session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        counts["audit_events"] = db.session.execute(text("SELECT count(*) FROM audit_event")).scalar()
        counts["form_submissions"] = db.session.execute(text("SELECT count(*) FROM form_submissions")).scalar()
    return {"seconds": round(time.perf_counter() - started, 1), "database_mib": round(size / 2**20, 1),
            "counts": counts, "steps": timings, "password": PASSWORD, "usernames": ctx.get("usernames", {})}


# ---------------------------------------------------------------------------------------------
# Steps. Each commits what it made and returns counts.


def _homes(ctx) -> dict:
    from app.extensions import db
    from app.homes.models import Bed, CareHome, Organisation, Room, ServiceType, Unit

    group = Organisation(name="Cwmni Gofal Scale Group")
    db.session.add(group)
    ctx["home_ids"] = []
    for h in range(ctx["homes"]):
        home = CareHome(organisation=group, name=f"Home {h + 1:02d}", active=True,
                        service_type=ServiceType.nursing if h % 2 else ServiceType.residential,
                        registered_places=ctx["per_home"], address_line_1=f"{h + 1} High Street",
                        town="Cardiff", postcode="CF10 1AA")
        db.session.add(home)
        db.session.flush()
        ctx["home_ids"].append(home.id)
        rooms_per_unit = -(-ctx["per_home"] // UNITS_PER_HOME)
        for u in range(UNITS_PER_HOME):
            unit = Unit(home_id=home.id, name=["Ground floor", "First floor", "Garden wing"][u % 3])
            db.session.add(unit)
            for r in range(rooms_per_unit):
                room = Room(home_id=home.id, unit=unit, number=str(u * rooms_per_unit + r + 1))
                db.session.add_all([room, Bed(home_id=home.id, room=room, label="A")])
        db.session.flush()
    db.session.commit()
    return {"homes": ctx["homes"], "beds": ctx["homes"] * UNITS_PER_HOME * -(-ctx["per_home"] // UNITS_PER_HOME)}


def _users(ctx) -> dict:
    from flask import current_app
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.security import CareUser, user_home

    sm = current_app.appbuilder.sm
    hashed = generate_password_hash(PASSWORD)  # once: the same password for every load user
    roles = {r.name: r.id for r in sm.get_all_roles()}
    rows, links, homes_of = [], [], []
    usernames: dict[str, list[str]] = {}
    now = ctx["now"]
    for index, home_id in enumerate(ctx["home_ids"]):
        for role, count in HOME_STAFF:
            for n in range(count):
                name = f"h{index + 1:02d}.{role.lower().replace(' ', '')}{n + 1}"
                rows.append((name, role, False))
                homes_of.append((name, home_id))
    for role, count in GROUP_STAFF:
        for n in range(count):
            rows.append((f"group.{role.lower()}{n + 1}", role, True))
    values = [{"first_name": name.split(".")[1].title(), "last_name": name.split(".")[0].upper(), "username": name,
               "password": hashed, "active": True, "email": f"{name}@scale.example", "all_homes": all_homes,
               "created_on": now, "changed_on": now, "login_count": 0, "fail_login_count": 0}
              for name, _, all_homes in rows]
    db.session.execute(insert(CareUser.__table__), values)
    ids = dict(db.session.execute(select(CareUser.username, CareUser.id)).all())
    from flask_appbuilder.security.sqla.models import assoc_user_role

    links = [{"user_id": ids[name], "role_id": roles[role]} for name, role, _ in rows]
    db.session.execute(insert(assoc_user_role), links)
    db.session.execute(insert(user_home), [{"user_id": ids[name], "home_id": home} for name, home in homes_of])
    _audit([("insert", "User", ids[name], {"username": name, "role": role}, None) for name, role, _ in rows])
    db.session.commit()
    for name, role, _ in rows:
        usernames.setdefault(role, []).append(name)
    ctx["usernames"] = usernames
    ctx["user_ids"] = ids
    return {"users": len(rows)}


def _residents(ctx) -> dict:
    from sqlalchemy import select

    from app.extensions import db
    from app.homes.models import Bed, Room
    from app.residents import services, stays
    from app.residents.demo import ALLERGIES, CONDITIONS, MEN, RISKS, SURNAMES, WOMEN, nhs_number
    from app.residents.models import Resident, ResidentStatus, Sex, Stay, StayStatus, StayType

    rng, now = ctx["rng"], ctx["now"]
    current, past = [], []
    for home_id in ctx["home_ids"]:
        beds = list(db.session.scalars(select(Bed).join(Room).where(Bed.home_id == home_id).order_by(Room.id)))
        for index in range(ctx["per_home"] + ctx["past_per_home"]):
            woman = rng.random() < 0.65
            living = index < ctx["per_home"]
            resident = Resident(
                home_id=home_id, first_name=rng.choice(WOMEN if woman else MEN), last_name=rng.choice(SURNAMES),
                sex=Sex.female if woman else Sex.male, nhs_number=nhs_number(rng),
                date_of_birth=dt.date(rng.randint(1925, 1948), rng.randint(1, 12), rng.randint(1, 28)),
                allergies=rng.choice(ALLERGIES), key_risks=rng.choice(RISKS),
                conditions=", ".join(rng.sample(CONDITIONS, 2)),
                status=ResidentStatus.in_residence if living else ResidentStatus.discharged,
            )
            services.check_resident(resident, confirm_duplicate=True)
            db.session.add(resident)
            db.session.flush()
            if living:
                admitted = now - dt.timedelta(days=rng.randint(30, 1500), hours=rng.randint(0, 8))
                stays.admit_resident(resident.id, beds[index].id, admitted,
                                     StayType.respite if index % 9 == 4 else StayType.permanent)
                current.append((resident.id, home_id, admitted))
            else:
                ended = now - dt.timedelta(days=rng.randint(1, 1500))
                db.session.add(Stay(home_id=home_id, resident_id=resident.id, bed_id=beds[index % len(beds)].id,
                                    admitted_at=ended - dt.timedelta(days=rng.randint(14, 700)),
                                    discharged_at=ended, discharge_destination="home",
                                    status=StayStatus.ended, stay_type=StayType.permanent))
                past.append((resident.id, home_id, ended))
        db.session.commit()
    ctx["current"], ctx["past"] = current, past
    return {"current_residents": len(current), "past_residents": len(past)}


def _schedules(ctx) -> dict:
    from app.assessments.services import ensure_default_schedules
    from app.extensions import db

    made = sum(len(ensure_default_schedules(home_id)) for home_id in ctx["home_ids"])
    db.session.commit()
    return {"assessment_schedules": made}


def _assessments(ctx) -> dict:
    """One real submission per form through the service, then clones of them in bulk."""
    from sqlalchemy import insert, select

    from app.assessments import services
    from app.assessments.demo import _must, _waterlow
    from app.assessments.models import AssessmentRecord
    from app.extensions import db
    from app.residents.models import Resident
    from forms.store.sql import submissions as form_submissions

    rng, now = ctx["rng"], ctx["now"]
    nurse_id = ctx["user_ids"][ctx["usernames"]["Nurse"][0]]
    from app.security import CareUser

    nurse = db.session.get(CareUser, nurse_id)
    resident = db.session.get(Resident, ctx["current"][0][0])
    templates = {}
    profile = ("average", "dry", "urine_incontinence", "restricted")
    for key, answers in (("must", _must((21.0, 2.0, False))), ("waterlow", _waterlow(resident, now, profile))):
        form = services.definition(key)
        result, record = services.submit(resident, key, form.version, form.sha256, f"scale-template-{key}", answers,
                                         nurse, taken_at=now - dt.timedelta(days=1))
        assert result.ok, result.errors
        db.session.commit()
        record = db.session.scalars(select(AssessmentRecord).where(AssessmentRecord.token == f"scale-template-{key}")
                                    ).one()
        sub = db.session.execute(select(form_submissions).where(form_submissions.c.id == record.submission_id)
                                 ).mappings().one()
        rec = {c.key: getattr(record, c.key) for c in AssessmentRecord.__table__.columns}
        templates[key] = (dict(sub), rec)
    plan = [(rid, home, SUBMISSIONS_PER_CURRENT, max(admitted, now - dt.timedelta(days=365)))
            for rid, home, admitted in ctx["current"]]
    plan += [(rid, home, SUBMISSIONS_PER_PAST, ended - dt.timedelta(days=60)) for rid, home, ended in ctx["past"]]
    made = 0
    subs, recs, events = [], [], []

    def flush():
        nonlocal subs, recs, events
        if subs:
            db.session.execute(insert(form_submissions), subs)
            db.session.execute(insert(AssessmentRecord.__table__), recs)
            _audit(events)
            db.session.commit()
        subs, recs, events = [], [], []

    for rid, home, count, since in plan:
        span = max((now - since).total_seconds(), 86400)
        for n in range(count):
            key = "must" if n % 2 == 0 else "waterlow"
            sub, rec = templates[key]
            taken = since + dt.timedelta(seconds=span * (n // 2 + rng.random() * 0.3) / max(count // 2, 1))
            sid = uuid.UUID(int=rng.getrandbits(128)).hex
            subs.append({**sub, "id": sid, "resident_id": rid, "home_id": home, "taken_at": taken,
                         "submitted_at": taken, "updated_at": taken})
            recs.append({**{k: v for k, v in rec.items() if k != "id"}, "resident_id": rid, "home_id": home,
                         "token": sid, "submission_id": sid, "taken_at": taken, "submitted_at": taken,
                         "created_at": taken, "next_due_at": taken + dt.timedelta(days=30)})
            events.append(("insert", "AssessmentRecord", sid, {"form_key": key, "resident_id": rid}, home))
            made += 1
            if len(subs) >= 5000:
                flush()
    flush()
    return {"assessments": made + len(templates)}


def _care_plans(ctx) -> dict:
    from app.careplans.services import create_care_plan, review_care_plan
    from app.extensions import db

    made = reviews = 0
    today = ctx["now"].date()
    for n, (rid, _home, _admitted) in enumerate(ctx["current"]):
        plan = create_care_plan(rid, "standard", None, None, title="Care plan",
                                on=today - dt.timedelta(days=20 + n % 40))
        made += 1
        if n % 3 == 0:
            review_care_plan(plan.id, [{"need": "Mobility", "outcome": "Walks to the garden daily"}],
                             {"resident": True, "staff": "Scale Nurse"}, "given", "", "Monthly review", None,
                             on=today - dt.timedelta(days=n % 20))
            reviews += 1
        if n % 100 == 99:
            db.session.commit()
    db.session.commit()
    return {"care_plans": made, "care_plan_reviews": reviews}


def _tasks(ctx) -> dict:
    from sqlalchemy import insert

    from app.assessments.models import Task, TaskStatus
    from app.extensions import db

    rng, now = ctx["rng"], ctx["now"]
    rows = []
    for rid, home, _ in ctx["current"]:
        for n in range(4):
            closed = n < 3
            due = (now - dt.timedelta(days=rng.randint(-10, 120))).date()
            rows.append({"home_id": home, "resident_id": rid, "title": rng.choice(
                ["Weigh weekly", "Refer to dietitian", "Repositioning chart", "Review falls plan"]),
                "due_on": due, "assigned_role": rng.choice(["Nurse", "Senior Carer", "Carer"]),
                "status": (TaskStatus.done if closed else TaskStatus.open).value, "source": f"scale {rid} {n}",
                "created_at": now - dt.timedelta(days=130),
                "closed_at": now - dt.timedelta(days=rng.randint(0, 100)) if closed else None})
    db.session.execute(insert(Task.__table__), rows)
    _audit([("insert", "Task", None, {"title": r["title"]}, r["home_id"]) for r in rows])
    db.session.commit()
    return {"tasks": len(rows)}


def _notifications(ctx) -> dict:
    from sqlalchemy import insert

    from app.extensions import db
    from app.notifications.models import NotificationOutbox

    rng, now = ctx["rng"], ctx["now"]
    rows = []
    for name, uid in ctx["user_ids"].items():
        for n in range(20):
            made = now - dt.timedelta(hours=rng.randint(1, 24 * 90))
            rows.append({"user_id": uid, "kind": "assessment_band", "channel": "in_app",
                         "subject": f"MUST high for a resident ({n})", "body": "", "status": "sent",
                         "attempts": 1, "created_at": made, "sent_at": made,
                         "read_at": made if n % 3 else None, "dedup_key": f"scale-{name}-{n}"})
    db.session.execute(insert(NotificationOutbox.__table__), rows)
    db.session.commit()
    return {"notifications": len(rows)}


def care_records(days: int):
    """A builder for EXTRA_BUILDERS: `days` of daily care records (drinks, meals, bowels, notes,
    weights, vital signs, turns) for the current residents, with the set-based inserts of
    benchmarks/bench_care.py (app/care/), and a care profile each."""

    def _care_records(ctx) -> dict:
        from bench_care import RECORDS_SQL
        from sqlalchemy import text

        from app.extensions import db

        db.session.execute(text(
            "INSERT INTO care_profile (home_id, resident_id, daily_fluid_target_ml, reposition_interval_h, "
            "height_cm, spo2_scale, bowel_alert_days, updated_at) SELECT home_id, id, 1500, "
            "CASE WHEN id % 5 = 0 THEN 2 END, 165, 1, 3, now() FROM resident WHERE status = 'in_residence'"))
        db.session.commit()
        end = ctx["now"] - dt.timedelta(hours=1)
        counts = {}
        with db.engine.connect() as conn:
            conn.execute(text("SET session_replication_role = replica"))
            for label, sql in RECORDS_SQL:
                sql = sql.replace("FROM resident r ", "FROM (SELECT * FROM resident WHERE status = 'in_residence') r ")
                counts[f"care {label}"] = conn.execute(text(sql), {"start": end - dt.timedelta(days=days),
                                                                   "end": end}).rowcount
                conn.commit()
            conn.execute(text("SET session_replication_role = DEFAULT"))
            conn.commit()
        return counts

    return _care_records


def _audit(events) -> None:
    """Chain events about rows inserted in bulk into the audit trail, in bulk."""
    from app.audit import _append, _new_event, current_context
    from app.extensions import db

    if not events:
        return
    ctx, at = current_context(), dt.datetime.now(dt.UTC)
    rows = [_new_event(action, entity, None if eid is None else str(eid), changes, home, ctx, at)
            for action, entity, eid, changes, home in events]
    _append(db.session.connection(), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get(
        "SCALE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wcn_scale"))
    parser.add_argument("--homes", type=int, default=20)
    parser.add_argument("--residents-per-home", type=int, default=60)
    parser.add_argument("--past-per-home", type=int, default=150)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--care-days", type=int, default=0, help="days of daily care records (app/care/)")
    args = parser.parse_args()
    if args.care_days:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        EXTRA_BUILDERS.append(care_records(args.care_days))
    print(f"Building {args.homes} homes x {args.residents_per_home} residents on {args.database}")
    result = build(args.database, args.homes, args.residents_per_home, args.past_per_home, args.seed)
    result.pop("usernames")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
