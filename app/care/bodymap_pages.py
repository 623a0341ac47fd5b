"""Body map pages: the home's open marks with the count of pressure damage acquired in the home;
a resident's front and back figure, where a click marks a site; one mark's dated history with
photos, another entry, healed and void; and the photos themselves, to the home's staff only.
Works without JavaScript (the point and region can be typed and chosen)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.care import bodymap
from app.care.bodymap_models import BodyMarkPhoto, BodySide, MarkKind, MarkOrigin, PressureCategory
from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.labels import choices, label
from app.residents.models import Resident
from app.residents.photos import MAX_UPLOAD_BYTES
from app.tenancy import acting_user, current_scope

RESOURCE = "Body map"
KIND_COLOURS = {
    MarkKind.bruise: "#7b3fa0", MarkKind.skin_tear: "#d9480f", MarkKind.pressure_damage: "#c92a2a",
    MarkKind.wound: "#a61e4d", MarkKind.rash: "#e67700", MarkKind.other: "#495057",
}


def _can(permission: str, resource: str = RESOURCE) -> bool:
    return bool(current_app.appbuilder.sm.has_access(permission, resource))


def _resident(pk) -> Resident:
    resident = db.session.scalar(select(Resident).where(Resident.id == pk)) if valid_int_id(pk) else None
    if resident is None or resident.voided_at is not None:
        abort(404)
    return resident


def _mark(pk):
    mark = bodymap.get_mark(pk)
    if mark is None:
        abort(404)
    return mark


def _uploads() -> list[bytes]:
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    return [f.read(MAX_UPLOAD_BYTES + 1) for f in files[: bodymap.MAX_PHOTOS_PER_ENTRY + 1]]


def _flash(error: DomainError) -> None:
    for field, messages in error.errors.items():
        name = "" if field == "_" else f"{FIELD_NAMES.get(field, field)}: "
        flash(name + " ".join(messages), "danger")


FIELD_NAMES = {
    "side": _l("Front or back"), "x": _l("Across (%)"), "y": _l("Down (%)"), "region": _l("Region"),
    "kind": _l("Kind"), "category": _l("Category"), "origin": _l("Acquired"), "first_seen_on": _l("First seen"),
    "description": _l("Description"), "length_mm": _l("Length (mm)"), "width_mm": _l("Width (mm)"),
    "depth_mm": _l("Depth (mm)"), "observed_at": _l("Seen at"), "photo": _l("Photos"),
    "healed_on": _l("Healed on"), "note": _l("Note"), "reason": _l("Reason"), "resident_id": _l("Resident"),
}


def profile_links(resident) -> dict | None:
    """What the resident's profile offers of the body map (None when the user may not read it)."""
    if not _can("can_read"):
        return None
    return {"open": len(bodymap.marks_of(resident.id, include_closed=False)), "resident": resident,
            "can_sbard": _can("can_read", "Vital signs") and _can("can_write", "Documents and jobs")}


def figure_marks(marks) -> list[dict]:
    """Open marks as dots for the figure, numbered as in the list beside it."""
    dots = []
    for number, mark in enumerate(marks, start=1):
        dots.append({"n": number, "id": mark.id, "side": mark.side.value, "x": float(mark.x_pct) * 2,
                     "y": float(mark.y_pct) * 4, "colour": KIND_COLOURS.get(mark.kind, "#495057"),
                     "open": mark.is_open, "title": f"{label(mark.kind)}: {bodymap.region_label(mark.region)}"})
    return dots


