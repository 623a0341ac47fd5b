"""REST API of the body map under /api/v1/care/: marks to read and create, another entry for a
mark, healed and voided through the services; entries and photos to read.

    POST /api/v1/care/body-marks/   {"resident_id", "side": "front"|"back", "x": 0-100, "y": 0-100,
        "region" (optional: worked out from x and y), "kind", "category" (pressure damage only),
        "origin": "home"|"admission"|"elsewhere", "first_seen_on": "2026-11-30", "description",
        "length_mm", "width_mm", "depth_mm", "observed_at", "photos": [base64 JPEG/PNG, ...]}
    POST /api/v1/care/body-marks/<id>/entries  {"description", "length_mm", ..., "category", "photos"}
    POST /api/v1/care/body-marks/<id>/healed   {"healed_on", "note"}
    POST /api/v1/care/body-marks/<id>/void     {"reason"}

Errors: 422 {"message", "field", "errors": {field: [messages]}}; another home's mark or resident is
404; a change to a healed or voided mark is 409.
"""

from __future__ import annotations

import base64
import binascii

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.care import bodymap
from app.care.bodymap_models import BodyMark, BodyMarkEntry, BodyMarkPhoto
from app.crud import READ_ONLY_API, CareModelApi
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.labels import label
from app.residents.models import Resident
from app.tenancy import acting_user

RESOURCE = "Body map"
MARK_FIELDS = ("side", "x", "y", "region", "kind", "category", "origin", "first_seen_on", "description",
               "length_mm", "width_mm", "depth_mm", "observed_at")
ENTRY_FIELDS = ("description", "length_mm", "width_mm", "depth_mm", "category", "observed_at")


def _num(value):
    return None if value is None else float(value)


def entry_json(entry: BodyMarkEntry) -> dict:
    return {
        "id": entry.id, "observed_at": entry.observed_at.isoformat(), "entered_at": entry.entered_at.isoformat(),
        "length_mm": _num(entry.length_mm), "width_mm": _num(entry.width_mm), "depth_mm": _num(entry.depth_mm),
        "category": entry.category.value if entry.category else None, "description": entry.description,
        "recorded_by": entry.recorded_by_name, "voided": entry.voided_at is not None,
        "photos": [{"id": p.id, "url": f"/care/body-map/photo/{p.id}"} for p in entry.photos if p.voided_at is None],
    }


def mark_json(mark: BodyMark) -> dict:
    return {
        "id": mark.id, "home_id": mark.home_id, "resident_id": mark.resident_id, "side": mark.side.value,
        "x": _num(mark.x_pct), "y": _num(mark.y_pct), "region": mark.region,
        "region_label": bodymap.region_label(mark.region), "kind": mark.kind.value, "kind_label": label(mark.kind),
        "category": mark.category.value if mark.category else None, "origin": mark.origin.value,
        "first_seen_on": mark.first_seen_on.isoformat(),
        "healed_on": mark.healed_on.isoformat() if mark.healed_on else None, "healed_note": mark.healed_note,
        "voided_at": mark.voided_at.isoformat() if mark.voided_at else None, "void_reason": mark.void_reason,
        "created_by": mark.created_by_name, "entries": [entry_json(e) for e in mark.entries],
    }


def _photos(body: dict) -> list[bytes]:
    """Photos sent as base64 strings; one that is not base64 is passed on as bytes that are no image."""
    photos = body.get("photos") or []
    if not isinstance(photos, list):
        raise DomainError({"photos": [str(_l("Send the photos as a list of base64 images."))]})
    out = []
    for item in photos:
        try:
            out.append(base64.b64decode(str(item).split(",", 1)[-1], validate=True))
        except (binascii.Error, ValueError):
            out.append(b"not an image")
    return out


