"""Browser views: residents, contacts, the legal register, enquiries, stays (read-only: stays
change through the actions on the resident's profile), bed periods and hospital leave."""

from __future__ import annotations

import contextvars

from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.widgets import ListWidget
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload
from wtforms import BooleanField, StringField
from wtforms.validators import Optional

from app.crud import READ_ONLY_VIEW, CareModelView
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.homes.models import Bed, Room, Unit
from app.homes.natural import NaturalInterface
from app.permissions import METHOD_PERMISSIONS
from app.residents import services
from app.residents.common import HideVoided, KeepFormOnError, NotVoided, flash_domain_error
from app.residents.enquiries import check_enquiry
from app.residents.fields import refused_fields
from app.residents.models import Absence, Contact, Enquiry, LegalRecord, Resident, Stay, StayBed, StayStatus
from app.tenancy import acting_user
from app.ukdates import UKDateField

LABELS = {
    "home": _l("Home"),
    "resident": _l("Resident"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "preferred_name": _l("Preferred name"),
    "date_of_birth": _l("Date of birth"),
    "nhs_number": _l("NHS number"),
    "sex": _l("Sex"),
    "gender_identity": _l("Gender"),
    "gp_practice": _l("GP practice"),
    "allergies": _l("Allergies and sensitivities"),
    "conditions": _l("Conditions"),
    "key_risks": _l("Key risks"),
    "communication_needs": _l("Communication needs"),
    "religion": _l("Religion or belief"),
    "dietary_needs": _l("Dietary needs"),
    "what_matters_to_me": _l("What matters to me"),
    "status": _l("Status"),
    "died_at": _l("Died (UTC)"),
    "confirm_duplicate": _l("Save even if it looks like a duplicate"),
    "voided_at": _l("Voided (UTC)"),
    "void_reason": _l("Reason voided"),
    "name": _l("Name"),
    "relationship_to_resident": _l("Relationship"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address": _l("Address"),
    "is_next_of_kin": _l("Next of kin"),
    "may_receive_information": _l("May receive information"),
    "lpa_health_welfare": _l("LPA: health and welfare"),
    "lpa_health_welfare_registered_on": _l("Health and welfare LPA registered on"),
    "lpa_property_finance": _l("LPA: property and financial affairs"),
    "lpa_property_finance_registered_on": _l("Property and financial affairs LPA registered on"),
    "notes": _l("Notes"),
    "kind": _l("Type"),
    "decision": _l("Decision"),
    "decided_on": _l("Decided on"),
    "review_on": _l("Review by"),
    "applied_on": _l("Applied on"),
    "authorised_on": _l("Authorised on"),
    "expires_on": _l("Expires on"),
    "conditions_dols": _l("Conditions"),
    "lacks_capacity": _l("Lacks capacity for this decision"),
    "supervisory_body": _l("Supervisory body"),
    "made_by": _l("Made by"),
    "received_at": _l("Received (UTC)"),
    "enquirer_name": _l("Enquirer"),
    "enquirer_phone": _l("Enquirer's phone"),
    "enquirer_relationship": _l("Enquirer's relationship"),
    "source": _l("Source"),
    "funding_expected": _l("Funding expected"),
    "care_needs": _l("Care needs"),
    "preferred_on": _l("Preferred date"),
    "stage": _l("Stage"),
    "assessed_on": _l("Assessed on"),
    "assessment_notes": _l("Assessment notes"),
    "offered_bed": _l("Bed offered"),
    "on_waiting_list": _l("On waiting list"),
    "waiting_priority": _l("Priority (1 urgent, 2 high, 3 routine)"),
    "closed_reason": _l("Reason declined or lost"),
    "bed": _l("Bed"),
    "stay_type": _l("Stay type"),
    "admitted_at": _l("Admitted (UTC)"),
    "discharged_at": _l("Discharged (UTC)"),
    "discharge_destination": _l("Discharged to"),
    "discharge_notes": _l("Discharge notes"),
    "stay": _l("Stay"),
    "from_at": _l("From (UTC)"),
    "to_at": _l("To (UTC)"),
    "left_at": _l("Left (UTC)"),
    "returned_at": _l("Returned (UTC)"),
    "hospital": _l("Hospital"),
    "reason": _l("Reason"),
}

# Residents, contacts, legal records and enquiries are voided or closed, never deleted.
NO_DELETE = CareModelView.exclude_route_methods | {"delete"}


def _date_field(label):
    return UKDateField(label, validators=[Optional()])


class VoidableView:
    """A "Void" page instead of delete: a reason is required; the row stays, hidden from lists."""

    base_filters = [["voided_at", HideVoided, None]]
    method_permission_name = {**METHOD_PERMISSIONS, "void": "write"}
    exclude_route_methods = NO_DELETE

    @expose("/void/<int:pk>", methods=["GET", "POST"])
    @has_access
    def void(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if request.method == "POST":
            try:
                user = acting_user()
                services.void_record(item, request.form.get("void_reason"), getattr(user, "id", None))
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash_domain_error(error)
            else:
                flash(str(_l("The record was voided. It is kept, and hidden from lists.")), "success")
                return redirect(url_for(f"{self.__class__.__name__}.list"))
        return self.render_template("residents/void.html", item=item, title=_l("Void a record"))


def _keep_stored(obj, name):
    """populate_obj of a form field the user may not change: the stored value stays."""


class ResidentRules:
    def pre_add(self, item):
        services.check_resident(item, confirm_duplicate=bool(getattr(item, "confirm_duplicate", False)))
        super().pre_add(item)

    def pre_update(self, item):
        services.check_resident(item, confirm_duplicate=bool(getattr(item, "confirm_duplicate", False)))
        super().pre_update(item)


def chosen_unit_id() -> int | None:
    """The unit the resident list is filtered by (`?unit=<id>`), or None."""
    value = request.args.get("unit", "") if has_request_context() else ""
    return int(value) if value and valid_int_id(value) else None


class InChosenUnit(BaseFilter):
    """Residents whose current stay (or hospital leave) holds a bed in the unit chosen above the
    list. Read at query time from the request; the home scope applies to the units offered, to
    this subquery and to the residents themselves."""

    name = _l("In the unit chosen")
    arg_name = None

    def apply(self, query, value):
        unit_id = chosen_unit_id()
        if unit_id is None:
            return query
        living_there = (
            select(Stay.resident_id).join(Bed, Stay.bed_id == Bed.id).join(Room, Bed.room_id == Room.id)
            .where(Room.unit_id == unit_id, Stay.status != StayStatus.ended)
        )
        return query.filter(self.model.id.in_(living_there))


_listing: contextvars.ContextVar[bool] = contextvars.ContextVar("resident_listing", default=False)
# Encrypted columns no column of the list reads (the age column reads the date of birth): not
# loaded, so not decrypted, for a list page. A record's own page loads them as before.
LIST_SKIPS = ("nhs_number", "allergies", "conditions", "key_risks", "communication_needs")


class ResidentListInterface(NaturalInterface):
    """Loads each page's current stays, beds, rooms and units in a few queries, not per row, and
    leaves out the encrypted columns the list does not show."""

    def query(self, *args, **kwargs):
        token = _listing.set(True)
        try:
            return super().query(*args, **kwargs)
        finally:
            _listing.reset(token)

    def apply_all(self, query, *args, **kwargs):
        query = super().apply_all(query, *args, **kwargs)
        if self.obj is Resident:
            query = query.options(
                selectinload(Resident.stays).selectinload(Stay.bed).selectinload(Bed.room).selectinload(Room.unit)
            )
            if _listing.get():
                query = query.options(*(defer(getattr(Resident, name)) for name in LIST_SKIPS))
        return query


class ResidentListWidget(ListWidget):
    """The resident list with a unit drop-down above it."""

    template = "residents/resident_list.html"


def units_to_choose() -> list[tuple[int, str]]:
    units = list(db.session.scalars(select(Unit).options(selectinload(Unit.home)).order_by(Unit.name)))
    several_homes = len({u.home_id for u in units}) > 1
    return [(u.id, f"{u.name} ({u.home})" if several_homes else u.name) for u in units]


class ResidentView(ResidentRules, KeepFormOnError, VoidableView, CareModelView):
    datamodel = ResidentListInterface(Resident)
    class_permission_name = "Residents"
    list_title = show_title = add_title = edit_title = _l("Residents")
    list_columns = ["list_photo", "list_name", "list_room", "list_unit", "age", "status", "home"]
    list_widget = ResidentListWidget
    base_filters = [*VoidableView.base_filters, ["id", InChosenUnit, None]]
    _fields = [
        "first_name", "last_name", "preferred_name", "date_of_birth", "nhs_number", "sex",
        "gender_identity", "gp_practice", "allergies", "key_risks", "conditions",
        "communication_needs", "religion", "dietary_needs", "what_matters_to_me",
    ]
    add_columns = ["home", *_fields, "confirm_duplicate"]
    edit_columns = [*_fields, "confirm_duplicate"]
    show_columns = ["home", *_fields, "status", "died_at", "voided_at", "void_reason"]
    search_columns = ["last_name", "first_name", "preferred_name", "status", "home"]
    label_columns = {**LABELS, "list_photo": _l("Photo"), "list_name": _l("Name"), "list_room": _l("Room"),
                     "list_unit": _l("Unit"), "age": _l("Age")}
    description_columns = {
        "nhs_number": _l("Ten digits; checked with its check digit. Stored encrypted."),
        "confirm_duplicate": _l("Tick only after checking the resident with the same NHS number, "
                                "or name and date of birth, is a different person."),
        "allergies": _l("Stored encrypted, as are the date of birth and medical fields."),
    }
    base_order = ("last_name", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "date_of_birth": _date_field(_l("Date of birth")),
        "nhs_number": StringField(_l("NHS number"), widget=BS3TextFieldWidget(), validators=[Optional()]),
        "confirm_duplicate": BooleanField(_l("Save even if it looks like a duplicate"), default=False),
    }

    def _get_list_widget(self, *args, **kwargs):
        return super()._get_list_widget(*args, units=units_to_choose(), chosen_unit=chosen_unit_id(), **kwargs)

    # Field groups the user may not change (app/residents/fields.py) are left out of the add and
    # edit forms, and a posted value for them is never saved.
    def process_form(self, form, is_created):
        for name in refused_fields("can_write"):
            if name in form:
                form[name].populate_obj = _keep_stored
        super().process_form(form, is_created)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        refused = sorted(refused_fields("can_write"))
        return super()._get_add_widget(form, exclude_cols=[*(exclude_cols or []), *refused], widgets=widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        refused = sorted(refused_fields("can_write"))
        return super()._get_edit_widget(form, exclude_cols=[*(exclude_cols or []), *refused], widgets=widgets)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """The resident's profile page is their record."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return redirect(url_for("ResidentProfileView.profile", pk=item.id))


class ContactRules:
    def pre_add(self, item):
        services.check_contact(item)
        super().pre_add(item)

    def pre_update(self, item):
        services.check_contact(item)
        super().pre_update(item)


class ContactView(ContactRules, VoidableView, CareModelView):
    datamodel = NaturalInterface(Contact)
    class_permission_name = "Contacts"
    list_title = show_title = add_title = edit_title = _l("Contacts")
    list_columns = ["name", "relationship_to_resident", "resident", "phone", "is_next_of_kin",
                    "lpa_health_welfare", "lpa_property_finance"]
    add_columns = edit_columns = [
        "resident", "name", "relationship_to_resident", "phone", "email", "address",
        "is_next_of_kin", "may_receive_information", "lpa_health_welfare",
        "lpa_health_welfare_registered_on", "lpa_property_finance",
        "lpa_property_finance_registered_on", "notes",
    ]
    show_columns = ["home", *add_columns, "voided_at", "void_reason"]
    search_columns = ["name", "resident", "relationship_to_resident", "is_next_of_kin"]
    base_order = ("name", "asc")
    label_columns = LABELS
    add_query_rel_fields = edit_query_rel_fields = {"resident": [["voided_at", NotVoided, None]]}


class LegalRules:
    def pre_add(self, item):
        services.check_legal_record(item)
        super().pre_add(item)

    def pre_update(self, item):
        services.check_legal_record(item)
        super().pre_update(item)


class LegalRecordView(LegalRules, VoidableView, CareModelView):
    datamodel = NaturalInterface(LegalRecord)
    class_permission_name = "Legal register"
    method_permission_name = {**VoidableView.method_permission_name, "due": "read"}
    list_title = show_title = add_title = edit_title = _l("Legal and advance-care register")
    list_columns = ["resident", "kind", "status", "decided_on", "review_on", "expires_on"]
    add_columns = edit_columns = [
        "resident", "kind", "status", "decision", "decided_on", "review_on", "applied_on",
        "authorised_on", "expires_on", "conditions", "lacks_capacity", "supervisory_body",
        "made_by", "notes",
    ]
    show_columns = ["home", *add_columns, "voided_at", "void_reason"]
    search_columns = ["resident", "kind", "status", "review_on", "expires_on"]
    label_columns = LABELS
    description_columns = {
        "decision": _l("DNACPR/ReSPECT: the decision. MCA: the decision assessed. Advance decision: "
                       "what is refused and when."),
        "expires_on": _l("DoLS: when the authorisation ends (at most a year after it is granted)."),
    }
    add_query_rel_fields = edit_query_rel_fields = {"resident": [["voided_at", NotVoided, None]]}
    base_order = ("id", "desc")

    @expose("/due/")
    @has_access
    def due(self):
        rows = services.legal_due()
        return self.render_template("residents/legal_due.html", rows=rows, days=services.DUE_WITHIN_DAYS,
                                    title=_l("Legal dates due"))


class EnquiryRules:
    def pre_add(self, item):
        check_enquiry(item)
        super().pre_add(item)

    def pre_update(self, item):
        check_enquiry(item)
        super().pre_update(item)


class EnquiryView(EnquiryRules, KeepFormOnError, CareModelView):
    datamodel = NaturalInterface(Enquiry)
    class_permission_name = "Enquiries"
    exclude_route_methods = NO_DELETE
    list_title = show_title = add_title = edit_title = _l("Enquiries")
    list_columns = ["received_at", "first_name", "last_name", "stage", "source", "funding_expected",
                    "preferred_on", "waiting_priority", "home"]
    _fields = [
        "first_name", "last_name", "date_of_birth", "enquirer_name", "enquirer_phone",
        "enquirer_relationship", "source", "funding_expected", "care_needs", "preferred_on",
    ]
    add_columns = ["home", *_fields]
    edit_columns = _fields
    show_columns = ["home", "received_at", *_fields, "stage", "assessed_on", "assessment_notes",
                    "offered_bed", "on_waiting_list", "waiting_priority", "closed_reason", "resident"]
    search_columns = ["last_name", "first_name", "stage", "source", "funding_expected", "home"]
    label_columns = LABELS
    base_order = ("received_at", "desc")
    add_form_extra_fields = edit_form_extra_fields = {"date_of_birth": _date_field(_l("Date of birth"))}

    # After saving, the user lands on the enquiry they saved. The saved id is kept on flask.g (this
    # view object is shared between requests); a refused save leaves it unset, and the form stays.
    def post_add(self, item):
        super().post_add(item)
        g.saved_enquiry_id = item.id

    def post_update(self, item):
        super().post_update(item)
        g.saved_enquiry_id = item.id

    def _to_saved_enquiry(self):
        saved = g.pop("saved_enquiry_id", None)
        if saved is None:
            return redirect(self.get_redirect())
        return redirect(url_for("EnquiryBoardView.progress", pk=saved))

    def post_add_redirect(self):
        return self._to_saved_enquiry()

    def post_edit_redirect(self):
        return self._to_saved_enquiry()

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """The enquiry's progress page shows it with its next steps."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return redirect(url_for("EnquiryBoardView.progress", pk=item.id))


class StayView(CareModelView):
    datamodel = NaturalInterface(Stay)
    class_permission_name = "Stays"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Stays")
    list_columns = ["resident", "bed", "stay_type", "status", "admitted_at", "discharged_at",
                    "discharge_destination", "home"]
    show_columns = ["home", "resident", "bed", "stay_type", "status", "admitted_at", "discharged_at",
                    "discharge_destination", "discharge_notes", "bed_periods", "absences"]
    search_columns = ["resident", "stay_type", "status", "admitted_at", "discharged_at", "home"]
    label_columns = {**LABELS, "bed_periods": _l("Beds"), "absences": _l("Hospital leave")}
    base_order = ("admitted_at", "desc")


class StayBedView(CareModelView):
    datamodel = NaturalInterface(StayBed)
    class_permission_name = "Stays"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Bed history")
    list_columns = show_columns = ["stay", "bed", "from_at", "to_at", "home"]
    search_columns = ["bed", "from_at", "to_at"]
    label_columns = LABELS
    base_order = ("from_at", "desc")


class AbsenceView(CareModelView):
    datamodel = NaturalInterface(Absence)
    class_permission_name = "Stays"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Hospital leave")
    list_columns = ["stay", "hospital", "left_at", "returned_at", "home"]
    show_columns = ["home", "stay", "hospital", "reason", "left_at", "returned_at"]
    search_columns = ["hospital", "left_at", "returned_at"]
    label_columns = LABELS
    base_order = ("left_at", "desc")
