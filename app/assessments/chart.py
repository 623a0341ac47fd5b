"""A score-over-time chart as plain numbers for an inline SVG (no JavaScript, nothing to build)."""

from __future__ import annotations

import datetime as dt

WIDTH, HEIGHT, PAD = 640, 220, 40


def score_chart(points: list[tuple[dt.datetime, float]], score_range=None, bands=None) -> dict | None:
    """Coordinates of each score (oldest first), the axis ends and their labels, and the bands as
    shaded areas (`bands`: [{"min", "max", "fill", "label"}]); None without points."""
    if not points:
        return None
    totals = [total for _, total in points]
    low, high = (min(totals), max(totals))
    if isinstance(score_range, (list, tuple)) and len(score_range) == 2 and None not in score_range:
        low, high = min(low, float(score_range[0])), max(high, float(score_range[1]))
    if high == low:
        high = low + 1
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds() or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    dots = []
    for when, total in points:
        x = PAD + (inner_w * ((when - first).total_seconds() / span) if len(points) > 1 else inner_w / 2)
        y = PAD + inner_h * (1 - (total - low) / (high - low))
        dots.append({"x": round(x, 1), "y": round(y, 1), "total": _plain(total), "on": when})
    areas = []
    for band in bands or []:
        top_value, bottom_value = min(band["max"], high), max(band["min"], low)
        if top_value < low or bottom_value > high or top_value < bottom_value:
            continue
        top = PAD + inner_h * (1 - (top_value - low) / (high - low))
        bottom = PAD + inner_h * (1 - (bottom_value - low) / (high - low))
        areas.append({"y": round(top, 1), "height": round(max(bottom - top, 1.0), 1), "fill": band["fill"],
                      "label": band["label"]})
    return {
        "width": WIDTH, "height": HEIGHT, "pad": PAD, "dots": dots, "bands": areas,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "low": _plain(low), "high": _plain(high), "first": first, "last": last,
    }


def _plain(value: float):
    return int(value) if float(value).is_integer() else round(value, 2)
