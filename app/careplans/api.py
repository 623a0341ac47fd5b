"""REST APIs under /api/v1/: care plans and their versions to read; creating and reviewing a
plan go through the services (POST /care-plans/new and POST /care-plans/<id>/review)."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.careplans import services
from app.careplans.models import CarePlan, CarePlanVersion
from app.crud import READ_ONLY_API, CareModelApi
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.tenancy import acting_user


def _body():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _int_or_none(value):
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and valid_int_id(value) else None


class CarePlanApi(CareModelApi):
    resource_name = "care-plans"
    datamodel = SQLAInterface(CarePlan)
    class_permission_name = "Care plans"
    method_permission_name = {**READ_ONLY_API, "create_plan": "write", "review": "write"}
    include_route_methods = {"get", "get_list", "info", "create_plan", "review"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "title", "template_key", "template_version", "status",
        "review_every_days", "next_review_on", "current_version_no", "created_at",
    ]
    order_columns = ["next_review_on", "title", "status"]
    search_columns = ["status", "next_review_on", "resident", "home"]

    def _run(self, action):
        try:
            result = action()
            db.session.commit()
            return result
        except DomainError as error:
            db.session.rollback()
            return self._domain_response(error)

    @expose("/new", methods=["POST"])
    @protect()
    @safe
    def create_plan(self):
        """Create a plan: {"resident_id", "template": "standard", "sections": [...] (optional),
        "title", "review_every_days", "participants": {"resident", "family", "staff"}, "consent",
        "consent_by", "notes"}."""
        body = _body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        resident_id = _int_or_none(body.get("resident_id"))
        if resident_id is None:
            return self.response_422(message={"resident_id": [str(_l("Give the id of an existing record."))]})

        def create():
            plan = services.create_care_plan(
                resident_id, body.get("template") and str(body["template"]), body.get("sections"), acting_user(),
                title=str(body.get("title") or ""), review_every_days=body.get("review_every_days"),
                participants=body.get("participants"), consent=body.get("consent"),
                consent_by=body.get("consent_by") and str(body["consent_by"]),
                notes=body.get("notes") and str(body["notes"]),
            )
            return plan

        result = self._run(create)
        if not isinstance(result, CarePlan):
            return result
        return self.response(201, id=result.id, version_no=result.current_version_no,
                             next_review_on=result.next_review_on.isoformat())

    @expose("/<int:pk>/review", methods=["POST"])
    @protect()
    @safe
    def review(self, pk):
        """Review a plan: {"sections": [...], "notes", "participants", "consent", "consent_by",
        "review_every_days", "expected_version"}; writes the next version."""
        body = _body()
        if body is None:
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        try:
            plan = services.get_plan(pk)
        except DomainError:
            return self.response_404()
        if plan.voided_at is not None:
            return self.response_404()

        def review():
            return services.review_care_plan(
                plan.id, body.get("sections"), body.get("participants"), body.get("consent"),
                body.get("consent_by") and str(body["consent_by"]), body.get("notes") and str(body["notes"]),
                acting_user(), review_every_days=body.get("review_every_days"),
                expected_version=_int_or_none(body.get("expected_version")),
            )

        result = self._run(review)
        if not isinstance(result, CarePlanVersion):
            return result
        return self.response(201, id=plan.id, version_no=result.version_no,
                             next_review_on=result.next_review_on.isoformat())


class CarePlanVersionApi(CareModelApi):
    resource_name = "care-plan-versions"
    datamodel = SQLAInterface(CarePlanVersion)
    class_permission_name = "Care plans"
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = [
        "id", "home.id", "care_plan.id", "version_no", "sections", "review_notes", "resident_took_part",
        "family_names", "staff_names", "consent", "consent_by", "reviewed_on", "next_review_on", "created_at",
    ]
    order_columns = ["version_no", "reviewed_on"]
    search_columns = ["care_plan", "version_no", "home"]
