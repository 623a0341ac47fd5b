"""Rendering: a definition becomes a WTForms form class; a stored submission becomes printable rows.

The form class is server-rendered and works without JavaScript: every question is rendered, and rules
are attached as `data-visible-if` attributes for optional progressive enhancement. The server stays the
authority: post `form.to_answers()` to `validate_and_score`, which prunes hidden answers and validates.
Printing uses only the values frozen in the stored submission; it never recomputes anything.

Whatever a definition says, a page stays small: a scale wider than MAX_SCALE_CHOICES is a number
box, a repeating group starts with at most MAX_REPEAT_ROWS rows and reads at most MAX_REPEAT_ITEMS
back, and a number that is not finite (inf, NaN, sNaN) or cannot be read is handed on as typed, so
that validation names the field instead of the page failing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import wtforms
from wtforms import fields as wtf
from wtforms import validators as v
from wtforms.widgets import CheckboxInput, ListWidget

from forms import jsonio
from forms.definition import FieldSpec, FormDefinition
from forms.jsonio import MAX_ABS_NUMBER
from forms.logic import plain
from forms.messages import localised, message, normalise_locale
from forms.validation import MAX_REPEAT_ITEMS, repeat_limit, text_limit

MAX_SCALE_CHOICES = 101
MAX_REPEAT_ROWS = 50

_CACHE: OrderedDict[tuple, type] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 256


class MultiCheckboxField(wtf.SelectMultipleField):
    """Multiple choice as a list of checkboxes (no JavaScript needed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(value: Any, locale: str) -> str:
    return localised(value, locale) if value is not None else ""


def _choice_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _choices(spec: FieldSpec, locale: str) -> list[tuple[str, str]]:
    if spec.options:
        return [(_choice_value(o.value), _text(o.label, locale)) for o in spec.options]
    if spec.type == "yes_no":
        return [("true", message("yes", locale)), ("false", message("no", locale))]
    if spec.type == "scale":
        low, high = _scale_range(spec)
        return [(str(i), str(i)) for i in range(low, high + 1)]
    return []


def _scale_range(spec: FieldSpec) -> tuple[int, int]:
    try:
        return int(spec.minimum or 0), int(spec.maximum if spec.maximum is not None else 10)
    except (TypeError, ValueError, OverflowError):
        return 0, -1


def _wide_scale(spec: FieldSpec) -> bool:
    """A scale with more answers than buttons a page should show (lint refuses it; an old one is a box)."""
    if spec.type != "scale" or spec.options:
        return False
    low, high = _scale_range(spec)
    return high - low + 1 > MAX_SCALE_CHOICES


def _render_kw(spec: FieldSpec, name: str) -> dict[str, Any]:
    kw: dict[str, Any] = {"data-field-key": name}
    if spec.visible_if is not None:
        kw["data-visible-if"] = jsonio.canonical_dumps(spec.visible_if)
    if spec.required is True and spec.visible_if is None and spec.type not in ("multiple_choice", "calculated"):
        kw["required"] = True
    if spec.unit:
        kw["data-unit"] = spec.unit
    if spec.type in ("integer", "decimal", "scale"):
        for attr in ("minimum", "maximum"):
            if spec.schema.get(attr) is not None:
                kw["min" if attr == "minimum" else "max"] = spec.schema[attr]
        if spec.type == "decimal":
            kw["step"] = "any" if spec.decimals is None else str(Decimal(1).scaleb(-spec.decimals))
    return kw


def _signature_form(locale: str, base_class: type) -> type:
    return type(
        "SignatureForm",
        (base_class,),
        {
            "name": wtf.StringField(_label_text("Name", "Enw", locale), [v.Optional(), v.Length(max=200)]),
            "role": wtf.StringField(_label_text("Role", "Rôl", locale), [v.Optional(), v.Length(max=200)]),
            "signed_at": wtf.DateTimeLocalField(
                _label_text("Signed at", "Llofnodwyd am", locale),
                [v.Optional()],
                format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
            ),
        },
    )


def _label_text(en: str, cy: str, locale: str) -> str:
    return cy if locale == "cy" else en


def _make_field(spec: FieldSpec, locale: str, base_class: type, name: str) -> Any:
    label = _text(spec.label, locale) + (f" ({spec.unit})" if spec.unit else "")
    description = _text(spec.help, locale)
    kw = {"label": label, "description": description, "render_kw": _render_kw(spec, name)}
    optional = [v.Optional()]
    number_range = v.NumberRange(min=spec.schema.get("minimum"), max=spec.schema.get("maximum"))
    kind = spec.type
    if kind == "text":
        kw["render_kw"] = {**kw["render_kw"], "maxlength": text_limit(spec)}
        return wtf.StringField(validators=optional + [v.Length(max=text_limit(spec))], **kw)
    if kind == "long_text":
        kw["render_kw"] = {**kw["render_kw"], "maxlength": text_limit(spec)}
        return wtf.TextAreaField(validators=optional + [v.Length(max=text_limit(spec))], **kw)
    if kind == "integer" or _wide_scale(spec):
        return wtf.IntegerField(validators=optional + [number_range], **kw)
    if kind == "decimal":
        return wtf.DecimalField(validators=optional + [number_range], places=None, **kw)
    if kind == "date":
        return wtf.DateField(validators=optional, **kw)
    if kind == "time":
        return wtf.TimeField(validators=optional, **kw)
    if kind == "date_time":
        return wtf.DateTimeLocalField(validators=optional, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], **kw)
    if kind == "multiple_choice":
        return MultiCheckboxField(choices=_choices(spec, locale), validators=optional, **kw)
    if kind in ("yes_no", "single_choice", "scale"):
        choices = _choices(spec, locale)
        if spec.widget == "select":
            return wtf.SelectField(choices=[("", "—")] + choices, validators=optional, **kw)
        return wtf.RadioField(choices=choices, validators=optional, **kw)
    if kind == "calculated":
        kw["render_kw"] = {**kw["render_kw"], "readonly": True, "disabled": True}
        return wtf.StringField(validators=optional, **kw)
    if kind == "signature":
        return wtf.FormField(_signature_form(locale, base_class), **{k: kw[k] for k in ("label", "description")})
    if kind == "repeat":
        attrs = {child.key: _make_field(child, locale, base_class, f"{name}.{child.key}") for child in spec.children}
        entry = type(f"{spec.key.title().replace('_', '')}Entry", (base_class,), attrs)
        most = repeat_limit(spec)
        try:
            min_entries = min(max(1, int(spec.schema.get("minItems", 1))), MAX_REPEAT_ROWS, most)
        except (TypeError, ValueError, OverflowError):
            min_entries = 1
        return wtf.FieldList(
            wtf.FormField(entry),
            min_entries=min_entries,
            max_entries=min(max(most, min_entries), MAX_REPEAT_ITEMS),
            **{k: kw[k] for k in ("label", "description")},
        )
    raise ValueError(f"field {spec.key}: no widget for x-type {kind}")


