"""Start-up: import and `create_app()` of the product against the stock Flask-AppBuilder app of
benchmarks/stock_app.py, per registered view (issue 15: "create_app() no slower than stock per
registered view"). Each start is a fresh Python process; runs are interleaved so both see the
same machine.

    python benchmarks/bench_startup.py [--database URL] [--runs 5]

The framework (Flask, Flask-AppBuilder, SQLAlchemy) is imported first and timed apart; then the
app's own import and `create_app()`. Both start as a gunicorn worker would: the product with its production settings and
FAB_UPDATE_PERMS off (permissions are synced by `flask setup`), the stock app with
STOCK_UPDATE_PERMS=0. Prints, per app, the median import time, `create_app()` time, the number of
views and REST APIs registered and the milliseconds per registered one; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

PROBE = r"""
import json, sys, time
tf = time.perf_counter()
import flask, flask_appbuilder, flask_sqlalchemy, sqlalchemy  # the framework both start with
t0 = time.perf_counter()
if sys.argv[1] == "ours":
    from app import create_app
    t1 = time.perf_counter()
    app = create_app("production")
else:
    sys.path.insert(0, "benchmarks")
    from stock_app import create_app
    t1 = time.perf_counter()
    app = create_app()
t2 = time.perf_counter()
ab = app.appbuilder
print(json.dumps({"framework_s": t0 - tf, "import_s": t1 - t0, "create_s": t2 - t1, "views": len(ab.baseviews),
                  "rules": len(list(app.url_map.iter_rules()))}))
"""


def one_start(which: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, which], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get(
        "LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/wcn_scale"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from scale import bench_env

    env = {**os.environ, **bench_env(args.database), "STOCK_DATABASE_URL": args.database, "STOCK_UPDATE_PERMS": "0"}
    runs: dict[str, list[dict]] = {"ours": [], "stock": []}
    one_start("ours", env)  # warm the file cache and the byte-code
    one_start("stock", env)
    for _ in range(args.runs):
        for which in runs:
            runs[which].append(one_start(which, env))
    result = {}
    for which, samples in runs.items():
        create = statistics.median(s["create_s"] for s in samples)
        own = statistics.median(s["import_s"] + s["create_s"] for s in samples)
        result[which] = {"framework_s": round(statistics.median(s["framework_s"] for s in samples), 3),
                         "import_s": round(statistics.median(s["import_s"] for s in samples), 3),
                         "create_s": round(create, 3), "views": samples[0]["views"],
                         "url_rules": samples[0]["rules"],
                         "create_ms_per_view": round(create * 1000 / samples[0]["views"], 1),
                         "own_ms_per_view": round(own * 1000 / samples[0]["views"], 1)}
    result["ratio_per_view"] = round(result["ours"]["create_ms_per_view"] / result["stock"]["create_ms_per_view"], 2)
    result["ratio_own_per_view"] = round(result["ours"]["own_ms_per_view"] / result["stock"]["own_ms_per_view"], 2)
    for which in ("ours", "stock"):
        r = result[which]
        print(f"{which:6} framework {r['framework_s']:.3f} s  import {r['import_s']:.3f} s  create_app "
              f"{r['create_s']:.3f} s  views {r['views']:4}  routes {r['url_rules']:5}  "
              f"{r['create_ms_per_view']} ms per view (create_app), {r['own_ms_per_view']} (import + create_app)")
    print(f"per registered view, ours / stock: create_app {result['ratio_per_view']}, "
          f"import + create_app {result['ratio_own_per_view']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
