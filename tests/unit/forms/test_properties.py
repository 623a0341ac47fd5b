"""Property-based: random answers and random rule trees never crash or hang the engine."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import jsonio
from forms.definition import definition_files, load_definition
from forms.engine import validate_and_score
from forms.logic import OPERATORS, LogicError, evaluate

LIBRARY = [load_definition(p) for p in definition_files()]
FIELD_KEYS = sorted({k for d in LIBRARY for k in d.fields} | {"unknown_field", "x"})
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["A", "yes", "no", "unsure", "male", "2025-01-01", "", "over_15_kg", "independent"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def answers_for(definition):
    keys = st.sampled_from(sorted(definition.fields) + ["unknown_field"])
    plausible = st.one_of(
        json_values, *[st.sampled_from([o.value for o in s.options]) for s in definition.fields.values() if s.options]
    )
    return st.dictionaries(keys, plausible, max_size=len(definition.fields) + 1)


@SETTINGS
@given(data=st.data(), index=st.integers(min_value=0, max_value=len(LIBRARY) - 1))
def test_random_answers_give_a_result_never_an_exception(data, index):
    definition = LIBRARY[index]
    answers = data.draw(answers_for(definition))
    result = validate_and_score(definition, answers, locale=data.draw(st.sampled_from(["en-GB", "cy"])))
    if result.ok and definition.scoring is None:  # the standard care plan: nothing to score
        assert result.total is None and not result.errors and not result.points
    elif result.ok:
        assert result.total is not None and not result.errors
        assert set(result.points) == {i.get("key", i["field"]) for i in definition.scoring["items"]}
    else:
        assert result.errors and result.total is None
        assert all(isinstance(m, str) and m for messages in result.errors.values() for m in messages)
    jsonio.dumps(result.to_dict())  # always serialisable


@SETTINGS
@given(answers=json_values)
def test_answers_of_any_shape(answers):
    result = validate_and_score(LIBRARY[0], answers)
    assert result.ok is False or isinstance(answers, dict)


operators = st.sampled_from(sorted(OPERATORS) + ["eval", "__import__", "constructor"])
leaves = st.one_of(scalars, st.builds(lambda k: {"var": k}, st.sampled_from(FIELD_KEYS + ["", "a.b", "$total"])))
rules = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda op, args: {op: args}, operators, st.lists(inner, max_size=4)), st.lists(inner, max_size=3)
    ),
    max_leaves=30,
)
contexts = st.dictionaries(st.sampled_from(FIELD_KEYS), json_values, max_size=6)


@SETTINGS
@given(rule=rules, context=contexts)
def test_random_rules_evaluate_or_raise_logic_error(rule, context):
    try:
        value = evaluate(rule, context)
    except LogicError as exc:
        assert str(exc)
        return
    assert value is None or isinstance(value, (bool, str, Decimal, list, int, dict))


@SETTINGS
@given(depth=st.integers(min_value=65, max_value=20_000), op=st.sampled_from(["!", "+", "if", "list"]))
def test_any_deep_rule_is_refused(depth, op):
    tree: object = 1
    for _ in range(depth):
        tree = [tree] if op == "list" else {op: [tree]}
    try:
        evaluate(tree, {})
    except LogicError as exc:
        assert "nested" in str(exc)
    else:
        raise AssertionError("deep rule was evaluated")


@SETTINGS
@given(text=st.text(max_size=200))
def test_json_reader_only_raises_its_own_error(text):
    try:
        jsonio.loads(text)
    except jsonio.JsonInputError:
        pass


def test_date_diff_with_a_computed_or_list_unit_is_a_logic_error():
    for unit in ({"var": "x"}, ["days"], 3):
        try:
            evaluate({"date_diff": ["2020-01-01", "2021-01-01", unit]}, {})
        except LogicError as exc:
            assert "unit" in str(exc)
        else:
            raise AssertionError("a non-literal unit was accepted")
