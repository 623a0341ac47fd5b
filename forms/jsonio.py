"""Safe JSON reading and canonical JSON writing for definitions, answers and rules.

`json.loads` turns ``1e400`` into infinity and recurses once per nesting level, so untrusted text is
checked for depth before parsing and every number is checked for being finite and of sane size.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

MAX_JSON_DEPTH = 64
MAX_JSON_BYTES = 2_000_000
MAX_ABS_NUMBER = 10**15
MAX_INT_DIGITS = 30

_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")


class JsonInputError(ValueError):
    """Text that is not acceptable JSON; the message says why and where."""


def _check_text_depth(text: str, limit: int) -> None:
    depth = 0
    for match in _BRACKET_RE.finditer(_STRING_RE.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                raise JsonInputError(f"JSON is nested more than {limit} levels deep")
        else:
            depth -= 1


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_ABS_NUMBER:
        raise JsonInputError(f"number {text[:40]} is out of range (largest allowed is 1e15)")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonInputError(f"number {text[:40]}... has too many digits")
    value = int(text)
    if abs(value) > MAX_ABS_NUMBER:
        raise JsonInputError(f"number {text[:40]} is out of range (largest allowed is 1e15)")
    return value


def _reject_constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON number")


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON text; raise JsonInputError (never RecursionError) on anything unsafe."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_JSON_BYTES:
            raise JsonInputError(f"JSON document is larger than {MAX_JSON_BYTES} bytes")
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"JSON is not UTF-8 text: {exc}") from None
    if not isinstance(data, str):
        raise JsonInputError("JSON input must be text")
    if len(data) > MAX_JSON_BYTES:
        raise JsonInputError(f"JSON document is larger than {MAX_JSON_BYTES} characters")
    _check_text_depth(data, max_depth)
    try:
        return json.loads(
            data,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
        )
    except JsonInputError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:
        raise JsonInputError(f"unreadable JSON: {exc}") from None


def check_value(value: Any, *, max_depth: int = MAX_JSON_DEPTH, max_nodes: int = 100_000) -> None:
    """Check an already-parsed value iteratively: depth, size, finite numbers, plain JSON types only."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise JsonInputError(f"value has more than {max_nodes} parts")
        if depth > max_depth:
            raise JsonInputError(f"value is nested more than {max_depth} levels deep")
        if item is None or isinstance(item, (bool, str)):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_ABS_NUMBER:
                raise JsonInputError(f"number {str(item)[:40]} is out of range (largest allowed is 1e15)")
        elif isinstance(item, (float, Decimal)):
            finite = item.is_finite() if isinstance(item, Decimal) else math.isfinite(item)  # sNaN: no float
            if not finite or abs(item) > MAX_ABS_NUMBER:
                raise JsonInputError(f"number {str(item)[:40]} is out of range (largest allowed is 1e15)")
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise JsonInputError("object keys must be strings")
                stack.append((child, depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, depth + 1) for child in item)
        else:
            raise JsonInputError(f"{type(item).__name__} is not a JSON value")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 characters kept; the text that is hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def dumps(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, default=_default)
