"""Browser views for organisations, homes, units, rooms and beds."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.widgets import ListWidget
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect

from app.access import is_group_admin
from app.crud import READ_ONLY_VIEW, CareModelView
from app.exceptions import HomeScopeError
from app.homes import emergency, services
from app.homes.models import Bed, BedServicePeriod, CareHome, Organisation, Room, Unit
from app.homes.natural import NaturalInterface

ONLY_GROUP_ADDS_HOMES = _l("Only the group's administrators add care homes.")


class HomeRules:
    """Domain checks shared by the browser view and the REST API of each model."""

    def check(self, item):
        """Check the row; for a bed, return its status before this change."""
        if isinstance(item, CareHome):
            if item.id is None and not is_group_admin():
                raise HomeScopeError(ONLY_GROUP_ADDS_HOMES)
            services.check_care_home(item)
        elif isinstance(item, Bed):
            history = inspect(item).attrs.status.history
            before = history.deleted[0] if history.deleted else (
                None if item.id is None else item.status
            )
            services.check_bed(item, before)
            return before
        return None

    def _track(self, item, before):
        # after the shared checks, which refuse new rows hanging off the item
        if isinstance(item, Bed):
            services.track_service(item, before)

    def pre_add(self, item):
        before = self.check(item)
        super().pre_add(item)
        self._track(item, before)

    def pre_update(self, item):
        before = self.check(item)
        super().pre_update(item)
        self._track(item, before)


LABELS = {
    "organisation": _l("Organisation"),
    "name": _l("Name"),
    "regulator": _l("Regulator"),
    "cqc_location_id": _l("CQC location ID"),
    "cqc_provider_id": _l("CQC provider ID"),
    "service_type": _l("Service type"),
    "registered_places": _l("Registered places"),
    "address_line_1": _l("Address line 1"),
    "address_line_2": _l("Address line 2"),
    "town": _l("Town"),
    "county": _l("County"),
    "postcode": _l("Postcode"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address": _l("Address"),
    "emergency_access_notes": _l("Emergency access notes"),
    "active": _l("Active"),
    "home": _l("Home"),
    "floor": _l("Floor"),
    "description": _l("Description"),
    "unit": _l("Unit"),
    "number": _l("Room number"),
    "en_suite": _l("En suite"),
    "notes": _l("Notes"),
    "room": _l("Room"),
    "label": _l("Bed"),
    "status": _l("Status"),
    "out_of_service_reason": _l("Out-of-service reason"),
}


class OrganisationView(CareModelView):
    datamodel = NaturalInterface(Organisation)
    class_permission_name = "Organisations"
    list_title = show_title = add_title = edit_title = _l("Organisations")
    list_columns = ["name", "cqc_provider_id", "phone", "email"]
    add_columns = edit_columns = show_columns = ["name", "cqc_provider_id", "address", "phone", "email"]
    search_columns = ["name", "cqc_provider_id"]
    label_columns = LABELS
    base_order = ("name", "asc")


def _keep_stored(obj, name):
    """populate_obj of a form field the user may not change: the stored value stays."""


class CareHomeListWidget(ListWidget):
    """The list of homes; "add" shows only to the group's administrators."""

    template = "homes/care_home_list.html"


