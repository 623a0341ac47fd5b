"""Browser views: the home's assessment schedule, assessment records (read-only: they change on
the resident's assessment pages), and tasks (closed done or not done through the task action)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.assessments import services
from app.assessments.assignees import assignable_user_ids, check_assignee
from app.assessments.models import AssessmentRecord, AssessmentSchedule, Task
from app.crud import READ_ONLY_VIEW, CareModelView
from app.exceptions import DomainError
from app.tenancy import current_home_id

LABELS = {
    "home": _l("Home"),
    "resident": _l("Resident"),
    "form_key": _l("Form"),
    "every_days": _l("Every (days)"),
    "on_admission": _l("On admission"),
    "active": _l("Active"),
    "version": _l("Version"),
    "status": _l("Status"),
    "total": _l("Score"),
    "band_label": _l("Band"),
    "band_in_words": _l("Band"),
    "band_response": _l("What to do"),
    "taken_at": _l("Taken (UTC)"),
    "next_due_at": _l("Next due (UTC)"),
    "signed_name": _l("Signed by"),
    "signed_role": _l("Role"),
    "signed_at": _l("Signed (UTC)"),
    "title": _l("Task"),
    "title_in_words": _l("Task"),
    "detail": _l("Detail"),
    "due_on": _l("Due on"),
    "assigned_role": _l("Role"),
    "assigned_user": _l("Person"),
    "outcome_reason": _l("Reason (if not done)"),
    "source": _l("Source"),
    "closed_at": _l("Closed (UTC)"),
}


class ScheduleRules:
    def _check(self, item):
        errors = {}
        if item.form_key not in services.assessment_forms(item.home_id or current_home_id()):
            errors["form_key"] = [str(_l("Choose a standard assessment or one published in the form builder."))]
        if item.every_days is None or not 1 <= int(item.every_days) <= 3660:
            errors["every_days"] = [str(_l("Give a number of days from 1 to 3660."))]
        if errors:
            raise DomainError(errors)

    def pre_add(self, item):
        self._check(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._check(item)
        super().pre_update(item)


def _form_choice():
    return SelectField(
        _l("Form"), choices=lambda: [(k, services.form_title(k)) for k in services.assessment_forms()],
        validators=[InputRequired()],
    )


class AssessmentScheduleView(ScheduleRules, CareModelView):
    datamodel = SQLAInterface(AssessmentSchedule)
    class_permission_name = "Assessment schedules"
    list_title = show_title = add_title = edit_title = _l("Assessment schedule")
    list_columns = ["form_key", "every_days", "on_admission", "active", "home"]
    add_columns = edit_columns = ["form_key", "every_days", "on_admission", "active"]
    show_columns = ["home", "form_key", "every_days", "on_admission", "active"]
    base_order = ("form_key", "asc")
    label_columns = LABELS
    add_form_extra_fields = edit_form_extra_fields = {"form_key": _form_choice()}


class AssessmentRecordView(CareModelView):
    datamodel = SQLAInterface(AssessmentRecord)
    class_permission_name = "Assessments"
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Assessments")
    list_columns = ["resident", "form_key", "status", "total", "band_in_words", "taken_at", "signed_name", "home"]
    show_columns = ["home", "resident", "form_key", "version", "status", "total", "band_in_words", "band_response",
                    "taken_at", "next_due_at", "signed_name", "signed_role", "signed_at"]
    search_columns = ["resident", "form_key", "status", "taken_at", "home"]
    label_columns = LABELS
    base_order = ("created_at", "desc")
    # the form's title in the reader's language (the definition has both)
    formatters_columns = {"form_key": lambda key: services.form_title(key)}


class TaskRules:
    """A task's person is staff of its home: the picker offers only them, a save refuses others."""

    # the REST API's names, then the browser form's
    add_query_rel_fields = edit_query_rel_fields = {"assigned_user": [["id", FilterInFunction, assignable_user_ids]]}
    add_form_query_rel_fields = edit_form_query_rel_fields = add_query_rel_fields

    def pre_add(self, item):
        check_assignee(item)
        super().pre_add(item)

    def pre_update(self, item):
        check_assignee(item)
        super().pre_update(item)


class TaskView(TaskRules, CareModelView):
    datamodel = SQLAInterface(Task)
    class_permission_name = "Tasks"
    list_title = show_title = add_title = edit_title = _l("Tasks")
    list_columns = ["title_in_words", "resident", "due_on", "assigned_role", "assigned_user", "status", "home"]
    add_columns = edit_columns = ["title", "detail", "resident", "due_on", "assigned_role", "assigned_user"]
    show_columns = ["home", "title", "detail", "resident", "due_on", "assigned_role", "assigned_user", "status",
                    "outcome_reason", "source", "closed_at"]
    search_columns = ["title", "resident", "due_on", "status", "home"]
    label_columns = LABELS
    base_order = ("due_on", "asc")
