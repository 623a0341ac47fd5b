"""A care-home group's working day, replayed against the app on this machine, with its baselines.

    python benchmarks/load.py --users 50 --duration 60 [--database URL] [--redis URL] [--rebuild]

1. The database (PostgreSQL, created if missing) is built by benchmarks/scale.py unless it already
   holds the scale group (20 homes x 60 residents by default: a few minutes, once).
2. gunicorn serves the app on 127.0.0.1 (a free port, 2 workers), and a second gunicorn serves the
   baselines (benchmarks/stock_app.py: stock Flask-AppBuilder over the same residents table, and a
   bare Flask JSON endpoint). Sign-in rate limits are raised and the second factor is not asked, for
   this run only (environment of the benchmark's own processes; the product's defaults are untouched).
3. locust (headless) drives signed-in staff of every role and a few baseline users
   (benchmarks/locustfile.py), bounded by --duration and --max-requests, then everything stops.
4. Prints a table per request type (count, errors, p50/p95/p99, multiple of the stock list) and the
   resident memory of each gunicorn worker; the LAST line is one JSON object:
   {"rpm", "p50_ms", "p95_ms", "p99_ms", "errors", "requests", "steady": {...}, "per_type": {...},
    "baselines": {...},
    "rss_mib": {...}}. rpm and percentiles are the product's requests (baselines reported apart).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

BASELINE_PREFIXES = ("stock:", "bare ")
STOCK_LIST, STOCK_SHOW = "stock: ModelView list", "stock: ModelView show"
# Request types by method and path, to read gunicorn's access logs: the time each request spent in
# a worker (%(D)s), without the time it queued for one. Ratios to the stock list are taken on these.
SERVER_TYPES = [(re.compile(p), name) for p, name in [
    (r"^GET /login/\?", "sign in (form)"), (r"^POST /login/\?", "sign in"), (r"^GET /logout/", "sign out"),
    (r"^POST /api/v1/security/login\?", "API sign in (JWT)"), (r"^GET /residentview/list/", "resident list"),
    (r"^GET /residents/search", "resident search"), (r"^GET /residents/\d+/\?", "resident profile"),
    (r"^GET /assessments/resident/\d+/\?", "assessments tab"),
    (r"^GET /assessments/resident/\d+/fill/", "assessment form"),
    (r"^POST /assessments/resident/\d+/fill/", "assessment submit"), (r"^GET /assessments/due/", "due list"),
    (r"^GET /taskview/list/", "tasks"), (r"^GET /occupancy/", "occupancy"),
    (r"^GET /careplans/resident/\d+/", "care plans"), (r"^GET /documents/\?", "documents"),
    (r"^GET /api/v1/residents/\?q", "REST list"), (r"^GET /api/v1/residents/\d+\?", "REST show"),
]]
STOCK_TYPES = [(re.compile(p), name) for p, name in [
    (r"^GET /stockresidentview/list/", STOCK_LIST), (r"^GET /stockresidentview/show/", STOCK_SHOW),
    (r"^GET /api/v1/stockresident/", "stock: REST list"), (r"^GET /bare", "bare Flask JSON"),
    (r"^POST /login/\?", "stock: sign in"),
]]
ACCESS_FORMAT = "%(m)s %(U)s?%(q)s %(s)s %(D)s"


def server_times(log: Path, types) -> dict[str, list[float]]:
    """Milliseconds spent in a worker per request type, from an access log in ACCESS_FORMAT."""
    found: dict[str, list[float]] = {}
    if not log.exists():
        return found
    for line in log.read_text(errors="replace").splitlines():
        parts = line.rsplit(" ", 2)
        if len(parts) != 3 or not parts[2].isdigit():
            continue
        for pattern, name in types:
            if pattern.search(parts[0]):
                found.setdefault(name, []).append(int(parts[2]) / 1000)
                break
    return found
    for line in log.read_text(errors="replace").splitlines():
        parts = line.rsplit(" ", 2)
        if len(parts) != 3 or not parts[2].isdigit():
            continue
        request = parts[0].replace(" ?", "?", 1) if "?" not in parts[0].split(" ", 1)[-1][:1] else parts[0]
        method_path = request if "?" in request else request
        for pattern, name in types:
            if pattern.search(method_path):
                found.setdefault(name, []).append(int(parts[2]) / 1000)
                break
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_scale_data(database_url: str) -> bool:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(database_url)
        with engine.connect() as conn:
            found = conn.execute(sqlalchemy.text("SELECT count(*) FROM ab_user WHERE username = 'h01.carer1'")).scalar()
        engine.dispose()
        return bool(found)
    except Exception:
        return False


def make_plan(database_url: str, stock_host: str, path: Path) -> dict:
    """Who signs in (every load user of the scale group, by role) and which residents they open."""
    import sqlalchemy
    from scale import PASSWORD

    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        residents: dict[int, list[int]] = {}
        for rid, home in conn.execute(sqlalchemy.text(
                "SELECT id, home_id FROM resident WHERE status = 'in_residence' ORDER BY id")):
            residents.setdefault(home, []).append(rid)
        users = conn.execute(sqlalchemy.text(
            "SELECT u.username, r.name, min(uh.home_id) FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
            "JOIN ab_role r ON r.id = ur.role_id LEFT JOIN user_home uh ON uh.user_id = u.id "
            "WHERE u.username LIKE 'h%.%' OR u.username LIKE 'group.%' GROUP BY u.username, r.name "
            "ORDER BY u.username")).all()
    engine.dispose()
    every = [rid for ids in residents.values() for rid in ids]
    # the day's mix of people: carers most, then seniors, nurses, managers, and a few group staff
    order = {"Carer": 0, "Senior Carer": 1, "Nurse": 2, "Home Manager": 3}
    accounts = [{"username": u, "role": role, "residents": residents.get(home) or every}
                for u, role, home in sorted(users, key=lambda row: (order.get(row[1], 4), row[0]))
                if role in order or role in ("Administrator", "Auditor")]
    # interleave roles so any number of users gets a spread of them
    by_role: dict[str, list] = {}
    for account in accounts:
        by_role.setdefault(account["role"], []).append(account)
    mixed, weights = [], {"Carer": 5, "Senior Carer": 3, "Nurse": 2, "Home Manager": 1, "Administrator": 1,
                          "Auditor": 1}
    while any(by_role.values()):
        for role, n in weights.items():
            for _ in range(n):
                if by_role.get(role):
                    mixed.append(by_role[role].pop(0))
    plan = {"accounts": mixed, "password": PASSWORD, "stock_host": stock_host, "stock_user": "stockadmin",
            "stock_password": "Stock-password-1!", "all_residents": every[:2000]}
    path.write_text(json.dumps(plan))
    return plan


def start(command: list[str], env: dict, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except Exception:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()  # gunicorn's master stops its own workers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class MemorySampler:
    """Resident memory of each gunicorn worker (children of the masters), the highest seen."""

    def __init__(self, masters: dict[str, subprocess.Popen]):
        self.masters, self.peak = masters, {}

    def sample(self) -> None:
        import psutil

        for label, master in self.masters.items():
            try:
                children = psutil.Process(master.pid).children()
            except psutil.Error:
                continue
            for n, child in enumerate(sorted(children, key=lambda c: c.pid)):
                try:
                    rss = child.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                key = f"{label} worker {n + 1}"
                self.peak[key] = round(max(self.peak.get(key, 0), rss), 1)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def summarise(samples: list, seconds: float, ramp_seconds: float = 0) -> dict:
    by_type: dict[str, dict] = {}
    for name, ms, ok, status, *_at in samples:
        entry = by_type.setdefault(name, {"times": [], "errors": 0, "statuses": {}})
        entry["times"].append(ms)
        entry["errors"] += 0 if ok else 1
        entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1
    figures = {}
    for name, entry in sorted(by_type.items()):
        times = entry["times"]
        figures[name] = {"count": len(times), "errors": entry["errors"], "p50_ms": percentile(times, 50),
                         "p95_ms": percentile(times, 95), "p99_ms": percentile(times, 99),
                         "mean_ms": round(sum(times) / len(times), 1), "statuses": entry["statuses"]}
    stock = figures.get(STOCK_LIST, {}).get("p50_ms")
    stock_show = figures.get(STOCK_SHOW, {}).get("p50_ms")
    for name, entry in figures.items():
        if stock:
            entry["x_stock_list"] = round(entry["p50_ms"] / stock, 2)
        if stock_show and name in ("resident profile", "REST show"):
            entry["x_stock_show"] = round(entry["p50_ms"] / stock_show, 2)
    ours = [s for s in samples if not s[0].startswith(BASELINE_PREFIXES)]
    times = [s[1] for s in ours]
    result = {
        "rpm": round(len(ours) / seconds * 60), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99), "errors": sum(1 for s in ours if not s[2]), "requests": len(ours),
        "seconds": round(seconds, 1),
        "per_type": {k: v for k, v in figures.items() if not k.startswith(BASELINE_PREFIXES)},
        "baselines": {k: v for k, v in figures.items() if k.startswith(BASELINE_PREFIXES)},
    }
    result["baseline_errors"] = sum(v["errors"] for v in result["baselines"].values())
    # Once everyone has signed in: the first seconds are the shift change (every user's password checked
    # at once); the rest is the working day.
    if ours and len(ours[0]) > 4:
        start = min(s[4] for s in ours)
        steady = [s for s in ours if s[4] >= start + ramp_seconds]
        if steady:
            span = max(s[4] for s in steady) - (start + ramp_seconds) or 1
            times = [s[1] for s in steady]
            result["steady"] = {"after_s": ramp_seconds, "rpm": round(len(steady) / span * 60),
                                "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                                "p99_ms": percentile(times, 99), "errors": sum(1 for s in steady if not s[2]),
                                "requests": len(steady)}
    return result


def server_summary(ours: dict[str, list[float]], stock: dict[str, list[float]]) -> dict:
    """Per request type: p50 and p95 of the time in a worker, and the p50 as a multiple of the stock
    list's (and, for shows, of the stock show's)."""
    figures = {}
    base = percentile(stock.get(STOCK_LIST, []), 50)
    base_show = percentile(stock.get(STOCK_SHOW, []), 50)
    for name, times in [*ours.items(), *stock.items()]:
        entry = {"count": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
        if base:
            entry["x_stock_list"] = round(entry["p50_ms"] / base, 2)
        if base_show and name in ("resident profile", "REST show"):
            entry["x_stock_show"] = round(entry["p50_ms"] / base_show, 2)
        figures[name] = entry
    return figures


def print_table(result: dict) -> None:
    print(f"\n{'request':32} {'count':>6} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'x stock list':>12}")
    for group in ("per_type", "baselines"):
        for name, f in sorted(result[group].items(), key=lambda item: -item[1]["p50_ms"]):
            print(f"{name:32} {f['count']:>6} {f['errors']:>4} {f['p50_ms']:>7} {f['p95_ms']:>7} {f['p99_ms']:>7} "
                  f"{f.get('x_stock_list', ''):>12}")
    print(f"\nours: {result['requests']} requests in {result['seconds']} s = {result['rpm']} per minute; "
          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; "
          f"errors {result['errors']}")
    if "steady" in result:
        st = result["steady"]
        print(f"after the first {st['after_s']} s (everyone signed in): {st['requests']} requests = {st['rpm']} per "
              f"minute; p50 {st['p50_ms']} ms, p95 {st['p95_ms']} ms, p99 {st['p99_ms']} ms; errors {st['errors']}")
    print("worker memory (peak RSS, MiB):", result.get("rss_mib"))
    print(f"\ntime in a worker (gunicorn access log, no queueing)\n{'request':32} {'count':>6} {'p50':>7} {'p95':>7} "
          f"{'x stock list':>12}")
    for name, f in sorted(result.get("server_ms", {}).items(), key=lambda item: -item[1]["p50_ms"]):
        print(f"{name:32} {f['count']:>6} {f['p50_ms']:>7} {f['p95_ms']:>7} {f.get('x_stock_list', ''):>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--database", default=os.environ.get(
        "LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wcn_scale"))
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--rebuild", action="store_true", help="build the scale group again")
    parser.add_argument("--homes", type=int, default=20)
    parser.add_argument("--residents-per-home", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=0, help="stop after this many (default 40/user/s)")
    args = parser.parse_args()
    for url in (args.database, args.redis):
        if "@127.0.0.1" not in url and "//127.0.0.1" not in url:
            raise SystemExit(f"load.py only uses services on 127.0.0.1, not {url}")

    from scale import bench_env, build

    if args.rebuild or not has_scale_data(args.database):
        print(f"Building the scale group in {args.database} (once) ...", flush=True)
        built = build(args.database, args.homes, args.residents_per_home)
        print(f"built in {built['seconds']} s, {built['database_mib']} MiB: {built['counts']}", flush=True)

    work = Path(tempfile.mkdtemp(prefix="wcn-load-"))
    port, stock_port = free_port(), free_port()
    host, stock_host = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{stock_port}"
    make_plan(args.database, stock_host, work / "plan.json")
    env = {**os.environ, **bench_env(args.database, args.redis),
           # this benchmark's processes only: every load user signs in from 127.0.0.1
           "AUTH_RATE_LIMIT": "1000000 per minute", "AUTH_USERNAME_RATE_LIMIT": "1000000 per minute",
           "SESSION_IDLE_MINUTES": "120", "STOCK_DATABASE_URL": args.database, "PYTHONPATH": str(ROOT)}
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "--timeout", "120",
                "--graceful-timeout", "5", "--log-level", "warning", "--access-logformat", ACCESS_FORMAT]
    app = stock = None
    # FAB's permissions of the stock app, made once before its workers start (not by two at once)
    subprocess.run([sys.executable, "-c", "from stock_app import create_app; create_app()"], cwd=ROOT / "benchmarks",
                   env=env, check=True, capture_output=True)
    env["STOCK_UPDATE_PERMS"] = "0"
    try:
        app = start([*gunicorn, "--access-logfile", str(work / "app-access.log"), "-b", f"127.0.0.1:{port}",
                     "app:create_app()"], env, work / "app.log")
        stock = start([*gunicorn, "--access-logfile", str(work / "stock-access.log"), "-b",
                       f"127.0.0.1:{stock_port}", "stock_app:create_app()"], env, work / "stock.log",
                      cwd=ROOT / "benchmarks")
        wait_until_up(f"{host}/health", app, work / "app.log")
        wait_until_up(f"{stock_host}/bare", stock, work / "stock.log")
        sampler = MemorySampler({"app": app, "stock": stock})
        max_requests = args.max_requests or args.users * args.duration * 40
        locust_env = {**env, "LOAD_PLAN": str(work / "plan.json"), "LOAD_SAMPLES": str(work / "samples.json"),
                      "LOAD_MAX_REQUESTS": str(max_requests)}
        command = [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
                   "-u", str(args.users), "-r", str(max(1, args.users // 10)), "--run-time", f"{args.duration}s",
                   "--host", host, "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
        started = time.time()
        runner = start(command, locust_env, work / "locust.log")
        while runner.poll() is None:
            sampler.sample()
            time.sleep(2)
            if time.time() - started > args.duration + 120:
                stop(runner)
        seconds = time.time() - started
        samples = json.loads((work / "samples.json").read_text()) if (work / "samples.json").exists() else []
        if not samples:
            raise SystemExit("locust recorded nothing:\n" + (work / "locust.log").read_text()[-3000:])
        # the load itself: from the first to the last request (not locust's start-up)
        # users arrive at users/10 a second: all are in after 10 s; 5 s more for their sign-ins
        result = summarise(samples, min(seconds, float(args.duration)), ramp_seconds=15)
        result["rss_mib"] = sampler.peak
        result["server_ms"] = server_summary(server_times(work / "app-access.log", SERVER_TYPES),
                                             server_times(work / "stock-access.log", STOCK_TYPES))
        result["users"], result["workers"], result["logs"] = args.users, args.workers, str(work)
    finally:
        stop(app)
        stop(stock)
    print_table(result)
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
