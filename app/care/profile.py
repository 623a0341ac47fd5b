"""What the care pages show, read through the care services: the resident profile's daily-care section
(fluid day by day against target, weight and NEWS2 over time, the latest of each chart), the unit board's
lines and the start page's care panels. Charts are plain numbers for an inline SVG (no script)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from app.assessments.chart import score_chart

BAR_WIDTH, BAR_HEIGHT, BAR_PAD = 640, 200, 40
WEIGHT_DAYS = 190  # six months and a little, for the weight chart
TOP_AT_RISK = 5


def _can(permission: str, resource: str) -> bool:
    return bool(current_app.appbuilder.sm.has_access(permission, resource))


def _number(value) -> float | None:
    if value is None:
        return None
    return float(value) if not isinstance(value, float) else value


def fluid_bars(days: list[dict]) -> dict | None:
    """Bars of fluid taken per day (oldest first) with each day's target as a mark across its bar:
    coordinates for an inline SVG; None without days."""
    if not days or not any(_number(d.get("in_ml")) or _number(d.get("out_ml")) for d in days):
        return None
    top = max([_number(d.get("in_ml")) or 0 for d in days] + [_number(d.get("target_ml")) or 0 for d in days] + [1])
    inner_w, inner_h = BAR_WIDTH - 2 * BAR_PAD, BAR_HEIGHT - 2 * BAR_PAD
    slot = inner_w / len(days)
    bars = []
    for index, day in enumerate(days):
        taken = _number(day.get("in_ml")) or 0
        target = _number(day.get("target_ml"))
        height = inner_h * taken / top
        x = BAR_PAD + index * slot
        bars.append({
            "x": round(x + slot * 0.15, 1), "width": round(slot * 0.7, 1),
            "y": round(BAR_PAD + inner_h - height, 1), "height": round(max(height, 0.5), 1),
            "target_y": round(BAR_PAD + inner_h - inner_h * target / top, 1) if target else None,
            "short": bool(target) and taken < target, "in_ml": int(taken), "target_ml": int(target or 0),
            "out_ml": int(_number(day.get("out_ml")) or 0), "day": day.get("day"),
            "label_x": round(x + slot / 2, 1),
        })
    return {"width": BAR_WIDTH, "height": BAR_HEIGHT, "pad": BAR_PAD, "bars": bars, "top": int(top),
            "label_every": max(1, len(days) // 7)}


NEWS2_BANDS = [
    {"min": 0, "max": 4, "fill": "#5cb85c", "label": _l("Low")},
    {"min": 5, "max": 6, "fill": "#f0ad4e", "label": _l("Medium")},
    {"min": 7, "max": 20, "fill": "#d9534f", "label": _l("High")},
]


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _shown(observation) -> str:
    """An observation's value as a person reads it: 200 mL, Left side, 72.4 kg, type 4."""
    from app.care.codes import CHARTS, choice_label

    spec = CHARTS.get(observation.code)
    parts = []
    if observation.value is not None:
        value = observation.value
        if isinstance(value, Decimal):
            places = spec.decimals if spec is not None else 2
            value = value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))
        parts.append(f"{value}{(' ' + spec.unit) if spec is not None and spec.unit else ''}")
    if observation.value_text:
        parts.append(choice_label(observation.value_text))
    return " · ".join(parts)


def latest_rows(resident) -> list[dict]:
    from app.care import services
    from app.care.codes import CHARTS, chart_label

    latest = services.latest_by_chart(resident) or {}
    rows = []
    for code in CHARTS:
        observation = latest.get(code)
        if observation is None:
            continue
        rows.append({"code": code, "label": chart_label(code), "value": _shown(observation),
                     "at": observation.observed_at})
    return rows


def profile_summary(resident) -> dict | None:
    """The profile's daily-care section, or None for a user who may read neither charts nor vital signs."""
    charts, vitals = _can("can_read", "Charts"), _can("can_read", "Vital signs")
    if not (charts or vitals):
        return None
    from app.care import services

    summary: dict = {"charts": charts, "vitals": vitals, "can_record": _can("can_write", "Charts")}
    if charts:
        read = services.chart_summary(resident, days=14, weight_days=WEIGHT_DAYS)
        summary["fluid_days"] = read["fluid_days"]
        summary["fluid_chart"] = fluid_bars(read["fluid_days"])
        summary["balance"] = read["balance"]
        summary["weight"] = read["weight"]
        points = read["weight_points"]
        summary["weight_chart"] = score_chart(points) if points else None
    if vitals:
        sets = [s for s in services.news2_history(resident, days=90) if s.news2_total is not None]
        sets.sort(key=lambda s: s.observed_at)
        summary["news2_latest"] = sets[-1] if sets else None
        top = max([10] + [s.news2_total + 1 for s in sets])
        summary["news2_chart"] = (score_chart([(_aware(s.observed_at), float(s.news2_total)) for s in sets],
                                              (0, top), NEWS2_BANDS) if sets else None)
    rows = latest_rows(resident)
    from app.care.codes import CHARTS

    summary["latest"] = [r for r in rows if (vitals if CHARTS[r["code"]].vital else charts)]
    return summary


# -- the unit board and the start page -----------------------------------------------------------


def board_lines(unit_id: int | None = None) -> list[dict]:
    """The residents at risk now in the home chosen in the navigation bar (or all the user's homes,
    through the usual home scope), or one unit: the board service's lines, in its fixed queries."""
    from app.care import board
    from app.tenancy import current_home_id

    lines = board.at_risk(current_home_id(), unit_id=unit_id)
    for line in lines:
        line.setdefault("entry_url", url_for("CareEntryView.entry", resident=line["resident_id"]))
    return lines


def risk_panel() -> dict:
    """The start page's "At risk now": how many residents, and the first few with their reasons."""
    lines = board_lines()
    return {"count": len(lines), "top": lines[:TOP_AT_RISK]}


def record_panel() -> dict:
    """The start page's "Record care" shortcut (with the user's unit when the screen remembers one)."""
    return {"can_record": _can("can_write", "Charts") or _can("can_write", "Care notes")}