class CareHomeView(HomeRules, CareModelView):
    datamodel = NaturalInterface(CareHome)
    class_permission_name = "Care homes"
    list_title = show_title = add_title = edit_title = _l("Care homes")
    list_columns = ["name", "service_type", "registered_places", "cqc_location_id", "town", "active"]
    add_columns = edit_columns = [
        "organisation", "name", "regulator", "cqc_location_id", "service_type",
        "registered_places", "address_line_1", "address_line_2", "town", "county", "postcode",
        "phone", "email", "emergency_access_notes", "active",
    ]
    show_fieldsets = [
        (_l("Registration"), {"fields": [
            "name", "organisation", "regulator", "cqc_location_id", "service_type",
            "registered_places", "active",
        ]}),
        (_l("Contact"), {"fields": [
            "address_line_1", "address_line_2", "town", "county", "postcode", "phone", "email",
        ]}),
        (_l("Out of hours"), {"fields": ["emergency_access_notes"]}),
    ]
    search_columns = ["name", "service_type", "town", "postcode", "cqc_location_id", "active"]
    label_columns = LABELS
    description_columns = {
        "emergency_access_notes": _l("Key-safe and alarm codes for out-of-hours staff. Stored encrypted."),
        "registered_places": _l("The number of places on the home's registration."),
    }
    base_order = ("name", "asc")
    list_widget = CareHomeListWidget

    def _get_list_widget(self, *args, **kwargs):
        return super()._get_list_widget(*args, may_add_home=is_group_admin(), **kwargs)

    # Emergency access notes (app/homes/emergency.py): shown and audited, or left out.
    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        fieldsets = show_fieldsets or self.show_fieldsets
        if emergency.may("can_read"):
            emergency.record_view(item.id)
        else:
            fieldsets = [(name, {**spec, "fields": [f for f in spec["fields"] if f != emergency.FIELD]})
                         for name, spec in fieldsets]
            fieldsets = [(name, spec) for name, spec in fieldsets if spec["fields"]]
        return super()._get_show_widget(pk, item, widgets=widgets, actions=actions, show_fieldsets=fieldsets)

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        if emergency.may("can_write"):
            emergency.record_view(pk)

    def process_form(self, form, is_created):
        if not emergency.may("can_write") and emergency.FIELD in form:
            form[emergency.FIELD].populate_obj = _keep_stored
        super().process_form(form, is_created)

    def _without_notes(self, exclude_cols):
        return list(exclude_cols or []) + ([] if emergency.may("can_write") else [emergency.FIELD])

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        return super()._get_add_widget(form, exclude_cols=self._without_notes(exclude_cols), widgets=widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        return super()._get_edit_widget(form, exclude_cols=self._without_notes(exclude_cols), widgets=widgets)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if not is_group_admin():
            flash(str(ONLY_GROUP_ADDS_HOMES), "danger")
            return redirect(url_for(f"{type(self).__name__}.list"))
        return super().add()


class UnitView(CareModelView):
    datamodel = NaturalInterface(Unit)
    class_permission_name = "Units"
    list_title = show_title = add_title = edit_title = _l("Units")
    list_columns = ["name", "home", "floor"]
    add_columns = edit_columns = ["home", "name", "floor", "description"]
    show_columns = ["home", "name", "floor", "description", "rooms"]
    search_columns = ["home", "name", "floor"]
    label_columns = {**LABELS, "rooms": _l("Rooms")}
    base_order = ("name", "asc")


class RoomView(CareModelView):
    datamodel = NaturalInterface(Room)
    class_permission_name = "Rooms"
    list_title = show_title = add_title = edit_title = _l("Rooms")
    list_columns = ["number", "unit", "home", "en_suite"]
    add_columns = edit_columns = ["unit", "number", "en_suite", "notes"]
    show_columns = ["home", "unit", "number", "en_suite", "notes", "beds"]
    search_columns = ["home", "unit", "number", "en_suite"]
    label_columns = {**LABELS, "beds": _l("Beds")}
    # natural order: Room 2 before Room 10 (app/homes/natural.py)
    base_order = ("number", "asc")


class BedServicePeriodView(CareModelView):
    """When each bed was out of service (kept by the bed's status changes; read only)."""

    datamodel = NaturalInterface(BedServicePeriod)
    class_permission_name = "Beds"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Beds out of service")
    list_columns = show_columns = ["bed", "reason", "from_at", "to_at", "home"]
    search_columns = ["bed", "from_at", "to_at", "home"]
    label_columns = {**LABELS, "bed": _l("Bed"), "reason": _l("Reason"), "from_at": _l("Out of service from"),
                     "to_at": _l("Back in service")}
    base_order = ("from_at", "desc")


class BedView(HomeRules, CareModelView):
    datamodel = NaturalInterface(Bed)
    related_views = [BedServicePeriodView]
    class_permission_name = "Beds"
    list_title = show_title = add_title = edit_title = _l("Beds")
    list_columns = ["room", "label", "status", "home"]
    add_columns = edit_columns = ["room", "label", "status", "out_of_service_reason"]
    show_columns = ["home", "room", "label", "status", "out_of_service_reason"]
    search_columns = ["home", "room", "status"]
    label_columns = LABELS
    # by room then bed, in natural order (app/homes/natural.py)
    base_order = ("label", "asc")
