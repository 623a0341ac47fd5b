"""Base classes every domain's browser views and REST APIs use.

They close Flask-AppBuilder's known gaps once, for every model (create_app refuses junk primary
keys in URLs for every view): rule and uniqueness failures come back naming the field; a related id that does not
exist (or is in another home) is refused instead of inserted; deleting a row still in use is
refused with a reason; list pages have a bounded page size; permissions use the matrix's
read/write/delete per resource (`app.permissions`).
"""

from __future__ import annotations

import contextvars
import copy

from flask import has_request_context, request
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.baseviews import BaseModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint, event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer
from wtforms import SelectField
from wtforms.validators import InputRequired, Optional

from app import labels, ukdates
from app.crypto import encrypted_attributes
from app.exceptions import DomainError
from app.guards import valid_int_id
from app.permissions import METHOD_PERMISSIONS
from app.tenancy import assign_home

MAX_PAGE_SIZE = 100
# Method -> permission maps for views and APIs that only read (lists, shows, histories).
READ_ONLY_VIEW = {"list": "read", "show": "read"}
READ_ONLY_API = {"get": "read", "get_list": "read", "info": "read"}


# ---------------------------------------------------------------------------------------------
# Per-request search filters


class RequestFilters:
    """A view's search filters (`_filters`), one fresh copy per request.

    Flask-AppBuilder keeps the filters a list page or REST list was asked for on the view object,
    which every request of a threaded server shares: one user's search terms (names, NHS numbers)
    showed in another user's page. Set on the class, this descriptor keeps what the view built at
    start-up as a template and hands each request its own empty copy, stored on the request.
    """

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, view, owner=None):
        if view is None:
            return self
        template = view.__dict__.get("_filters_template", view.__dict__.get("_filters"))
        if template is None or not has_request_context():
            return template
        per_request = request._get_current_object().__dict__.setdefault("_wcn_view_filters", {})
        filters = per_request.get(id(view))
        if filters is None:
            # a shallow copy shares the (read-only) column -> filter maps; clear_filters() gives the
            # copy its own lists of active filters and values
            filters = per_request[id(view)] = copy.copy(template)
            filters.clear_filters()
        return filters

    def __set__(self, view, value):
        if has_request_context() and view.__dict__.get("_filters_template") is not None:
            request._get_current_object().__dict__.setdefault("_wcn_view_filters", {})[id(view)] = value
        else:
            view.__dict__["_filters_template"] = value


def scope_filters_per_request() -> None:
    """Every list view and REST API, ours and Flask-AppBuilder's own (users, roles), gets
    per-request filters. Called once by create_app, before any view is built."""
    for cls in (BaseModelView, ModelRestApi):
        if not isinstance(cls.__dict__.get("_filters"), RequestFilters):
            descriptor = RequestFilters()
            descriptor.__set_name__(cls, "_filters")
            cls._filters = descriptor


# ---------------------------------------------------------------------------------------------
# Drop-downs of related rows (add and edit forms, list search filters)

_DROPDOWN_OF: contextvars.ContextVar = contextvars.ContextVar("wcn_dropdown_of", default=None)


@event.listens_for(Session, "do_orm_execute")
def _dropdown_reads_no_secrets(state):
    """While a drop-down reads its rows, their encrypted columns are left out (read, and decrypted,
    only if something asks for one): a home's 200 residents in a task filter cost 200 rows, not a
    thousand decryptions."""
    model = _DROPDOWN_OF.get()
    if model is None or not state.is_select:
        return
    attributes = encrypted_attributes(model)  # none of them is a drop-down's label
    if attributes and any(d.get("entity") is model for d in state.statement.column_descriptions):
        state.statement = state.statement.options(*(defer(a) for a in attributes))


def fast_related_fields() -> None:
    """Flask-AppBuilder's drop-downs of related rows: the row's id is read through one interface per
    drop-down (FAB built a new one, walking the model's mapper, for every row of every drop-down),
    and the rows are read without their encrypted columns (above)."""
    from flask_appbuilder.forms import GeneralModelConverter

    if getattr(GeneralModelConverter, "_wcn_fast", False):
        return
    original_query = GeneralModelConverter._get_related_query_func

    def _get_related_query_func(self, col_name, filter_rel_fields):
        read = original_query(self, col_name, filter_rel_fields)
        model = self.datamodel.get_related_model(col_name)

        def query():
            token = _DROPDOWN_OF.set(model)
            try:
                return read()
            finally:
                _DROPDOWN_OF.reset(token)

        return query

    def _get_related_pk_func(self, col_name):
        related = self.datamodel.get_related_interface(col_name)
        return related.get_pk_value

    GeneralModelConverter._get_related_query_func = _get_related_query_func
    GeneralModelConverter._get_related_pk_func = _get_related_pk_func
    GeneralModelConverter._wcn_fast = True


