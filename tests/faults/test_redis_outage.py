"""Redis goes away under a running `flask worker` and comes back empty: the worker and its
scheduler ride it out (logging the outage once, and its end), and a document asked for during the
outage is made once Redis is back, without anyone running `flask jobs sweep`."""

from __future__ import annotations

import time

from tests.faults.conftest import job_state, queue_job, wait_for
from tests.faults.helpers import start_worker, stop


def test_worker_and_scheduler_survive_a_redis_restart(queue_app, worker_env, redis_server, tmp_path):
    log = tmp_path / "worker.log"
    before, during = tmp_path / "before.txt", tmp_path / "during.txt"
    worker = start_worker(worker_env, log)
    try:
        first = queue_job(queue_app, "tests.faults.helpers.note", str(before), "made")
        wait_for(lambda: job_state(queue_app, first)["status"] == "finished", 60, 0.2, "the first job", log)

        redis_server.stop()
        second = queue_job(queue_app, "tests.faults.helpers.note", str(during), "made after the outage")
        assert job_state(queue_app, second)["status"] == "queued"  # waits in the database
        deadline = time.monotonic() + 8  # long enough for every loop to meet the outage a few times
        while time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)

        redis_server.start()  # empty: RQ lost everything it held
        wait_for(lambda: job_state(queue_app, second)["status"] == "finished", 60, 0.2,
                 "the job asked for during the outage", log)
        assert during.read_text() == "made after the outage"
        assert worker.poll() is None
        output = log.read_text()
        began = [line for line in output.splitlines() if line.startswith("Scheduler: Redis unavailable: Conn")]
        assert len(began) == 1, output[-3000:]  # the outage is logged once, not on every try
        assert "Scheduler: Redis unavailable: working again" in output  # and its end
    finally:
        stop(worker)
