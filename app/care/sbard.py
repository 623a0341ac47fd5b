"""The SBARD escalation summary as a document job: gathered from the resident's latest vital-signs
set (its stored NEWS2 score, band and points, soft signs) and record (identity, allergies,
conditions, DNACPR/ReSPECT decisions, recent care notes, earlier scores). The recommendation is
the band's response from the published NEWS2 definition the set was scored with: no second copy
of the scoring or escalation rules. Printed from the resident's profile or body map page."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.documents.jobs import asker_locale, print_one, printable_resident, resident_slug
from app.extensions import db
from app.guards import valid_int_id
from app.jobs import JobError
from app.tenancy import acting_user

SBARD_PDF = "SBARD summary"
RECENT_NOTES_HOURS = 72
RECENT_NOTES_MAX = 12
DOCUMENTS = "Documents and jobs"


def latest_vitals(resident):
    from app.care.models import ObservationSet, SetKind

    return db.session.scalar(
        select(ObservationSet).where(ObservationSet.resident_id == resident.id, ObservationSet.kind == SetKind.vitals,
                                     ObservationSet.voided_at.is_(None))
        .order_by(ObservationSet.observed_at.desc(), ObservationSet.id.desc()).limit(1))


def _value(observation) -> str:
    from app.care.codes import CHARTS, choice_label

    if observation.value is None:
        return choice_label(observation.value_text)
    spec = CHARTS.get(observation.code)
    number = observation.value.normalize() if spec is None or not spec.decimals else observation.value
    shown = f"{number:f}"
    if observation.code == "supplemental_oxygen":
        return str(_l("Yes")) if observation.value else str(_l("No (air)"))
    return f"{shown} {observation.unit or ''}".strip()


def _band_response(obs_set) -> str:
    """The band's clinical response, in the words of the definition version the set was scored with."""
    from app.forms_store import get_store
    from forms.messages import localised

    if obs_set is None or not obs_set.news2_band or obs_set.news2_form_version is None:
        return ""
    try:
        definition = get_store().load("news2", obs_set.news2_form_version)
    except Exception:  # noqa: BLE001 - a definition that cannot be read leaves the line blank, not the document
        return ""
    band = next((b for b in (definition.scoring or {}).get("bands", ()) if b.get("code") == obs_set.news2_band), None)
    return localised(band.get("response")) if band else ""


def vital_lines(obs_set) -> list:
    from app.care.codes import CHARTS, chart_label
    from reports.sbard import VitalLine

    points = obs_set.news2_points or {}
    lines = []
    for row in obs_set.observations:
        spec = CHARTS.get(row.code)
        field = spec.news2_field if spec is not None else None
        value = points.get(field) if field else None
        lines.append(VitalLine(chart_label(row.code), _value(row),
                               int(value) if isinstance(value, (int, float)) else None))
    return lines


def build_sbard(resident):
    from app.care.codes import SOFT_SIGNS, chart_label  # noqa: F401 - labels of the chart codes
    from app.care.services import news2_history, notes_of
    from app.documents.jobs import _legal_lines
    from app.labels import label
    from reports.base import london
    from reports.sbard import SbardDocument

    obs_set = latest_vitals(resident)
    now = dt.datetime.now(dt.UTC)
    previous = []
    if obs_set is not None:
        for earlier in reversed(news2_history(resident, days=90)):
            if earlier.id == obs_set.id or earlier.news2_total is None:
                continue
            previous.append(str(_l("NEWS2 %(total)s on %(when)s", total=earlier.news2_total,
                                   when=london(earlier.observed_at))))
            if len(previous) >= 5:
                break
    notes = []
    for note in notes_of(resident, since=now - dt.timedelta(hours=RECENT_NOTES_HOURS))[:RECENT_NOTES_MAX]:
        notes.append(f"{london(note.occurred_at)} {label(note.category)}: {note.text}"
                     + (f" ({note.author_name})" if note.author_name else ""))
    resuscitation, _legal = _legal_lines(resident)
    stay = resident.current_stay
    home = resident.home
    return SbardDocument(
        resident_name=f"{resident.first_name} {resident.last_name}".strip(),
        home_name=home.name, date_of_birth=resident.date_of_birth, nhs_number=resident.nhs_number_display or "",
        location=str(stay.bed) if stay is not None and stay.bed is not None else "",
        gp_practice=resident.gp_practice or "", home_phone=home.phone or "",
        observed_at=obs_set.observed_at if obs_set is not None else None,
        recorded_by=obs_set.recorded_by_name if obs_set is not None else "",
        news2_total=obs_set.news2_total if obs_set is not None else None,
        news2_band_label=(obs_set.news2_band_label or "") if obs_set is not None else "",
        news2_max_single=obs_set.news2_max_single if obs_set is not None else None,
        vitals=vital_lines(obs_set) if obs_set is not None else [],
        soft_signs=[str(SOFT_SIGNS.get(code, code)) for code in (obs_set.soft_signs or [])] if obs_set else [],
        set_note=(obs_set.note or "") if obs_set is not None else "",
        previous=previous, allergies=resident.allergies or "", conditions=resident.conditions or "",
        key_risks=resident.key_risks or "", communication_needs=resident.communication_needs or "",
        resuscitation=resuscitation, medicines=[], medicines_recorded=False, recent_notes=notes,
        recommendation=_band_response(obs_set),
    )


def render_sbard_pdf(resident_id: int, user_id: int, locale: str | None = None) -> str:
    """A resident's SBARD escalation summary as an A4 PDF, kept as the job's result."""
    from reports.sbard import sbard_pdf

    return print_one(user_id, locale, lambda user: printable_resident(resident_id, user), build_sbard, sbard_pdf,
                     lambda resident, _document:
                     f"sbard-{resident_slug(resident)}-{dt.datetime.now(dt.UTC):%Y-%m-%d-%H%M}.pdf")


def request_sbard_pdf(resident_id, user):
    """Queue the SBARD summary of a resident in scope (after the caller commits). LookupError when not."""
    from app.residents.models import Resident

    if not valid_int_id(resident_id):
        raise LookupError(resident_id)
    resident = db.session.scalar(select(Resident).where(Resident.id == int(resident_id)))
    if resident is None:
        raise LookupError(resident_id)
    printable_resident(resident.id, user)
    what = _l("SBARD summary")
    return jobs.enqueue(
        render_sbard_pdf, resident.id, user.id, asker_locale(),
        job_id=f"sbard-pdf:{resident.id}:{user.id}:{asker_locale()}",
        description=f"{what}: {resident.full_name}", user_id=user.id, home_id=resident.home_id,
    )


class SbardView(BaseView):
    """POST /care/sbard/resident/<id>/print: queue the summary; it appears on the Documents page."""

    route_base = "/care/sbard"
    class_permission_name = "Vital signs"
    method_permission_name = {"print_sbard": "read"}

    @expose("/resident/<int:pk>/print", methods=["POST"])
    @has_access
    def print_sbard(self, pk):
        if not current_app.appbuilder.sm.has_access("can_write", DOCUMENTS):
            abort(403)
        try:
            request_sbard_pdf(pk, acting_user())
        except LookupError:
            abort(404)
        except JobError as error:
            flash(error.message, "danger")
            return redirect(url_for("DocumentsView.list"))
        db.session.commit()
        flash(str(_l("Your SBARD summary is being prepared; it will appear below.")), "info")
        return redirect(url_for("DocumentsView.list"))
