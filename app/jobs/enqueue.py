"""Asking for a job: the Job row in the caller's transaction, handed to Redis (or run inline)
once that transaction commits; trying a failed job again; Redis connections."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from app.extensions import db
from app.jobs.models import DEFAULT_RETRIES, DEFAULT_RETRY_INTERVALS, Job, JobError, JobStatus, _now, max_attempts
from app.jobs.worker import _perform, _update, perform

log = logging.getLogger("app.jobs")

QUEUE_NAME = "writecarenotes"
_PENDING = "_jobs_pending"  # session.info: rows to hand over after this transaction commits


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
        status=JobStatus.queued.value, progress=0, attempts=0, attempt_limit=_attempt_budget(),
        user_id=user_id, home_id=home_id, created_at=_now(),
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


def _attempt_budget() -> int:
    if has_app_context():
        return max_attempts(current_app)
    return 1 + DEFAULT_RETRIES


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


def hand_over(app, job_id: str, replace: bool = False) -> str | None:
    """Put a queued row on Redis unless RQ already has it. Safe to call again (the sweeper does).
    `replace`: whatever RQ holds for this id belongs to a dead attempt; drop it and queue afresh.
    Returns "handed" or "present", or None (the row stays queued) when Redis cannot be reached."""
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    conn = redis_connection(app)
    try:
        try:
            existing = RQJob.fetch(job_id, connection=conn)
            status = existing.get_status(refresh=False)
        except NoSuchJobError:
            existing = status = None
        if status in ("queued", "started", "scheduled", "deferred") and not replace:
            return "present"
        if existing is not None:  # finished, failed, stopped, canceled (or dead): a retry of the same row
            existing.delete()
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


def _queue_again(job: Job) -> Job:
    job.status = JobStatus.queued.value
    job.active_key = job.key
    job.error = None
    job.progress = 0
    job.attempt_limit = int(job.attempts or 0) + _attempt_budget()  # asked again: a whole budget again
    job.enqueued_at = None
    job.started_at = None
    job.heartbeat_at = None
    job.finished_at = None
    db.session.flush()
    _remember(db.session, job.id)
    return job


def retry(job: Job) -> Job:
    """Queue a failed job again (same row), after the caller commits."""
    if job.status != JobStatus.failed.value:
        raise JobError("Only a failed job can be tried again.")
    existing = _active(db.session, job.key)
    if existing is not None:
        return existing
    return _queue_again(job)


def remake(job: Job) -> Job:
    """Make a finished job's file again (it was cleared after JOB_RESULT_DAYS or went missing from
    the files folder): the same row runs again, after the caller commits."""
    if job.status != JobStatus.finished.value:
        raise JobError("Only a finished document can be made again.")
    existing = _active(db.session, job.key)
    if existing is not None:
        return existing
    job.result_path = None
    return _queue_again(job)
