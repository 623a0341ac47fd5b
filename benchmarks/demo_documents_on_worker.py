"""From the demo data, a home manager prints every kind of document through a real Redis and RQ
worker, and the daily reminders run; every PDF is read back. Prints what happened and the times.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/demo_check REDIS_URL=redis://127.0.0.1:6379/13 \\
        python benchmarks/demo_documents_on_worker.py

It empties the database named in DATABASE_URL (its public schema) and the Redis database in
REDIS_URL first, so point both at ones kept for this check. It starts `python run.py` (the
development setup: migrations, demo data) on a spare port and one `flask worker`, then signs in as
the demo manager of the first home with the password the setup prints, as a person would.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("CHECK_PORT", "5077"))
BASE = f"http://127.0.0.1:{PORT}"
MANAGER = "manager.willow"
sys.path.insert(0, str(ROOT))

from benchmarks.live import fail, reset_services, start_app, start_worker, stop  # noqa: E402


class Browser:
    """A signed-in session: cookies, and the CSRF token of the last page read."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def get(self, path: str) -> str:
        with self.opener.open(BASE + path, timeout=60) as response:
            body = response.read()
        text = body.decode("utf-8", "replace")
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return text

    def get_bytes(self, path: str) -> tuple[str, bytes]:
        with self.opener.open(BASE + path, timeout=60) as response:
            return response.headers.get("Content-Type", ""), response.read()

    def post(self, path: str, data: dict) -> str:
        payload = urllib.parse.urlencode({"csrf_token": self.csrf, **data}).encode()
        with self.opener.open(BASE + path, data=payload, timeout=60) as response:
            return response.geturl()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


def wait_for_jobs(browser: Browser, count: int, timeout: float = 600) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = json.loads(browser.get("/documents/status.json"))["jobs"]
        if len(jobs) >= count and all(j["status"] in ("finished", "failed") for j in jobs[:count]):
            return jobs[:count]
        time.sleep(0.5)
    fail(f"jobs not finished within {timeout} s: {jobs}")


def main() -> None:
    env = dict(os.environ)
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        fail("set DATABASE_URL (PostgreSQL) and REDIS_URL to a database and Redis db kept for this check")
    workdir = Path("/tmp") / f"wcn-check-{PORT}"
    env.update(WCN_ENV="development", PORT=str(PORT), FILES_DIR=str(workdir / "files"))
    reset_services(env["DATABASE_URL"], env["REDIS_URL"])
    started = time.perf_counter()
    app = worker = None
    try:
        app, passwords = start_app(env, workdir)
        password = passwords["demo"]
        print(f"app up with demo data on PostgreSQL in {time.perf_counter() - started:.1f} s")
        worker = start_worker(env, workdir)
        browser = Browser()
        browser.get("/login/")
        browser.post("/login/", {"username": MANAGER, "password": password})
        home = browser.get("/")
        if "Sign in" in home and "Sign out" not in home and "logout" not in home:
            fail("the manager could not sign in")

        documents = browser.get("/documents/")
        plans = browser.get("/careplans/due/")
        plan_id = re.search(r"/careplans/plan/(\d+)/", plans) or fail("no care plan on the due list")
        submission = re.search(r"/documents/assessment/([0-9a-f-]+)", documents)
        resident = re.search(r'name="resident_id"[^>]*>\s*<option value="(\d+)"', documents, re.S)
        home_id = re.search(r'name="home_id"[^>]*>\s*<option value="(\d+)"', plans, re.S)
        if not (submission and resident and home_id):
            fail("the documents page offers no assessment, resident or home to print")

        asked = time.perf_counter()
        browser.get(f"/careplans/plan/{plan_id.group(1)}/")
        browser.post(f"/careplans/plan/{plan_id.group(1)}/print", {})
        browser.get("/documents/")
        browser.post(f"/documents/assessment/{submission.group(1)}", {})
        browser.get("/documents/")
        browser.post("/documents/transfer-summary", {"resident_id": resident.group(1)})
        browser.get("/documents/")
        browser.post("/documents/home-transfer-summaries", {"home_id": home_id.group(1)})
        browser.get("/careplans/due/")
        browser.post("/careplans/print-home", {"home_id": home_id.group(1)})
        jobs = wait_for_jobs(browser, 5)
        print(f"5 documents asked for and finished on the worker in {time.perf_counter() - asked:.1f} s")
        for job in reversed(jobs):
            if job["status"] != "finished":
                fail(f"{job['description']}: {job['status']} {job.get('error')}")
            kind, data = browser.get_bytes(f"/documents/file/{job['id']}")
            text, pages = pdf_text(data)
            flat = " ".join(text.split())
            missing = [c for c in ("Willow Bank House", f"Page 1 of {pages}", "Sarah Pritchard") if c not in flat]
            print(f"  {job['description']}: {kind}, {pages} page(s), {len(data) // 1024} KiB; read back: "
                  f"{'ok' if not missing else 'MISSING ' + ', '.join(missing)}")
            if missing:
                fail(f"{job['description']} lacks {missing}")

        subprocess.run([sys.executable, "-m", "flask", "--app", "app:create_app", "jobs", "daily"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        time.sleep(3)
        inbox = browser.get("/notifications/")
        kinds = {
            "assessments overdue": len(re.findall(r"assessments? overdue", inbox)),
            "authorisation expiring": len(re.findall(r"expire[sd] on", inbox)),
        }
        print(f"manager's notifications after the daily run: {kinds}")
        if not all(kinds.values()):
            fail("a due assessment or an expiring authorisation gave the manager no notification")
        print("OK")
    finally:
        stop(worker, app)

if __name__ == "__main__":
    main()
