"""Document jobs. Each takes ids and plain values, checks again (in the worker) that the person
who asked may see the record, and refuses voided or vanished records with a clear reason."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.forms_store import get_store
from app.jobs import JobError, set_progress, store_result
from app.tenancy import allowed_home_ids

ASSESSMENT_PDF = "Assessment PDF"
TRANSFER_SUMMARY = "Hospital transfer summary"


def asker_locale() -> str:
    """The language of the person asking for a document ("cy" or "en-GB"), stored with the job so the
    worker prints it in that language; English outside a request."""
    from flask import has_request_context
    from flask_babel import get_locale

    if not has_request_context():
        return "en-GB"
    return "cy" if str(get_locale() or "").lower().startswith("cy") else "en-GB"


def document_locale(locale: str | None) -> str:
    """A job's stored language as the form engine names it; a job queued before languages were
    stored (no locale) prints in English."""
    return "cy" if str(locale or "").lower().startswith("cy") else "en-GB"


@contextmanager
def in_language(locale: str | None):
    """Run a document job in the language of the person who asked: the interface's words, form titles,
    band words and month names (flask_babel's force_locale, which the reader's-language helpers read)."""
    from flask_babel import force_locale

    with force_locale("cy" if document_locale(locale) == "cy" else "en"):
        yield


def _user(user_id: int):
    from app.security import CareUser

    user = db.session.get(CareUser, user_id)
    if user is None or not user.active:
        raise JobError(str(_l("The person who asked for this document can no longer sign in.")))
    return user


def display_name(user) -> str:
    full = " ".join(p for p in (user.first_name, user.last_name) if p).strip()
    return f"{full} ({user.username})" if full else user.username


def resident_label(resident_id: int | None) -> str:
    """How a resident is named on a document or notification: their name when the record is
    visible here, else the record number."""
    from app.residents.models import Resident

    if resident_id is None:
        return str(_l("No resident"))
    resident = db.session.scalar(select(Resident).where(Resident.id == resident_id))
    if resident is None:
        return str(_l("Resident #%(id)s", id=resident_id))
    return resident.full_name


def printable_submission(submission, user):
    """Refuse a missing, voided or other-home assessment; returns the submission."""
    from forms.store import VOIDED

    if submission is None:
        raise JobError(str(_l("This assessment no longer exists, so it cannot be printed.")))
    if submission.status == VOIDED:
        raise JobError(str(_l("This assessment was voided, so it cannot be printed.")))
    if submission.home_id is None or submission.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This assessment belongs to a home you do not work in.")))
    return submission


def render_assessment_pdf(submission_id: str, user_id: int, locale: str | None = None) -> str:
    """A completed assessment as an A4 PDF, kept as the job's result."""
    from app.homes.models import CareHome
    from reports.assessment import assessment_pdf

    with in_language(locale):
        user = _user(user_id)
        store = get_store()
        submission = printable_submission(store.get_submission(submission_id), user)
        home = db.session.get(CareHome, submission.home_id)
        if home is None:
            raise JobError(str(_l("This assessment belongs to a home you do not work in.")))
        definition = store.load(submission.form_key, submission.version)
        amendments = store.list_amendments(submission.id)
        set_progress(40)
        pdf = assessment_pdf(
            definition, submission, amendments,
            home_name=home.name, resident_label=resident_label(submission.resident_id),
            printed_by=display_name(user), printed_at=dt.datetime.now(dt.UTC), locale=document_locale(locale),
        )
        taken = submission.taken_at.date().isoformat()
        return store_result(pdf, f"{submission.form_key}-{taken}-{submission.id[:8]}.pdf")


# ---------------------------------------------------------------------------------------------
# Hospital transfer summary


