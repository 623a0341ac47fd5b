"""Printable rows for a stored submission: labelled answers with points, total, band, notes, provenance.

Only the values frozen at submit time are used (answers, computed values, points, total, band); nothing
is recomputed, so an old submission prints the same after newer versions are published.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.definition import FieldSpec, FormDefinition
from forms.messages import localised, message, normalise_locale


def _display(spec: FieldSpec, value: Any, locale: str) -> str:
    if value is None:
        return message("unanswered", locale)
    if spec.type == "multiple_choice" and isinstance(value, list):
        return ", ".join(_display_one(spec, v, locale) for v in value)
    if spec.type == "signature" and isinstance(value, Mapping):
        return message(
            "signed_by",
            locale,
            name=value.get("name", ""),
            role=value.get("role", ""),
            signed_at=value.get("signed_at", ""),
        )
    return _display_one(spec, value, locale)


def _display_one(spec: FieldSpec, value: Any, locale: str) -> str:
    option = spec.option(value)
    if option is not None:
        return localised(option.label, locale)
    if isinstance(value, bool):
        return message("yes" if value else "no", locale)
    text = str(value)
    return f"{text} {spec.unit}" if spec.unit else text


def _record(submission: Any) -> Mapping[str, Any]:
    if isinstance(submission, Mapping):
        return submission
    data = getattr(submission, "data", None)
    if isinstance(data, Mapping):
        return {
            **data,
            "total": getattr(submission, "total", data.get("total")),
            "band": getattr(submission, "band", data.get("band")),
        }
    record = getattr(submission, "record", None)
    if callable(record):
        return record()
    raise TypeError("printable_rows needs a stored submission, its data mapping, or an engine Result")


def printable_rows(definition: FormDefinition, submission: Any, locale: str | None = None) -> list[dict[str, Any]]:
    """Rows for print/PDF: dicts with `kind` (page, section, answer, calculated, entry, total, band, flag,
    note, source, version), `key`, `label`, `value` (display text), `raw` and `points` where they apply."""
    loc = normalise_locale(locale)
    record = _record(submission)
    answers = record.get("answers") or {}
    computed = record.get("computed") or {}
    points = record.get("points") or {}
    show_unanswered = definition.raw.get("x-print", {}).get("show_unanswered", True)
    item_of_field: dict[str, list[str]] = {}
    for item in (definition.scoring or {}).get("items", ()):
        item_of_field.setdefault(item["field"], []).append(item.get("key", item["field"]))
    rows: list[dict[str, Any]] = []
    for page in definition.layout:
        rows.append({"kind": "page", "key": page["key"], "label": localised(page.get("title"), loc)})
        for section in page["sections"]:
            rows.append({"kind": "section", "key": section["key"], "label": localised(section.get("title"), loc)})
            for key in section["fields"]:
                spec = definition.fields.get(key)
                if spec is None or spec.print_hints.get("hide"):
                    continue
                rows.extend(_field_rows(spec, answers, computed, points, item_of_field, loc, show_unanswered))
    rows.extend(_summary_rows(definition, record, loc))
    return rows


def _field_rows(
    spec: FieldSpec,
    answers: Mapping[str, Any],
    computed: Mapping[str, Any],
    points: Mapping[str, Any],
    item_of_field: Mapping[str, list[str]],
    loc: str,
    show_unanswered: bool,
) -> list[dict[str, Any]]:
    value = computed.get(spec.key) if spec.type == "calculated" else answers.get(spec.key)
    if value is None and (spec.print_hints.get("hide_if_unanswered") or not show_unanswered):
        return []
    item_keys = item_of_field.get(spec.key, [])
    item_points = [points.get(k) for k in item_keys]
    row: dict[str, Any] = {
        "kind": "calculated" if spec.type == "calculated" else "answer",
        "key": spec.key,
        "label": localised(spec.label, loc),
        "raw": value,
        "points": item_points[0] if len(item_points) == 1 else (item_points or None),
    }
    if spec.type == "repeat":
        row["value"] = str(len(value)) if isinstance(value, list) else message("unanswered", loc)
        rows = [row]
        for index, entry in enumerate(value or [], start=1):
            rows.append(
                {
                    "kind": "entry",
                    "key": f"{spec.key}.{index - 1}",
                    "label": message("item", loc, index=index),
                    "value": "",
                    "raw": entry,
                    "points": None,
                }
            )
            for child in spec.children:
                rows.append(
                    {
                        "kind": "answer",
                        "key": f"{spec.key}.{index - 1}.{child.key}",
                        "label": localised(child.label, loc),
                        "value": _display(child, entry.get(child.key), loc),
                        "raw": entry.get(child.key),
                        "points": None,
                    }
                )
        return rows
    row["value"] = _display(spec, value, loc) if value is not None or spec.type != "calculated" else ""
    return [row]


def _summary_rows(definition: FormDefinition, record: Mapping[str, Any], loc: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if definition.scoring:
        total = record.get("total")
        rows.append(
            {
                "kind": "total",
                "key": "total",
                "label": message("total", loc),
                "value": "" if total is None else str(total),
                "raw": total,
                "points": None,
            }
        )
        band_code = record.get("band")
        band = next((b for b in definition.scoring.get("bands", ()) if b["code"] == band_code), None)
        rows.append(
            {
                "kind": "band",
                "key": band_code,
                "label": message("band", loc),
                "value": localised(band["label"], loc) if band else message("no_band", loc),
                "raw": band_code,
                "points": None,
            }
        )
        if band and band.get("response"):
            rows.append(
                {
                    "kind": "note",
                    "key": f"band:{band_code}",
                    "label": "",
                    "value": localised(band["response"], loc),
                    "raw": None,
                    "points": None,
                }
            )
        for flag in ("prorated", "incomplete"):
            if record.get(flag):
                rows.append(
                    {"kind": "flag", "key": flag, "label": "", "value": message(flag, loc), "raw": True, "points": None}
                )
    for note in definition.notes:
        if note.get("print"):
            rows.append(
                {
                    "kind": "note",
                    "key": note["key"],
                    "label": "",
                    "value": localised(note["text"], loc),
                    "raw": None,
                    "points": None,
                }
            )
    source = definition.source
    for part in ("citation", "copyright", "licence"):
        if source.get(part):
            label = message("source" if part == "citation" else part, loc)
            rows.append(
                {"kind": "source", "key": part, "label": label, "value": source[part], "raw": None, "points": None}
            )
    rows.append(
        {
            "kind": "version",
            "key": "version",
            "label": "",
            "value": message(
                "form_version", loc, key=definition.key, version=definition.version, sha256=definition.sha256
            ),
            "raw": {"key": definition.key, "version": definition.version, "sha256": definition.sha256},
            "points": None,
        }
    )
    return rows