class _CheckedSchemas:
    """Flask-AppBuilder checks the `q=` argument of every REST list and show against a JSON schema with
    `jsonschema.validate`, which first checks the schema itself against the JSON Schema meta-schema and
    builds a new validator: 12 ms of a 20 ms REST list. Here each schema is checked once and its
    validator kept; an argument is checked exactly as before (the same best-matching error)."""

    def __init__(self):
        import jsonschema

        self._jsonschema = jsonschema
        self.ValidationError = jsonschema.ValidationError
        self._validators: dict[int, tuple] = {}

    def validate(self, instance, schema):
        entry = self._validators.get(id(schema))
        if entry is None or entry[0] is not schema:
            cls = self._jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            entry = self._validators[id(schema)] = (schema, cls(schema))
        error = self._jsonschema.exceptions.best_match(entry[1].iter_errors(instance))
        if error is not None:
            raise error


def fast_rison_validation() -> None:
    """REST arguments checked with a validator kept per schema (above)."""
    import flask_appbuilder.api as fab_api

    if not isinstance(fab_api.jsonschema, _CheckedSchemas):
        fab_api.jsonschema = _CheckedSchemas()


# ---------------------------------------------------------------------------------------------
# Generic record rules


def check_unique(session, item) -> None:
    """Refuse a row that would break one of its model's unique constraints, naming the field."""
    mapper = inspect(type(item))
    table = mapper.local_table
    groups: list[list] = [[c] for c in table.columns if c.unique]
    groups += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    pk_cols = list(mapper.primary_key)
    errors: dict[str, list[str]] = {}
    for columns in groups:
        values = {}
        for column in columns:
            prop = mapper.get_property_by_column(column)
            values[column] = getattr(item, prop.key)
        if any(v is None for v in values.values()):
            continue
        query = select(func.count()).select_from(table)
        for column, value in values.items():
            query = query.where(column == value)
        for pk in pk_cols:
            own = getattr(item, mapper.get_property_by_column(pk).key)
            if own is not None:
                query = query.where(pk != own)
        with session.no_autoflush:
            taken = session.execute(query.execution_options(skip_home_scope=True)).scalar()
        if taken:
            field = mapper.get_property_by_column(columns[-1]).key
            shown = ", ".join(str(v) for v in values.values())
            errors.setdefault(field.removesuffix("_id"), []).append(
                str(_l("%(value)s is already used; choose another.", value=shown))
            )
    if errors:
        raise DomainError(errors)


def check_unused(session, item) -> None:
    """Refuse to delete a row that other rows still point at, saying what uses it."""
    mapper = inspect(type(item))
    table = mapper.local_table
    pk_value = mapper.primary_key_from_instance(item)[0]
    uses = []
    for other in mapper.registry.mappers:
        other_table = other.local_table
        for fk in other_table.foreign_keys:
            if fk.column.table is not table:
                continue
            query = select(func.count()).select_from(other_table).where(fk.parent == pk_value)
            count = session.execute(query.execution_options(skip_home_scope=True)).scalar()
            if count:
                uses.append(f"{count} {other_table.name.replace('_', ' ')}")
    if uses:
        raise DomainError(
            str(_l("%(record)s is still in use (%(uses)s); it cannot be deleted.",
                   record=str(item), uses=", ".join(sorted(set(uses)))))
        )


def integrity_message(error: IntegrityError) -> DomainError:
    text = str(getattr(error, "orig", error)).splitlines()[0]
    return DomainError(str(_l("This change conflicts with other records: %(detail)s", detail=text)))


def flush_checked(session) -> None:
    """Flush now so rule failures surface here, as a DomainError, with nothing saved."""
    try:
        session.flush()
    except DomainError:
        session.rollback()
        raise
    except IntegrityError as error:
        session.rollback()
        raise integrity_message(error) from None


def refuse_unknown_related(session, item) -> None:
    """A related id that does not exist must not become a new row (marshmallow-sqlalchemy trap)."""
    state = inspect(item)
    errors = {}
    for rel in state.mapper.relationships:
        value = state.dict.get(rel.key)
        if value is None:
            continue
        values = value if isinstance(value, (list, set, tuple)) else [value]
        for related in values:
            if related is not None and not inspect(related).has_identity:
                errors[rel.key] = [str(_l("No such record in your homes."))]
    if errors:
        raise DomainError(errors)


class RecordRules:
    """pre_add / pre_update / pre_delete shared by views and APIs."""

    def pre_add(self, item):
        session = self.datamodel.session
        refuse_unknown_related(session, item)
        with session.no_autoflush:
            assign_home(session, item)
        check_unique(session, item)
        session.add(item)
        flush_checked(session)

    def pre_update(self, item):
        session = self.datamodel.session
        refuse_unknown_related(session, item)
        check_unique(session, item)
        flush_checked(session)

    def pre_delete(self, item):
        # The row was found through the home scope, so only "is it still in use?" remains.
        check_unused(self.datamodel.session, item)


