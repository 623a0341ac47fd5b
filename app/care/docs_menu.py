"""Wiring of the body map, handover and SBARD pages, views and APIs (called from app.care.menu)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def register_views(appbuilder) -> None:
    from flask import current_app

    from app.care import bodymap_pages, bodymap_views, handover, sbard

    current_app.jinja_env.globals["care_docs_links"] = bodymap_pages.profile_links
    appbuilder.add_view_no_menu(bodymap_pages.BodyMapPagesView)
    appbuilder.add_link("Body map", label=_l("Body map"), href="/care/body-map/", icon="fa-child",
                        category="Daily care", category_label=_l("Daily care"))
    appbuilder.add_view_no_menu(handover.HandoverView)
    appbuilder.add_link("Handover", label=_l("Handover"), href="/care/handover/", icon="fa-exchange",
                        category="Daily care")
    appbuilder.add_view_no_menu(sbard.SbardView)
    for view in (bodymap_views.BodyMarkView, bodymap_views.BodyMarkEntryView, bodymap_views.BodyMarkPhotoView):
        appbuilder.add_view_no_menu(view)


def register_apis(appbuilder) -> None:
    from app.care import bodymap_api

    for api in (bodymap_api.BodyMarkApi, bodymap_api.BodyMarkEntryApi, bodymap_api.BodyMarkPhotoApi):
        appbuilder.add_api(api)
