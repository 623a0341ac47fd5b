"""Periodic work and the sweeper.

`flask worker` runs `run_scheduler()` in a process of its own: every few seconds it queues the
periodic jobs that are due (RQ's CronScheduler) and, every JOB_SWEEP_SECONDS, runs `sweep()`.
Any Redis or database error is logged once as the start of an outage; the loop waits (1, 2, 4 …
up to JOB_SCHEDULER_MAX_BACKOFF seconds) and tries again, forever, and logs when the outage ends.
A daily job that fell due during the outage is queued once Redis is back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.jobs.enqueue import QUEUE_NAME, dotted_name, hand_over, redis_connection
from app.jobs.models import Job, JobStatus, _now, stale_seconds
from app.jobs.worker import _app_for_job, _update, requeue_dead_attempt

log = logging.getLogger("app.jobs")

SWEEP_GRACE_SECONDS = 30  # a queued row younger than this may still be on its way to Redis
DEFAULT_SWEEP_SECONDS = 60
DEFAULT_MAX_BACKOFF = 60
DEAD_ATTEMPT = "The worker stopped while running this job (or the database went away)."


def sweep(app=None, grace_seconds: int = SWEEP_GRACE_SECONDS) -> dict[str, int]:
    """The sweeper's periodic work (at worker start and every JOB_SWEEP_SECONDS):

    * queued rows Redis does not have (it was down, or restarted empty) are handed over again;
    * started rows whose heartbeat stopped for JOB_STALE_SECONDS belong to a dead attempt: they are
      queued for another attempt within the row's own budget, or failed.
    """
    app = app or _app_for_job()
    counts = {"handed_over": 0, "retried": 0, "abandoned": 0}
    if not app.config.get("REDIS_URL"):
        return counts
    now = _now()
    cutoff = now - dt.timedelta(seconds=grace_seconds)
    stale = now - dt.timedelta(seconds=stale_seconds(app))
    table = Job.__table__
    beat = func.coalesce(table.c.heartbeat_at, table.c.started_at, table.c.created_at)
    with app.app_context():
        with db.engine.connect() as conn:
            queued = conn.execute(
                select(table.c.id)
                .where(table.c.status == JobStatus.queued.value, table.c.created_at <= cutoff)
                .order_by(table.c.created_at)
            ).scalars().all()
            dead = conn.execute(
                select(table.c.id, table.c.attempts, table.c.attempt_limit)
                .where(table.c.status == JobStatus.started.value, beat < stale)
                .order_by(table.c.created_at)
            ).all()
        for job_id in queued:
            if hand_over(app, job_id) == "handed":
                counts["handed_over"] += 1
        for job_id, attempts, attempt_limit in dead:
            outcome = requeue_dead_attempt(app, job_id, DEAD_ATTEMPT, int(attempts or 0), attempt_limit)
            if outcome == "requeued":
                hand_over(app, job_id, replace=True)
                counts["retried"] += 1
            elif outcome == "failed":
                counts["abandoned"] += 1
        for hook in SWEEP_HOOKS:  # other areas' repair steps; one failing does not stop the others
            try:
                hook(app)
            except Exception:
                log.exception("sweeper step %s failed", dotted_name(hook))
    if any(counts.values()):
        log.info("sweeper: %s", counts)
    return counts


SWEEP_HOOKS: list = []  # callables(app) run at the end of every sweep


def sweep_tick():
    """The sweeper, in an app context (kept for jobs queued by earlier versions)."""
    app = _app_for_job()
    with app.app_context():
        return sweep(app)


PERIODIC: list[dict[str, Any]] = []


def periodic(*, cron: str | None = None, interval: int | None = None, daily: bool = False):
    """Register a function for RQ's cron scheduler (it runs as an RQ job in an app context).
    `daily` marks once-a-day work that is safe to run again the same day: a worker started after
    its time runs it at once, and `flask jobs daily` runs it by hand (hosts without Redis)."""

    def register(func):
        PERIODIC.append({"func": func, "cron": cron, "interval": interval, "daily": daily})
        return func

    return register


def run_daily(now: dt.datetime | None = None, only_if_due: bool = True) -> list[str]:
    """Run the daily periodic functions whose time today has passed (or all, by hand)."""
    from croniter import croniter

    now = now or _now()
    ran = []
    for entry in PERIODIC:
        if not entry["daily"]:
            continue
        if only_if_due and croniter(entry["cron"], now).get_prev(dt.datetime).date() != now.date():
            continue
        entry["func"]()
        ran.append(dotted_name(entry["func"]))
    return ran


DEFAULT_RESULT_DAYS = 30


def purge_old_results(app=None, now: dt.datetime | None = None) -> int:
    """Delete generated files older than JOB_RESULT_DAYS (they hold personal data; ask again for a
    fresh copy). The job rows stay, without their file. Returns how many files went."""
    app = app or _app_for_job()
    days = int(app.config.get("JOB_RESULT_DAYS", DEFAULT_RESULT_DAYS))
    cutoff = (now or _now()) - dt.timedelta(days=days)
    table = Job.__table__
    with app.app_context():
        base = Path(app.config["FILES_DIR"]).resolve()
        with db.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.result_path)
                .where(table.c.result_path.is_not(None), table.c.finished_at <= cutoff)
            ).all()
        for job_id, relative in rows:
            path = (base / relative).resolve()
            if base in path.parents and path.is_file():
                path.unlink()
                with contextlib.suppress(OSError):
                    path.parent.rmdir()
            _update(app, job_id, result_path=None)
    return len(rows)


@periodic(cron="30 3 * * *", daily=True)
def purge_tick():
    """Every night at 03:30 UTC: old generated files go."""
    return purge_old_results(_app_for_job())


def build_cron(connection):
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name=f"writecarenotes:{os.getpid()}")
    for entry in PERIODIC:
        scheduler.register(
            entry["func"], QUEUE_NAME, cron=entry["cron"], interval=entry["interval"],
            name=dotted_name(entry["func"]),
        )
    return scheduler


class Outage:
    """Logs an outage once when it starts and once when it ends, not on every failed try."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.since: float | None = None

    def failed(self, error: Exception, retry_in: float) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.error("%s: %s (%s); trying again every few seconds (at most every %.0f s) until it is back",
                      self.what, type(error).__name__, str(error).strip()[:200], retry_in)

    def ok(self) -> None:
        if self.since is not None:
            log.warning("%s: working again after %.0f s", self.what, time.monotonic() - self.since)
            self.since = None

    @property
    def down(self) -> bool:
        return self.since is not None


