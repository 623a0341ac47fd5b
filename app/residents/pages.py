"""Custom pages: the resident profile and search, stay actions, the enquiry board, occupancy."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.exceptions import DomainError
from app.extensions import db
from app.guards import valid_int_id
from app.homes.models import Bed, BedStatus, Room
from app.homes.natural import sorted_beds
from app.residents import enquiries, occupancy, services, stays
from app.residents.common import flash_domain_error, form_values, parse_date
from app.residents.fields import sections
from app.residents.models import (
    DischargeDestination,
    Enquiry,
    EnquiryStage,
    Resident,
    Stay,
    StayBed,
    StayType,
    WaitingPriority,
)
from app.tenancy import acting_user


def free_beds(home_id: int) -> list[Bed]:
    """The home's available beds in natural order (Room 2 before Room 10), with room and unit."""
    query = (
        select(Bed).join(Room).where(Bed.home_id == home_id, Bed.status == BedStatus.available)
        .options(selectinload(Bed.room).selectinload(Room.unit))
    )
    return sorted_beds(db.session.scalars(query))


def _get_or_404(model, pk: int):
    obj = db.session.get(model, pk) if valid_int_id(pk) else None
    if obj is None:
        abort(404)
    return obj


def _resident_or_404(pk: int, *, with_stays: bool = False) -> Resident:
    """The resident (404 if not found, out of the user's homes, or voided); `with_stays` reads their
    stays with bed, room and unit, bed moves and hospital leave up front (one query after the
    resident's), as the profile shows them."""
    options = [selectinload(Resident.stays).options(
        joinedload(Stay.bed).joinedload(Bed.room).joinedload(Room.unit),
        joinedload(Stay.bed_periods).joinedload(StayBed.bed), joinedload(Stay.absences))] if with_stays else []
    resident = db.session.get(Resident, pk, options=options) if valid_int_id(pk) else None
    if resident is None or resident.voided_at is not None:
        abort(404)
    return resident


def _attempt(action, success: str) -> DomainError | None:
    """Run a service, commit once, and tell the user; on a refusal nothing is saved and the
    refusal is returned (e.g. the bed was taken a moment ago by someone else)."""
    try:
        action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return error
    flash(success, "success")
    return None


def _run(action, success: str) -> bool:
    return _attempt(action, success) is None


def _kept() -> dict:
    """What the user typed into a refused form, to put back into it."""
    return {k: v for k, v in request.form.items() if k != "csrf_token" and isinstance(v, str) and len(v) <= 200}


def profile_context(resident: Resident, kept: dict | None = None) -> dict:
    sm = current_app.appbuilder.sm
    shown = sections()  # each section follows its own resource's read permission
    can_change_stays = sm.has_access("can_write", "Stays")
    return dict(
        resident=resident,
        stay=resident.current_stay,
        sections=shown,
        warnings=services.legal_warnings(resident) if shown["legal"] else [],
        contacts=[c for c in resident.contacts if c.voided_at is None] if shown["contacts"] else [],
        legal=[r for r in resident.legal_records if r.voided_at is None] if shown["legal"] else [],
        stays=sorted(resident.stays, key=lambda s: s.admitted_at, reverse=True),
        beds=free_beds(resident.home_id) if can_change_stays else [],  # offered only to who may admit or move
        can_change_stays=can_change_stays,
        can_edit=sm.has_access("can_write", "Residents"),
        stay_types=list(StayType),
        destinations=[d for d in DischargeDestination if d != DischargeDestination.death],
        kept=kept or {},
        title=resident.full_name,
    )


class ResidentProfileView(BaseView):
    """One page per resident, and resident search from the navigation bar."""

    route_base = "/residents"
    class_permission_name = "Residents"
    method_permission_name = {"profile": "read", "search": "read"}
    default_view = "search"

    @expose("/<int:pk>/")
    @has_access
    def profile(self, pk):
        return self.render_template("residents/profile.html",
                                    **profile_context(_resident_or_404(pk, with_stays=True)))

    @expose("/search", methods=["GET", "POST"])
    @has_access
    def search(self):
        # The forms post the words searched for (an NHS number kept out of URLs and access logs);
        # a bookmarked ?q= still works, and the access log blanks any NHS number in it.
        text = request.form.get("q", "") if request.method == "POST" else request.args.get("q", "")
        found = services.search_residents(text)
        if len(found) == 1 and text.strip():
            return redirect(url_for(".profile", pk=found[0].id))
        return self.render_template("residents/search.html", q=text, found=found, title=_l("Find a resident"))


