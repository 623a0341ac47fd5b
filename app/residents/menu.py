"""Wiring of the residents views and APIs into the app (called from create_app)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.residents import api, pages, photos, views


def register_views(appbuilder) -> None:
    from flask import current_app

    current_app.add_template_filter(london_time, "london")
    add = appbuilder.add_view
    add(views.ResidentView, "Residents", label=_l("Residents"), icon="fa-user",
        category="Residents", category_label=_l("Residents"), category_icon="fa-users")
    add(views.ContactView, "Contacts", label=_l("Contacts and LPA"), icon="fa-address-book", category="Residents")
    add(views.LegalRecordView, "Legal register", label=_l("Legal register"), icon="fa-balance-scale",
        category="Residents")
    appbuilder.add_link("Legal dates due", label=_l("Legal dates due"), href="/legalrecordview/due/",
                        icon="fa-calendar-times-o", category="Residents")
    add(views.EnquiryView, "Enquiries", label=_l("Enquiries"), icon="fa-phone", category="Residents")
    add(pages.EnquiryBoardView, "Enquiry board", label=_l("Enquiry board and waiting list"),
        icon="fa-columns", category="Residents")
    add(views.StayView, "Stays", label=_l("Stays"), icon="fa-bed", category="Residents")
    add(pages.OccupancyView, "Occupancy", label=_l("Occupancy"), icon="fa-bar-chart", category="Residents")
    appbuilder.add_view_no_menu(views.StayBedView)
    appbuilder.add_view_no_menu(views.AbsenceView)
    appbuilder.add_view_no_menu(pages.ResidentProfileView)
    appbuilder.add_view_no_menu(pages.StayActionsView)
    appbuilder.add_view_no_menu(photos.ResidentPhotoView)


def register_apis(appbuilder) -> None:
    for cls in (
        api.ResidentApi, api.ContactApi, api.LegalRecordApi, api.EnquiryApi, api.StayApi,
        api.StayBedApi, api.AbsenceApi, api.OccupancyApi,
    ):
        appbuilder.add_api(cls)


def london_time(value) -> str:
    """A stored UTC time as UK local time, for pages."""
    from app.residents.services import LONDON, as_utc

    return as_utc(value).astimezone(LONDON).strftime("%d/%m/%Y %H:%M") if value else ""
