"""The fault-injection suite's fixtures: PRIVATE PostgreSQL and Redis servers the tests may stop,
kill and restart, and an app (`fault_app`) on a fresh database of that PostgreSQL.

Nothing here touches the shared services. Every wait has a deadline and every process is stopped
in teardown, so the suite stays bounded in CI. When the PostgreSQL binaries or `redis-server` are
missing, the tests that need them are skipped, not failed. See /work/coord/FAULTS-API.md.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

START_TIMEOUT = 30  # seconds: any server must answer within this
PASSWORD = "Test-password-1!"  # every seeded user's (tests/factories.py)


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition", log: Path | None = None):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds
    (showing the end of `log`, a child process's output, if given)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as error:  # the thing waited for may raise until it is ready
            last = error
        else:
            if last:
                return last
        time.sleep(interval)
    tail = ""
    if log is not None:
        with contextlib.suppress(OSError):
            tail = "\n--- end of " + log.name + " ---\n" + log.read_text(errors="replace")[-6000:]
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r}){tail}")


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def _postgres_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1:<port>, trust auth, superuser `postgres`."""

    def __init__(self, bindir: Path, base: Path, port: int) -> None:
        self.bindir = bindir
        self.base = base
        self.datadir = base / "data"
        self.logfile = base / "postgres.log"
        self.port = port

    def _as_owner(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = list(argv)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def init(self) -> None:
        result = self._as_owner(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync", "--locale=C",
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr or result.stdout}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        result = self._as_owner(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile), "-o", options,
            "-w", "-t", str(START_TIMEOUT), "start", timeout=START_TIMEOUT + 10,
        )
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr or result.stdout}\n{self.log_tail()}")
        wait_for(self.is_ready, START_TIMEOUT, what="PostgreSQL to accept connections")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: disconnect everyone; `immediate`: as if it crashed)."""
        if not (self.datadir / "postmaster.pid").exists():
            return
        self._as_owner(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", str(START_TIMEOUT),
            "stop", timeout=START_TIMEOUT + 10,
        )
        wait_for(lambda: not port_open(self.port), START_TIMEOUT, what="PostgreSQL to stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def is_ready(self) -> bool:
        import psycopg2

        try:
            conn = psycopg2.connect(self.url_for("postgres"), connect_timeout=2)
        except psycopg2.OperationalError:
            return False
        conn.close()
        return True

    @property
    def running(self) -> bool:
        return port_open(self.port)

    def url_for(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, sql: str, *params) -> list:
        import psycopg2

        conn = psycopg2.connect(self.url_for("postgres"), connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def create_database(self, name: str) -> str:
        """A fresh, empty database (dropped first if a previous run left it)."""
        self.terminate_connections(name)
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def terminate_connections(self, dbname: str) -> int:
        """Cut every other backend connected to `dbname` (as a crashed server or a network fault would)."""
        rows = self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            dbname,
        )
        return len(rows)

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        return ""


@pytest.fixture(scope="session")
def pg_server():
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as user postgres")
    base = Path(tempfile.mkdtemp(prefix="wcn-faults-pg-"))
    if os.geteuid() == 0:
        try:
            shutil.chown(base, "postgres", "postgres")
        except (LookupError, OSError):
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("no OS user postgres to run the private PostgreSQL as")
    server = PostgresServer(bindir, base, free_port())
    try:
        server.init()
        server.start()
    except (RuntimeError, subprocess.TimeoutExpired, AssertionError) as error:
        server.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a private PostgreSQL: {error}")
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Redis


class RedisServer:
    """A throw-away redis-server on 127.0.0.1:<port>, nothing saved to disk."""

    def __init__(self, binary: str, base: Path, port: int) -> None:
        self.binary = binary
        self.base = base
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.base), "--daemonize", "no", "--protected-mode", "no",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, START_TIMEOUT, what="redis-server to answer")

    def stop(self) -> None:
        """Stop the server at once (everything in it is lost, as after a crash without persistence)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.process = None
        wait_for(lambda: not port_open(self.port), 10, what="redis-server to stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ping(self) -> bool:
        from redis import Redis

        client = Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        except Exception:
            return False
        finally:
            client.close()

    def client(self, db: int = 0):
        from redis import Redis

        return Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=2, socket_timeout=5)


@pytest.fixture(scope="session")
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    base = Path(tempfile.mkdtemp(prefix="wcn-faults-redis-"))
    server = RedisServer(binary, base, free_port())
    try:
        server.start()
    except AssertionError as error:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a private redis-server: {error}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The app


@pytest.fixture(scope="session")
def fault_app(pg_server, tmp_path_factory):
    """The app on a fresh, migrated, seeded database of the private PostgreSQL; jobs run inline."""
    url = pg_server.create_database("wcn_faults")
    from app import create_app
    from app.cli import ensure_roles, sync_permissions, upgrade_schema

    application = create_app(
        "test", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=None, FILES_DIR=str(tmp_path_factory.mktemp("files")),
    )
    with application.app_context():
        upgrade_schema()
        sync_permissions()
        ensure_roles()
        from tests.factories import seed_world

        seed_world()
    yield application
    from app.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------------------------------------
# Jobs through a real Redis and `flask worker` processes (short intervals, so outages heal fast)

FAST_JOBS = {
    "JOB_SWEEP_SECONDS": 1, "JOB_SCHEDULER_MAX_BACKOFF": 2, "JOB_HEARTBEAT_SECONDS": 1,
    "JOB_STALE_SECONDS": 4, "JOB_RETRIES": 2, "JOB_RETRY_INTERVALS": "1,1,1",
}


@pytest.fixture()
def queue_app(fault_app, redis_server, monkeypatch, tmp_path):
    """`fault_app` handing its jobs to the private Redis (emptied first), with short job intervals;
    Redis is running again afterwards whatever the test did to it."""
    if not redis_server.running:
        redis_server.start()
    redis_server.client().flushdb()
    files = tmp_path / "files"
    monkeypatch.setitem(fault_app.config, "REDIS_URL", redis_server.url)
    monkeypatch.setitem(fault_app.config, "FILES_DIR", str(files))
    for name, value in FAST_JOBS.items():
        value = [int(v) for v in value.split(",")] if name == "JOB_RETRY_INTERVALS" else value
        monkeypatch.setitem(fault_app.config, name, value)
    try:
        yield fault_app
    finally:
        if not redis_server.running:
            redis_server.start()


@pytest.fixture()
def worker_env(queue_app, redis_server):
    """The environment for a `flask worker` (or gunicorn) child on the fault database and Redis."""
    from tests.faults.helpers import child_env

    return child_env(
        DATABASE_URL=queue_app.config["SQLALCHEMY_DATABASE_URI"], TEST_REDIS_URL=redis_server.url,
        FILES_DIR=queue_app.config["FILES_DIR"], **FAST_JOBS,
    )


def job_state(app, job_id: str) -> dict:
    """The Job row as the database has it now (read on a connection of its own)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.jobs import Job

    with app.app_context(), db.engine.connect() as conn:
        row = conn.execute(select(Job.__table__).where(Job.__table__.c.id == job_id)).mappings().one()
    return dict(row)


def queue_job(app, func: str, *args, description: str = "Fault test job") -> str:
    from app.extensions import db
    from app.jobs import enqueue

    with app.app_context():
        job = enqueue(func, *args, description=description)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id
