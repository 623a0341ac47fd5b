"""REST APIs under /api/v1/: residents, contacts, legal register, enquiries (with their steps),
stays (read, plus admit/move/leave/return/discharge/death), bed history, hospital leave, and
occupancy figures."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.crud import READ_ONLY_API, CareModelApi
from app.exceptions import DomainError
from app.extensions import db
from app.permissions import METHOD_PERMISSIONS
from app.residents import enquiries, occupancy, services, stays
from app.residents.common import HideVoided, parse_date, read_values
from app.residents.fields import refused_fields
from app.residents.models import Absence, Contact, Enquiry, LegalRecord, Resident, Stay, StayBed
from app.residents.views import ContactRules, EnquiryRules, LegalRules
from app.tenancy import acting_user


class ActionApi:
    """Run a service for a JSON body; commit once; answer with the domain error's fields."""

    def _body(self):
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def _act(self, action, result):
        body = self._body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        try:
            obj = action(body)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            return self._domain_response(error)
        return self.response(200, result=result(obj), id=obj.id)

    def _domain_response(self, error: DomainError):
        payload = {"message": error.errors}
        if getattr(error, "duplicate_of", None) is not None:
            payload["duplicate_of"] = error.duplicate_of
        return self.response(error.status_code, **payload)


class VoidableApi(ActionApi):
    base_filters = [["voided_at", HideVoided, None]]
    method_permission_name = {**METHOD_PERMISSIONS, "void": "write"}
    exclude_route_methods = {"delete", "bulk_delete"}

    @expose("/<int:pk>/void", methods=["POST"])
    @protect()
    @safe
    def void(self, pk):
        """Void a record with a reason ({"void_reason": "..."}); it is kept and hidden from lists."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()

        def act(body):
            services.void_record(item, body.get("void_reason"), getattr(acting_user(), "id", None))
            return item
        return self._act(act, lambda obj: {"voided_at": obj.voided_at.isoformat(), "void_reason": obj.void_reason})


class ResidentRulesApi:
    """`confirm_duplicate: true` in the body saves a record that looks like a duplicate."""

    def _take_confirmation(self):
        body = request.get_json(silent=True)
        g.confirm_duplicate = isinstance(body, dict) and body.pop("confirm_duplicate", False) is True

    def post_headless(self):
        self._take_confirmation()
        return super().post_headless()

    def put_headless(self, pk):
        self._take_confirmation()
        return super().put_headless(pk)

    def pre_add(self, item):
        services.check_resident(item, confirm_duplicate=g.get("confirm_duplicate", False))
        super().pre_add(item)

    def pre_update(self, item):
        services.check_resident(item, confirm_duplicate=g.get("confirm_duplicate", False))
        super().pre_update(item)


RESIDENT_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "nhs_number", "sex",
    "gender_identity", "gp_practice", "allergies", "key_risks", "conditions",
    "communication_needs", "religion", "dietary_needs", "what_matters_to_me",
]


class ResidentApi(ResidentRulesApi, VoidableApi, CareModelApi):
    resource_name = "residents"
    datamodel = SQLAInterface(Resident)
    class_permission_name = "Residents"
    method_permission_name = {**VoidableApi.method_permission_name, "search": "read"}
    list_columns = ["id", "home.id", "first_name", "last_name", "preferred_name", "status", "died_at"]
    show_columns = ["id", "home.id", "home.name", *RESIDENT_FIELDS, "status", "died_at", "voided_at",
                    "void_reason", "created_at"]
    add_columns = ["home", *RESIDENT_FIELDS]
    edit_columns = RESIDENT_FIELDS
    order_columns = ["last_name", "first_name", "status"]
    search_columns = ["first_name", "last_name", "status", "home"]

    # Field groups (app/residents/fields.py): columns the user may not read are left out of the
    # answer; a body changing columns the user may not change is refused, naming them.
    def pre_get(self, data):
        for name in refused_fields("can_read"):
            data.get("result", {}).pop(name, None)

    def _refuse_fields(self):
        body = request.get_json(silent=True)
        refused = sorted(set(body) & refused_fields("can_write")) if isinstance(body, dict) else []
        if refused:
            message = str(_l("Your role may not change these details."))
            return self.response(403, message={name: [message] for name in refused})
        return None

    def post_headless(self):
        return self._refuse_fields() or super().post_headless()

    def put_headless(self, pk):
        return self._refuse_fields() or super().put_headless(pk)

    @expose("/search", methods=["GET", "POST"])
    @protect()
    @safe
    def search(self):
        """Find residents by NHS number (exact), room number or name: ?q=..., or POST {"q": ...}
        to keep an NHS number out of URLs and access logs."""
        body = request.get_json(silent=True) if request.method == "POST" else None
        text = body.get("q") if isinstance(body, dict) else request.args.get("q", "")
        found = services.search_residents(text if isinstance(text, str) else "")
        return self.response(200, result=[
            {"id": r.id, "name": r.full_name, "status": r.status.value, "home_id": r.home_id} for r in found
        ])


class ContactApi(ContactRules, VoidableApi, CareModelApi):
    resource_name = "contacts"
    datamodel = SQLAInterface(Contact)
    class_permission_name = "Contacts"
    _fields = [
        "name", "relationship_to_resident", "phone", "email", "address", "is_next_of_kin",
        "may_receive_information", "lpa_health_welfare", "lpa_health_welfare_registered_on",
        "lpa_property_finance", "lpa_property_finance_registered_on", "notes",
    ]
    list_columns = show_columns = ["id", "home.id", "resident.id", *_fields, "voided_at", "void_reason"]
    add_columns = edit_columns = ["resident", *_fields]
    order_columns = ["name"]


class LegalRecordApi(LegalRules, VoidableApi, CareModelApi):
    resource_name = "legal-records"
    datamodel = SQLAInterface(LegalRecord)
    class_permission_name = "Legal register"
    method_permission_name = {**VoidableApi.method_permission_name, "due": "read"}
    _fields = [
        "kind", "status", "decision", "decided_on", "review_on", "applied_on", "authorised_on",
        "expires_on", "conditions", "lacks_capacity", "supervisory_body", "made_by", "notes",
    ]
    list_columns = show_columns = ["id", "home.id", "resident.id", *_fields, "voided_at", "void_reason"]
    add_columns = edit_columns = ["resident", *_fields]
    order_columns = ["expires_on", "review_on", "decided_on"]

    @expose("/due", methods=["GET"])
    @protect()
    @safe
    def due(self):
        """Expiry and review dates within 28 days (or passed), per home: ?days=28"""
        days = request.args.get("days", str(services.DUE_WITHIN_DAYS))
        days = int(days) if days.isdigit() and int(days) <= 366 else services.DUE_WITHIN_DAYS
        rows = services.legal_due(days)
        return self.response(200, result=[
            {"id": r["record"].id, "home_id": r["home"].id, "home": r["home"].name,
             "resident_id": r["resident"].id, "resident": r["resident"].full_name,
             "kind": r["record"].kind.value, "what": r["what"], "due_on": r["due_on"].isoformat(),
             "days": r["days"], "overdue": r["overdue"]}
            for r in rows
        ])


ENQUIRY_FIELDS = [
    "first_name", "last_name", "date_of_birth", "enquirer_name", "enquirer_phone",
    "enquirer_relationship", "source", "funding_expected", "care_needs", "preferred_on",
]


class EnquiryApi(EnquiryRules, ActionApi, CareModelApi):
    resource_name = "enquiries"
    datamodel = SQLAInterface(Enquiry)
    class_permission_name = "Enquiries"
    method_permission_name = {**METHOD_PERMISSIONS, "step": "write"}
    exclude_route_methods = {"delete", "bulk_delete"}
    list_columns = show_columns = [
        "id", "home.id", "received_at", *ENQUIRY_FIELDS, "stage", "assessed_on", "assessment_notes",
        "offered_bed.id", "offered_at", "on_waiting_list", "waiting_priority", "closed_reason", "resident.id",
    ]
    add_columns = ["home", *ENQUIRY_FIELDS]
    edit_columns = ENQUIRY_FIELDS
    order_columns = ["received_at", "stage", "waiting_priority", "last_name"]
    search_columns = ["stage", "on_waiting_list", "last_name", "home"]

    @expose("/<int:pk>/<string:name>", methods=["POST"])
    @protect()
    @safe
    def step(self, pk, name):
        """Move an enquiry on: assessment {assessed_on, assessment_notes}, offer {bed},
        close {stage: declined|lost, closed_reason}, waiting-list {waiting_priority: 1-3 or null},
        admit {admitted_at, stay_type, bed?, confirm_duplicate?, enquirer_as_contact?} (creates the resident;
        with enquirer_as_contact: true, the enquirer becomes their first contact)."""
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        user = acting_user()
        steps = {
            "assessment": lambda b: enquiries.record_assessment(
                pk, *_vals(b, {"assessed_on": ("date", True), "assessment_notes": ("text", False)}), user),
            "offer": lambda b: enquiries.make_offer(pk, *_vals(b, {"bed": ("id", True)}), user),
            "close": lambda b: enquiries.close_enquiry(
                pk, *_vals(b, {"stage": ("text", True), "closed_reason": ("text", True)}), user),
            "waiting-list": lambda b: enquiries.set_waiting_list(
                pk, *_vals(b, {"waiting_priority": ("int", False)}), user),
            "admit": lambda b: enquiries.admit_from_enquiry(
                pk, *_vals(b, {"admitted_at": ("datetime", True), "stay_type": ("text", True),
                               "bed": ("id", False)}),
                confirm_duplicate=b.get("confirm_duplicate") is True, by_user=user,
                enquirer_as_contact=b.get("enquirer_as_contact") is True),
        }
        if name not in steps:
            return self.response_404()
        return self._act(steps[name], lambda obj: _enquiry_or_stay(obj))


def _vals(body, spec):
    values = read_values(body, spec)
    return [values[k] for k in spec]


def _enquiry_or_stay(obj):
    if isinstance(obj, Stay):
        return {"stay_id": obj.id, "resident_id": obj.resident_id, "bed_id": obj.bed_id, "status": obj.status.value}
    return {"stage": obj.stage.value, "on_waiting_list": obj.on_waiting_list,
            "waiting_priority": obj.waiting_priority, "offered_bed_id": obj.offered_bed_id}


def _stay_result(stay: Stay) -> dict:
    return {
        "resident_id": stay.resident_id, "bed_id": stay.bed_id, "status": stay.status.value,
        "stay_type": stay.stay_type.value, "admitted_at": stay.admitted_at.isoformat(),
        "discharged_at": stay.discharged_at.isoformat() if stay.discharged_at else None,
        "discharge_destination": stay.discharge_destination.value if stay.discharge_destination else None,
    }


class StayApi(ActionApi, CareModelApi):
    resource_name = "stays"
    datamodel = SQLAInterface(Stay)
    class_permission_name = "Stays"
    method_permission_name = {**READ_ONLY_API, **{m: "write" for m in ("admit", "change", "death")}}
    include_route_methods = {"get", "get_list", "info", "admit", "change", "death"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "bed.id", "stay_type", "status", "admitted_at", "discharged_at",
        "discharge_destination", "discharge_notes", "enquiry_id",
    ]
    order_columns = ["admitted_at", "discharged_at", "status"]
    search_columns = ["status", "stay_type", "resident", "home"]

    @expose("/admit", methods=["POST"])
    @protect()
    @safe
    def admit(self):
        """Admit {resident, bed, admitted_at, stay_type: permanent|respite|trial}."""
        def act(body):
            v = read_values(body, {"resident": ("id", True), "bed": ("id", True), "admitted_at": ("datetime", True),
                                   "stay_type": ("text", True)})
            return stays.admit_resident(v["resident"], v["bed"], v["admitted_at"], v["stay_type"], acting_user())
        return self._act(act, _stay_result)

    @expose("/death", methods=["POST"])
    @protect()
    @safe
    def death(self):
        """Record a death {resident, died_at, notes?}: ends the current stay at that moment."""
        def act(body):
            v = read_values(body, {"resident": ("id", True), "died_at": ("datetime", True), "notes": ("text", False)})
            resident = stays.record_death(v["resident"], v["died_at"], v["notes"], acting_user())
            return resident
        return self._act(act, lambda r: {"resident_id": r.id, "died_at": r.died_at.isoformat()})

    @expose("/<int:pk>/<string:name>", methods=["POST"])
    @protect()
    @safe
    def change(self, pk, name):
        """move {bed, moved_at}; hospital-leave {left_at, hospital?, reason?}; return {returned_at};
        discharge {discharged_at, destination: home|hospital|another_care_home|death, notes?}."""
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        user = acting_user()
        steps = {
            "move": (lambda v: stays.move_bed(pk, v["bed"], v["moved_at"], user),
                     {"bed": ("id", True), "moved_at": ("datetime", True)}),
            "hospital-leave": (
                lambda v: stays.start_hospital_leave(pk, v["left_at"], v["hospital"], v["reason"], user).stay,
                {"left_at": ("datetime", True), "hospital": ("text", False), "reason": ("text", False)}),
            "return": (lambda v: stays.return_from_leave(pk, v["returned_at"], user),
                       {"returned_at": ("datetime", True)}),
            "discharge": (
                lambda v: stays.discharge_resident(pk, v["discharged_at"], v["destination"], v["notes"], user),
                {"discharged_at": ("datetime", True), "destination": ("text", True), "notes": ("text", False)}),
        }
        if name not in steps:
            return self.response_404()
        action, spec = steps[name]
        return self._act(lambda body: action(read_values(body, spec)), _stay_result)


class StayBedApi(CareModelApi):
    resource_name = "stay-beds"
    datamodel = SQLAInterface(StayBed)
    class_permission_name = "Stays"
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "home.id", "stay.id", "bed.id", "from_at", "to_at"]
    order_columns = ["from_at"]


class AbsenceApi(CareModelApi):
    resource_name = "absences"
    datamodel = SQLAInterface(Absence)
    class_permission_name = "Stays"
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "home.id", "stay.id", "hospital", "reason", "left_at", "returned_at"]
    order_columns = ["left_at"]


class OccupancyApi(BaseApi):
    """GET /api/v1/occupancy/?start_on=YYYY-MM-DD&end_on=YYYY-MM-DD (nights, inclusive)."""

    resource_name = "occupancy"
    class_permission_name = "Occupancy"
    method_permission_name = {"figures": "read"}
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def figures(self):
        """Per home, unit and group: beds today, bed-nights, occupancy %, admissions, discharges,
        average length of stay."""
        start, end = parse_date(request.args.get("start_on")), parse_date(request.args.get("end_on"))
        try:
            result = occupancy.occupancy(start, end)
        except DomainError as error:
            return self.response(error.status_code, message=error.errors)
        return self.response(200, result=result)
