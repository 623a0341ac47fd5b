"""REST APIs under /api/v1/care/ for daily care records: read every record; create notes, chart entries
and vital-sign sets through the services (POST on the collection); amend a note, void an entry,
change a resident's care profile; the unit board as JSON.

Errors are 4xx with the field named: {"message", "field", "errors"} (422; an unusual value also
has "needs_confirmation": true), 404 for a resident or record not in the user's homes, 403 when
the role may not record that kind of entry. An entry sent again with the same idempotency key
answers 200 with the entry first saved (201 the first time).
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.care import services
from app.care.codes import CHARTS
from app.care.models import CareNote, CareProfile, Observation, ObservationSet, SetKind
from app.care.services import CareInputError
from app.crud import READ_ONLY_API, CareModelApi
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.tenancy import acting_user


def number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def iso(value):
    return services._aware(value).isoformat() if value is not None else None


def note_json(note: CareNote) -> dict:
    return {
        "id": note.id, "resident_id": note.resident_id, "category": str(note.category.value if hasattr(
            note.category, "value") else note.category), "text": note.text, "occurred_at": iso(note.occurred_at),
        "entered_at": iso(note.entered_at), "author": note.author_name, "routine": note.routine,
        "late_entry": note.is_late, "amends_id": note.amends_id, "amendment_reason": note.amendment_reason,
        "superseded_by_id": note.superseded_by_id, "idempotency_key": note.idempotency_key,
    }


def set_json(obs_set: ObservationSet) -> dict:
    body = {
        "id": obs_set.id, "resident_id": obs_set.resident_id, "kind": str(SetKind(obs_set.kind).value),
        "code": obs_set.code, "observed_at": iso(obs_set.observed_at), "entered_at": iso(obs_set.entered_at),
        "recorded_by": obs_set.recorded_by_name, "note": obs_set.note, "late_entry": obs_set.is_late,
        "confirmed": obs_set.confirmed or [], "soft_signs": obs_set.soft_signs or [],
        "voided": obs_set.voided_at is not None, "idempotency_key": obs_set.idempotency_key,
        "observations": [{"code": o.code, "value": number(o.value), "value_text": o.value_text, "unit": o.unit,
                          "confirmed": o.confirmed} for o in obs_set.observations],
    }
    if obs_set.kind == SetKind.vitals:
        body["news2"] = {"total": obs_set.news2_total, "band": obs_set.news2_band,
                         "band_label": obs_set.news2_band_label, "max_single": obs_set.news2_max_single,
                         "points": obs_set.news2_points or {}, "form_version": obs_set.news2_form_version}
    return body


class CareApi(CareModelApi):
    """Reads by FAB's routes; writes through the services."""

    method_permission_name = {**READ_ONLY_API, "post": "write"}
    include_route_methods = {"get", "get_list", "info", "post"}
    order_rel_fields: dict = {}

    @staticmethod
    def _json(status: int, body: dict):
        response = current_app.json.response(body)
        response.status_code = status
        return response

    def _body(self):
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def _refused(self, error: DomainError):
        db.session.rollback()
        if isinstance(error, CareInputError):
            return self._json(error.status_code, error.body())
        field = next(iter(error.errors), "_")
        return self._json(error.status_code, {"message": error.message, "field": field, "errors": error.errors})

    def _not_found(self, field: str = "resident_id"):
        db.session.rollback()
        return self._json(404, {"message": str(_l("No such record in your homes.")), "field": field})

    def _resident(self, body):
        from app.residents.models import Resident

        pk = body.get("resident_id")
        if isinstance(pk, str) and pk.isdigit():
            pk = int(pk)
        if not isinstance(pk, int) or isinstance(pk, bool) or not valid_int_id(pk):
            raise CareInputError("resident_id", _l("Give the id of a resident of your home."))
        return db.session.scalar(select(Resident).where(Resident.id == pk, Resident.voided_at.is_(None)))

    def _write(self, body, action):
        """Run a service call, commit, answer 201 (new) or 200 (already saved with this key)."""
        if body is None:
            return self._json(400, {"message": str(_l("The request body must be a JSON object.")), "field": "_"})
        try:
            row = action(body)
            if row is None:
                return self._not_found()
            created = getattr(row, "was_created", False)
            result = self.serialise(row)
            db.session.commit()
        except DomainError as error:
            return self._refused(error)
        return self._json(201 if created else 200, result)

    @staticmethod
    def _flag(body, name) -> bool:
        value = body.get(name, False)
        if value in (True, False, None, 0, 1, "true", "false", "1", "0", ""):
            return value in (True, 1, "true", "1")
        raise CareInputError(name, _l("Give true or false."))


