"""The Job row (the source of truth for background work) and the small vocabulary around it."""

from __future__ import annotations

import datetime as dt
import enum

from blinker import Namespace
from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import mapped_column

DEFAULT_RETRIES = 3
DEFAULT_RETRY_INTERVALS = (30, 120, 600)  # seconds: backoff between attempts
DEFAULT_HEARTBEAT_SECONDS = 15  # a running job writes `heartbeat_at` this often
DEFAULT_STALE_SECONDS = 90  # no heartbeat for this long: the attempt is dead (its worker or database went)

signals = Namespace()
job_finished = signals.signal("job-finished")  # sender: app, job_id=
job_failed = signals.signal("job-failed")  # sender: app, job_id=


class JobStatus(enum.StrEnum):
    queued = "queued"
    started = "started"
    finished = "finished"
    failed = "failed"


ACTIVE = (JobStatus.queued.value, JobStatus.started.value)
TRYING_AGAIN = "(trying again)"  # ends the error of a queued job that failed and will be retried


class JobError(Exception):
    """A job that cannot succeed however often it is tried; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = str(message)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def max_attempts(app) -> int:
    """How many times a job runs at most before it is failed: once, plus JOB_RETRIES retries. The
    count is kept on the row, so it holds however often the job is handed to Redis again."""
    return 1 + max(0, int(app.config.get("JOB_RETRIES", DEFAULT_RETRIES)))


def limit_of(app, attempt_limit: int | None) -> int:
    return int(attempt_limit) if attempt_limit is not None else max_attempts(app)


def heartbeat_seconds(app) -> float:
    return float(app.config.get("JOB_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))


def stale_seconds(app) -> float:
    return float(app.config.get("JOB_STALE_SECONDS", DEFAULT_STALE_SECONDS))


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
    attempts = mapped_column(Integer, nullable=False, default=0)  # attempts started, ever
    # attempts may reach this, then the job is failed: set when asked for (and when asked again), so
    # the budget holds however often the job is handed to Redis again
    attempt_limit = mapped_column(Integer)
    error = mapped_column(Text)
    result_path = mapped_column(String(500))  # relative to FILES_DIR
    result_name = mapped_column(String(200))
    result_mimetype = mapped_column(String(100))
    user_id = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    home_id = mapped_column(ForeignKey("care_home.id", ondelete="SET NULL"), index=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=_now)
    enqueued_at = mapped_column(DateTime(timezone=True))
    started_at = mapped_column(DateTime(timezone=True))
    heartbeat_at = mapped_column(DateTime(timezone=True))  # written every few seconds while running
    finished_at = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_retrying(self) -> bool:
        """An attempt failed (or its worker stopped) and the job waits to be tried again."""
        return self.status == JobStatus.queued.value and bool(self.error) and self.error.endswith(TRYING_AGAIN)

    def __repr__(self) -> str:
        return self.description or self.key or ""
