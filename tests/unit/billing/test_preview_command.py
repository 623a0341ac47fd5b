"""`flask billing preview FILE|-` as a finance user runs it: the scenario's lines as JSON and exit status 0, or
the reason naming the field and exit status 2. The command's body is tested with text streams here; the
wired command too, when the app's `flask billing` group is present."""

from __future__ import annotations

import io
import json

import pytest

from app.billing.calculation import preview_command_body
from tests.unit.billing.helpers import agreement, scenario

GOOD = scenario(admitted="2026-04-15", agreements=[agreement("2026-04-15", "1099.99")])


def run(text: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = preview_command_body(io.StringIO(text), out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_valid_scenario_prints_the_lines_as_json():
    code, out, err = run(json.dumps(GOOD))
    assert code == 0 and err == ""
    result = json.loads(out)
    # 1099.99 × 16 ÷ 7 = 2514.2628… → 2514.26
    assert result["total"] == "2514.26"
    assert result["lines"][0] == {
        "payer": "Resident", "kind": "resident", "start": "2026-04-15", "end": "2026-04-30", "days": 16,
        "weekly": "1099.99", "amount": "2514.26", "type": "charge",
        "description": "Care fees 15 Apr 2026 – 30 Apr 2026: 16 days at £1,099.99 a week",
    }


def test_an_amount_written_as_a_json_number_with_a_fraction_is_refused():
    text = json.dumps(GOOD).replace('"weekly_fee": "1099.99"', '"weekly_fee": 1099.99')
    code, out, err = run(text)
    assert (code, out) == (2, "")
    assert err.startswith("Error: agreements[0].weekly_fee:") and "float" in err


def test_a_whole_number_amount_is_accepted():
    code, out, _ = run(json.dumps(GOOD).replace('"weekly_fee": "1099.99"', '"weekly_fee": 700'))
    assert code == 0 and json.loads(out)["total"] == "1600.00"  # 16 days × 100.00


@pytest.mark.parametrize(("text", "field"), [
    ("{not json", "(file)"),
    (json.dumps({**GOOD, "period": {"start": "2026-04-31", "end": "2026-05-31"}}), "period.start"),
    (json.dumps(scenario(agreements=[agreement(fee="100.005")])), "agreements[0].weekly_fee"),
])
def test_a_bad_scenario_exits_2_naming_the_field(text, field):
    code, out, err = run(text)
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {field}: ")


def _billing_group():
    try:
        from app.billing.cli import billing_cli  # wired by the billing domain
    except ImportError:
        return None
    return billing_cli


@pytest.mark.skipif(_billing_group() is None, reason="the flask billing command group is not wired yet")
def test_flask_billing_preview_reads_standard_input_and_a_file(tmp_path):
    from flask import Flask

    app = Flask(__name__)
    app.cli.add_command(_billing_group())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "preview", "-"], input=json.dumps(GOOD))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == "2514.26"
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(GOOD).replace('"1099.99"', "1099.99"), encoding="utf-8")
    result = runner.invoke(args=["billing", "preview", str(path)])
    assert result.exit_code == 2
    assert "agreements[0].weekly_fee" in result.output