class CareNoteApi(CareApi):
    resource_name = "care/notes"
    datamodel = SQLAInterface(CareNote)
    class_permission_name = "Care notes"
    method_permission_name = {**READ_ONLY_API, "post": "write", "amend": "write"}
    include_route_methods = {"get", "get_list", "info", "post", "amend"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "category", "text", "occurred_at", "entered_at", "author_name", "routine",
        "idempotency_key", "amends.id", "amendment_reason", "superseded_at", "superseded_by.id",
    ]
    order_columns = ["occurred_at", "entered_at"]
    search_columns = ["category", "resident", "occurred_at", "routine"]
    base_order = ("occurred_at", "desc")
    serialise = staticmethod(note_json)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """A care note: {resident_id, category, text, occurred_at?, routine?, idempotency_key?}; or a
        one-tap routine note: {resident_id, routine_key, occurred_at?, idempotency_key?}."""
        def act(body):
            resident = self._resident(body)
            if resident is None:
                return None
            when = services.parse_time(body.get("occurred_at"), "occurred_at")
            if body.get("routine_key"):
                return services.record_routine_note(resident, body.get("routine_key"), acting_user(),
                                                    occurred_at=when, idempotency_key=body.get("idempotency_key"))
            return services.record_note(resident, body.get("category"), body.get("text"), when, acting_user(),
                                        routine=self._flag(body, "routine"),
                                        idempotency_key=body.get("idempotency_key"))
        return self._write(self._body(), act)

    @expose("/<int:pk>/amend", methods=["POST"])
    @protect()
    @safe
    def amend(self, pk):
        """Correct a note: {text, reason}. The original is kept, marked superseded."""
        def act(body):
            note = db.session.scalar(select(CareNote).where(CareNote.id == pk))
            if note is None:
                return None
            return services.amend_note(note, body.get("text"), body.get("reason"), acting_user())
        return self._write(self._body(), act)


class _SetApi(CareApi):
    datamodel = SQLAInterface(ObservationSet)
    method_permission_name = {**READ_ONLY_API, "post": "write", "void": "write"}
    include_route_methods = {"get", "get_list", "info", "post", "void"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "kind", "code", "observed_at", "entered_at", "recorded_by_name", "note",
        "idempotency_key", "news2_total", "news2_band", "news2_band_label", "news2_max_single", "news2_points",
        "soft_signs", "confirmed", "voided_at", "void_reason",
    ]
    order_columns = ["observed_at", "entered_at"]
    search_columns = ["resident", "code", "observed_at"]
    base_order = ("observed_at", "desc")
    serialise = staticmethod(set_json)
    kind = SetKind.chart

    @expose("/<int:pk>/void", methods=["POST"])
    @protect()
    @safe
    def void(self, pk):
        """Void an entry made in error: {reason}. It stays, with the reason; its values stop counting."""
        def act(body):
            found = db.session.scalar(select(ObservationSet).where(ObservationSet.id == pk,
                                                                   ObservationSet.kind == self.kind))
            if found is None:
                return None
            return services.void_set(found, body.get("reason"), acting_user())
        return self._write(self._body(), act)


class CareEntryApi(_SetApi):
    resource_name = "care/entries"
    class_permission_name = "Charts"
    base_filters = [["kind", FilterEqual, SetKind.chart]]

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """One chart entry: {resident_id, code, value, value_text?, extra?: {code: value}, note?,
        observed_at?, confirm?, idempotency_key?}. Vital signs need the Vital signs permission."""
        def act(body):
            code = body.get("code")
            codes = [code, *(body.get("extra") or {})] if isinstance(body.get("extra") or {}, dict) else [code]
            if any(isinstance(c, str) and c in CHARTS and CHARTS[c].vital for c in codes) and not \
                    current_app.appbuilder.sm.has_access("can_write", "Vital signs"):
                raise DomainError({"code": [str(_l("Recording vital signs is for nurses and senior carers."))]})
            resident = self._resident(body)
            if resident is None:
                return None
            extra = body.get("extra")
            if extra is not None and not isinstance(extra, dict):
                raise CareInputError("extra", _l("Give further values as named values."))
            return services.record_entry(
                resident, code, body.get("value"), services.parse_time(body.get("observed_at")), acting_user(),
                value_text=body.get("value_text"), extra=extra, note=body.get("note"),
                confirm=self._flag(body, "confirm"), idempotency_key=body.get("idempotency_key"))
        return self._write(self._body(), act)

    def _refused(self, error: DomainError):
        if not isinstance(error, CareInputError) and "code" in error.errors and error.status_code == 422:
            db.session.rollback()
            return self._json(403, {"message": error.errors["code"][0], "field": "code"})
        return super()._refused(error)


