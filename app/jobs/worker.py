"""Running a job: claim the row, run its function as the user who asked, beat a heartbeat while it
runs, and record the outcome. Also what a job's own code may call (progress, retries left)."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import threading

from flask import current_app, has_app_context
from sqlalchemy import and_, func, or_, update
from werkzeug.utils import import_string

from app.extensions import db
from app.jobs.models import (
    TRYING_AGAIN,
    Job,
    JobError,
    JobStatus,
    _now,
    heartbeat_seconds,
    job_failed,
    job_finished,
    limit_of,
    max_attempts,
    stale_seconds,
)

log = logging.getLogger("app.jobs")

_current_job: contextvars.ContextVar[str | None] = contextvars.ContextVar("wcn_job", default=None)
_running_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("wcn_job_inline", default=False)
_worker_app = None


def set_worker_app(app) -> None:
    """The app `flask worker` built: jobs and the scheduler use it instead of building another."""
    global _worker_app
    _worker_app = app


def _engine(app):
    if has_app_context() and current_app._get_current_object() is app:
        return db.engine
    with app.app_context():
        return db.engine


def _update(app, job_id: str, *, attempt: int | None = None, **values) -> int:
    """Write the row's status fields on their own short transaction (visible at once, kept whatever
    the job's own transaction does). With `attempt`, only while that attempt still owns the row."""
    table = Job.__table__
    statement = update(table).where(table.c.id == job_id)
    if attempt is not None:
        statement = statement.where(table.c.attempts == attempt, table.c.status == JobStatus.started.value)
    with _engine(app).begin() as conn:
        result = conn.execute(statement.values(**values))
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


def _will_retry(inline: bool, permanent: bool, attempt: int, limit: int) -> bool:
    if inline or permanent or attempt >= limit:
        return False
    from rq import get_current_job

    rq_job = get_current_job()
    return bool(rq_job is not None and rq_job.should_retry)


class _Heartbeat:
    """Writes `heartbeat_at` on the row every JOB_HEARTBEAT_SECONDS while the attempt runs, from a
    thread of its own: a row whose heartbeat stops belongs to an attempt that died."""

    def __init__(self, app, job_id: str, attempt: int) -> None:
        self.app, self.job_id, self.attempt = app, job_id, attempt
        self.interval = heartbeat_seconds(app)
        self.engine = _engine(app)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        table = Job.__table__
        failing = False
        while not self._stop.wait(self.interval):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        update(table)
                        .where(table.c.id == self.job_id, table.c.attempts == self.attempt,
                               table.c.status == JobStatus.started.value)
                        .values(heartbeat_at=_now())
                    )
                if failing:
                    log.info("job %s: heartbeat written again", self.job_id)
                failing = False
            except Exception as error:  # the database is away; the sweeper will judge the attempt
                if not failing:
                    log.warning("job %s: could not write its heartbeat: %s", self.job_id, error)
                failing = True

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)


def _perform(job_id: str, inline: bool):
    from app.audit import acting_as
    from app.tenancy import scoped_to

    app = current_app._get_current_object()
    attempt = claim(app, job_id)
    if attempt is None:
        log.info("job %s is not queued (gone, running elsewhere or done); nothing to do", job_id)
        return None
    row = db.session.get(Job, job_id)
    limit = limit_of(app, row.attempt_limit)
    user = _user(row.user_id)
    token = _current_job.set(job_id)
    inline_token = _running_inline.set(inline)
    heartbeat = contextlib.nullcontext() if inline else _Heartbeat(app, job_id, attempt)
    try:
        with heartbeat, acting_as(row.user_id, getattr(user, "username", None) or "worker"), \
                _scope_of(user, scoped_to):
            function = import_string(row.func)
            function(*row.args)
        db.session.commit()
    except Exception as error:
        with contextlib.suppress(Exception):
            db.session.rollback()
        permanent = isinstance(error, JobError)
        retrying = _will_retry(inline, permanent, attempt, limit)
        reason = error.message if permanent else _readable(error)
        try:
            if retrying:
                _update(app, job_id, attempt=attempt, status=JobStatus.queued.value,
                        error=f"{reason} {TRYING_AGAIN}")
            else:
                fail(app, job_id, reason, attempt=attempt)
        except Exception:  # the database went away too: the sweeper settles the row when it is back
            log.exception("job %s: could not record the outcome of attempt %s", job_id, attempt)
        if permanent and not inline:  # RQ records the failure but does not retry it
            from rq import get_current_job

            rq_job = get_current_job()
            if rq_job is not None:
                rq_job.retries_left = 0
        raise
    finally:
        _current_job.reset(token)
        _running_inline.reset(inline_token)
    done = _update(
        app, job_id, attempt=attempt, status=JobStatus.finished.value, progress=100, error=None,
        active_key=None, finished_at=_now(),
    )
    if done:
        _emit(app, job_finished, job_id)
    return None