def printable_resident(resident_id: int, user):
    """The resident, if the person may see them and the record is not voided."""
    from app.residents.models import Resident

    resident = db.session.scalar(select(Resident).where(Resident.id == resident_id))
    if resident is None:
        raise JobError(str(_l("This resident's record no longer exists or is in a home you do not work in.")))
    if resident.home_id not in allowed_home_ids(user):
        raise JobError(str(_l("This resident's record no longer exists or is in a home you do not work in.")))
    if resident.voided_at is not None:
        raise JobError(str(_l("This resident's record was voided, so it cannot be printed.")))
    return resident


def _photo(resident) -> bytes | None:
    from app.residents.photos import photo_path

    path = photo_path(resident)
    return path.read_bytes() if path is not None else None


def _legal_lines(resident) -> tuple[list[str], list[str]]:
    from app.labels import label
    from app.residents.models import LegalKind, LegalStatus
    from reports.base import day_month_year

    resuscitation, legal = [], []
    for record in resident.legal_records:
        if record.voided_at is not None or record.status in (LegalStatus.refused, LegalStatus.ended):
            continue
        kind = label(record.kind)
        parts = [f"{kind}: {label(record.status)}"]
        if record.decision:
            parts.append(record.decision)
        for what, value in (("decided", record.decided_on), ("authorised", record.authorised_on),
                            ("expires", record.expires_on), ("review", record.review_on)):
            if value is not None:
                parts.append(f"{what} {day_month_year(value)}")
        if record.conditions:
            parts.append(f"conditions: {record.conditions}")
        line = "; ".join(parts)
        (resuscitation if record.kind in (LegalKind.dnacpr, LegalKind.respect) else legal).append(line)
    for contact in resident.contacts:
        if contact.voided_at is None and contact.lpa_health_welfare:
            registered = contact.lpa_health_welfare_registered_on
            legal.append(f"Lasting power of attorney (health and welfare): {contact.name}"
                         + (f", registered {day_month_year(registered)}" if registered else ""))
    return resuscitation, legal


def _latest_assessments(resident, limit: int = 6) -> list[str]:
    from app.assessments.bands import _locale
    from forms.messages import localised
    from forms.store import VOIDED
    from reports.base import london

    locale = _locale()  # the language of the person who asked (the job runs in it)
    store = get_store()
    seen, lines = set(), []
    for submission in store.list_submissions(resident_id=resident.id, home_id=resident.home_id, limit=200):
        if submission.status == VOIDED or submission.form_key in seen:
            continue
        seen.add(submission.form_key)
        definition = store.load(submission.form_key, submission.version)
        band = next((b for b in (definition.scoring or {}).get("bands", ()) if b["code"] == submission.band), None)
        result = " ".join(p for p in (
            "" if submission.total is None else f"total {submission.total}",
            localised(band["label"], locale) if band else "",
        ) if p)
        lines.append(f"{localised(definition.title, locale)}: {result or 'recorded'} ({london(submission.taken_at)})")
        if len(lines) >= limit:
            break
    return lines


def build_transfer_summary(resident):
    from app.labels import label
    from reports.transfer_summary import Contact, TransferSummary

    home = resident.home
    stay = resident.current_stay
    location = str(stay.bed) if stay is not None and stay.bed is not None else ""
    resuscitation, legal = _legal_lines(resident)
    contacts = []
    for contact in resident.contacts:
        if contact.voided_at is not None:
            continue
        notes = [n for n, flag in (("next of kin", contact.is_next_of_kin),
                                   ("LPA health and welfare", contact.lpa_health_welfare),
                                   ("LPA property and finance", contact.lpa_property_finance)) if flag]
        contacts.append(Contact(contact.name, contact.relationship_to_resident, contact.phone or "",
                                ", ".join(notes)))
    contacts.sort(key=lambda c: "next of kin" not in c.notes)
    return TransferSummary(
        name=f"{resident.first_name} {resident.last_name}".strip(),
        preferred_name=resident.preferred_name or "",
        date_of_birth=resident.date_of_birth,
        nhs_number=resident.nhs_number_display,
        sex=label(resident.sex),
        gender_identity=resident.gender_identity or "",
        home_name=home.name,
        home_contact=" · ".join(p for p in (home.phone, home.email) if p),
        location=location,
        admitted_on=stay.admitted_at.date() if stay is not None else None,
        gp_practice=resident.gp_practice or "",
        religion=resident.religion or "",
        resuscitation=resuscitation,
        legal=legal,
        allergies=resident.allergies or "",
        conditions=resident.conditions or "",
        key_risks=resident.key_risks or "",
        communication_needs=resident.communication_needs or "",
        dietary_needs=resident.dietary_needs or "",
        what_matters_to_me=resident.what_matters_to_me or "",
        contacts=contacts,
        assessments=_latest_assessments(resident),
        photo=_photo(resident),
    )


