"""Wiring of the care-plan pages, views and APIs into the app (called from create_app)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.careplans import api, pages, views
from app.careplans import jobs as _reminders  # noqa: F401 (registers the daily overdue-review reminder)


def register_views(appbuilder) -> None:
    from flask import current_app

    current_app.jinja_env.globals["care_plan_summary"] = pages.profile_summary
    from app.careplans.services import plan_title

    current_app.jinja_env.filters["plan_title"] = plan_title  # {{ plan|plan_title }}: in the reader's language
    appbuilder.add_view(views.CarePlanView, "Care plans", label=_l("Care plans"), icon="fa-heartbeat",
                        category="Assessments", category_label=_l("Assessments"),
                        category_icon="fa-clipboard-check")
    appbuilder.add_link("Care plan reviews due", label=_l("Care plan reviews due"), href="/careplans/due/",
                        icon="fa-calendar", category="Assessments")
    appbuilder.add_view_no_menu(views.CarePlanVersionView)
    appbuilder.add_view_no_menu(pages.CarePlanPagesView)


def register_apis(appbuilder) -> None:
    for cls in (api.CarePlanApi, api.CarePlanVersionApi):
        appbuilder.add_api(cls)