def claim(app, job_id: str) -> int | None:
    """Take the row for one attempt, atomically, and return the attempt's number (or None).

    A queued row is taken; so is a row left "started" by an attempt whose heartbeat stopped (its
    worker was killed, or its database went away): that attempt is dead and this one takes over.
    Two live workers never run the same row at once. A row that has used up its attempts is failed.
    """
    table = Job.__table__
    now = _now()
    stale = now - dt.timedelta(seconds=stale_seconds(app))
    takeable = or_(
        table.c.status == JobStatus.queued.value,
        and_(table.c.status == JobStatus.started.value,
             func.coalesce(table.c.heartbeat_at, table.c.started_at) < stale),
    )
    limit = func.coalesce(table.c.attempt_limit, max_attempts(app))
    with _engine(app).begin() as conn:
        attempt = conn.execute(
            update(table)
            .where(table.c.id == job_id, takeable, table.c.attempts < limit)
            .values(status=JobStatus.started.value, started_at=now, heartbeat_at=now,
                    attempts=table.c.attempts + 1)
            .returning(table.c.attempts)
        ).scalar()
        if attempt is not None:
            return int(attempt)
        exhausted = conn.execute(
            update(table)
            .where(table.c.id == job_id, takeable, table.c.attempts >= limit)
            .values(status=JobStatus.failed.value, active_key=None, finished_at=now, error=EXHAUSTED)
        ).rowcount
    if exhausted:
        log.warning("job %s used all its attempts; failed", job_id)
        _emit(app, job_failed, job_id)
    return None


EXHAUSTED = "This was tried as often as allowed without finishing. Try it again."


def fail(app, job_id: str, reason: str, attempt: int | None = None) -> bool:
    """Record the job as failed (the user may try it again) and tell the listeners."""
    done = _update(app, job_id, attempt=attempt, status=JobStatus.failed.value, error=reason,
                   active_key=None, finished_at=_now())
    if done:
        _emit(app, job_failed, job_id)
    return bool(done)


def requeue_dead_attempt(app, job_id: str, reason: str, attempts: int, attempt_limit: int | None) -> str | None:
    """An attempt died (worker killed, database gone): queue the row for another attempt if its
    budget allows ("requeued"), otherwise fail it ("failed"); None if the row moved on meanwhile."""
    if attempts < limit_of(app, attempt_limit):
        done = _update(app, job_id, attempt=attempts, status=JobStatus.queued.value, error=f"{reason} {TRYING_AGAIN}")
        return "requeued" if done else None
    return "failed" if fail(app, job_id, f"{reason} {EXHAUSTED}", attempt=attempts) else None


def _emit(app, signal, job_id: str) -> None:
    """Tell listeners (notifications) and commit what they wrote; their failure is logged, the
    job's own outcome stands."""
    try:
        signal.send(app, job_id=job_id)
        db.session.commit()
    except Exception:
        with contextlib.suppress(Exception):
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
    """How many more times the current job will be tried if it fails now (0 inline)."""
    from rq import get_current_job

    rq_job = get_current_job()
    if rq_job is None:
        return 0
    left = int(rq_job.retries_left or 0)
    job_id = _current_job.get()
    if job_id is not None:
        row = db.session.get(Job, job_id)
        if row is not None:
            left = min(left, max(0, limit_of(current_app, row.attempt_limit) - int(row.attempts or 0)))
    return left


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
    if _running_inline.get() and db.engine.dialect.name == "sqlite":
        # Inline, the person waits for the whole job anyway; on SQLite the job's own writes hold the
        # one write lock, so a progress write on another connection would only wait for it.
        return
    percent = done if total is None else (100 * done // total if total else 100)
    _update(current_app._get_current_object(), job_id, progress=max(0, min(99, int(percent))))


def _dispose_after_fork() -> None:
    """A forked process must not reuse the parent's database connections."""
    app = _app_for_job()
    with app.app_context():
        db.engine.dispose(close=False)


def worker_class(simple: bool = False):
    """The RQ worker `flask worker` runs: a forked work horse per job (fresh database connections);
    when a work horse dies (killed, out of memory) the row is queued for another attempt or failed
    at once, instead of waiting for the sweeper."""
    from rq import SimpleWorker, Worker

    class AppWorker(Worker):
        def main_work_horse(self, job, queue):
            _dispose_after_fork()
            super().main_work_horse(job, queue)

        def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
            super().handle_work_horse_killed(job, retpid, ret_val, rusage)
            _horse_died(job)

    return SimpleWorker if simple else AppWorker


def _horse_died(rq_job) -> None:
    app = _app_for_job()
    try:
        with app.app_context():
            row = db.session.get(Job, rq_job.id)
            if row is None or row.status != JobStatus.started.value:
                return
            reason = "The worker stopped while running this job."
            if rq_job.should_retry:
                requeue_dead_attempt(app, row.id, reason, int(row.attempts or 0), row.attempt_limit)
            else:
                fail(app, row.id, f"{reason} Try it again.", attempt=int(row.attempts or 0))
            db.session.remove()
    except Exception:  # the database is away: the sweeper settles the row by its heartbeat
        log.exception("could not record that the worker running job %s stopped", rq_job.id)
