"""A worker killed with SIGKILL in the middle of a job: the job is tried again within its own
budget (the attempt count on its row) and finishes, or ends failed; it never stays "started"."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.faults.conftest import job_state, queue_job, wait_for
from tests.faults.helpers import start_worker, stop


def _pid_of(folder: Path, attempt: int, log: Path) -> int:
    marker = folder / f"attempt-{attempt}"
    wait_for(lambda: marker.exists() and marker.read_text().strip(), 60, 0.1, f"attempt {attempt} to start", log)
    return int(marker.read_text())


def test_work_horse_killed_mid_job_is_retried_and_finishes(queue_app, worker_env, tmp_path):
    log, folder = tmp_path / "worker.log", tmp_path / "job"
    folder.mkdir()
    worker = start_worker(worker_env, log)
    try:
        job_id = queue_job(queue_app, "tests.faults.helpers.slow_first_time", str(folder))
        os.kill(_pid_of(folder, 1, log), signal.SIGKILL)  # the process running the job dies (out of memory, say)
        wait_for(lambda: job_state(queue_app, job_id)["status"] == "finished", 60, 0.2, "the retried job", log)
        row = job_state(queue_app, job_id)
        assert row["attempts"] == 2 and (folder / "done").read_text() == "2"
        assert row["error"] is None and row["active_key"] is None
    finally:
        stop(worker)


def test_whole_worker_killed_mid_job_is_taken_over_by_the_next_worker(queue_app, worker_env, tmp_path):
    log, folder = tmp_path / "worker.log", tmp_path / "job"
    folder.mkdir()
    worker = start_worker(worker_env, log)
    try:
        job_id = queue_job(queue_app, "tests.faults.helpers.slow_first_time", str(folder))
        horse = _pid_of(folder, 1, log)
        stop(worker, signal.SIGKILL)  # the worker, its work horse and its scheduler: all gone at once
        os.kill(horse, signal.SIGKILL)  # (RQ puts the work horse in a process group of its own)
        assert job_state(queue_app, job_id)["status"] == "started"  # what the dead attempt left
        worker = start_worker(worker_env, log)  # as systemd would restart it
        wait_for(lambda: job_state(queue_app, job_id)["status"] == "finished", 60, 0.2, "the job taken over", log)
        row = job_state(queue_app, job_id)
        assert row["attempts"] == 2 and (folder / "done").read_text() == "2"
    finally:
        stop(worker)


def test_job_killed_on_every_attempt_ends_failed_within_its_budget(queue_app, worker_env, tmp_path):
    log, folder = tmp_path / "worker.log", tmp_path / "job"
    folder.mkdir()
    worker = start_worker(worker_env, log)
    try:
        job_id = queue_job(queue_app, "tests.faults.helpers.always_hangs", str(folder))
        limit = 1 + int(worker_env["JOB_RETRIES"])  # 3
        for attempt in range(1, limit + 1):
            os.kill(_pid_of(folder, attempt, log), signal.SIGKILL)
        wait_for(lambda: job_state(queue_app, job_id)["status"] == "failed", 60, 0.2, "the job to fail", log)
        row = job_state(queue_app, job_id)
        assert row["attempts"] == limit and not (folder / f"attempt-{limit + 1}").exists()
        assert "worker stopped" in row["error"] and row["active_key"] is None
    finally:
        stop(worker)
