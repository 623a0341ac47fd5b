"""The optional show/hide script agrees with the server: the same rules and answers give the same
visible questions in forms/logic.py and in app/static/js/assessment_form.js (run with Node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.assessments.pages import live_logic
from app.assessments.services import STANDARD_FORMS
from forms.definition import find_definition_file, load_definition
from forms.logic import LogicError, evaluate, is_truthy
from forms.validation import validate

SCRIPT = Path(__file__).resolve().parents[3] / "app" / "static" / "js" / "assessment_form.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed: the browser script cannot be run")

RULES = [
    {"==": [{"var": "a"}, "yes"]},
    {"!=": [{"var": "a"}, "yes"]},
    {"==": [{"var": "n"}, 3]},
    {">": [{"var": "n"}, 2]},
    {"<=": [1, {"var": "n"}, 5]},
    {">=": [{"var": "missing_one"}, 0]},
    {"<": [{"var": "a"}, 3]},  # text against a number: an error, so the question stays shown
    {"in": [{"var": "a"}, ["yes", "unsure"]]},
    {"in": ["es", {"var": "a"}]},
    {"and": [{"var": "b"}, {">": [{"var": "n"}, 1]}]},
    {"or": [{"var": "b"}, {"==": [{"var": "a"}, "no"]}]},
    {"!": [{"var": "b"}]},
    {"!!": [{"var": "missing_one"}]},
    {"==": [{"var": "b"}, 1]},  # a yes/no is never a number
    {"answered": ["a"]},
    {"missing": ["a", "missing_one"]},
    {"if": [{"var": "b"}, {">": [{"+": [{"var": "n"}, 2]}, 4]}, False]},
    {">": [{"-": [{"var": "n"}, 1]}, 1]},
    {"==": [{"*": [{"var": "n"}, 2]}, 6]},
    {">": [{"max": [{"var": "n"}, 1]}, 2]},
    {"==": [{"+": [{"var": "n"}, {"var": "missing_one"}]}, None]},
    {"in": [{"var": "many"}, ["x"]]},
    {"in": ["x", {"var": "many"}]},
    {">": [{"date_diff": ["2020-01-01", "2021-01-01", "years"]}, 0]},  # left to the server: shown
]
CONTEXTS = [{}, {"a": "yes", "n": 3, "b": True, "many": ["x", "y"]}, {"a": "no", "n": 1, "b": False},
            {"a": "unsure", "n": 2.5}]


def run_node(payload: dict) -> dict:
    program = (
        "const f = require(process.argv[1]);"
        "const p = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const out = {rules: p.rules.map(r => p.contexts.map(c => {"
        "  try { return f.truthy(f.evaluate(r, c)); } catch (e) { return 'error'; } })),"
        " forms: p.forms.map(x => f.visibleFields(x.logic, x.answers))};"
        "process.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run([NODE, "-e", program, str(SCRIPT)], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def python_truth(rule, context):
    try:
        return is_truthy(evaluate(rule, context))
    except LogicError:
        return "error"


def test_rules_give_the_same_answer_in_the_browser_and_on_the_server():
    forms = []
    expected_forms = []
    for key in STANDARD_FORMS:
        definition = load_definition(find_definition_file(key))
        for case in definition.raw["x-examples"]:
            forms.append({"logic": live_logic(definition), "answers": case["answers"]})
            visible = validate(definition, case["answers"]).visible
            expected_forms.append({k: k in visible for k in live_logic(definition)["order"]})
    result = run_node({"rules": RULES, "contexts": CONTEXTS, "forms": forms})
    for rule, outcomes in zip(RULES, result["rules"], strict=True):
        for context, js in zip(CONTEXTS, outcomes, strict=True):
            py = python_truth(rule, context)
            if "date_diff" in json.dumps(rule):
                assert js == "error"  # not evaluated in the browser: the question stays shown
                continue
            assert js == py, f"{rule} with {context}: browser {js}, server {py}"
    for expected, got in zip(expected_forms, result["forms"], strict=True):
        assert got == expected
    assert any(not shown for got in result["forms"] for shown in got.values()), "no example hides a question"
