"""REST APIs for organisations, homes, units, rooms and beds, under /api/v1/."""

from __future__ import annotations

from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.crud import READ_ONLY_API, CareModelApi
from app.homes import emergency
from app.homes.models import Bed, BedServicePeriod, CareHome, Organisation, Room, Unit
from app.homes.views import HomeRules


class OrganisationApi(CareModelApi):
    resource_name = "organisations"
    datamodel = SQLAInterface(Organisation)
    class_permission_name = "Organisations"
    list_columns = show_columns = ["id", "name", "cqc_provider_id", "address", "phone", "email"]
    add_columns = edit_columns = ["name", "cqc_provider_id", "address", "phone", "email"]


class CareHomeApi(HomeRules, CareModelApi):
    resource_name = "care-homes"
    datamodel = SQLAInterface(CareHome)
    class_permission_name = "Care homes"
    list_columns = [
        "id", "name", "organisation.id", "regulator", "cqc_location_id", "service_type",
        "registered_places", "town", "postcode", "active",
    ]
    show_columns = [
        "id", "name", "organisation.id", "organisation.name", "regulator", "cqc_location_id",
        "service_type", "registered_places", "address_line_1", "address_line_2", "town",
        "county", "postcode", "phone", "email", "emergency_access_notes", "active",
    ]
    add_columns = edit_columns = [
        "organisation", "name", "regulator", "cqc_location_id", "service_type",
        "registered_places", "address_line_1", "address_line_2", "town", "county", "postcode",
        "phone", "email", "emergency_access_notes", "active",
    ]
    order_columns = ["name", "town", "registered_places"]

    # Emergency access notes (app/homes/emergency.py): shown and audited, or left out; changed
    # only by roles that may change them.
    def pre_get(self, data):
        result = data.get("result", {})
        if not emergency.may("can_read"):
            result.pop(emergency.FIELD, None)
        elif result.get(emergency.FIELD):
            emergency.record_view(data["id"])

    def _refuse_notes(self):
        body = request.get_json(silent=True)
        if isinstance(body, dict) and emergency.FIELD in body and not emergency.may("can_write"):
            message = str(_l("Your role may not change these details."))
            return self.response(403, message={emergency.FIELD: [message]})
        return None

    def post_headless(self):
        return self._refuse_notes() or super().post_headless()

    def put_headless(self, pk):
        return self._refuse_notes() or super().put_headless(pk)


class UnitApi(CareModelApi):
    resource_name = "units"
    datamodel = SQLAInterface(Unit)
    class_permission_name = "Units"
    list_columns = show_columns = ["id", "home.id", "home.name", "name", "floor", "description"]
    add_columns = edit_columns = ["home", "name", "floor", "description"]
    order_columns = ["name", "floor"]


class RoomApi(CareModelApi):
    resource_name = "rooms"
    datamodel = SQLAInterface(Room)
    class_permission_name = "Rooms"
    list_columns = show_columns = ["id", "home.id", "unit.id", "unit.name", "number", "en_suite", "notes"]
    add_columns = edit_columns = ["unit", "number", "en_suite", "notes"]
    order_columns = ["number"]


class BedApi(HomeRules, CareModelApi):
    resource_name = "beds"
    datamodel = SQLAInterface(Bed)
    class_permission_name = "Beds"
    list_columns = show_columns = [
        "id", "home.id", "room.id", "room.number", "label", "status", "out_of_service_reason",
    ]
    add_columns = edit_columns = ["room", "label", "status", "out_of_service_reason"]
    order_columns = ["label", "status"]


class BedServicePeriodApi(CareModelApi):
    """When each bed was out of service; written by the bed's status changes, so read only."""

    resource_name = "bed-service-periods"
    datamodel = SQLAInterface(BedServicePeriod)
    class_permission_name = "Beds"
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "home.id", "bed.id", "reason", "from_at", "to_at"]
    order_columns = ["from_at"]
