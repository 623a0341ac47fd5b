"""Safe evaluation of rule trees: a restricted JSON Logic dialect ("carelogic/1").

A rule is data, never code: a JSON literal, a list of rules, or an object with exactly one operator key
from the allowlist below. `check_rule` walks a tree iteratively (no recursion, so a tree nested 10,000
deep is refused with a LogicError, not a RecursionError) and enforces depth, size and literal limits.
`evaluate` then walks the checked tree; its recursion depth is bounded by MAX_DEPTH and its work by a
step budget, so no rule can hang the server. Many rules together share one `Budget` (steps and a
deadline) when the caller opens one with `budget(...)`: a lint of a definition, a scoring of one
submission. Running out raises `BudgetExceeded`, which is not a LogicError: callers that tolerate a
failing rule still stop.

Semantics that differ from JavaScript JSON Logic, on purpose:
- Unanswered is `None` and is never 0: arithmetic with an unanswered operand gives `None`; an ordering
  comparison (`<`, `<=`, `>`, `>=`) with an unanswered operand is false; `if` treats `None` as false.
- Numbers are `Decimal`; booleans are not numbers; strings are never coerced to numbers.
- Type errors (adding text, comparing a number with text) raise LogicError instead of guessing.
- The only clock is the `today` value injected by the caller.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any

MAX_DEPTH = 64
MAX_NODES = 5000
MAX_STRING = 1000
MAX_LIST = 1000
MAX_STEPS = 200_000
MAX_MAGNITUDE = Decimal(10) ** 15

_DECIMAL_CONTEXT = Context(prec=34, Emax=999, Emin=-999, traps=[Overflow, DivisionByZero, InvalidOperation])

#: operator -> (minimum args, maximum args or None for any number)
OPERATORS: dict[str, tuple[int, int | None]] = {
    "var": (0, 2),
    "missing": (0, None),
    "answered": (1, 1),
    "if": (1, None),
    "?:": (3, 3),
    "and": (1, None),
    "or": (1, None),
    "!": (1, 1),
    "!!": (1, 1),
    "==": (2, 2),
    "!=": (2, 2),
    "<": (2, 3),
    "<=": (2, 3),
    ">": (2, 2),
    ">=": (2, 2),
    "+": (1, None),
    "-": (1, 2),
    "*": (1, None),
    "/": (2, 2),
    "%": (2, 2),
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "round": (1, 2),
    "sum": (1, 1),
    "count": (1, 1),
    "in": (2, 2),
    "map": (2, 2),
    "filter": (2, 2),
    "all": (2, 2),
    "some": (2, 2),
    "none": (2, 2),
    "today": (0, 0),
    "date_diff": (3, 3),
}
_SCOPED = {"map", "filter", "all", "some", "none"}
_DATE_UNITS = {"days", "months", "years"}


class LogicError(ValueError):
    """A rule that is malformed, too big, or cannot be evaluated on the data given."""


class BudgetExceeded(RuntimeError):
    """The work shared by all the rules of one lint or one scoring ran out (steps or time)."""


class Budget:
    """Steps and a deadline shared by every rule evaluated while it is open (see `budget`)."""

    __slots__ = ("steps_left", "deadline", "what", "exceeded", "_tick")

    def __init__(self, steps: int, seconds: float, what: str = "this form") -> None:
        self.steps_left = steps
        self.deadline = time.monotonic() + seconds
        self.what = what
        self.exceeded = False
        self._tick = 0

    def spend(self, steps: int = 1) -> None:
        self.steps_left -= steps
        self._tick += steps
        if self.steps_left < 0:
            self._exceed()
        if self._tick >= 1024:
            self._tick = 0
            if time.monotonic() > self.deadline:
                self._exceed()

    def _exceed(self) -> None:
        self.exceeded = True
        raise BudgetExceeded(f"{self.what} needs too much work to work out")


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("forms_logic_budget", default=None)


@contextlib.contextmanager
def budget(steps: int, seconds: float, what: str = "this form") -> Iterator[Budget]:
    """Share one budget among every rule evaluated in this block. Inside another budget, the outer
    one goes on counting (a lint's examples are scored within the lint's budget)."""
    current = _BUDGET.get()
    if current is not None:
        yield current
        return
    opened = Budget(steps, seconds, what)
    token = _BUDGET.set(opened)
    try:
        yield opened
    finally:
        _BUDGET.reset(token)


def current_budget() -> Budget | None:
    return _BUDGET.get()


@dataclass(frozen=True)
class RuleInfo:
    depth: int
    nodes: int
    variables: frozenset[str]
    operators: frozenset[str]


def _check_number(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise LogicError(f"number {value} is not finite")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            too_big = abs(Decimal(str(value))) > MAX_MAGNITUDE
        except InvalidOperation:
            raise LogicError(f"number {str(value)[:40]} is not a finite number") from None
        if too_big:
            raise LogicError(f"number {str(value)[:40]} is out of range (largest allowed is 1e15)")


def check_rule(tree: Any) -> RuleInfo:
    """Validate a rule tree's shape without recursion; return what it refers to."""
    stack: list[tuple[Any, int, bool]] = [(tree, 1, False)]
    nodes = 0
    max_depth = 0
    variables: set[str] = set()
    operators: set[str] = set()
    while stack:
        node, depth, scoped = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise LogicError(f"rule has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise LogicError(f"rule is nested more than {MAX_DEPTH} levels deep")
        max_depth = max(max_depth, depth)
        if node is None or isinstance(node, bool):
            continue
        if isinstance(node, (int, float, Decimal)):
            _check_number(node)
            continue
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise LogicError(f"text in rule is longer than {MAX_STRING} characters")
            continue
        if isinstance(node, (list, tuple)):
            if len(node) > MAX_LIST:
                raise LogicError(f"list in rule has more than {MAX_LIST} entries")
            stack.extend((child, depth + 1, scoped) for child in node)
            continue
        if not isinstance(node, dict):
            raise LogicError(f"{type(node).__name__} is not allowed in a rule")
        if len(node) != 1:
            raise LogicError(f"a rule object must have exactly one operator, got {sorted(map(str, node))[:5]}")
        op, args = next(iter(node.items()))
        if op not in OPERATORS:
            raise LogicError(f"unknown operator {str(op)[:40]!r}")
        operators.add(op)
        arg_list = list(args) if isinstance(args, (list, tuple)) else [args]
        low, high = OPERATORS[op]
        if len(arg_list) < low or (high is not None and len(arg_list) > high):
            allowed = str(low) if high == low else f"{low}..{high if high is not None else 'n'}"
            raise LogicError(f"operator {op!r} takes {allowed} arguments, got {len(arg_list)}")
        if op == "var":
            name = arg_list[0] if arg_list else ""
            if not isinstance(name, (str, int)) or isinstance(name, bool):
                raise LogicError("'var' needs a field name")
            if not scoped and name != "":
                variables.add(str(name).split(".")[0])
            stack.extend((child, depth + 1, scoped) for child in arg_list[1:])
            continue
        if op in ("missing", "answered"):
            for name in arg_list:
                if not isinstance(name, str):
                    raise LogicError(f"'{op}' needs field names")
                if not scoped:
                    variables.add(name.split(".")[0])
            continue
        if op == "date_diff" and (not isinstance(arg_list[2], str) or arg_list[2] not in _DATE_UNITS):
            raise LogicError(f"'date_diff' unit must be one of {sorted(_DATE_UNITS)}")
        if op in _SCOPED:
            stack.append((arg_list[0], depth + 1, scoped))
            stack.append((arg_list[1], depth + 1, True))
            continue
        stack.extend((child, depth + 1, scoped) for child in arg_list)
    return RuleInfo(max_depth, nodes, frozenset(variables), frozenset(operators))


def to_decimal(value: Any) -> Any:
    """Numbers (not booleans) become Decimal; everything else is returned unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LogicError(f"number {value} is not finite")
        return Decimal(repr(value))
    return value


def is_truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, Decimal):
        return value != 0
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return bool(value)


def _describe(value: Any) -> str:
    if value is None:
        return "unanswered"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _number(op: str, value: Any) -> Decimal:
    if not isinstance(value, Decimal):
        raise LogicError(f"'{op}' needs numbers, got {_describe(value)}")
    return value


def _checked(value: Decimal) -> Decimal:
    if not value.is_finite() or abs(value) > MAX_MAGNITUDE:
        raise LogicError("result of a calculation is out of range")
    return value


def _parse_date(op: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise LogicError(f"'{op}' needs dates (YYYY-MM-DD), got {_describe(value)}")


_TOP = object()  # marks "no map/filter item": variables come from the context


class _Evaluator:
    __slots__ = ("context", "today", "steps", "budget")

    def __init__(self, context: Mapping[str, Any], today: dt.date | None) -> None:
        self.context = context
        self.today = today
        self.steps = 0
        self.budget = _BUDGET.get()

    def run(self, node: Any, data: Any) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise LogicError("rule needs too much work to evaluate")
        if self.budget is not None:
            self.budget.spend()
        if isinstance(node, dict):
            op, args = next(iter(node.items()))
            handler = _HANDLERS[op]
            if not isinstance(args, (list, tuple)):
                args = [args]
            return handler(self, args, data)
        if isinstance(node, (list, tuple)):
            return [self.run(child, data) for child in node]
        return to_decimal(node)

    def lookup(self, name: Any, data: Any) -> Any:
        if name == "" or name is None:
            return None if data is _TOP else to_decimal(data)
        current: Any = self.context if data is _TOP else data
        for part in str(name).split("."):
            if isinstance(current, Mapping):
                current = current.get(part)
            elif isinstance(current, (list, tuple)) and part.isdigit() and int(part) < len(current):
                current = current[int(part)]
            else:
                return None
            if current is None:
                return None
        if isinstance(current, str) and current == "":
            return None
        return to_decimal(current)


def _op_var(ev: _Evaluator, args: list, data: Any) -> Any:
    name = args[0] if args else ""
    value = ev.lookup(name, data)
    if value is None and len(args) > 1:
        return ev.run(args[1], data)
    return value


def _unanswered(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def _op_missing(ev: _Evaluator, args: list, data: Any) -> Any:
    return [name for name in args if _unanswered(ev.lookup(name, data))]


def _op_answered(ev: _Evaluator, args: list, data: Any) -> Any:
    return not _unanswered(ev.lookup(args[0], data))


def _op_if(ev: _Evaluator, args: list, data: Any) -> Any:
    index = 0
    while index + 1 < len(args):
        if is_truthy(ev.run(args[index], data)):
            return ev.run(args[index + 1], data)
        index += 2
    return ev.run(args[index], data) if index < len(args) else None


def _op_and(ev: _Evaluator, args: list, data: Any) -> Any:
    value: Any = None
    for arg in args:
        value = ev.run(arg, data)
        if not is_truthy(value):
            return value
    return value


def _op_or(ev: _Evaluator, args: list, data: Any) -> Any:
    value: Any = None
    for arg in args:
        value = ev.run(arg, data)
        if is_truthy(value):
            return value
    return value


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _op_eq(ev: _Evaluator, args: list, data: Any) -> Any:
    return _equal(ev.run(args[0], data), ev.run(args[1], data))


def _op_ne(ev: _Evaluator, args: list, data: Any) -> Any:
    return not _equal(ev.run(args[0], data), ev.run(args[1], data))


def _ordered(op: str, values: list[Any]) -> list[Any] | None:
    if any(v is None for v in values):
        return None
    if all(isinstance(v, Decimal) for v in values) or all(isinstance(v, str) for v in values):
        return values
    raise LogicError(
        f"'{op}' compares numbers with numbers or text with text, got {', '.join(_describe(v) for v in values)}"
    )


def _comparison(op: str, test: Callable[[Any, Any], bool]) -> Callable[[_Evaluator, list, Any], Any]:
    def handler(ev: _Evaluator, args: list, data: Any) -> Any:
        values = _ordered(op, [ev.run(arg, data) for arg in args])
        if values is None:
            return False
        return all(test(values[i], values[i + 1]) for i in range(len(values) - 1))

    return handler


def _numbers(ev: _Evaluator, op: str, args: list, data: Any) -> list[Decimal] | None:
    values = [ev.run(arg, data) for arg in args]
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    if any(v is None for v in values):
        return None
    return [_number(op, v) for v in values]


def _arith(op: str, fold: Callable[[list[Decimal]], Decimal]) -> Callable[[_Evaluator, list, Any], Any]:
    def handler(ev: _Evaluator, args: list, data: Any) -> Any:
        values = _numbers(ev, op, args, data)
        if values is None:
            return None
        if not values:
            raise LogicError(f"'{op}' needs at least one number")
        try:
            return _checked(fold(values))
        except (Overflow, InvalidOperation):
            raise LogicError(f"'{op}' result is out of range") from None
        except DivisionByZero:
            raise LogicError(f"'{op}' divides by zero") from None

    return handler


def _sum(values: list[Decimal]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = _DECIMAL_CONTEXT.add(total, v)
    return total


def _product(values: list[Decimal]) -> Decimal:
    total = Decimal(1)
    for v in values:
        total = _checked(_DECIMAL_CONTEXT.multiply(total, v))
    return total


def _minus(values: list[Decimal]) -> Decimal:
    if len(values) == 1:
        return -values[0]
    return _DECIMAL_CONTEXT.subtract(values[0], values[1])


def _divide(values: list[Decimal]) -> Decimal:
    return _DECIMAL_CONTEXT.divide(values[0], values[1])


def _modulo(values: list[Decimal]) -> Decimal:
    return _DECIMAL_CONTEXT.remainder(values[0], values[1])


def _op_round(ev: _Evaluator, args: list, data: Any) -> Any:
    value = ev.run(args[0], data)
    places = ev.run(args[1], data) if len(args) > 1 else Decimal(0)
    if value is None:
        return None
    value = _number("round", value)
    places = _number("round", places)
    if places != places.to_integral_value() or not 0 <= places <= 10:
        raise LogicError("'round' places must be a whole number from 0 to 10")
    return value.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP, context=_DECIMAL_CONTEXT)


def _op_abs(ev: _Evaluator, args: list, data: Any) -> Any:
    value = ev.run(args[0], data)
    return None if value is None else abs(_number("abs", value))


def _list_arg(ev: _Evaluator, op: str, arg: Any, data: Any) -> list | None:
    value = ev.run(arg, data)
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise LogicError(f"'{op}' needs a list, got {_describe(value)}")
    return list(value)


def _op_sum(ev: _Evaluator, args: list, data: Any) -> Any:
    values = _list_arg(ev, "sum", args[0], data)
    if values is None or any(v is None for v in values):
        return None
    return _checked(_sum([_number("sum", to_decimal(v)) for v in values]))


def _op_count(ev: _Evaluator, args: list, data: Any) -> Any:
    values = _list_arg(ev, "count", args[0], data)
    return None if values is None else Decimal(len(values))


def _op_in(ev: _Evaluator, args: list, data: Any) -> Any:
    needle = ev.run(args[0], data)
    haystack = ev.run(args[1], data)
    if needle is None or haystack is None:
        return False
    if isinstance(haystack, str):
        if not isinstance(needle, str):
            raise LogicError("'in' on text needs text to look for")
        return needle in haystack
    if isinstance(haystack, (list, tuple)):
        return any(_equal(needle, to_decimal(item)) for item in haystack)
    raise LogicError(f"'in' needs a list or text, got {_describe(haystack)}")


def _scoped(kind: str) -> Callable[[_Evaluator, list, Any], Any]:
    def handler(ev: _Evaluator, args: list, data: Any) -> Any:
        items = _list_arg(ev, kind, args[0], data)
        if items is None:
            return None
        if len(items) > MAX_LIST:
            raise LogicError(f"'{kind}' over more than {MAX_LIST} entries")
        results = [ev.run(args[1], item) for item in items]
        if kind == "map":
            return results
        if kind == "filter":
            return [item for item, keep in zip(items, results) if is_truthy(keep)]
        if kind == "all":
            return bool(results) and all(is_truthy(r) for r in results)
        if kind == "some":
            return any(is_truthy(r) for r in results)
        return not any(is_truthy(r) for r in results)

    return handler


def _op_today(ev: _Evaluator, args: list, data: Any) -> Any:
    if ev.today is None:
        raise LogicError("'today' was used but no date was given to the evaluator")
    return ev.today.isoformat()


def _op_date_diff(ev: _Evaluator, args: list, data: Any) -> Any:
    start, end, unit = (ev.run(arg, data) for arg in args)
    if start is None or end is None:
        return None
    a, b = _parse_date("date_diff", start), _parse_date("date_diff", end)
    if unit == "days":
        return Decimal((b - a).days)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    months = (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)
    return Decimal(sign * (months if unit == "months" else months // 12))


_HANDLERS: dict[str, Callable[[_Evaluator, list, Any], Any]] = {
    "var": _op_var,
    "missing": _op_missing,
    "answered": _op_answered,
    "if": _op_if,
    "?:": _op_if,
    "and": _op_and,
    "or": _op_or,
    "!": lambda ev, args, data: not is_truthy(ev.run(args[0], data)),
    "!!": lambda ev, args, data: is_truthy(ev.run(args[0], data)),
    "==": _op_eq,
    "!=": _op_ne,
    "<": _comparison("<", lambda a, b: a < b),
    "<=": _comparison("<=", lambda a, b: a <= b),
    ">": _comparison(">", lambda a, b: a > b),
    ">=": _comparison(">=", lambda a, b: a >= b),
    "+": _arith("+", _sum),
    "-": _arith("-", _minus),
    "*": _arith("*", _product),
    "/": _arith("/", _divide),
    "%": _arith("%", _modulo),
    "min": _arith("min", min),
    "max": _arith("max", max),
    "abs": _op_abs,
    "round": _op_round,
    "sum": _op_sum,
    "count": _op_count,
    "in": _op_in,
    "map": _scoped("map"),
    "filter": _scoped("filter"),
    "all": _scoped("all"),
    "some": _scoped("some"),
    "none": _scoped("none"),
    "today": _op_today,
    "date_diff": _op_date_diff,
}
assert set(_HANDLERS) == set(OPERATORS)


def evaluate(
    tree: Any,
    context: Mapping[str, Any] | None = None,
    *,
    today: dt.date | None = None,
    checked: bool = False,
) -> Any:
    """Evaluate a rule against answers (and `$`-prefixed engine values) in `context`.

    Raises LogicError for malformed rules and for type errors in the data, and BudgetExceeded when
    the open `budget` runs out; never anything else.
    Pass checked=True only for trees that already went through `check_rule`.
    """
    if not checked:
        check_rule(tree)
    evaluator = _Evaluator(context or {}, today)
    try:
        return evaluator.run(tree, _TOP)
    except LogicError:
        raise
    except (ArithmeticError, TypeError, ValueError, RecursionError) as exc:
        raise LogicError(f"rule could not be evaluated: {exc}") from None


def plain(value: Any) -> Any:
    """Turn an evaluation result into plain JSON values (Decimal -> int or float)."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
