"""Browser lists of daily care records (read only: entries are made on the entry screen and through
the REST API, which call the services; notes are amended, entries voided, never edited)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.care.models import CareNote, CareProfile, Observation, ObservationSet, SetKind
from app.crud import READ_ONLY_VIEW, CareModelView

LABELS = {
    "home": _l("Home"), "resident": _l("Resident"), "category": _l("Category"), "text": _l("Note"),
    "occurred_at": _l("When it happened"), "entered_at": _l("Entered at"), "author_name": _l("Written by"),
    "routine": _l("Routine entry"), "late_entry": _l("Late entry"), "amended": _l("Amended"),
    "amendment_reason": _l("Reason for the amendment"), "amends": _l("Amends note"),
    "superseded_at": _l("Amended at"), "superseded_by": _l("Amended by note"),
    "observed_at": _l("When"), "chart_name": _l("Chart"), "summary": _l("Values"),
    "recorded_by_name": _l("Recorded by"), "note": _l("Note"), "news2": _l("NEWS2"),
    "news2_total": _l("NEWS2 score"), "news2_band_label": _l("NEWS2 band"), "news2_points": _l("NEWS2 points"),
    "news2_form_version": _l("NEWS2 form version"), "soft_signs": _l("Soft signs"),
    "confirmed": _l("Unusual values confirmed"), "voided_at": _l("Voided at"), "void_reason": _l("Reason voided"),
    "code": _l("Code"), "value": _l("Value"), "value_text": _l("Option"), "unit": _l("Unit"), "set": _l("Entry"),
    "voided": _l("Voided"), "daily_fluid_target_ml": _l("Daily fluid target (mL)"),
    "reposition_interval_h": _l("Reposition every (hours)"), "height_cm": _l("Height (cm)"),
    "spo2_scale": _l("SpO2 scale"), "bowel_alert_days": _l("Alert after days without bowels"),
    "updated_at": _l("Updated"),
}


class CareView(CareModelView):
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    label_columns = LABELS


class CareNoteView(CareView):
    datamodel = SQLAInterface(CareNote)
    class_permission_name = "Care notes"
    list_title = show_title = _l("Care notes")
    list_columns = ["occurred_at", "resident", "category", "text", "author_name", "late_entry", "amended", "home"]
    show_columns = ["home", "resident", "category", "text", "occurred_at", "entered_at", "late_entry",
                    "author_name", "routine", "amends", "amendment_reason", "superseded_at", "superseded_by"]
    search_columns = ["resident", "category", "occurred_at", "author_name", "routine", "home"]
    base_order = ("occurred_at", "desc")


class ChartEntryView(CareView):
    datamodel = SQLAInterface(ObservationSet)
    class_permission_name = "Charts"
    list_title = show_title = _l("Chart entries")
    base_filters = [["kind", FilterEqual, SetKind.chart]]
    list_columns = ["observed_at", "resident", "chart_name", "summary", "recorded_by_name", "late_entry", "home"]
    show_columns = ["home", "resident", "chart_name", "summary", "observed_at", "entered_at", "late_entry",
                    "recorded_by_name", "note", "confirmed", "voided_at", "void_reason"]
    search_columns = ["resident", "code", "observed_at", "recorded_by_name", "home"]
    base_order = ("observed_at", "desc")


class VitalSignsView(CareView):
    datamodel = SQLAInterface(ObservationSet)
    class_permission_name = "Vital signs"
    list_title = show_title = _l("Vital signs")
    base_filters = [["kind", FilterEqual, SetKind.vitals]]
    list_columns = ["observed_at", "resident", "news2", "summary", "recorded_by_name", "late_entry", "home"]
    show_columns = ["home", "resident", "observed_at", "entered_at", "late_entry", "news2_total", "news2_band_label",
                    "news2_points", "news2_form_version", "summary", "soft_signs", "confirmed", "recorded_by_name",
                    "note", "voided_at", "void_reason"]
    search_columns = ["resident", "observed_at", "news2_total", "recorded_by_name", "home"]
    base_order = ("observed_at", "desc")


class ObservationView(CareView):
    datamodel = SQLAInterface(Observation)
    class_permission_name = "Charts"
    list_title = show_title = _l("Observations")
    list_columns = ["observed_at", "resident", "chart_name", "value", "value_text", "unit", "confirmed", "voided",
                    "home"]
    show_columns = ["home", "resident", "set", "chart_name", "code", "value", "value_text", "unit", "observed_at",
                    "confirmed", "voided"]
    search_columns = ["resident", "code", "observed_at", "voided", "home"]
    base_order = ("observed_at", "desc")


class CareProfileView(CareView):
    datamodel = SQLAInterface(CareProfile)
    class_permission_name = "Vital signs"
    list_title = show_title = _l("Daily care targets")
    list_columns = ["resident", "daily_fluid_target_ml", "reposition_interval_h", "height_cm", "spo2_scale",
                    "bowel_alert_days", "home"]
    show_columns = ["home", "resident", "daily_fluid_target_ml", "reposition_interval_h", "height_cm", "spo2_scale",
                    "bowel_alert_days", "updated_at"]
    search_columns = ["resident", "home"]
    base_order = ("updated_at", "desc")
