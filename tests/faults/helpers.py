"""Job functions the fault tests queue (run by a real `flask worker`), and process helpers."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------------------------
# Jobs (dotted names: tests.faults.helpers.<name>)


def note(path: str, text: str) -> None:
    """Write `text` into `path`: proof that the job ran."""
    Path(path).write_text(text)


def slow_first_time(directory: str) -> None:
    """The first attempt writes its pid and hangs (to be killed); later attempts finish at once."""
    folder = Path(directory)
    attempts = sorted(folder.glob("attempt-*"))
    (folder / f"attempt-{len(attempts) + 1}").write_text(str(os.getpid()))
    if not attempts:
        time.sleep(120)
    (folder / "done").write_text(str(len(attempts) + 1))


def always_hangs(directory: str) -> None:
    """Every attempt writes its pid and hangs (each is killed)."""
    folder = Path(directory)
    attempts = sorted(folder.glob("attempt-*"))
    (folder / f"attempt-{len(attempts) + 1}").write_text(str(os.getpid()))
    time.sleep(120)


# ---------------------------------------------------------------------------------------------
# Processes


def child_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_REDIS_URL", "REDIS_URL")}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process._wcn_log = out
    return process


def start_worker(env: dict, log: Path, *extra: str) -> subprocess.Popen:
    return start([sys.executable, "-m", "flask", "--app", "app:create_app('test')", "worker", *extra], env, log)


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Stop a process we started, and its group (work horses, scheduler); SIGKILL if it lingers."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything it left behind
    with contextlib.suppress(Exception):
        process._wcn_log.close()


# ---------------------------------------------------------------------------------------------
# A small HTTP client with cookies (no third-party library needed)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: dict | None = None, headers: dict | None = None, timeout: float = 15,
                json_body: dict | None = None):
        headers = dict(headers or {})
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def get(self, path: str, **kwargs):
        return self.request(path, **kwargs)

    def post(self, path: str, data: dict, **kwargs):
        return self.request(path, data=data, **kwargs)
