"""Where the time of a request goes: SQL statements and their time per request, and a pyinstrument
profile of one request, for the request types load.py finds slowest. In-process (Flask's test
client, the benchmark's production settings), against the database load.py uses.

    python benchmarks/profile_requests.py [--database URL] [--user h01.nurse1] [--repeat 15] [--html DIR]

Prints, per request: median wall time, statements and their total time (median of --repeat), the
statements repeated most (a query in a loop shows here), and the profile's top frames.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


STOCK_PROBE = r"""
import json, re, statistics, sys, time
sys.path.insert(0, "benchmarks")
from stock_app import ADMIN, PASSWORD, create_app
app = create_app()
client = app.test_client()
page = client.get("/login/").get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
assert client.post("/login/", data={"username": ADMIN, "password": PASSWORD,
                                    "csrf_token": token.group(1) if token else ""}).status_code == 302
jwt = client.post("/api/v1/security/login", json={"username": ADMIN, "password": PASSWORD, "provider": "db"},
                  headers={"Cookie": ""}).get_json()["access_token"]
bearer = {"Authorization": "Bearer " + jwt}
resident = int(sys.argv[2])
out = {}
for name, url, headers in [("stock list", "/stockresidentview/list/", {}),
                           ("stock show", f"/stockresidentview/show/{resident}", {}),
                           ("stock REST list", "/api/v1/stockresident/?q=(page_size:25)", bearer),
                           ("stock REST show", f"/api/v1/stockresident/{resident}", bearer)]:
    client.get(url, headers=headers)
    walls = []
    for _ in range(int(sys.argv[1])):
        started = time.perf_counter()
        status = client.get(url, headers=headers).status_code
        walls.append((time.perf_counter() - started) * 1000)
    out[name] = {"status": status, "wall_ms": statistics.median(walls), "best_ms": min(walls)}
print(json.dumps(out))
"""


def stock_figures(database: str, repeat: int, resident: int) -> dict:
    """The stock Flask-AppBuilder list, show and REST list over the same residents (benchmarks/stock_app.py),
    measured the same way in a process of its own (its models would clash with the product's)."""
    import json
    import subprocess

    env = {**os.environ, "STOCK_DATABASE_URL": database, "STOCK_UPDATE_PERMS": "1"}
    out = subprocess.run([sys.executable, "-c", STOCK_PROBE, str(repeat), str(resident)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get(
        "LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wcn_scale"))
    parser.add_argument("--user", default="h01.nurse1")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--html", help="also write each profile as HTML into this folder")
    args = parser.parse_args()

    from scale import PASSWORD, bench_env

    os.environ.update(bench_env(args.database))
    os.environ.update({"AUTH_RATE_LIMIT": "1000000 per minute", "AUTH_USERNAME_RATE_LIMIT": "1000000 per minute"})
    from pyinstrument import Profiler
    from sqlalchemy import event, text

    from app import create_app
    from app.extensions import db

    app = create_app("production")
    client = app.test_client()
    with app.app_context():
        home, resident = db.session.execute(text(
            "SELECT r.home_id, r.id FROM resident r JOIN user_home uh ON uh.home_id = r.home_id "
            "JOIN ab_user u ON u.id = uh.user_id WHERE u.username = :u AND r.status = 'in_residence' "
            "ORDER BY r.id LIMIT 1"), {"u": args.user}).one()
        engine = db.engine
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    response = client.post("/login/", data={"username": args.user, "password": PASSWORD,
                                            "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.status_code
    jwt = client.post("/api/v1/security/login", json={"username": args.user, "password": PASSWORD,
                                                      "provider": "db"}, headers={"Cookie": ""})
    bearer = {"Authorization": "Bearer " + (jwt.get_json() or {}).get("access_token", "")}
    urls = {
        "resident profile": (f"/residents/{resident}/", {}),
        "assessments tab": (f"/assessments/resident/{resident}/", {}),
        "resident list": ("/residentview/list/", {}),
        "due list": ("/assessments/due/", {}),
        "care plans": (f"/careplans/resident/{resident}/", {}),
        "tasks": ("/taskview/list/", {}),
        "occupancy": ("/occupancy/", {}),
        "documents": ("/documents/", {}),
        "assessment form": (f"/assessments/resident/{resident}/fill/must", {}),
        "REST list": ("/api/v1/residents/?q=(page_size:25)", bearer),
        "REST show": (f"/api/v1/residents/{resident}", bearer),
    }
    statements: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, time.perf_counter() - context._started))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    # The stock app is measured before and after ours (each in a process of its own) and the lower of
    # its two medians kept: a moment of noise on a shared machine then does not move the baseline.
    stock = stock_figures(args.database, args.repeat, resident)
    rows = []
    for name, (url, headers) in urls.items():
        client.get(url, headers=headers)  # warm: templates compiled, caches filled
        walls, counts, sql_ms = [], [], []
        for _ in range(args.repeat):
            statements.clear()
            started = time.perf_counter()
            status = client.get(url, headers=headers).status_code
            walls.append((time.perf_counter() - started) * 1000)
            counts.append(len(statements))
            sql_ms.append(sum(t for _, t in statements) * 1000)
        repeated = collections.Counter(re.sub(r"\s+", " ", s)[:70] for s, _ in statements).most_common(1)
        top = f"{repeated[0][1]}x {repeated[0][0]}" if repeated else ""
        rows.append((name, status, statistics.median(walls), min(walls), statistics.median(counts),
                     statistics.median(sql_ms), top))
    again = stock_figures(args.database, args.repeat, resident)
    for name, figures in stock.items():
        figures["wall_ms"] = min(figures["wall_ms"], again[name]["wall_ms"])
        figures["best_ms"] = min(figures["best_ms"], again[name]["best_ms"])
    base = stock["stock list"]["wall_ms"]
    best = stock["stock list"]["best_ms"]
    # On a shared virtual machine the fastest of the repeats is the steadiest figure of what a request
    # costs (others add what the neighbours took); both are shown, each against the stock list's.
    print(f"user {args.user}, home {home}, resident {resident}; {args.repeat} repeats; median and best wall "
          f"time, each also as a multiple of the stock FAB list's ({base:.1f} / {best:.1f} ms)\n")
    print(f"{'request':20} {'status':>6} {'median':>7} {'x stock':>7} {'best':>6} {'x stock':>7} {'SQL':>4} "
          f"{'SQL ms':>7}  most repeated statement")
    for name, figures in stock.items():
        print(f"{name:20} {figures['status']:>6} {figures['wall_ms']:>7.1f} {figures['wall_ms'] / base:>7.2f} "
              f"{figures['best_ms']:>6.1f} {figures['best_ms'] / best:>7.2f}")
    for name, status, wall, fastest, count, sql_time, top in rows:
        print(f"{name:20} {status:>6} {wall:>7.1f} {wall / base:>7.2f} {fastest:>6.1f} {fastest / best:>7.2f} "
              f"{count:>4.0f} {sql_time:>7.1f}  {top}")
    print()
    for name in list(urls)[:5]:
        url, headers = urls[name]
        profiler = Profiler(interval=0.0005)
        profiler.start()
        client.get(url, headers=headers)
        profiler.stop()
        print(f"===== {name}: {url}")
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])
        if args.html:
            Path(args.html).mkdir(parents=True, exist_ok=True)
            Path(args.html, re.sub(r"\W+", "-", name) + ".html").write_text(profiler.output_html())


if __name__ == "__main__":
    main()