def _enum_field(enum_cls, column, text):
    def coerce(value):
        if value in (None, "") or isinstance(value, enum_cls):
            return value or None
        return enum_cls[value] if value in enum_cls.__members__ else value

    return SelectField(
        text or column.key.replace("_", " ").capitalize(),
        choices=lambda: ([] if not column.nullable else [("", "")]) + labels.choices(enum_cls),
        coerce=coerce,
        validators=[InputRequired() if not column.nullable else Optional()],
        widget=Select2Widget(),
    )


class CareModelView(RecordRules, ModelView):
    """A browser CRUD view. Set `class_permission_name` to its resource in the matrix."""

    method_permission_name = METHOD_PERMISSIONS
    # Not registered: FAB's legacy JSON endpoints (the REST APIs under /api/v1/ replace them), file
    # downloads (no file columns) and bulk actions (none defined; FAB's action routes 500 on an
    # unknown action name). A view that defines actions adds "action" and "action_post" back.
    exclude_route_methods = {
        "download", "action", "action_post",
        "api", "api_read", "api_get", "api_create", "api_update", "api_delete",
        "api_column_add", "api_column_edit", "api_readvalues",
    }
    page_size = 25

    def __init__(self, **kwargs):
        # Coded columns (enums) show and offer their translated labels, not the stored codes.
        self.formatters_columns = dict(self.formatters_columns or {})
        self.add_form_extra_fields = dict(self.add_form_extra_fields or {})
        self.edit_form_extra_fields = dict(self.edit_form_extra_fields or {})
        for column in inspect(self.datamodel.obj).columns:
            enum_cls = getattr(column.type, "enum_class", None)
            if enum_cls is None:
                continue
            self.formatters_columns.setdefault(column.key, labels.label)
            for extra, columns in ((self.add_form_extra_fields, self.add_columns),
                                   (self.edit_form_extra_fields, self.edit_columns)):
                if column.key in (columns or []) and column.key not in extra:
                    extra[column.key] = _enum_field(enum_cls, column, self.label_columns.get(column.key))
        super().__init__(**kwargs)
        # Every other column reads as a person expects: blank for none, Yes/No, UK dates and times.
        for name in {*(self.list_columns or []), *(self.show_columns or [])}:
            self.formatters_columns.setdefault(name, ukdates.readable)

    def _get_list_widget(self, *args, page_size=None, **kwargs):
        page_size = min(page_size or self.page_size, MAX_PAGE_SIZE)
        return super()._get_list_widget(*args, page_size=page_size, **kwargs)


class CareModelApi(RecordRules, ModelRestApi):
    """A REST API under /api/v1/. Rule failures are 4xx with the fields named."""

    method_permission_name = METHOD_PERMISSIONS
    allow_browser_login = True
    page_size = 25

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # A field the database fills (a default, or the home from the parent row or the user's
        # current home) need not be sent.
        columns = self.datamodel.obj.__table__.columns
        for name, field in self.add_model_schema.fields.items():
            column = columns.get(name)
            if name == "home" or (column is not None and column.default is not None):
                field.required = False

    def _domain_response(self, error: DomainError):
        return self.response(error.status_code, message=error.errors)

    def _refuse_malformed_body(self, columns):
        """A body that is not a JSON object, or a related id that cannot be a row id, is refused
        here: marshmallow would pass "abc" to the database, which answers with an error."""
        body = request.get_json(silent=True)
        if request.is_json and not isinstance(body, dict):
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        if not isinstance(body, dict):
            return None
        mapper = inspect(self.datamodel.obj)
        errors = {}
        for rel in mapper.relationships:
            if rel.key not in columns or rel.key not in body or body[rel.key] is None:
                continue
            values = body[rel.key] if rel.uselist and isinstance(body[rel.key], list) else [body[rel.key]]
            if not all(isinstance(v, int) and not isinstance(v, bool) and valid_int_id(v) for v in values):
                errors[rel.key] = [str(_l("Give the id of an existing record."))]
        if errors:
            return self.response_422(message=errors)
        return None

    def post_headless(self):
        refused = self._refuse_malformed_body(self.add_columns)
        if refused is not None:
            return refused
        try:
            return super().post_headless()
        except DomainError as error:
            return self._domain_response(error)

    def put_headless(self, pk):
        refused = self._refuse_malformed_body(self.edit_columns)
        if refused is not None:
            return refused
        try:
            return super().put_headless(pk)
        except DomainError as error:
            return self._domain_response(error)

    def delete_headless(self, pk):
        try:
            return super().delete_headless(pk)
        except DomainError as error:
            return self._domain_response(error)