class BodyMapPagesView(BaseView):
    route_base = "/care/body-map"
    default_view = "index"
    class_permission_name = RESOURCE
    method_permission_name = {
        "index": "read", "resident": "read", "mark": "read", "photo": "read",
        "new": "write", "entry": "write", "healed": "write", "void": "write",
    }

    @expose("/")
    @has_access
    def index(self):
        scope = current_scope()
        marks = bodymap.open_marks(scope)
        return self.render_template(
            "care/bodymap_list.html", marks=marks, pressure=bodymap.home_acquired_pressure_damage(scope),
            label=label, region_label=bodymap.region_label, title=_l("Body map"),
        )

    def _resident_page(self, resident, values=None, errors=None, status=200):
        marks = bodymap.marks_of(resident.id)
        open_marks = [m for m in marks if m.is_open]
        values = values or {"first_seen_on": bodymap._today().strftime("%d/%m/%Y"), "side": "front",
                            "origin": "home"}
        return self.render_template(
            "care/bodymap_resident.html", resident=resident, marks=marks, open_marks=open_marks,
            dots=figure_marks(open_marks), regions=bodymap.regions_for_page(), values=values, errors=errors or {},
            kinds=choices(MarkKind), categories=choices(PressureCategory), origins=choices(MarkOrigin),
            sides=choices(BodySide), can_write=_can("can_write"), label=label,
            region_label=bodymap.region_label, can_sbard=_can("can_read", "Vital signs")
            and _can("can_write", "Documents and jobs"),
            title=_l("Body map: %(name)s", name=resident.full_name),
        ), status

    @expose("/resident/<int:pk>/")
    @has_access
    def resident(self, pk):
        return self._resident_page(_resident(pk))

    @expose("/resident/<int:pk>/new", methods=["POST"])
    @has_access
    def new(self, pk):
        resident = _resident(pk)
        form = request.form
        try:
            mark = bodymap.record_mark(
                resident, acting_user(), side=form.get("side"), x=form.get("x"), y=form.get("y"),
                region=form.get("region") or None, kind=form.get("kind"), category=form.get("category") or None,
                origin=form.get("origin"), first_seen_on=form.get("first_seen_on"),
                description=form.get("description"), length_mm=form.get("length_mm"),
                width_mm=form.get("width_mm"), depth_mm=form.get("depth_mm"), photos=_uploads(),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _flash(error)
            return self._resident_page(resident, values=form.to_dict(), errors=error.errors, status=422)
        flash(str(_l("Mark recorded: %(what)s, %(where)s.", what=label(mark.kind),
                     where=bodymap.region_label(mark.region))), "success")
        return redirect(url_for("BodyMapPagesView.mark", pk=mark.id))

    def _mark_page(self, mark, values=None, errors=None, status=200):
        return self.render_template(
            "care/bodymap_mark.html", mark=mark, resident=mark.resident, dots=figure_marks([mark]),
            categories=choices(PressureCategory), values=values or {}, errors=errors or {},
            can_write=_can("can_write") and mark.is_open, label=label, region_label=bodymap.region_label,
            today=bodymap._today().strftime("%d/%m/%Y"),
            title=_l("%(what)s: %(name)s", what=label(mark.kind), name=mark.resident.full_name),
        ), status

    @expose("/mark/<int:pk>/")
    @has_access
    def mark(self, pk):
        return self._mark_page(_mark(pk))

    @expose("/mark/<int:pk>/entry", methods=["POST"])
    @has_access
    def entry(self, pk):
        mark = _mark(pk)
        form = request.form
        try:
            bodymap.add_entry(mark, acting_user(), description=form.get("description"),
                              length_mm=form.get("length_mm"), width_mm=form.get("width_mm"),
                              depth_mm=form.get("depth_mm"), category=form.get("category") or None,
                              observed_at=form.get("observed_at") or None, photos=_uploads())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _flash(error)
            return self._mark_page(_mark(pk), values=form.to_dict(), errors=error.errors, status=422)
        flash(str(_l("Entry added.")), "success")
        return redirect(url_for("BodyMapPagesView.mark", pk=pk))

    @expose("/mark/<int:pk>/healed", methods=["POST"])
    @has_access
    def healed(self, pk):
        return self._change(pk, lambda mark: bodymap.mark_healed(
            mark, acting_user(), request.form.get("healed_on"), request.form.get("note")), _l("Marked as healed."))

    @expose("/mark/<int:pk>/void", methods=["POST"])
    @has_access
    def void(self, pk):
        return self._change(pk, lambda mark: bodymap.void_mark(mark, acting_user(), request.form.get("reason")),
                            _l("Mark voided; it is kept with the reason."))

    def _change(self, pk, action, done):
        mark = _mark(pk)
        try:
            action(mark)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _flash(error)
            return self._mark_page(_mark(pk), values=request.form.to_dict(), errors=error.errors, status=422)
        flash(str(done), "success")
        return redirect(url_for("BodyMapPagesView.mark", pk=pk))

    @expose("/photo/<int:pk>")
    @has_access
    def photo(self, pk):
        # Scoped: another home's photo is not found, nor is a voided one.
        row = db.session.scalar(select(BodyMarkPhoto).where(BodyMarkPhoto.id == pk)) if valid_int_id(pk) else None
        if row is None or row.voided_at is not None:
            abort(404)
        path = bodymap.photo_path(row)
        if path is None:
            abort(404)
        response = send_file(path, mimetype="image/jpeg", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response
