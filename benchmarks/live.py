"""What the end-to-end scripts share: empty the services they are pointed at, start the app as
README's Quick start does (`python run.py`, with its demo data) and a worker, and read the
passwords the setup prints."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fail(message: str) -> None:
    print(f"FAILED: {message}")
    raise SystemExit(1)


def reset_services(database_url: str, redis_url: str) -> None:
    """Empty the PostgreSQL database (its public schema) and the Redis database named."""
    import redis
    import sqlalchemy

    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    redis.Redis.from_url(redis_url).flushdb()


def start_app(env: dict, workdir: Path, timeout: float = 300) -> tuple[subprocess.Popen, dict]:
    """`python run.py` with `env`, its output in workdir/server.log; once it serves, the process
    and the passwords printed: {"demo": ..., "admin": ...}."""
    workdir.mkdir(parents=True, exist_ok=True)
    # These scripts sign the demo users in with a password only: the second factor the development
    # setup asks of administrators, managers, finance and auditors is tested in tests/security.
    env = {**env, "MFA_REQUIRED_ROLES": env.get("MFA_REQUIRED_ROLES", "")}
    log = workdir / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "is running at" in text:
            demo = re.search(r"Demo users.*?password: (\S+)", text, re.S)
            admin = re.search(r"username: admin\s+password: (\S+)", text)
            if not demo or not admin:
                process.terminate()
                fail("the setup printed no demo or admin password:\n" + text)
            return process, {"demo": demo.group(1), "admin": admin.group(1)}
        if process.poll() is not None:
            fail("the app stopped:\n" + text)
        time.sleep(0.5)
    process.terminate()
    fail(f"the app did not start within {timeout:.0f} s")


def start_worker(env: dict, workdir: Path) -> subprocess.Popen:
    """One `flask worker --no-cron`, its output in workdir/worker.log."""
    with open(workdir / "worker.log", "w") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app:create_app", "worker", "--no-cron"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(*processes) -> None:
    for process in processes:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
