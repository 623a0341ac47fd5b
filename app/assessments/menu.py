"""Wiring of the assessment views and APIs into the app (called from create_app)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.assessments import api, pages, views
from app.assessments import jobs as _reminders  # noqa: F401 (registers the daily overdue reminders)


def register_views(appbuilder) -> None:
    from flask import current_app

    current_app.jinja_env.globals["assessment_summary"] = pages.profile_summary
    from app.assessments import bands

    bands.init_app(current_app)
    add = appbuilder.add_view
    add(views.AssessmentRecordView, "Assessments", label=_l("Assessments"), icon="fa-clipboard",
        category="Assessments", category_label=_l("Assessments"), category_icon="fa-clipboard-check")
    appbuilder.add_link("Due and overdue", label=_l("Due and overdue"), href="/assessments/due/",
                        icon="fa-calendar-check-o", category="Assessments")
    add(views.TaskView, "Tasks", label=_l("Tasks"), icon="fa-tasks", category="Assessments")
    add(views.AssessmentScheduleView, "Assessment schedules", label=_l("Assessment schedules"),
        icon="fa-calendar", category="Assessments")
    appbuilder.add_view_no_menu(pages.AssessmentPagesView)
    appbuilder.add_view_no_menu(pages.AssessmentSigningView)
    appbuilder.add_view_no_menu(pages.TaskActionsView)


def register_apis(appbuilder) -> None:
    for cls in (api.AssessmentScheduleApi, api.AssessmentRecordApi, api.TaskApi):
        appbuilder.add_api(cls)