def build_form_class(
    definition: FormDefinition, locale: str | None = None, *, base_class: type = wtforms.Form, use_cache: bool = True
) -> type:
    """The WTForms form class for a definition version, cached per (key, version, sha256, locale, base)."""
    loc = normalise_locale(locale)
    cache_key = (definition.key, definition.version, definition.sha256, loc, base_class)
    if use_cache:
        with _CACHE_LOCK:
            cached = _CACHE.get(cache_key)
            if cached is not None:
                _CACHE.move_to_end(cache_key)
                return cached
    order = definition.layout_order() + [k for k in definition.fields if k not in definition.layout_order()]
    attrs: dict[str, Any] = {key: _make_field(definition.fields[key], loc, base_class, key) for key in order}
    attrs.update(
        form_definition=definition,
        form_locale=loc,
        to_answers=_to_answers,
        apply_result=_apply_result,
        pages=_pages,
        from_answers=classmethod(_from_answers),
    )
    form_class = type(f"{definition.key.title().replace('_', '')}V{definition.version}Form", (base_class,), attrs)
    if use_cache:
        with _CACHE_LOCK:
            _CACHE[cache_key] = form_class
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return form_class


def _unreadable_number(spec: FieldSpec, bound: Any) -> str | None:
    """What was typed into a number box when it is not a finite number within range (inf, NaN,
    sNaN, 1e999, words): handed on as text, so that validation names the field."""
    if spec.type not in ("integer", "decimal") and not _wide_scale(spec):
        return None
    raw = getattr(bound, "raw_data", None) or []
    typed = str(raw[0]).strip()[:100] if raw and raw[0] is not None else ""
    data = getattr(bound, "data", None)
    if getattr(bound, "process_errors", None) and typed:
        return typed
    if isinstance(data, Decimal) and (not data.is_finite() or abs(data) > MAX_ABS_NUMBER):
        return typed or str(data)
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) > MAX_ABS_NUMBER:
        return typed or str(data)
    return None