class VitalSignsApi(_SetApi):
    resource_name = "care/vitals"
    class_permission_name = "Vital signs"
    base_filters = [["kind", FilterEqual, SetKind.vitals]]
    kind = SetKind.vitals

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """A set of vital signs, scored with NEWS2 by the server: {resident_id, values: {respiration_rate,
        spo2, spo2_scale?, supplemental_oxygen, systolic_bp, diastolic_bp?, pulse, consciousness,
        temperature, blood_glucose?, pain?}, soft_signs?, note?, observed_at?, confirm?, idempotency_key?}
        → the set with news2 {total, band, band_label, max_single}."""
        def act(body):
            resident = self._resident(body)
            if resident is None:
                return None
            values = body.get("values")
            if not isinstance(values, dict):
                raise CareInputError("values", _l("Give the vital signs as named values."))
            return services.record_vitals(
                resident, values, services.parse_time(body.get("observed_at")), acting_user(),
                soft_signs=body.get("soft_signs") or (), note=body.get("note"), confirm=self._flag(body, "confirm"),
                idempotency_key=body.get("idempotency_key"))
        return self._write(self._body(), act)


class ObservationApi(CareModelApi):
    """Every observation row (read only): code, value, unit, when, its entry."""

    resource_name = "care/observations"
    datamodel = SQLAInterface(Observation)
    class_permission_name = "Charts"
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "home.id", "set.id", "resident.id", "code", "value", "value_text", "unit",
                                   "observed_at", "confirmed", "voided"]
    order_columns = ["observed_at", "code"]
    search_columns = ["resident", "code", "observed_at", "voided"]
    base_order = ("observed_at", "desc")


class CareProfileApi(CareApi):
    """Each resident's targets. PUT changes them (nurses): {daily_fluid_target_ml, reposition_interval_h,
    height_cm, spo2_scale, bowel_alert_days}; POST makes or changes one for {resident_id, ...}."""

    resource_name = "care/profiles"
    datamodel = SQLAInterface(CareProfile)
    class_permission_name = "Vital signs"
    method_permission_name = {**READ_ONLY_API, "post": "write", "put": "write"}
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    list_columns = show_columns = ["id", "home.id", "resident.id", "daily_fluid_target_ml", "reposition_interval_h",
                                   "height_cm", "spo2_scale", "bowel_alert_days", "updated_at"]
    order_columns = ["updated_at"]
    base_order = ("updated_at", "desc")

    @staticmethod
    def serialise(row: CareProfile) -> dict:
        return {"id": row.id, "resident_id": row.resident_id, "daily_fluid_target_ml": row.daily_fluid_target_ml,
                "reposition_interval_h": row.reposition_interval_h, "height_cm": number(row.height_cm),
                "spo2_scale": row.spo2_scale, "bowel_alert_days": row.bowel_alert_days}

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        def act(body):
            resident = self._resident(body)
            if resident is None:
                return None
            return services.update_profile(resident, body, acting_user())
        return self._write(self._body(), act)

    @expose("/<pk>", methods=["PUT"])
    @protect()
    @safe
    def put(self, pk):
        def act(body):
            row = db.session.scalar(select(CareProfile).where(CareProfile.id == int(pk))) if str(pk).isdigit() \
                and valid_int_id(int(pk)) else None
            if row is None:
                return None
            return services.update_profile(row.resident, body, acting_user())
        return self._write(self._body(), act)


class UnitBoardApi(BaseApi):
    """The unit board "at risk now" as JSON: GET /api/v1/care/board/?unit_id= → {generated_at, residents}."""

    resource_name = "care/board"
    class_permission_name = "Unit board"
    method_permission_name = {"board": "read"}
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def board(self):
        from app.care import board
        from app.tenancy import current_home_id, current_scope

        unit_id = request.args.get("unit_id", "")
        if unit_id and (not unit_id.isdigit() or not valid_int_id(int(unit_id))):
            return self.response(400, message=str(_l("Choose a unit from the list.")), field="unit_id")
        home_id = request.args.get("home_id", "")
        if home_id:
            if not home_id.isdigit() or (current_scope() is not None and int(home_id) not in current_scope()):
                return self.response(404, message=str(_l("No such record in your homes.")), field="home_id")
            home_id = int(home_id)
        else:
            home_id = current_home_id()
        now = services.now_utc()
        rows = board.at_risk(home_id, int(unit_id) if unit_id else None, now=now)
        return self.response(200, generated_at=now.isoformat(), residents=board.as_json(rows))


APIS = (CareNoteApi, CareEntryApi, VitalSignsApi, ObservationApi, CareProfileApi, UnitBoardApi)
