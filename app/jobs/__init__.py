"""Background jobs: `enqueue()` puts work on RQ when REDIS_URL is set and runs it inline otherwise.

    job = enqueue(render_assessment_pdf, submission_id, user.id,
                  job_id=f"assessment-pdf:{submission_id}:{user.id}",
                  description="Assessment PDF", user_id=user.id, home_id=home_id)
    db.session.commit()          # the job is handed to Redis (or run) only now

* `models`: each job has a `Job` row, written in the caller's transaction: what to run (a dotted
  function name and JSON-plain arguments), who asked, for which home, status, progress, attempts
  and how many it may use, heartbeat, result file and error. The row is the source of truth for
  the "Documents and jobs" page; Redis only carries the row's id. The row's own status, progress
  and heartbeat are written on a separate short connection (visible at once, surviving the job's
  rollback) and are not audited: the audit trail records who asked (the insert), not each percent.
* `enqueue`: the same `job_id` (a key such as "assessment-pdf:<id>:<user>") is never queued twice:
  while a row with that key is queued or started, `enqueue()` returns it (`active_key` is unique).
  Handing over happens after the commit (a session `after_commit` hook); a rollback discards it.
  If Redis is down then, the row stays "queued" and the sweeper hands it over when Redis is back.
* `worker`: each job runs in a fresh app context as the user who asked (`acting_as`, `scoped_to`
  their homes) and beats a heartbeat on its row: commit on success; on failure roll back, record a
  readable reason and re-raise so RQ retries it (within the row's own attempt budget), or stop at
  once for a `JobError` (input vanished, another home, voided record). An attempt whose heartbeat
  stopped (worker killed, database gone) is taken over by the next attempt.
* `schedule`: the periodic work and the sweeper, run by `flask worker`'s scheduler process, which
  rides out Redis and database outages (`run_scheduler()`).
* `files`: generated files under FILES_DIR. `cli`: `flask worker`, `flask jobs daily|sweep`.
"""

from app.jobs.cli import jobs_cli, worker_command
from app.jobs.enqueue import (
    QUEUE_NAME,
    dotted_name,
    enqueue,
    hand_over,
    queue,
    redis_connection,
    remake,
    retry,
    run_inline,
)
from app.jobs.files import file_missing, files_dir, result_file, store_result
from app.jobs.models import (
    ACTIVE,
    DEFAULT_RETRIES,
    DEFAULT_RETRY_INTERVALS,
    TRYING_AGAIN,
    Job,
    JobError,
    JobStatus,
    job_failed,
    job_finished,
    max_attempts,
    signals,
)
from app.jobs.schedule import (
    DEFAULT_RESULT_DAYS,
    PERIODIC,
    SWEEP_GRACE_SECONDS,
    SWEEP_HOOKS,
    build_cron,
    periodic,
    purge_old_results,
    purge_tick,
    run_daily,
    run_scheduler,
    sweep,
    sweep_tick,
)
from app.jobs.worker import (
    claim,
    current_job_id,
    job_app,
    perform,
    retries_left,
    retry_delay,
    set_progress,
)


def acting_as(*args, **kwargs):
    """`app.audit.acting_as`, for job code that imports it from here."""
    from app.audit import acting_as as _acting_as

    return _acting_as(*args, **kwargs)


__all__ = [
    "ACTIVE", "DEFAULT_RESULT_DAYS", "DEFAULT_RETRIES", "DEFAULT_RETRY_INTERVALS", "PERIODIC", "QUEUE_NAME",
    "SWEEP_GRACE_SECONDS", "SWEEP_HOOKS", "TRYING_AGAIN", "Job", "JobError", "JobStatus", "acting_as",
    "build_cron", "claim", "current_job_id", "dotted_name", "enqueue", "file_missing", "files_dir", "hand_over",
    "job_app", "job_failed", "job_finished", "jobs_cli", "max_attempts", "perform", "periodic",
    "purge_old_results", "purge_tick", "queue", "redis_connection", "remake", "result_file", "retries_left",
    "retry", "retry_delay", "run_daily", "run_inline", "run_scheduler", "set_progress", "signals",
    "store_result", "sweep", "sweep_tick", "worker_command",
]