def _kind(error: Exception) -> str:
    from redis.exceptions import RedisError
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(error, RedisError):
        return "redis"
    if isinstance(error, SQLAlchemyError):
        return "database"
    return "other"


def run_scheduler(app, stop=None, now=time.monotonic, sleep=time.sleep) -> None:
    """The cron and sweeper loop of `flask worker` (its own process). Runs until `stop()` is true
    (never, in the worker); survives any Redis or database outage by waiting and reconnecting."""
    stop = stop or (lambda: False)
    sweep_every = float(app.config.get("JOB_SWEEP_SECONDS", DEFAULT_SWEEP_SECONDS))
    max_backoff = float(app.config.get("JOB_SCHEDULER_MAX_BACKOFF", DEFAULT_MAX_BACKOFF))
    outages = {kind: Outage(label) for kind, label in (
        ("redis", "Scheduler: Redis unavailable"), ("database", "Scheduler: database unavailable"),
        ("other", "Scheduler: unexpected error"),
    )}
    scheduler = None
    next_sweep = now()
    backoff = 1.0
    while not stop():
        try:
            if scheduler is None:
                scheduler = build_cron(redis_connection(app))
                scheduler.register_birth()
            if scheduler.enqueue_jobs():
                scheduler.save()
            scheduler.heartbeat()
            outages["redis"].ok()
            if now() >= next_sweep:
                sweep(app)
                next_sweep = now() + sweep_every
                outages["database"].ok()
            outages["other"].ok()
            backoff = 1.0
            wait = min(scheduler.calculate_sleep_interval(), max(0.0, next_sweep - now()), 60.0)
        except Exception as error:
            kind = _kind(error)
            if kind == "other" and not outages["other"].down:
                log.exception("scheduler step failed")  # the traceback once; then only its end is logged
            outages[kind].failed(error, max_backoff)
            with contextlib.suppress(Exception):
                db.session.remove()
            wait = backoff
            backoff = min(backoff * 2, max_backoff)
        _nap(wait, stop, sleep)
    if scheduler is not None:
        with contextlib.suppress(Exception):
            scheduler.register_death()


def _nap(seconds: float, stop, sleep) -> None:
    """Sleep in short slices, so a stop request is heard within a second."""
    deadline = time.monotonic() + seconds
    while not stop() and (left := deadline - time.monotonic()) > 0:
        sleep(min(1.0, left))


def run_scheduler_process(app) -> None:
    """Entry point of the scheduler process `flask worker` forks."""
    import signal

    from app.jobs.worker import _dispose_after_fork, set_worker_app

    set_worker_app(app)
    _dispose_after_fork()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    with app.app_context():
        run_scheduler(app, stop=lambda: bool(stopping))
