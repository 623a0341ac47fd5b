"""Static security analysis: bandit (pinned in requirements.txt) finds nothing of high severity in
the product's code. Accepted exceptions are marked `# nosec <test id>` at the line, with the reason,
and listed in the README's Security section."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["app", "forms", "reports", "config.py", "run.py"]


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", *SCANNED, "--severity-level", "high", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.stdout.strip(), f"bandit gave no report (exit {result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert found == [], "\n".join(found)
    assert not report["errors"], report["errors"]