class BodyMarkApi(CareModelApi):
    resource_name = "care/body-marks"
    datamodel = SQLAInterface(BodyMark)
    class_permission_name = RESOURCE
    method_permission_name = {**READ_ONLY_API, "create": "write", "add_entry": "write", "healed": "write",
                              "void": "write"}
    include_route_methods = {"get", "get_list", "info", "create", "add_entry", "healed", "void"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "side", "x_pct", "y_pct", "region", "kind", "category", "origin",
        "first_seen_on", "healed_on", "healed_note", "created_at", "created_by_name", "voided_at", "void_reason",
    ]
    order_columns = ["first_seen_on", "created_at", "kind"]
    search_columns = ["resident", "kind", "origin", "category", "first_seen_on", "healed_on", "home"]
    base_order = ("created_at", "desc")

    def _error(self, error: DomainError):
        db.session.rollback()
        field, messages = next(iter(error.errors.items()))
        status = error.status_code if error.status_code != 422 or field != "_" else 409
        return self.response(status, message=" ".join(messages), field=None if field == "_" else field,
                             errors=error.errors)

    def _body(self):
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def _mark_or_none(self, pk):
        return bodymap.get_mark(pk)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """Record a new mark with its first entry (and photos)."""
        body = self._body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        resident_id = body.get("resident_id")
        resident = None
        if isinstance(resident_id, int) and not isinstance(resident_id, bool) and valid_int_id(resident_id):
            resident = db.session.scalar(select(Resident).where(Resident.id == resident_id))
            if resident is None or resident.voided_at is not None:  # another home's, as the other care APIs say
                return self.response(404, message=str(_l("No such record in your homes.")), field="resident_id")
        try:
            mark = bodymap.record_mark(resident, acting_user(), photos=_photos(body),
                                       **{k: body.get(k) for k in MARK_FIELDS})
            db.session.commit()
        except DomainError as error:
            return self._error(error)
        return self.response(201, **mark_json(mark))

    @expose("/<int:pk>/entries", methods=["POST"])
    @protect()
    @safe
    def add_entry(self, pk):
        """Another dated entry for an open mark: measurements, description, category, photos."""
        mark = self._mark_or_none(pk)
        if mark is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        try:
            entry = bodymap.add_entry(mark, acting_user(), photos=_photos(body),
                                      **{k: body.get(k) for k in ENTRY_FIELDS})
            db.session.commit()
        except DomainError as error:
            return self._error(error)
        return self.response(201, **entry_json(entry))

    @expose("/<int:pk>/healed", methods=["POST"])
    @protect()
    @safe
    def healed(self, pk):
        mark = self._mark_or_none(pk)
        if mark is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        try:
            bodymap.mark_healed(mark, acting_user(), body.get("healed_on"), body.get("note"))
            db.session.commit()
        except DomainError as error:
            return self._error(error)
        return self.response(200, **mark_json(mark))

    @expose("/<int:pk>/void", methods=["POST"])
    @protect()
    @safe
    def void(self, pk):
        mark = self._mark_or_none(pk)
        if mark is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        try:
            bodymap.void_mark(mark, acting_user(), body.get("reason"))
            db.session.commit()
        except DomainError as error:
            return self._error(error)
        return self.response(200, **mark_json(mark))


class BodyMarkEntryApi(CareModelApi):
    resource_name = "care/body-mark-entries"
    datamodel = SQLAInterface(BodyMarkEntry)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = [
        "id", "home.id", "mark.id", "resident.id", "observed_at", "entered_at", "length_mm", "width_mm",
        "depth_mm", "category", "description", "recorded_by_name", "voided_at", "void_reason",
    ]
    order_columns = ["observed_at"]
    search_columns = ["mark", "resident", "observed_at", "home"]
    base_order = ("observed_at", "desc")


class BodyMarkPhotoApi(CareModelApi):
    resource_name = "care/body-mark-photos"
    datamodel = SQLAInterface(BodyMarkPhoto)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "home.id", "entry.id", "mark.id", "created_at", "voided_at"]
    order_columns = ["created_at"]
    search_columns = ["entry", "mark", "home"]
    base_order = ("created_at", "desc")