def print_one(user_id: int, locale: str | None, read, build, render, filename) -> str:
    """The shape of a job printing one thing: in the asker's language, `read(user)` what is printed
    (as the asker may see it), `build` the document, `render` it with who printed it and when, and
    keep the PDF as the job's result under `filename(what, document)`."""
    with in_language(locale):
        user = _user(user_id)
        subject = read(user)
        document = build(subject)
        set_progress(50)
        pdf = render(document, printed_by=display_name(user), printed_at=dt.datetime.now(dt.UTC))
        return store_result(pdf, filename(subject, document))


def resident_slug(resident) -> str:
    return secure_name(f"{resident.last_name}-{resident.first_name}")


def render_transfer_summary_pdf(resident_id: int, user_id: int, locale: str | None = None) -> str:
    """The one-page hospital transfer summary of a resident, kept as the job's result."""
    from reports.transfer_summary import transfer_summary_pdf

    return print_one(user_id, locale, lambda user: printable_resident(resident_id, user), build_transfer_summary,
                     transfer_summary_pdf, lambda resident, _summary:
                     f"transfer-summary-{resident_slug(resident)}-{dt.date.today().isoformat()}.pdf")


def secure_name(value: str) -> str:
    from werkzeug.utils import secure_filename

    return secure_filename(value) or "resident"


def render_home_transfer_summaries(home_id: int, user_id: int, locale: str | None = None) -> str:
    """One file with the transfer summary of every resident living in the home, one page each,
    with progress as it goes (the same shape as the home-wide care-plan batch)."""
    from app.homes.models import CareHome
    from app.residents.models import Resident, ResidentStatus
    from reports.transfer_summary import transfer_summaries_pdf

    with in_language(locale):
        user = _user(user_id)
        home = db.session.scalar(select(CareHome).where(CareHome.id == home_id))
        if home is None or home_id not in allowed_home_ids(user):
            raise JobError(str(_l("This home no longer exists or is not one you work in.")))
        residents = list(db.session.scalars(
            select(Resident)
            .where(Resident.home_id == home_id, Resident.voided_at.is_(None),
                   Resident.status.in_([ResidentStatus.in_residence, ResidentStatus.hospital_leave]))
        ))
        residents.sort(key=lambda r: (sort_key(r.last_name), sort_key(r.first_name)))
        total = len(residents)
        summaries = []
        for done, resident in enumerate(residents, start=1):
            summaries.append(build_transfer_summary(resident))
            set_progress(done, 2 * total)
        pdf = transfer_summaries_pdf(
            summaries, home_name=home.name, printed_by=display_name(user), printed_at=dt.datetime.now(dt.UTC),
            on_page=lambda page: set_progress(total + page, 2 * total) if total else None,
        )
        return store_result(pdf, f"transfer-summaries-{secure_name(home.name)}-{dt.date.today().isoformat()}.pdf")


def sort_key(value: str | None) -> str:
    """Alphabetical as people expect it, whatever the database's collation: Ŵatcyn under W."""
    import unicodedata

    return unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().casefold()
