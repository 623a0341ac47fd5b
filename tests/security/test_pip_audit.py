"""Known vulnerabilities in the pinned dependencies (`pip-audit` over requirements.txt).

The audit asks a vulnerability service (PyPI's JSON API, then OSV) about every pinned version. When
neither answers for the pins (no network, or a mirror without the per-version API), the test is
skipped and says so: it never passes without having looked. A vulnerability accepted on purpose is
listed in ACCEPTED with its reason, and in the README's security section.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# vulnerability id -> why it is accepted (keep the README's security section in step)
ACCEPTED: dict[str, str] = {}


def _audit(service: str) -> tuple[dict | None, str]:
    command = [sys.executable, "-m", "pip_audit", "-r", str(ROOT / "requirements.txt"), "--no-deps",
               "--disable-pip", "--progress-spinner", "off", "-f", "json", "-s", service, "--timeout", "20"]
    for vuln_id in ACCEPTED:
        command += ["--ignore-vuln", vuln_id]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)  # noqa: S603
    except subprocess.TimeoutExpired:
        return None, f"{service}: no answer within 300 s"
    try:
        return json.loads(done.stdout), done.stderr
    except json.JSONDecodeError:
        return None, f"{service}: {(done.stderr or done.stdout).strip()[-300:]}"


def test_no_known_vulnerability_in_the_pinned_dependencies():
    pytest.importorskip("pip_audit", reason="pip-audit is not installed (it is pinned in requirements.txt)")
    why_not = []
    for service in ("pypi", "osv"):
        report, stderr = _audit(service)
        if report is None:
            why_not.append(stderr)
            continue
        dependencies = report.get("dependencies", [])
        found = [(d["name"], d["version"], v["id"], v.get("fix_versions"))
                 for d in dependencies for v in d.get("vulns", [])]
        assert not found, "known vulnerabilities (upgrade, or accept with a reason in ACCEPTED and the README): " + \
            "; ".join(f"{name} {version}: {vid} (fixed in {fixes or 'no release yet'})"
                      for name, version, vid, fixes in found)
        skipped = [d for d in dependencies if d.get("skip_reason")]
        if not skipped and dependencies:
            return  # every pin audited, nothing found
        why_not.append(f"{service}: {len(skipped)} of {len(dependencies)} pins could not be audited, e.g. "
                       f"{skipped[0]['skip_reason'] if skipped else 'none listed'}")
    pytest.skip("pip-audit could not reach a vulnerability service for the pins, so nothing was audited: "
                + " | ".join(why_not))
