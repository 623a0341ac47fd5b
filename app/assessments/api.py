"""REST APIs under /api/v1/: assessment schedules, assessment records (read), tasks (with close)."""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.assessments import services
from app.assessments.models import AssessmentRecord, AssessmentSchedule, Task
from app.assessments.views import ScheduleRules, TaskRules
from app.crud import READ_ONLY_API, CareModelApi
from app.exceptions import DomainError
from app.extensions import db
from app.permissions import METHOD_PERMISSIONS
from app.tenancy import acting_user


class AssessmentScheduleApi(ScheduleRules, CareModelApi):
    resource_name = "assessment-schedules"
    datamodel = SQLAInterface(AssessmentSchedule)
    class_permission_name = "Assessment schedules"
    list_columns = show_columns = ["id", "home.id", "form_key", "every_days", "on_admission", "active"]
    add_columns = edit_columns = ["home", "form_key", "every_days", "on_admission", "active"]
    order_columns = ["form_key"]


class AssessmentRecordApi(CareModelApi):
    resource_name = "assessments"
    datamodel = SQLAInterface(AssessmentRecord)
    class_permission_name = "Assessments"
    method_permission_name = READ_ONLY_API
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "form_key", "version", "sha256", "status", "submission_id", "total",
        "band", "band_label", "band_response", "taken_at", "next_due_at", "signed_name", "signed_role",
        "signed_at",
    ]
    order_columns = ["taken_at", "form_key", "status"]
    search_columns = ["form_key", "status", "resident", "home"]


class TaskApi(TaskRules, CareModelApi):
    resource_name = "tasks"
    datamodel = SQLAInterface(Task)
    class_permission_name = "Tasks"
    method_permission_name = {**METHOD_PERMISSIONS, "close": "write"}
    list_columns = show_columns = [
        "id", "home.id", "resident.id", "title", "detail", "due_on", "assigned_role", "assigned_user.id",
        "status", "outcome_reason", "source", "created_at", "closed_at",
    ]
    add_columns = edit_columns = ["home", "resident", "title", "detail", "due_on", "assigned_role",
                                  "assigned_user"]
    order_columns = ["due_on", "status"]
    search_columns = ["status", "due_on", "resident", "home"]

    @expose("/<int:pk>/close", methods=["POST"])
    @protect()
    @safe
    def close(self, pk):
        """Close a task: {"status": "done"} or {"status": "not_done", "outcome_reason": "..."}."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=str(_l("The request body must be a JSON object.")))
        task = db.session.get(Task, pk)
        if task is None:
            return self.response_404()
        try:
            services.close_task(task, str(body.get("status") or ""), body.get("outcome_reason") and
                                str(body["outcome_reason"]), acting_user())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            return self._domain_response(error)
        return self.response(200, id=task.id, status=task.status.value)
