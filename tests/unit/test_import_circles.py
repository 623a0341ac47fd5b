"""Imports point one way, from commands and jobs down to services and the core: the two circles
this checks (set-up ↔ demo data, notification jobs ↔ notification services) stay broken."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(relative: str) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    tree = ast.parse((ROOT / relative).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_demo_data_does_not_import_the_set_up_commands():
    assert "app.cli" not in imported_modules("app/demo.py")
    assert not {"app.demo", "app.cli"} & imported_modules("app/bootstrap.py")


def test_notification_services_do_not_import_the_notification_jobs():
    assert not {m for m in imported_modules("app/notifications/services.py") if m.startswith("app.notifications.jobs")}


def test_the_email_job_named_by_the_services_exists():
    from werkzeug.utils import import_string

    from app.notifications import jobs as notification_jobs
    from app.notifications.services import DELIVER_EMAIL

    assert import_string(DELIVER_EMAIL) is notification_jobs.deliver_email


def test_the_job_package_modules_point_one_way():
    """models ← worker ← enqueue ← schedule ← cli: no module imports one above it."""
    order = ["models", "worker", "files", "enqueue", "schedule", "cli"]
    allowed_below = {"files": {"models", "worker"}}
    for index, name in enumerate(order):
        imports = {m.split(".")[2] for m in imported_modules(f"app/jobs/{name}.py")
                   if m.startswith("app.jobs.") and m.count(".") >= 2}
        below = allowed_below.get(name, set(order[:index]))
        assert imports <= below, (name, imports - below)
