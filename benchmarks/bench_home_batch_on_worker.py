"""Time "all care plans" for a home of 60 residents on one RQ worker, end to end.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_batch REDIS_URL=redis://127.0.0.1:6379/10 \\
        python benchmarks/bench_home_batch_on_worker.py [--residents 60]

It empties the database named in DATABASE_URL (its public schema) and the Redis database in
REDIS_URL, builds one home with that many residents in residence, each with the standard care plan
reviewed once (version 2 of six needs), queues the home's batch as a manager would, starts one
`flask worker --burst` and reports: the job's own time on the worker (started to finished, from its
job row), the wall time from starting the worker to the file being ready, pages and size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.live import reset_services  # noqa: E402


def build_home(residents: int) -> tuple[int, int]:
    """(home id, manager id): one home, `residents` residents in residence, each with a plan."""
    from app.audit import acting_as
    from app.careplans import services as care_plans
    from app.extensions import db
    from app.homes.models import Organisation
    from app.residents.models import ResidentStatus
    from tests.factories import make_bed, make_home, make_resident, make_room, make_unit, make_user

    with acting_as(None, "benchmark"):
        group = Organisation(name="Benchmark Care Group")
        db.session.add(group)
        home = make_home("Tŷ Meinciau Benchmark House", group, cqc_location_id="1-999999999")
        unit = make_unit(home, "Ground floor")
        manager = make_user("bench.manager", "Home Manager", homes=[home])
        db.session.flush()
        started = care_plans.today() - dt.timedelta(days=20)
        for n in range(residents):
            make_bed(make_room(unit, str(n + 1)))
            resident = make_resident(home, f"Siân {n + 1}", f"Ŵyn-Jones {n + 1:02d}",
                                     status=ResidentStatus.in_residence)
            plan = care_plans.create_care_plan(
                resident.id, "standard", None, None, participants={"resident": True, "staff": "Nurse Evans"},
                consent="given", consent_by="the resident", notes="Written on admission.", on=started)
            sections = [dict(s) for s in plan.current.sections]
            sections[0]["outcome"] = "Walks to the dining room with a frame and one carer."
            care_plans.review_care_plan(plan.id, sections, {"resident": True, "family": "Daughter"}, "given",
                                        "the resident", "Mobility reviewed after a fall.", None,
                                        on=started + dt.timedelta(days=10))
        db.session.commit()
        return home.id, manager.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=60)
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL to a database and Redis db kept for this")
    os.environ.setdefault("FILES_DIR", "/tmp/wcn-bench-batch")
    os.environ["WCN_ENV"] = "development"
    reset_services(database_url, redis_url)

    from pypdf import PdfReader

    from app import create_app
    from app.cli import setup
    from app.extensions import db
    from app.jobs import Job, result_file
    from app.security import CareUser

    app = create_app()
    with app.app_context():
        setup(load_demo=False)
        built = time.perf_counter()
        home_id, manager_id = build_home(args.residents)
        print(f"{args.residents} residents with a care plan each, built in {time.perf_counter() - built:.1f} s")
        with app.test_request_context():
            from flask_login import login_user

            from app.careplans.jobs import request_home_care_plans

            login_user(db.session.get(CareUser, manager_id))
            job = request_home_care_plans(home_id, db.session.get(CareUser, manager_id))
            db.session.commit()  # enqueued to Redis after the commit
            job_id = job.id

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "--app", "app:create_app", "worker", "--burst", "--no-cron"],
                   cwd=ROOT, env=dict(os.environ), check=True, capture_output=True)
    wall = time.perf_counter() - start
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job.status != "finished":
            raise SystemExit(f"the batch did not finish: {job.status} {job.error}")
        data = result_file(job).read_bytes()
        pages = len(PdfReader(io.BytesIO(data)).pages)
        on_worker = (job.finished_at - job.started_at).total_seconds()
    print(f"all care plans, {args.residents} residents, one worker: {on_worker:.1f} s on the worker "
          f"({wall:.1f} s wall including the worker's start), {pages} pages, {len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
