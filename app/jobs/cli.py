"""`flask worker` and `flask jobs …`."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.extensions import db
from app.jobs.enqueue import QUEUE_NAME, redis_connection
from app.jobs.schedule import Outage, run_daily, run_scheduler_process, sweep
from app.jobs.worker import set_worker_app, worker_class

log = logging.getLogger("app.jobs")

WORKER_MAX_BACKOFF = 60


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked one.")
@click.option("--no-cron", is_flag=True, help="Do not run the periodic jobs here (another worker does).")
@with_appcontext
def worker_command(burst: bool, simple: bool, no_cron: bool):
    """Run an RQ worker for the background jobs (needs REDIS_URL). It rides out Redis and database
    outages: it waits and reconnects, and its scheduler process does the same."""
    import multiprocessing

    app = current_app._get_current_object()
    set_worker_app(app)
    connection = redis_connection(app)
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline and need no worker.")
    try:
        found = sweep(app, grace_seconds=0)
        click.echo(
            f"Sweeper: {found['handed_over']} queued job(s) handed to Redis, {found['retried']} retried after "
            f"their worker stopped, {found['abandoned']} failed."
        )
        if not (burst or no_cron):
            for name in run_daily():  # started after today's time: today's run is not missed
                click.echo(f"Daily job run at start: {name}")
    except Exception as error:  # Redis or the database is away: the scheduler catches up later
        log.warning("start-up sweep skipped (%s: %s); the scheduler will sweep when it can",
                    type(error).__name__, error)
        db.session.rollback()

    cron = None
    if not (burst or no_cron):
        cron = multiprocessing.get_context("fork").Process(
            target=run_scheduler_process, args=(app,), name="writecarenotes-scheduler", daemon=True
        )
        cron.start()
        db.engine.dispose(close=False)
    outage = Outage("Worker: Redis unavailable")
    backoff = 1.0
    try:
        while True:
            worker = None
            started = time.monotonic()
            try:
                worker = worker_class(simple)([QUEUE_NAME], connection=connection)
                outage.ok()
                worker.work(burst=burst, with_scheduler=True)
            except Exception as error:  # RQ gave up (Redis went away): wait and start a new worker
                outage.failed(error, WORKER_MAX_BACKOFF)
            if burst or getattr(worker, "_stop_requested", False):
                break
            if time.monotonic() - started > 60:  # it ran a good while: a new outage starts gently
                backoff = 1.0
            if not outage.down:
                outage.failed(RuntimeError("the worker stopped"), WORKER_MAX_BACKOFF)
            time.sleep(backoff)
            backoff = min(backoff * 2, WORKER_MAX_BACKOFF)
    finally:
        if cron is not None and cron.is_alive():
            cron.terminate()
            cron.join(timeout=10)


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("daily")
def daily_command():
    """Run today's daily jobs now (reminders, file clean-up); each runs once a day at most."""
    for name in run_daily(only_if_due=False):
        click.echo(f"ran {name}")


@jobs_cli.command("sweep")
def sweep_command():
    """Hand queued jobs to Redis that it does not have (after Redis was down); retry or fail jobs
    whose worker stopped."""
    found = sweep(current_app._get_current_object(), grace_seconds=0)
    click.echo(
        f"{found['handed_over']} queued job(s) handed to Redis, {found['retried']} retried after their worker "
        f"stopped, {found['abandoned']} failed."
    )
