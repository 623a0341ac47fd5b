"""Imports point one way: domain packages (homes, residents, ...) depend on the core (extensions,
exceptions, labels, audit, crypto, tenancy, request_cache); the core never imports a domain package, not even
inside a function, so no import circle can pass through it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = [
    "app.extensions", "app.exceptions", "app.labels", "app.audit", "app.crypto", "app.tenancy", "app.request_cache",
]


def imported_modules(path: Path) -> set[str]:
    """Every app.* module a file imports, at the top or inside any function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("app.")}


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_only_the_core(module):
    path = ROOT / (module.replace(".", "/") + ".py")
    outside = {name for name in imported_modules(path) if not any(name.startswith(core) for core in CORE)}
    assert outside == set(), f"{module} imports {sorted(outside)}"


@pytest.mark.parametrize("module", [*CORE, "app.homes.models"])
def test_each_module_imports_on_its_own_in_a_fresh_interpreter(module):
    """Imported first, before anything else, each loads without a circle and pulls in no domain
    package it does not itself need."""
    script = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('app.'))))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    domain = {m for m in loaded if not any(m.startswith(core) for core in CORE)}
    if module == "app.homes.models":
        assert domain == {"app.homes", "app.homes.models"}, domain
    else:
        assert domain == set(), f"importing {module} loaded {sorted(domain)}"


def test_the_care_home_is_found_through_the_core_registry():
    from app.homes.models import CareHome
    from app.tenancy import HomeRootMixin, home_model

    assert home_model() is CareHome and issubclass(CareHome, HomeRootMixin)
