"""The embedded fonts are registered when the first document is made, not when the app (or a page
importing a date helper from reports) starts: web workers that never print skip the work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROGRAM = """
import datetime as dt
from reportlab.pdfbase import pdfmetrics
import reports.assessment, reports.care_plan, reports.invoice, reports.transfer_summary
from reports.base import DocumentInfo, build_pdf
from reports.styles import FONT, STYLES
from reportlab.platypus import Paragraph
print(FONT in pdfmetrics.getRegisteredFontNames())
pdf = build_pdf([Paragraph("Ffion Llŷr", STYLES["body"])],
                DocumentInfo("T", "Home", "me", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
print(FONT in pdfmetrics.getRegisteredFontNames(), pdf[:5] == b"%PDF-", b"DejaVuSans" in pdf)
"""


def test_fonts_are_registered_on_first_use_not_at_import():
    out = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True", "True"], out.stdout + out.stderr
