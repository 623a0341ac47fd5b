"""Dates and times the British way on every page: typed as day/month/year, shown as 24/08/1925 and
14:05 (UK local time), with a date picker in that order and weeks from Monday.

A typed date is read in day/month/year order (24/08/1925, 24-08-1925, 24.08.1925) or as ISO
(1925-08-24, what the browser's own date inputs send); anything else, a two-digit year included, is
refused with the field named and the text kept, never turned into another date. The REST API keeps
ISO 8601. `install()` makes Flask-AppBuilder's generated forms use these fields for every Date and
DateTime column; `readable()` is the list and show pages' formatter.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field
from wtforms.widgets import html_params

LONDON = ZoneInfo("Europe/London")
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"

_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?::(\d{2}))?\s*$")


def parse_uk_date(text) -> dt.date | None:
    """24/08/1925 (or with - or .) or 1925-08-24; None for anything else, impossible dates included."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_uk_datetime(text, zone: dt.tzinfo = LONDON) -> dt.datetime | None:
    """"24/08/1925 14:05" (UK local time) or ISO 8601 ("1925-08-24T14:05", with or without an
    offset) to an aware UTC datetime; a date alone is midnight. None when it cannot be read."""
    if not isinstance(text, str) or len(text) > 60 or not text.strip():
        return None
    value = text.strip()
    parts = value.split(None, 1)
    day = parse_uk_date(parts[0]) if "T" not in value else None
    if day is None:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(dt.UTC)
    hour = minute = second = 0
    if len(parts) > 1:
        match = _TIME.match(parts[1])
        if not match:
            return None
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone).astimezone(dt.UTC)


def format_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    return value.strftime(DATE_FORMAT)


def format_datetime(value) -> str:
    """UK local time. A naive value is taken as UTC (how the database gives it back on SQLite)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LONDON).strftime(DATETIME_FORMAT)


def _reader_locale(locale: str | None) -> str:
    if locale is None:
        from flask import has_app_context

        if has_app_context():  # a request, or a job printing in the language of who asked
            from flask_babel import get_locale

            locale = str(get_locale() or "")
    return "cy" if str(locale or "").lower().startswith("cy") else "en_GB"


def long_date(value, locale: str | None = None) -> str:
    """A date with its month spelled out, in the reader's language: 12 April 1938, 12 Ebrill 1938."""
    from babel.dates import format_date as babel_date

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(LONDON).date()
    return babel_date(value, "d MMMM y", locale=_reader_locale(locale))


def month_year(value, locale: str | None = None) -> str:
    """A month and year in the reader's language: April 2026, Ebrill 2026."""
    from babel.dates import format_date as babel_date

    if value is None:
        return ""
    return babel_date(value, "LLLL y", locale=_reader_locale(locale))


def now_local_input() -> str:
    """Now in UK local time, as a browser's date-and-time input takes it (times that are usually now)."""
    return dt.datetime.now(LONDON).strftime("%Y-%m-%dT%H:%M")


def readable(value):
    """What a list or show page prints for a value: blank for none, Yes/No, UK dates and times."""
    if value is None:
        return ""
    if value is True:
        return str(_l("Yes"))
    if value is False:
        return str(_l("No"))
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


# -- form fields and widgets -------------------------------------------------------------------


class UKDatePickerWidget:
    """A text box with the date picker in day/month/year order, weeks from Monday."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("inputmode", "numeric")
        return Markup(
            '<div class="input-group date wcn-date" data-provide="datepicker" data-date-format="dd/mm/yyyy" '
            'data-date-week-start="1" data-date-autoclose="true" data-date-force-parse="false">'
            '<span class="input-group-addon"><i class="fa fa-calendar cursor-hand"></i></span>'
            f'<input class="form-control" {html_params(type="text", value=field._value(), **kwargs)} />'
            "</div>"
        )


class UKDateTimeWidget:
    """A text box for day/month/year and a 24-hour time."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("placeholder", "dd/mm/yyyy hh:mm")
        kwargs.setdefault("autocomplete", "off")
        return Markup(
            '<div class="input-group wcn-datetime"><span class="input-group-addon"><i class="fa fa-clock-o"></i></span>'
            f'<input class="form-control" {html_params(type="text", value=field._value(), **kwargs)} />'
            "</div>"
        )


class _TypedField(Field):
    """A text box read by `parse` and shown by `show`; text that cannot be read is refused with
    `message` and kept as typed."""

    parse = staticmethod(parse_uk_date)
    show = staticmethod(format_date)
    message = _l("Enter the date as day/month/year, for example 24/08/1925.")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("format", None)  # Flask-AppBuilder passes one; the British formats are fixed here
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.show(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = self.parse(text) if text else None
        if text and self.data is None:
            raise ValueError(str(self.message))


class UKDateField(_TypedField):
    """A date typed the British way."""

    widget = UKDatePickerWidget()


class UKDateTimeField(_TypedField):
    """A date and time typed the British way, in UK local time; stored in UTC."""

    widget = UKDateTimeWidget()
    parse = staticmethod(parse_uk_datetime)
    show = staticmethod(format_datetime)
    message = _l("Enter the date and time as day/month/year and hours:minutes, for example 24/08/1925 14:05.")


def install() -> None:
    """Flask-AppBuilder's form converter makes these fields for every Date and DateTime column."""
    from flask_appbuilder.forms import FieldConverter

    table = []
    for check, field, widget in FieldConverter.conversion_table:
        if check == "is_date":
            field, widget = UKDateField, UKDatePickerWidget
        elif check == "is_datetime":
            field, widget = UKDateTimeField, UKDateTimeWidget
        table.append((check, field, widget))
    FieldConverter.conversion_table = tuple(table)
