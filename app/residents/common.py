"""Pieces shared by the residents views and APIs: hiding voided rows, reading typed values from
a JSON body or a browser form, and keeping a refused browser form on screen."""

from __future__ import annotations

import datetime as dt

from flask import flash, request
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.exceptions import DomainError
from app.guards import valid_int_id
from app.residents.services import LONDON


class HideVoided(BaseFilter):
    """Lists leave voided rows out unless asked (`?show_voided=1`)."""

    name = _l("Not voided")
    arg_name = None

    def apply(self, query, value):
        if request and request.args.get("show_voided") == "1":
            return query
        return query.filter(self.model.voided_at.is_(None))


class NotVoided(BaseFilter):
    """For related drop-downs: only records that are not voided."""

    name = _l("Not voided")
    arg_name = None

    def apply(self, query, value):
        return query.filter(self.model.voided_at.is_(None))


# ---------------------------------------------------------------------------------------------
# Typed values from a request


def parse_datetime(value, naive_zone=dt.UTC) -> dt.datetime | None:
    """ISO 8601 text to an aware datetime. Without an offset it is read in `naive_zone`."""
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(dt.UTC)


def parse_date(value) -> dt.date | None:
    """ISO 8601 (1925-08-24) or the British day/month/year (24/08/1925)."""
    from app.ukdates import parse_uk_date

    return parse_uk_date(value)


def parse_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if valid_int_id(value) else None
    if isinstance(value, str) and value.strip().isdigit() and valid_int_id(value.strip()):
        return int(value.strip())
    return None


def read_values(source: dict, spec: dict[str, tuple[str, bool]], naive_zone=dt.UTC) -> dict:
    """Read `{field: (kind, required)}` from a dict (JSON body or form). Raises a DomainError naming
    every field that is missing or malformed. Kinds: datetime, date, id, text, bool, int."""
    if not isinstance(source, dict):
        raise DomainError(str(_l("The request body must be a JSON object.")))
    values, errors = {}, {}
    for field, (kind, required) in spec.items():
        raw = source.get(field)
        if raw in (None, ""):
            if required:
                errors[field] = [str(_l("This is required."))]
            values[field] = None
            continue
        if kind == "datetime":
            value = parse_datetime(raw, naive_zone)
            message = _l("Give a date and time such as 2025-03-01T14:30:00Z.")
        elif kind == "date":
            value = parse_date(raw)
            message = _l("Give a date such as 2025-03-01.")
        elif kind == "id":
            value = parse_id(raw)
            message = _l("Give the id of an existing record.")
        elif kind == "int":
            value = parse_id(raw)
            message = _l("Give a whole number.")
        elif kind == "bool":
            value = raw if isinstance(raw, bool) else {"1": True, "on": True, "true": True,
                                                       "0": False, "false": False}.get(str(raw).lower())
            message = _l("Give true or false.")
        else:
            value = raw.strip()[:2000] if isinstance(raw, str) else None
            message = _l("Give some text.")
        if value is None:
            errors[field] = [str(message)]
        values[field] = value
    if errors:
        raise DomainError(errors)
    return values


def form_values(spec: dict[str, tuple[str, bool]]) -> dict:
    """Values from a browser form: times typed without an offset are UK local time."""
    return read_values(request.form.to_dict(), spec, naive_zone=LONDON)


def flash_domain_error(error: DomainError) -> None:
    for field, messages in error.errors.items():
        label = "" if field == "_" else f"{field.replace('_', ' ').capitalize()}: "
        flash(label + " ".join(messages), "danger")


class KeepFormOnError:
    """Browser add form: a refused record (a rule, or a likely duplicate awaiting confirmation)
    comes back with what was typed and the messages beside the fields, instead of a blank page."""

    def _add(self):
        from flask_appbuilder.urltools import get_filter_args

        if request.method != "POST":
            return super()._add()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self._fill_form_exclude_cols(exclude_cols, form)
        if form.validate():
            self.process_form(form, True)
            item = self.datamodel.obj()
            try:
                form.populate_obj(item)
                self.pre_add(item)
                self.datamodel.add(item)
                self.post_add(item)
            except DomainError as error:
                self.datamodel.session.rollback()
                for field, messages in error.errors.items():
                    if field in form:
                        form[field].errors = list(form[field].errors) + messages
                flash_domain_error(error)
            except SQLAlchemyError:
                self.datamodel.session.rollback()
                flash(str(_l("This change conflicts with other records; nothing was saved.")), "danger")
            else:
                flash(self.add_row_message, "success")
                return None
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)
