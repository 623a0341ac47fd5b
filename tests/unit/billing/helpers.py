"""Small builders for billing scenarios, and a way to feed a result back as what was invoiced."""

from __future__ import annotations

import copy

from app.billing.calculation import preview


def scenario(start="2026-04-01", end="2026-04-30", admitted="2025-06-01", left=None, left_reason=None,
             agreements=None, **extra) -> dict:
    data = {
        "period": {"start": start, "end": end},
        "stay": {"admitted": admitted, "left": left, "left_reason": left_reason},
        "agreements": agreements or [agreement()],
    }
    data.update(extra)
    return data


def agreement(start="2025-06-01", fee="1000.00", shares=None, **extra) -> dict:
    data = {"from": start, "weekly_fee": fee,
            "shares": shares or [{"payer": "Resident", "kind": "resident", "amount": "remainder"}]}
    data.update(extra)
    return data


def invoiced_from(result: dict) -> list[dict]:
    """The lines of a result as the next run receives them (what the invoices charged)."""
    return [dict(line) for line in result["lines"]]


def rerun(data: dict, result: dict, **changes) -> dict:
    """The same scenario run again with the result's lines added to what was invoiced."""
    again = copy.deepcopy(data)
    again["invoiced"] = list(again.get("invoiced", [])) + invoiced_from(result)
    again.update(changes)
    return preview(again)


def amounts(result: dict, payer: str | None = None, type: str | None = None) -> list[tuple[str, str, int, str]]:
    return [(line["start"], line["end"], line["days"], line["amount"]) for line in result["lines"]
            if (payer is None or line["payer"] == payer) and (type is None or line["type"] == type)]