class StayActionsView(BaseView):
    """Admit, move, hospital leave, return, discharge and death, from the profile page's forms."""

    route_base = "/stay-actions"
    class_permission_name = "Stays"
    method_permission_name = {name: "write" for name in
                              ("admit", "move", "leave", "back", "discharge", "death")}

    def _back(self, resident_id):
        return redirect(url_for("ResidentProfileView.profile", pk=resident_id))

    def _again(self, resident_id, error: DomainError):
        """A refused admission or move: the profile again, with the form as the user filled it
        (the bed list is read afresh, so a bed taken meanwhile is no longer offered)."""
        page = self.render_template(
            "residents/profile.html", **profile_context(_resident_or_404(resident_id), _kept()))
        return page, error.status_code

    def _stay_of(self, resident_id):
        stay = _resident_or_404(resident_id).current_stay
        if stay is None:
            flash(str(_l("This resident has no current stay.")), "danger")
        return stay

    @expose("/<int:pk>/admit", methods=["POST"])
    @has_access
    def admit(self, pk):
        _resident_or_404(pk)

        def act():
            v = form_values({"bed": ("id", True), "admitted_at": ("datetime", True), "stay_type": ("text", True)})
            stays.admit_resident(pk, v["bed"], v["admitted_at"], v["stay_type"], acting_user())
        error = _attempt(act, str(_l("Admitted.")))
        return self._back(pk) if error is None else self._again(pk, error)

    @expose("/<int:pk>/move", methods=["POST"])
    @has_access
    def move(self, pk):
        stay = self._stay_of(pk)
        if stay is not None:
            def act():
                v = form_values({"bed": ("id", True), "moved_at": ("datetime", True)})
                stays.move_bed(stay.id, v["bed"], v["moved_at"], acting_user())
            error = _attempt(act, str(_l("Moved to the new bed.")))
            if error is not None:
                return self._again(pk, error)
        return self._back(pk)

    @expose("/<int:pk>/leave", methods=["POST"])
    @has_access
    def leave(self, pk):
        stay = self._stay_of(pk)
        if stay is not None:
            def act():
                v = form_values({"left_at": ("datetime", True), "hospital": ("text", False), "reason": ("text", False)})
                stays.start_hospital_leave(stay.id, v["left_at"], v["hospital"], v["reason"], acting_user())
            _run(act, str(_l("Hospital leave recorded; the bed is kept.")))
        return self._back(pk)

    @expose("/<int:pk>/back", methods=["POST"])
    @has_access
    def back(self, pk):
        stay = self._stay_of(pk)
        if stay is not None:
            def act():
                v = form_values({"returned_at": ("datetime", True)})
                stays.return_from_leave(stay.id, v["returned_at"], acting_user())
            _run(act, str(_l("Return from hospital recorded.")))
        return self._back(pk)

    @expose("/<int:pk>/discharge", methods=["POST"])
    @has_access
    def discharge(self, pk):
        stay = self._stay_of(pk)
        if stay is not None:
            def act():
                v = form_values({"discharged_at": ("datetime", True), "destination": ("text", True),
                                 "notes": ("text", False)})
                stays.discharge_resident(stay.id, v["discharged_at"], v["destination"], v["notes"], acting_user())
            _run(act, str(_l("Discharged; the bed is free.")))
        return self._back(pk)

    @expose("/<int:pk>/death", methods=["POST"])
    @has_access
    def death(self, pk):
        _resident_or_404(pk)

        def act():
            v = form_values({"died_at": ("datetime", True), "notes": ("text", False)})
            stays.record_death(pk, v["died_at"], v["notes"], acting_user())
        _run(act, str(_l("The death is recorded.")))
        return self._back(pk)