def _answer_value(spec: FieldSpec, data: Any, bound: Any = None) -> Any:
    """Turn what WTForms parsed into the JSON answer the engine expects (None = unanswered)."""
    kind = spec.type
    if bound is not None:
        unreadable = _unreadable_number(spec, bound)
        if unreadable is not None:
            return unreadable
    if data is None or data == "" or (data == [] and kind != "multiple_choice"):
        return None
    if _wide_scale(spec):
        return plain(data) if isinstance(data, Decimal) else data
    if kind in ("yes_no", "single_choice", "multiple_choice", "scale"):
        lookup = {_choice_value(o.value): o.value for o in spec.options}
        if kind == "yes_no" and not lookup:
            lookup = {"true": True, "false": False}
        if kind == "multiple_choice":
            return [lookup.get(d, d) for d in data]
        if kind == "scale" and not lookup:
            return int(data) if str(data).lstrip("-").isdigit() else data
        return lookup.get(data, data)
    if isinstance(data, Decimal):
        return plain(data)
    if kind == "time" and isinstance(data, dt.time):
        return data.strftime("%H:%M")
    if isinstance(data, (dt.date, dt.datetime)):
        return data.isoformat()
    if kind == "signature":
        parts = {k: _answer_value_plain(val) for k, val in data.items() if val not in (None, "")}
        return parts or None
    if kind == "repeat":
        entries = []
        rows = list(bound.entries) if bound is not None and hasattr(bound, "entries") else [None] * len(data)
        for entry, row in zip(data, rows, strict=False):
            form = getattr(row, "form", None)
            item = {c.key: _answer_value(c, entry.get(c.key), getattr(form, c.key, None) if form else None)
                    for c in spec.children}
            item = {k: val for k, val in item.items() if val is not None}
            if item:
                entries.append(item)
        return entries or None
    if isinstance(data, str):
        return data if data.strip() else None
    return data


def _answer_value_plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes") if value.second == 0 else value.isoformat()
    return value


def _to_answers(self: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key, spec in self.form_definition.fields.items():
        if spec.type == "calculated":
            continue
        bound = getattr(self, key)
        value = _answer_value(spec, bound.data, bound)
        if value is not None:
            answers[key] = value
    return answers


def _form_value(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    kind = spec.type
    if kind in ("yes_no", "single_choice", "scale"):
        return _choice_value(value)
    if kind == "multiple_choice":
        return [_choice_value(x) for x in value]
    if kind == "decimal":
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "time":
            return dt.time.fromisoformat(value)
        if kind == "date_time":
            return dt.datetime.fromisoformat(value)
        if kind == "signature":
            return {
                **value,
                "signed_at": dt.datetime.fromisoformat(value["signed_at"]) if value.get("signed_at") else None,
            }
    except (TypeError, ValueError):
        return None
    if kind == "repeat":
        return [{c.key: _form_value(c, item.get(c.key)) for c in spec.children}
                for item in value[:MAX_REPEAT_ITEMS] if isinstance(item, Mapping)]
    return value


def _from_answers(
    cls: type, answers: Mapping[str, Any] | None = None, computed: Mapping[str, Any] | None = None, **kwargs: Any
) -> Any:
    """A form pre-filled from stored answers (for editing a draft or amending)."""
    data = {}
    for key, spec in cls.form_definition.fields.items():
        source = computed if spec.type == "calculated" else answers
        value = (source or {}).get(key)
        if value is not None:
            data[key] = str(value) if spec.type == "calculated" else _form_value(spec, value)
    return cls(data=data, **kwargs)


def _apply_result(self: Any, result: Any) -> bool:
    """Attach the engine's per-field errors to the form fields; return True when there were none."""
    for path, messages in (result.errors or {}).items():
        key = path.split(".")[0]
        target = getattr(self, key, None) if key in self.form_definition.fields else None
        if target is None:
            self.form_errors.extend(messages)
            continue
        if isinstance(target.errors, list):
            target.errors.extend(messages)
        else:
            target.errors = list(messages)
    return not result.errors


def _pages(self: Any) -> list[dict[str, Any]]:
    """Pages and sections with their bound fields, in layout order, for templates."""
    pages = []
    for page in self.form_definition.layout:
        sections = []
        for section in page["sections"]:
            sections.append(
                {
                    "key": section["key"],
                    "title": _text(section.get("title"), self.form_locale),
                    "help": _text(section.get("help"), self.form_locale),
                    "fields": [getattr(self, k) for k in section["fields"] if hasattr(self, k)],
                }
            )
        pages.append({"key": page["key"], "title": _text(page.get("title"), self.form_locale), "sections": sections})
    return pages
