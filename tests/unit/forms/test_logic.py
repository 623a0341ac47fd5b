"""The rule evaluator: operators, unanswered semantics, limits and errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms.logic import LogicError, check_rule, evaluate, plain

V = {"var": "x"}

CASES = [
    # (rule, context, expected)
    ({"+": [1, 2, 3]}, {}, 6),
    ({"+": [0.1, 0.2]}, {}, Decimal("0.3")),  # Decimal, not float 0.30000000000000004
    ({"-": [5]}, {}, -5),
    ({"-": [5, 7]}, {}, -2),
    ({"*": [1.5, 2]}, {}, 3),
    ({"/": [7, 2]}, {}, Decimal("3.5")),
    ({"%": [7, 3]}, {}, 1),
    ({"min": [3, 1, 2]}, {}, 1),
    ({"max": [3, 1, 2]}, {}, 3),
    ({"round": [2.345, 2]}, {}, Decimal("2.35")),
    ({"round": [2.5]}, {}, 3),
    ({"abs": [-4]}, {}, 4),
    ({"==": [V, "a"]}, {"x": "a"}, True),
    ({"==": [V, 1]}, {"x": True}, False),  # booleans are not numbers
    ({"==": [V, 1]}, {"x": 1.0}, True),
    ({"!=": [V, "a"]}, {"x": "b"}, True),
    ({"<": [1, V, 3]}, {"x": 2}, True),
    ({"<=": [1, V, 3]}, {"x": 3}, True),
    ({">": [V, 2]}, {"x": 3}, True),
    ({">=": [V, 2]}, {"x": 2}, True),
    ({"<": ["2025-01-01", "2025-02-01"]}, {}, True),
    ({"and": [True, V]}, {"x": 0}, 0),
    ({"or": [False, V]}, {"x": "y"}, "y"),
    ({"!": [V]}, {}, True),
    ({"!!": [V]}, {"x": "a"}, True),
    ({"if": [V, "yes", "no"]}, {"x": True}, "yes"),
    ({"if": [False, 1, V, 2, 3]}, {"x": True}, 2),
    ({"if": [False, 1]}, {}, None),
    ({"?:": [V, 1, 2]}, {}, 2),
    ({"in": [V, ["a", "b"]]}, {"x": "b"}, True),
    ({"in": ["ell", "hello"]}, {}, True),
    ({"var": "a.b"}, {"a": {"b": 4}}, 4),
    ({"var": "a.1"}, {"a": [5, 6]}, 6),
    ({"var": ["x", 9]}, {}, 9),
    ({"missing": ["x", "y"]}, {"x": 1, "y": ""}, ["y"]),
    ({"answered": ["x"]}, {"x": 0}, True),
    ({"answered": ["x"]}, {"x": ""}, False),
    ({"count": [V]}, {"x": [1, 2, 3]}, 3),
    ({"sum": [V]}, {"x": [1, 2, 3]}, 6),
    ({"map": [V, {"*": [{"var": "n"}, 2]}]}, {"x": [{"n": 1}, {"n": 2}]}, [2, 4]),
    ({"filter": [V, {">": [{"var": ""}, 1]}]}, {"x": [1, 2, 3]}, [2, 3]),
    ({"all": [V, {">": [{"var": ""}, 0]}]}, {"x": [1, 2]}, True),
    ({"all": [V, {">": [{"var": ""}, 0]}]}, {"x": []}, False),
    ({"some": [V, {"==": [{"var": ""}, 3]}]}, {"x": [1, 3]}, True),
    ({"none": [V, {"==": [{"var": ""}, 3]}]}, {"x": [1, 2]}, True),
    ({"date_diff": ["2000-02-29", "2025-02-28", "years"]}, {}, 24),
    ({"date_diff": ["2025-01-31", "2025-03-01", "months"]}, {}, 1),
    ({"date_diff": ["2025-01-10", "2025-01-01", "days"]}, {}, -9),
]


@pytest.mark.parametrize(("rule", "context", "expected"), CASES)
def test_operators(rule, context, expected):
    assert evaluate(rule, context) == expected


UNANSWERED = [
    # unanswered is never silently 0
    ({"+": [1, V]}, None),
    ({"*": [V, 0]}, None),
    ({"max": [V, 2]}, None),
    ({"sum": [[1, V]]}, None),
    ({"<": [V, 5]}, False),  # JS JSON Logic says true (null -> 0)
    ({">=": [V, 0]}, False),
    ({"==": [V, 0]}, False),
    ({"==": [V, None]}, True),
    ({"count": [V]}, None),
    ({"if": [V, 1, 2]}, 2),
    ({"in": [V, [None, 1]]}, False),
]


@pytest.mark.parametrize(("rule", "expected"), UNANSWERED)
def test_unanswered_is_not_zero(rule, expected):
    assert evaluate(rule, {}) == expected
    assert evaluate(rule, {"x": ""}) == expected


def test_today_is_injected_not_read_from_the_clock():
    rule = {"date_diff": [{"var": "dob"}, {"today": []}, "years"]}
    assert evaluate(rule, {"dob": "1940-06-15"}, today=dt.date(2025, 6, 14)) == 84
    assert evaluate(rule, {"dob": "1940-06-15"}, today=dt.date(2025, 6, 15)) == 85
    with pytest.raises(LogicError, match="today"):
        evaluate(rule, {"dob": "1940-06-15"})


BAD_RULES = [
    ({"eval": ["1+1"]}, "unknown operator"),
    ({"+": [1], "-": [2]}, "exactly one operator"),
    ({"+": []}, "arguments"),
    ({"date_diff": ["2020-01-01", "2021-01-01", "weeks"]}, "unit"),
    ({"var": [{"var": "x"}]}, "field name"),
    (float("inf"), "not finite"),
    (float("nan"), "not finite"),
    (Decimal("1e400"), "out of range"),
    (10**16, "out of range"),
    ("x" * 1001, "longer than"),
    (list(range(1001)), "more than 1000"),
    ({"+": [object()]}, "not allowed"),
]


@pytest.mark.parametrize(("rule", "fragment"), BAD_RULES)
def test_bad_rules_give_clear_errors(rule, fragment):
    with pytest.raises(LogicError, match=fragment):
        check_rule(rule)
    with pytest.raises(LogicError):
        evaluate(rule, {})


@pytest.mark.parametrize("shape", ["op", "list"])
def test_ten_thousand_deep_rule_is_refused_without_recursion(shape):
    tree: object = 1
    for _ in range(10_000):
        tree = {"!": [tree]} if shape == "op" else [tree]
    with pytest.raises(LogicError, match="nested more than"):
        evaluate(tree, {})


def test_rule_with_too_many_nodes_is_refused():
    with pytest.raises(LogicError, match="parts"):
        check_rule({"+": [[1] * 900 for _ in range(10)]})


EVAL_ERRORS = [
    ({"+": [V, 1]}, {"x": "3"}, "needs numbers"),  # no string coercion
    ({"+": [V, 1]}, {"x": True}, "needs numbers"),
    ({"<": [V, 1]}, {"x": "a"}, "compares"),
    ({"/": [1, 0]}, {}, "divides by zero"),
    ({"*": [10**15, 10**15]}, {}, "out of range"),
    ({"*": [V, V, V]}, {"x": 10**15}, "out of range"),
    ({"count": [V]}, {"x": 3}, "needs a list"),
    ({"date_diff": [V, "2025-01-01", "days"]}, {"x": "not a date"}, "dates"),
    ({"round": [1, 20]}, {}, "places"),
]


@pytest.mark.parametrize(("rule", "context", "fragment"), EVAL_ERRORS)
def test_type_errors_are_logic_errors(rule, context, fragment):
    with pytest.raises(LogicError, match=fragment):
        evaluate(rule, context)


def test_nested_maps_hit_the_work_budget_not_a_hang():
    big = list(range(1000))
    rule = {"map": [V, {"map": [{"var": "x"}, {"+": [1, 1]}]}]}
    check_rule(rule)
    context = {"x": big}
    with pytest.raises(LogicError, match="too much work"):
        # inner map sees each item as its data, so give items that carry their own big list
        evaluate({"map": [V, {"map": [{"var": "y"}, {"map": [{"var": ""}, 1]}]}]}, {"x": [{"y": [big] * 10}] * 50})
    assert plain(evaluate({"count": [V]}, context)) == 1000


def test_check_rule_reports_variables_outside_map_scope_only():
    info = check_rule({"and": [{"var": "a.b"}, {"map": [{"var": "w"}, {"var": "inner"}]}, {"missing": ["c"]}]})
    assert info.variables == {"a", "w", "c"}
    assert "map" in info.operators


def test_plain_turns_decimals_into_json_numbers():
    assert plain(Decimal("2")) == 2 and isinstance(plain(Decimal("2")), int)
    assert plain(Decimal("2.5")) == 2.5
    assert plain([Decimal("1"), "a"]) == [1, "a"]