class EnquiryBoardView(BaseView):
    """The enquiry status board and waiting list per home, and each enquiry's next steps."""

    route_base = "/enquiry-board"
    class_permission_name = "Enquiries"
    method_permission_name = {"board": "read", "progress": "read", "step": "write"}
    default_view = "board"

    @expose("/")
    @has_access
    def board(self):
        data = enquiries.board()
        return self.render_template(
            "residents/enquiry_board.html", columns=data["columns"], waiting=data["waiting"],
            open_stages=enquiries.OPEN_STAGES, priorities={p.value: p.name for p in WaitingPriority},
            title=_l("Enquiry board"),
        )

    @expose("/<int:pk>/")
    @has_access
    def progress(self, pk):
        return self._progress_page(pk)

    def _progress_page(self, pk, kept: dict | None = None):
        enquiry = _get_or_404(Enquiry, pk)
        return self.render_template(
            "residents/enquiry_progress.html", enquiry=enquiry, beds=free_beds(enquiry.home_id),
            is_open=enquiry.stage in enquiries.OPEN_STAGES, stages=EnquiryStage, stay_types=list(StayType),
            priorities=list(WaitingPriority), can_write=self.appbuilder.sm.has_access("can_write", "Enquiries"),
            today=services.today_in_london(), kept=kept or {}, title=_l("Enquiry"),
            enquirer_relationship=enquiries.enquirer_relationship(enquiry),
        )

    @expose("/<int:pk>/<string:name>", methods=["POST"])
    @has_access
    def step(self, pk, name):
        _get_or_404(Enquiry, pk)
        user = acting_user()
        admitted = {}

        def assessment():
            v = form_values({"assessed_on": ("date", True), "assessment_notes": ("text", False)})
            enquiries.record_assessment(pk, v["assessed_on"], v["assessment_notes"], user)

        def offer():
            v = form_values({"bed": ("id", True)})
            enquiries.make_offer(pk, v["bed"], user)

        def close():
            v = form_values({"stage": ("text", True), "closed_reason": ("text", True)})
            enquiries.close_enquiry(pk, v["stage"], v["closed_reason"], user)

        def waiting():
            v = form_values({"waiting_priority": ("int", False)})
            enquiries.set_waiting_list(pk, v["waiting_priority"], user)

        def admit():
            v = form_values({"admitted_at": ("datetime", True), "stay_type": ("text", True), "bed": ("id", False),
                             "confirm_duplicate": ("bool", False), "enquirer_as_contact": ("bool", False)})
            stay = enquiries.admit_from_enquiry(pk, v["admitted_at"], v["stay_type"], v["bed"],
                                                confirm_duplicate=bool(v["confirm_duplicate"]), by_user=user,
                                                enquirer_as_contact=bool(v["enquirer_as_contact"]))
            admitted["resident_id"] = stay.resident_id

        steps = {"assessment": assessment, "offer": offer, "close": close, "waiting": waiting, "admit": admit}
        if name not in steps:
            abort(404)
        error = _attempt(steps[name], str(_l("Saved.")))
        if error is None and admitted:
            return redirect(url_for("ResidentProfileView.profile", pk=admitted["resident_id"]))
        if error is not None and name == "admit":
            return self._progress_page(pk, _kept()), error.status_code
        return redirect(url_for(".progress", pk=pk))


class OccupancyView(BaseView):
    """Occupancy per home and unit, and for the group, over a chosen period, with a bar chart."""

    route_base = "/occupancy"
    class_permission_name = "Occupancy"
    method_permission_name = {"page": "read"}
    default_view = "page"

    @expose("/")
    @has_access
    def page(self):
        today = services.today_in_london()
        start = parse_date(request.args.get("start_on")) or today.replace(day=1)
        end = parse_date(request.args.get("end_on")) or today
        try:
            figures = occupancy.occupancy(start, end)
        except DomainError as error:
            flash_domain_error(error)
            start, end = today - dt.timedelta(days=29), today
            figures = occupancy.occupancy(start, end)
        return self.render_template("residents/occupancy.html", figures=figures, start_on=start, end_on=end,
                                    title=_l("Occupancy"))
