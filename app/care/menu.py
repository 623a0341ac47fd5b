"""Wiring of the daily care views, pages and APIs into the app (called from create_app).

Each care helper's pages add their own line here: the entry screen and the board (app.care.pages),
the body map, handover and SBARD (app.care.docs_menu)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.care import api, views

CATEGORY = "Daily care"


def register_views(appbuilder) -> None:
    add = appbuilder.add_view
    add(views.CareNoteView, "Care notes", label=_l("Care notes"), icon="fa-sticky-note-o", category=CATEGORY,
        category_label=_l("Daily care"), category_icon="fa-heartbeat")
    add(views.ChartEntryView, "Charts", label=_l("Charts"), icon="fa-line-chart", category=CATEGORY)
    add(views.VitalSignsView, "Vital signs", label=_l("Vital signs"), icon="fa-stethoscope", category=CATEGORY)
    appbuilder.add_view_no_menu(views.ObservationView)
    appbuilder.add_view_no_menu(views.CareProfileView)
    from app.care import pages  # the entry screen "Record care", the unit board and the profile's charts (care-ui)

    pages.register(appbuilder)
    from app.care import docs_menu  # the body map, handover and SBARD (care-docs)

    docs_menu.register_views(appbuilder)


def register_apis(appbuilder) -> None:
    for cls in api.APIS:
        appbuilder.add_api(cls)
    from app.care import docs_menu  # the body map, handover and SBARD (care-docs)

    docs_menu.register_apis(appbuilder)
