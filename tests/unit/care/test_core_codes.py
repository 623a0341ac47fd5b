"""The chart codes table and the board's weight rule, without the app: every chart names its coding,
the limits we accept sit inside what the `news2` definition accepts (the engine never refuses a value
the service let through), and the weight-loss rule compares with the weight of about a month before."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from app.care.board import _weight_loss
from app.care.codes import CHARTS, LOCAL, LOINC, NEWS2_CODES, SNOMED

NEWS2 = json.loads((Path(__file__).resolve().parents[3] / "form_definitions" / "news2.json").read_text())


@pytest.mark.parametrize("code", sorted(CHARTS))
def test_every_chart_names_its_coding(code):
    spec = CHARTS[code]
    assert spec.system in (LOINC, SNOMED, LOCAL)
    if spec.system == LOINC:
        assert re.fullmatch(r"\d{1,6}-\d", spec.system_code), spec.system_code
    if spec.system == SNOMED:
        assert re.fullmatch(r"\d{6,18}", spec.system_code), spec.system_code
    assert spec.display
    low, high = spec.impossible
    if low is not None and high is not None:
        assert low <= high
    p_low, p_high = spec.plausible
    if p_low is not None:
        assert low <= p_low and p_high <= high


def test_every_news2_parameter_is_a_chart_and_its_limits_sit_inside_the_form():
    properties = NEWS2["properties"]
    assert {CHARTS[c].news2_field for c in NEWS2_CODES} == set(properties)
    for code in NEWS2_CODES:
        spec = CHARTS[code]
        schema = properties[spec.news2_field]
        low, high = spec.impossible
        if "minimum" in schema and low is not None:
            assert low >= Decimal(str(schema["minimum"])), code
        if "maximum" in schema and high is not None:
            assert high <= Decimal(str(schema["maximum"])), code
        if "enum" in schema and spec.choices:
            assert set(spec.choices) == set(schema["enum"]), code


NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def weights(*pairs):
    """(days ago, kg) -> rows newest first, as the board reads them."""
    return sorted(((NOW - dt.timedelta(days=d), Decimal(str(kg))) for d, kg in pairs), reverse=True)


@pytest.mark.parametrize(("rows", "flagged"), [
    (weights((1, 60.0), (8, 61), (15, 62), (22, 62.5), (29, 63.5), (36, 64)), Decimal("5.5")),  # 60 vs 63.5
    (weights((1, 61.0), (29, 63.5)), None),  # 3.9 %: under 5 %
    (weights((1, 57.0), (10, 60)), None),  # nothing a month before: no monthly rule
    (weights((40, 50.0), (70, 60)), None),  # the latest is too old to say "now"
    (weights((2, 54.0), (30, 60), (60, 66)), Decimal("10.0")),
])
def test_weight_loss_of_5_percent_in_a_month(rows, flagged):
    found = _weight_loss(rows, NOW)
    assert (found[0] if found else None) == flagged
