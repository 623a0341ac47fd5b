"""Browser lists of care plans and their versions (read-only: plans change on the care-plan
pages, through the services)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.careplans.models import CarePlan, CarePlanVersion
from app.crud import READ_ONLY_VIEW, CareModelView

LABELS = {
    "home": _l("Home"),
    "resident": _l("Resident"),
    "title": _l("Title"),
    "template_key": _l("Template"),
    "status": _l("Status"),
    "review_every_days": _l("Review every (days)"),
    "next_review_on": _l("Next review"),
    "current_version_no": _l("Current version"),
    "created_at": _l("Created (UTC)"),
    "care_plan": _l("Care plan"),
    "version_no": _l("Version"),
    "reviewed_on": _l("Reviewed on"),
    "review_notes": _l("Review notes"),
    "resident_took_part": _l("Resident took part"),
    "family_names": _l("Family"),
    "staff_names": _l("Staff"),
    "consent": _l("Consent"),
    "consent_by": _l("Consent by"),
}


class CarePlanView(CareModelView):
    datamodel = SQLAInterface(CarePlan)
    class_permission_name = "Care plans"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Care plans")
    list_columns = ["resident", "title", "status", "current_version_no", "next_review_on", "home"]
    show_columns = ["home", "resident", "title", "template_key", "status", "review_every_days", "next_review_on",
                    "current_version_no", "created_at"]
    search_columns = ["resident", "title", "status", "next_review_on", "home"]
    label_columns = LABELS
    base_order = ("next_review_on", "asc")


class CarePlanVersionView(CareModelView):
    datamodel = SQLAInterface(CarePlanVersion)
    class_permission_name = "Care plans"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Care plan versions")
    list_columns = ["care_plan", "version_no", "reviewed_on", "next_review_on", "consent", "home"]
    show_columns = ["home", "care_plan", "version_no", "reviewed_on", "next_review_on", "review_notes",
                    "resident_took_part", "family_names", "staff_names", "consent", "consent_by", "created_at"]
    search_columns = ["care_plan", "version_no", "reviewed_on", "home"]
    label_columns = LABELS
    base_order = ("created_at", "desc")
