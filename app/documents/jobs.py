"""Document jobs. Each takes ids and plain values, checks again (in the worker) that the person
who asked may see the record, and refuses voided or vanished records with a clear reason."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.forms_store import get_store
from app.jobs import JobError, set_progress, store_result
from app.tenancy import allowed_home_ids

ASSESSMENT_PDF = "Assessment PDF"


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
    """How a resident is named on a document. Residents are not in this release's schema yet, so
    the record number is printed; the resident's name replaces it once they are."""
    if resident_id is None:
        return str(_l("No resident"))
    return str(_l("Resident #%(id)s", id=resident_id))


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


def render_assessment_pdf(submission_id: str, user_id: int) -> str:
    """A completed assessment as an A4 PDF, kept as the job's result."""
    from app.homes.models import CareHome
    from reports.assessment import assessment_pdf

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
        printed_by=display_name(user), printed_at=dt.datetime.now(dt.UTC),
    )
    taken = submission.taken_at.date().isoformat()
    return store_result(pdf, f"{submission.form_key}-{taken}-{submission.id[:8]}.pdf")
