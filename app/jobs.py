"""Background jobs: `enqueue()` puts work on RQ when REDIS_URL is set and runs it inline otherwise.

    job = enqueue(render_assessment_pdf, submission_id, user.id,
                  job_id=f"assessment-pdf:{submission_id}:{user.id}",
                  description="Assessment PDF", user_id=user.id, home_id=home_id)
    db.session.commit()          # the job is handed to Redis (or run) only now

* Each job has a `Job` row, written in the caller's transaction: what to run (a dotted function
  name and JSON-plain arguments), who asked, for which home, status, progress, result file and
  error. The row is the source of truth for the "Documents and jobs" page; Redis only carries
  the row's id. The row's own status and progress changes are written on a separate short
  connection (so they are visible at once and survive the job's rollback) and are not audited:
  the audit trail records who asked (the insert), not each percent.
* The same `job_id` (a key such as "assessment-pdf:<id>:<user>") is never queued twice: while a
  row with that key is queued or started, `enqueue()` returns it (`active_key` is unique).
* Handing over happens after the commit (a session `after_commit` hook); a rollback discards it.
  If Redis is down then, the row stays "queued" and the sweeper (`sweep()`, at worker start and
  every minute) hands it over when Redis is back: nothing is lost.
* `flask worker` builds the app once and runs an RQ worker (forking, with RQ's scheduler for
  retries with backoff) and RQ's CronScheduler for periodic work (`periodic()`). Each job runs in
  a fresh app context as the user who asked (`acting_as`, `scoped_to` their homes): commit on
  success; on failure roll back, record a readable reason and re-raise so RQ retries it, or stops
  at once for a `JobError` (input vanished, another home, voided record).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from blinker import Namespace
from flask import current_app, has_app_context
from flask.cli import AppGroup, with_appcontext
from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, mapped_column, scoped_session
from werkzeug.utils import import_string, secure_filename

from app.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "writecarenotes"
DEFAULT_RETRIES = 3
DEFAULT_RETRY_INTERVALS = (30, 120, 600)  # seconds: backoff between attempts
SWEEP_GRACE_SECONDS = 30  # a queued row younger than this may still be on its way to Redis
_PENDING = "_jobs_pending"  # session.info: rows to hand over after this transaction commits

signals = Namespace()
job_finished = signals.signal("job-finished")  # sender: app, job_id=
job_failed = signals.signal("job-failed")  # sender: app, job_id=


class JobStatus(enum.StrEnum):
    queued = "queued"
    started = "started"
    finished = "finished"
    failed = "failed"


ACTIVE = (JobStatus.queued.value, JobStatus.started.value)


class JobError(Exception):
    """A job that cannot succeed however often it is tried; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = str(message)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Job(Model):
    """One piece of background work, from the moment it is asked for."""

    __tablename__ = "job"

    id = mapped_column(String(32), primary_key=True)  # also the RQ job id
    key = mapped_column(String(200), nullable=False, index=True)
    active_key = mapped_column(String(200), unique=True)  # = key while queued or started
    func = mapped_column(String(200), nullable=False)
    args = mapped_column(JSON, nullable=False)
    description = mapped_column(String(300), nullable=False)
    status = mapped_column(String(16), nullable=False, default=JobStatus.queued.value, index=True)
    progress = mapped_column(Integer, nullable=False, default=0)
    attempts = mapped_column(Integer, nullable=False, default=0)
    error = mapped_column(Text)
    result_path = mapped_column(String(500))  # relative to FILES_DIR
    result_name = mapped_column(String(200))
    result_mimetype = mapped_column(String(100))
    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    home_id = mapped_column(ForeignKey("care_home.id", ondelete="SET NULL"), index=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    enqueued_at = mapped_column(DateTime(timezone=True))
    started_at = mapped_column(DateTime(timezone=True))
    finished_at = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def __repr__(self) -> str:
        return self.description or self.key or ""


# ---------------------------------------------------------------------------------------------
# Enqueueing


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def dotted_name(func: Callable | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}.{func.__qualname__}"


def enqueue(
    func: Callable | str,
    *args: Any,
    job_id: str | None = None,
    description: str | None = None,
    user_id: int | None = None,
    home_id: int | None = None,
    session: Session | None = None,
) -> Job:
    """Ask for `func(*args)` to run after the current transaction commits. Returns the Job row.

    Arguments must be ids and plain values. With a `job_id` that is already queued or running,
    that job is returned and nothing new is queued.
    """
    if not _plain(list(args)):
        raise TypeError("job arguments must be ids and plain values (str, int, float, bool, None, lists, dicts)")
    session = session or db.session
    name = dotted_name(func)
    key = (job_id or f"{name}:{uuid.uuid4().hex}")[:200]
    existing = _active(session, key)
    if existing is not None:
        return existing
    row = Job(
        id=uuid.uuid4().hex, key=key, active_key=key, func=name, args=list(args),
        description=(description or name.rsplit(".", 1)[-1].replace("_", " "))[:300],
        status=JobStatus.queued.value, progress=0, attempts=0, user_id=user_id, home_id=home_id,
        created_at=_now(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same key was queued at the same moment by someone else
        existing = _active(session, key)
        if existing is not None:
            return existing
        raise
    _remember(session, row.id)
    return row


def _remember(session: Session, job_id: str) -> None:
    """Hand this job over when the transaction it was asked for in is committed to the end."""
    if isinstance(session, scoped_session):
        session = session()
    innermost = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((job_id, innermost))


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _active(session: Session, key: str) -> Job | None:
    for obj in session.new:
        if isinstance(obj, Job) and obj.active_key == key:
            return obj
    return session.scalar(select(Job).where(Job.active_key == key))


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint was released; SQLAlchemy 2 reports that as a commit too
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()
    for job_id, _transaction in pending:
        if app.config.get("REDIS_URL"):
            hand_over(app, job_id)
        else:
            run_inline(app, job_id)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    """Forget the jobs asked for inside what was rolled back (a savepoint, or everything)."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [p for p in pending if not _within(p[1], previous_transaction)]


# ---------------------------------------------------------------------------------------------
# Redis


_connections: dict[str, Any] = {}


def redis_connection(app=None):
    """The Redis connection for REDIS_URL, or None when jobs run inline."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _connections:
        from redis import Redis

        _connections[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _connections[url]


def queue(app=None):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection(app))


def _retry(app):
    from rq import Retry

    retries = int(app.config.get("JOB_RETRIES", DEFAULT_RETRIES))
    if retries < 1:
        return None
    intervals = list(app.config.get("JOB_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS))
    return Retry(max=retries, interval=intervals)


def hand_over(app, job_id: str) -> str | None:
    """Put a queued row on Redis unless RQ already has it. Safe to call again (the sweeper does).
    Returns "handed" or "present", or None (the row stays queued) when Redis cannot be reached."""
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    conn = redis_connection(app)
    try:
        try:
            status = RQJob.fetch(job_id, connection=conn).get_status(refresh=False)
        except NoSuchJobError:
            status = None
        if status in ("queued", "started", "scheduled", "deferred"):
            return "present"
        if status is not None:  # finished, failed, stopped, canceled: a retry of the same row
            RQJob.fetch(job_id, connection=conn).delete()
        queue(app).enqueue_call(
            func=perform, args=(job_id,), job_id=job_id, retry=_retry(app),
            timeout=int(app.config.get("JOB_TIMEOUT", 1800)), result_ttl=3600, failure_ttl=7 * 86400,
            description=job_id,
        )
    except RedisError as error:
        log.warning("Redis unavailable; job %s stays queued for the sweeper: %s", job_id, error)
        return None
    try:
        _update(app, job_id, enqueued_at=_now())
    except SQLAlchemyError:  # it is on Redis all the same; the time is only for the page
        log.exception("could not note when job %s was handed to Redis", job_id)
    return "handed"


def run_inline(app, job_id: str) -> None:
    """No Redis: run the job now, in its own app context and session, once."""
    try:
        with app.app_context():
            _perform(job_id, inline=True)
    except Exception:  # recorded on the row by _perform; the caller's commit already happened
        log.exception("inline job %s failed", job_id)


# ---------------------------------------------------------------------------------------------
# Running a job


_current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("wcn_job", default=None)
_worker_app = None


def _engine(app):
    if has_app_context() and current_app._get_current_object() is app:
        return db.engine
    with app.app_context():
        return db.engine


def _update(app, job_id: str, **values) -> int:
    """Write the row's status fields on their own short transaction."""
    with _engine(app).begin() as conn:
        result = conn.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))
    return result.rowcount


def job_app():
    """The app a job runs in: the current one, or the one the worker built."""
    return _app_for_job()


def _app_for_job():
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:  # started by a plain `rq worker`: build the app once per process
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def perform(job_id: str):
    """What RQ runs: the Job row's function, in an app context of its own."""
    app = _app_for_job()
    with app.app_context():
        return _perform(job_id, inline=False)


def _will_retry(inline: bool, permanent: bool) -> bool:
    if inline or permanent:
        return False
    from rq import get_current_job

    rq_job = get_current_job()
    return bool(rq_job is not None and rq_job.should_retry)


def _perform(job_id: str, inline: bool):
    from app.audit import acting_as
    from app.tenancy import scoped_to

    app = current_app._get_current_object()
    claimed = _update_claim(app, job_id)
    if not claimed:
        log.info("job %s is not queued (gone, running elsewhere or done); nothing to do", job_id)
        return None
    row = db.session.get(Job, job_id)
    user = _user(row.user_id)
    token = _current_job.set(job_id)
    try:
        with acting_as(row.user_id, getattr(user, "username", None) or "worker"), _scope_of(user, scoped_to):
            func = import_string(row.func)
            func(*row.args)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        permanent = isinstance(error, JobError)
        retrying = _will_retry(inline, permanent)
        reason = error.message if permanent else _readable(error)
        if retrying:
            _update(app, job_id, status=JobStatus.queued.value, error=f"{reason} (trying again)")
        else:
            _update(
                app, job_id, status=JobStatus.failed.value, error=reason, active_key=None,
                finished_at=_now(),
            )
            _emit(app, job_failed, job_id)
            if permanent and not inline:  # RQ records the failure but does not retry it
                from rq import get_current_job

                rq_job = get_current_job()
                if rq_job is not None:
                    rq_job.retries_left = 0
        raise
    finally:
        _current_job.reset(token)
    _update(
        app, job_id, status=JobStatus.finished.value, progress=100, error=None, active_key=None,
        finished_at=_now(),
    )
    _emit(app, job_finished, job_id)
    return None


def _update_claim(app, job_id: str) -> bool:
    """queued -> started, atomically: two workers never run the same row at once."""
    table = Job.__table__
    with _engine(app).begin() as conn:
        result = conn.execute(
            update(table)
            .where(table.c.id == job_id, table.c.status == JobStatus.queued.value)
            .values(status=JobStatus.started.value, started_at=_now(), attempts=table.c.attempts + 1)
        )
    return result.rowcount == 1


def _emit(app, signal, job_id: str) -> None:
    """Tell listeners (notifications) and commit what they wrote; their failure is logged, the
    job's own outcome stands."""
    try:
        signal.send(app, job_id=job_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("listener of %s failed for job %s", signal.name, job_id)


def _readable(error: Exception) -> str:
    kind = type(error).__name__
    text = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return f"Unexpected error ({kind}{': ' + text if text else ''}). The details are in the worker's log."


def _user(user_id):
    if user_id is None:
        return None
    from app.security import CareUser

    return db.session.get(CareUser, user_id)


def _scope_of(user, scoped_to):
    """Jobs run with the home scope of the user who asked (group-wide users: no limit)."""
    if user is None or getattr(user, "all_homes", False):
        return contextlib.nullcontext()
    return scoped_to([h.id for h in user.homes])


def current_job_id() -> str | None:
    return _current_job.get()


def retries_left() -> int:
    """How many more times RQ will try the current job if it fails now (0 inline)."""
    from rq import get_current_job

    rq_job = get_current_job()
    return int(rq_job.retries_left or 0) if rq_job is not None else 0


def retry_delay() -> int:
    """Seconds until the next attempt of the current job, if it fails now."""
    from rq import get_current_job

    rq_job = get_current_job()
    if rq_job is None or not rq_job.retries_left:
        return 0
    return int(rq_job.get_retry_interval())


def set_progress(done: int, total: int | None = None) -> None:
    """Report progress: set_progress(percent) or set_progress(done, total)."""
    job_id = _current_job.get()
    if job_id is None:
        return
    percent = done if total is None else (100 * done // total if total else 100)
    _update(current_app._get_current_object(), job_id, progress=max(0, min(99, int(percent))))


def files_dir() -> Path:
    return Path(current_app.config["FILES_DIR"])


def store_result(data: bytes, filename: str, mimetype: str = "application/pdf") -> str:
    """Keep the current job's output file (served only through the permission-checked download)."""
    job_id = _current_job.get()
    if job_id is None:
        raise RuntimeError("store_result() is for code running as a job")
    name = secure_filename(filename) or "document"
    relative = Path("jobs") / job_id / name
    path = files_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    _update(
        current_app._get_current_object(), job_id,
        result_path=relative.as_posix(), result_name=filename[:200], result_mimetype=mimetype,
    )
    return relative.as_posix()


def result_file(job: Job) -> Path | None:
    if not job.result_path:
        return None
    base = files_dir().resolve()
    path = (base / job.result_path).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def retry(job: Job) -> Job:
    """Queue a failed job again (same row), after the caller commits."""
    if job.status != JobStatus.failed.value:
        raise JobError("Only a failed job can be tried again.")
    existing = _active(db.session, job.key)
    if existing is not None:
        return existing
    job.status = JobStatus.queued.value
    job.active_key = job.key
    job.error = None
    job.progress = 0
    job.enqueued_at = None
    job.started_at = None
    job.finished_at = None
    db.session.flush()
    _remember(db.session, job.id)
    return job


# ---------------------------------------------------------------------------------------------
# The sweeper and periodic work


def sweep(app=None, grace_seconds: int = SWEEP_GRACE_SECONDS) -> dict[str, int]:
    """Hand over queued rows Redis does not have (it was down, or lost them); fail started rows
    whose worker died. Runs at worker start and every minute."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    app = app or _app_for_job()
    counts = {"handed_over": 0, "abandoned": 0}
    if not app.config.get("REDIS_URL"):
        return counts
    cutoff = _now() - dt.timedelta(seconds=grace_seconds)
    with app.app_context():
        table = Job.__table__
        with db.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.status)
                .where(table.c.status.in_(ACTIVE), table.c.created_at <= cutoff)
                .where((table.c.started_at.is_(None)) | (table.c.started_at <= cutoff))
                .order_by(table.c.created_at)
            ).all()
        conn_redis = redis_connection(app)
        for job_id, status in rows:
            if status == JobStatus.queued.value:
                if hand_over(app, job_id) == "handed":
                    counts["handed_over"] += 1
                continue
            try:
                rq_status = RQJob.fetch(job_id, connection=conn_redis).get_status(refresh=False)
            except NoSuchJobError:
                rq_status = None
            if rq_status in (None, "failed", "stopped", "canceled"):
                _update(
                    app, job_id, status=JobStatus.failed.value, active_key=None, finished_at=_now(),
                    error="The worker stopped while running this job. Try it again.",
                )
                _emit(app, job_failed, job_id)
                counts["abandoned"] += 1
    return counts


def sweep_tick():
    """Periodic: the sweeper, in an app context."""
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


periodic(interval=60)(sweep_tick)


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


def _dispose_after_fork() -> None:
    """A forked work horse must not reuse the parent's database connections."""
    app = _app_for_job()
    with app.app_context():
        db.engine.dispose(close=False)


def _run_cron(url: str) -> None:
    from redis import Redis

    build_cron(Redis.from_url(url)).start()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked one.")
@click.option("--no-cron", is_flag=True, help="Do not run the periodic jobs here (another worker does).")
@with_appcontext
def worker_command(burst: bool, simple: bool, no_cron: bool):
    """Run an RQ worker for the background jobs (needs REDIS_URL)."""
    import multiprocessing

    from rq import SimpleWorker, Worker

    global _worker_app
    app = current_app._get_current_object()
    _worker_app = app
    connection = redis_connection(app)
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline and need no worker.")
    found = sweep(app, grace_seconds=0)
    click.echo(f"Sweeper: {found['handed_over']} queued job(s) handed to Redis, {found['abandoned']} abandoned.")
    if not (burst or no_cron):
        for name in run_daily():  # started after today's time: today's run is not missed
            click.echo(f"Daily job run at start: {name}")

    class AppWorker(Worker):
        def main_work_horse(self, job, queue):
            _dispose_after_fork()
            super().main_work_horse(job, queue)

    cron = None
    if not (burst or no_cron):
        cron = multiprocessing.get_context("fork").Process(
            target=_run_cron, args=(app.config["REDIS_URL"],), name="writecarenotes-cron", daemon=True
        )
        cron.start()
        db.engine.dispose(close=False)
    worker_class = SimpleWorker if simple else AppWorker
    try:
        worker_class([QUEUE_NAME], connection=connection).work(burst=burst, with_scheduler=True)
    finally:
        if cron is not None and cron.is_alive():
            cron.terminate()


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("daily")
def daily_command():
    """Run today's daily jobs now (reminders, file clean-up); each runs once a day at most."""
    for name in run_daily(only_if_due=False):
        click.echo(f"ran {name}")


@jobs_cli.command("sweep")
def sweep_command():
    """Hand queued jobs to Redis that it does not have (after Redis was down)."""
    found = sweep(current_app._get_current_object(), grace_seconds=0)
    click.echo(f"{found['handed_over']} queued job(s) handed to Redis, {found['abandoned']} abandoned.")
