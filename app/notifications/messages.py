"""Notifications shown in the reader's language: a notification written by a job keeps a message key
and its values (`NotificationOutbox.message`), and is put into words when it is shown, in the language
of whoever reads it. Rows written before (or without) a message show their stored text.

A value may name something that has words of its own, put into the reader's language too:
    {"$form": "waterlow"}                   the form's title
    {"$band": ["waterlow", 1, "at_risk"]}   the band's words (form key, version, band code)
    {"$date": "2026-12-01"}                 a date, its month spelled out (12 Rhagfyr 2026 in Welsh)
    {"$datetime": "2026-12-01T09:30:00+00:00"}  a date and time, dd/mm/yyyy hh:mm in London
    {"$label": "dols"}                      a stored code's label (app.labels)
    {"$text": {"en-GB": "...", "cy": "..."}} text a definition has in both languages
"""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

# key -> the English text (a catalogue message id); values are filled with %(name)s.
MESSAGES = {
    "assessment_overdue.subject": _l("Overdue: %(form)s for %(who)s"),
    "assessment_overdue.body": _l("Due %(due)s; last taken %(taken)s (%(band)s)."),
    "authorisation_expired.subject": _l("%(kind)s for %(who)s expired on %(when)s"),
    "authorisation_expiring.subject": _l("%(kind)s for %(who)s expires on %(when)s (in %(days)s days)"),
    "authorisation_expiring.body": _l("Apply for renewal in good time; the register shows the details."),
    "band_action.subject": _l("%(form)s: %(band)s · %(who)s"),
    "band_action.subject_urgent": _l("%(form)s: %(band)s (%(urgency)s) · %(who)s"),
    "band_action.body": _l("%(response)s"),
}


def spec(key: str, **params) -> list:
    """[key, params] as stored in `message`; the key must be one of MESSAGES."""
    if key not in MESSAGES:
        raise KeyError(f"unknown notification message {key!r}")
    return [key, params]


def _locale() -> str:
    from app.assessments.bands import _locale as reader_locale

    return reader_locale()


def long_date(value: dt.date, locale: str | None = None) -> str:
    """12 April 1938, or 12 Ebrill 1938 for a Welsh reader."""
    from app.ukdates import long_date as spelled_out

    return spelled_out(value, locale or _locale())


def _value(value):
    if not isinstance(value, dict) or len(value) != 1:
        return value
    (kind, raw), = value.items()
    try:
        if kind == "$form":
            from app.assessments.services import form_title

            return form_title(str(raw))
        if kind == "$band":
            from types import SimpleNamespace

            from app.assessments.bands import band_words

            key, version, code = raw
            return band_words(SimpleNamespace(form_key=key, version=version, band=code, band_label=None)) or code
        if kind == "$date":
            return long_date(dt.date.fromisoformat(str(raw)))
        if kind == "$datetime":
            from app.ukdates import format_datetime

            return format_datetime(dt.datetime.fromisoformat(str(raw)))
        if kind == "$label":
            from app.labels import label

            return label(raw)
        if kind == "$text":
            from forms.messages import localised

            return localised(raw, _locale())
    except Exception:  # a value that cannot be put into words is shown as stored, never a 500
        log.warning("notification value %r could not be shown", value, exc_info=True)
    return str(raw)


def render(message, fallback: str = "") -> str:
    """A stored [key, params] in the reader's language, or `fallback` (the stored text)."""
    if not isinstance(message, (list, tuple)) or len(message) != 2 or message[0] not in MESSAGES:
        return fallback
    key, params = message
    values = {name: _value(value) for name, value in (params or {}).items()}
    try:
        return str(MESSAGES[key]) % values  # the lazy text is translated now, for this reader
    except (KeyError, ValueError, TypeError):
        return fallback


def subject_of(row) -> str:
    message = getattr(row, "message", None) or {}
    return render(message.get("subject") if isinstance(message, dict) else None, row.subject or "")


def body_of(row) -> str:
    message = getattr(row, "message", None) or {}
    return render(message.get("body") if isinstance(message, dict) else None, row.body or "")


def init_app(app) -> None:
    app.jinja_env.filters["notice_subject"] = subject_of
    app.jinja_env.filters["notice_body"] = body_of
