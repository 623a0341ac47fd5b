"""Browser lists of body map marks, entries and photos (read-only: marks change on the body map
pages and the API, through app.care.bodymap)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.care.bodymap_models import BodyMark, BodyMarkEntry, BodyMarkPhoto
from app.crud import READ_ONLY_VIEW, CareModelView

RESOURCE = "Body map"
LABELS = {
    "home": _l("Home"), "resident": _l("Resident"), "side": _l("Side"), "x_pct": _l("Across (%)"),
    "y_pct": _l("Down (%)"), "region": _l("Region"), "kind": _l("Kind"), "category": _l("Category"),
    "origin": _l("Acquired"), "first_seen_on": _l("First seen"), "healed_on": _l("Healed on"),
    "healed_note": _l("Healing note"), "created_at": _l("Recorded"), "created_by_name": _l("Recorded by"),
    "voided_at": _l("Voided"), "void_reason": _l("Reason voided"), "mark": _l("Mark"),
    "observed_at": _l("Seen at"), "entered_at": _l("Entered at"), "length_mm": _l("Length (mm)"),
    "width_mm": _l("Width (mm)"), "depth_mm": _l("Depth (mm)"), "description": _l("Description"),
    "recorded_by_name": _l("Recorded by"), "entry": _l("Entry"),
}


class BodyMarkView(CareModelView):
    datamodel = SQLAInterface(BodyMark)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Body map marks")
    list_columns = ["resident", "kind", "category", "region", "origin", "first_seen_on", "healed_on", "voided_at"]
    show_columns = ["home", "resident", "side", "x_pct", "y_pct", "region", "kind", "category", "origin",
                    "first_seen_on", "healed_on", "healed_note", "created_at", "created_by_name", "voided_at",
                    "void_reason"]
    search_columns = ["resident", "kind", "origin", "first_seen_on", "home"]
    label_columns = LABELS
    base_order = ("created_at", "desc")


class BodyMarkEntryView(CareModelView):
    datamodel = SQLAInterface(BodyMarkEntry)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Body map entries")
    list_columns = ["mark", "resident", "observed_at", "length_mm", "width_mm", "depth_mm", "recorded_by_name"]
    show_columns = ["home", "mark", "resident", "observed_at", "entered_at", "length_mm", "width_mm", "depth_mm",
                    "category", "description", "recorded_by_name", "voided_at", "void_reason"]
    search_columns = ["mark", "resident", "observed_at", "home"]
    label_columns = LABELS
    base_order = ("observed_at", "desc")


class BodyMarkPhotoView(CareModelView):
    datamodel = SQLAInterface(BodyMarkPhoto)
    class_permission_name = RESOURCE
    method_permission_name = READ_ONLY_VIEW
    include_route_methods = {"list", "show"}
    list_title = show_title = _l("Body map photos")
    list_columns = ["mark", "entry", "created_at"]
    show_columns = ["home", "mark", "entry", "created_at", "voided_at", "void_reason"]
    search_columns = ["mark", "home"]
    label_columns = LABELS
    base_order = ("created_at", "desc")
