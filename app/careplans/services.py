"""Care-plan rules: create a plan from a template, review it (a new version; the old stays),
and which reviews are due or overdue. Validate first and report every error together; flush,
never commit (the caller commits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.careplans.models import CarePlan, CarePlanVersion, Consent, PlanStatus
from app.exceptions import ConflictError, DomainError, NotFoundError
from app.extensions import db
from app.residents.services import LONDON

SECTION_FIELDS = ("need", "matters", "outcome", "interventions", "risks")
MAX_SECTIONS = 40
MAX_TEXT = 4000
DUE_WITHIN_DAYS = 7


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    title: object
    review_every_days: int
    sections: tuple[dict, ...]


# The standard template ships in form_definitions/ (kind care_plan) and is published the first time
# it is needed; a home copies it in the form builder to adapt it. Its wording is a starting point
# the nurse rewrites with the resident; nothing in it is advice for a particular person.
STANDARD_TEMPLATES = ("standard",)
PARTS = ("matters", "outcome", "interventions", "risks")
DEFAULT_REVIEW_DAYS = 30


def _locale() -> str | None:
    from flask_babel import get_locale

    try:
        return str(get_locale() or "") or None
    except RuntimeError:  # outside a request
        return None


def _from_definition(key: str, homes=None) -> Template | None:
    """The latest published version of a care-plan template. Each question is one need: its label
    names the need; its `x-care-plan` parts give the starting wording (help text, when there is no
    interventions part, starts the interventions)."""
    from app.forms_store import get_store, publish_standard
    from forms.messages import localised
    from forms.store import StoreError

    store = get_store()
    if key in STANDARD_TEMPLATES and store.get_definition(key) is None:
        publish_standard(key)
    if store.get_definition(key, homes=homes) is None:  # none published, or another home's own
        return None
    try:
        loaded = store.load(key)
    except StoreError:
        return None
    form = loaded.raw.get("x-form") or {}
    if form.get("kind") != "care_plan":
        return None
    locale, sections = _locale(), []
    for page in loaded.layout:
        for section in page.get("sections", ()):
            for field_key in section.get("fields", ()):
                prop = loaded.raw["properties"].get(field_key)
                if prop is None:
                    continue
                parts = {part: localised(text, locale) for part, text in (prop.get("x-care-plan") or {}).items()}
                if not parts.get("interventions") and prop.get("x-help"):
                    parts["interventions"] = localised(prop["x-help"], locale)
                sections.append({"need": localised(prop["x-label"], locale),
                                 **{part: parts.get(part, "") for part in PARTS}})
    if not sections:
        return None
    return Template(key=loaded.key, version=loaded.version, title=localised(loaded.title, locale),
                    review_every_days=int(form.get("review_interval_days") or DEFAULT_REVIEW_DAYS),
                    sections=tuple(sections))


def plan_title(plan) -> str:
    """A plan's title in the reader's language while it is still its template's title (the form
    engine stores the title in English and Welsh); a title someone typed is shown as typed."""
    from flask import g, has_request_context

    from app.forms_store import get_store
    from forms.messages import localised
    from forms.store import StoreError

    title = getattr(plan, "title", "") or ""
    if not getattr(plan, "template_key", None):
        return title
    cache = g.setdefault("_plan_title_cache", {}) if has_request_context() else {}
    key = (plan.template_key, plan.template_version)
    if key not in cache:
        try:
            cache[key] = get_store().load(plan.template_key, plan.template_version).title
        except (StoreError, LookupError, ValueError):
            cache[key] = None
    titles = cache[key]
    if not isinstance(titles, dict) or title not in {str(value) for value in titles.values()}:
        return title
    return localised(titles, _locale()) or title


def find_template(key: str | None, home_id: int | None = None) -> Template | None:
    """A care-plan template by key: the standard one, a group template or the home's own published
    in the form builder (without a home: of the homes in the current scope)."""
    if not key:
        return None
    from app.forms_store import form_homes

    return _from_definition(str(key)[:64], form_homes(home_id))


def template_titles(home_id: int | None = None) -> list[tuple[str, str]]:
    """(key, title) of every template a new plan can start from: the standard first, then the home's
    own (latest published version of each; an archived one drops out)."""
    from app.forms_store import form_homes, get_store
    from forms.store import PUBLISHED

    keys = sorted({v.key for v in get_store().list_definitions(status=PUBLISHED, homes=form_homes(home_id))
                   if (v.definition.get("x-form") or {}).get("kind") == "care_plan"} - set(STANDARD_TEMPLATES))
    found = [find_template(key, home_id) for key in (*STANDARD_TEMPLATES, *keys)]
    return [(t.key, str(t.title)) for t in found if t is not None]


def template_sections(key: str) -> list[dict]:
    """The sections of a template in the user's language, ready to fill in."""
    template = find_template(key)
    if template is None:
        raise DomainError({"template": [str(_l("Choose one of the care-plan templates."))]})
    return [{**{f: str(s[f]) for f in SECTION_FIELDS}, "assessments": []} for s in template.sections]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).astimezone(LONDON).date()


def clean_sections(sections) -> list[dict]:
    """Keep sections with a need; every field text, assessments a list of ids. Raises on bad input."""
    errors: dict[str, list[str]] = {}
    if not isinstance(sections, (list, tuple)):
        raise DomainError({"sections": [str(_l("Give the sections as a list."))]})
    cleaned = []
    for index, section in enumerate(sections):
        if not isinstance(section, dict):
            errors[f"sections.{index}"] = [str(_l("Each section must be an object."))]
            continue
        values = {f: str(section.get(f) or "").strip() for f in SECTION_FIELDS}
        if not values["need"]:
            if any(values.values()):
                errors[f"sections.{index}.need"] = [str(_l("Name the need this section is about."))]
            continue
        for field, value in values.items():
            if len(value) > MAX_TEXT:
                errors[f"sections.{index}.{field}"] = [str(_l("Keep this under %(n)s characters.", n=MAX_TEXT))]
        links = section.get("assessments") or []
        if not isinstance(links, (list, tuple)) or not all(str(x).isdigit() for x in links):
            errors[f"sections.{index}.assessments"] = [str(_l("Linked assessments are record numbers."))]
            links = []
        values["assessments"] = sorted({int(x) for x in links})
        cleaned.append(values)
    if not cleaned and not errors:
        errors["sections"] = [str(_l("A care plan needs at least one need."))]
    if len(cleaned) > MAX_SECTIONS:
        errors["sections"] = [str(_l("A care plan has at most %(n)s sections.", n=MAX_SECTIONS))]
    if errors:
        raise DomainError(errors)
    return cleaned


def _check_links(resident_id: int, sections: list[dict]) -> None:
    from app.assessments.models import AssessmentRecord

    wanted = {i for s in sections for i in s["assessments"]}
    if not wanted:
        return
    found = set(db.session.scalars(select(AssessmentRecord.id).where(
        AssessmentRecord.id.in_(wanted), AssessmentRecord.resident_id == resident_id)))
    if wanted - found:
        missing = ", ".join(str(i) for i in sorted(wanted - found))
        raise DomainError({"assessments": [str(_l("No such assessment of this resident: %(ids)s", ids=missing))]})


def _review_days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 366:
        raise DomainError({"review_every_days": [str(_l("Give a number of days from 1 to 366."))]})
    return days


def _participants(participants: dict | None, consent, consent_by) -> dict:
    participants = participants if isinstance(participants, dict) else {}
    try:
        consent_value = Consent(str(consent or Consent.not_able.value))
    except ValueError:
        raise DomainError({"consent": [str(_l("Choose given, refused or not able to consent."))]}) from None
    by = str(consent_by or "").strip()[:200]
    if consent_value != Consent.not_able and not by and not participants.get("resident"):
        raise DomainError({"consent_by": [str(_l("Say who gave or refused consent."))]})
    return {
        "resident_took_part": bool(participants.get("resident")),
        "family_names": str(participants.get("family") or "").strip()[:500] or None,
        "staff_names": str(participants.get("staff") or "").strip()[:500] or None,
        "consent": consent_value,
        "consent_by": by or None,
    }


def _resident(resident_id):
    from app.residents.models import Resident

    resident = db.session.scalar(select(Resident).where(Resident.id == resident_id)) if resident_id else None
    if resident is None:
        raise NotFoundError(str(_l("resident")))
    if resident.voided_at is not None:
        raise DomainError(str(_l("This resident's record was voided.")))
    return resident


def get_plan(plan_id) -> CarePlan:
    plan = db.session.scalar(select(CarePlan).where(CarePlan.id == plan_id)) if plan_id else None
    if plan is None:
        raise NotFoundError(str(_l("care plan")))
    return plan


def create_care_plan(resident_id: int, template_key: str | None, sections, by_user, *, title: str | None = None,
                     review_every_days=None, participants: dict | None = None, consent=None,
                     consent_by: str | None = None, notes: str | None = None,
                     on: dt.date | None = None) -> CarePlan:
    """A new active plan for the resident with version 1; `sections` None takes the template's."""
    resident = _resident(resident_id)
    template = find_template(template_key, resident.home_id)
    if template_key and template is None:
        raise DomainError({"template": [str(_l("Choose one of the care-plan templates."))]})
    if sections is None:
        if template is None:
            raise DomainError({"sections": [str(_l("A care plan needs at least one need."))]})
        sections = [{**{f: str(s[f]) for f in SECTION_FIELDS}, "assessments": []} for s in template.sections]
    sections = clean_sections(sections)
    _check_links(resident.id, sections)
    days = _review_days(review_every_days or (template.review_every_days if template else DEFAULT_REVIEW_DAYS))
    who = _participants(participants, consent, consent_by)
    title = (title or "").strip()[:200] or (str(template.title) if template else str(_l("Care plan")))
    on = on or today()
    plan = CarePlan(
        home_id=resident.home_id, resident_id=resident.id, title=title,
        template_key=template.key if template else None, template_version=template.version if template else None,
        status=PlanStatus.active, review_every_days=days, next_review_on=on + dt.timedelta(days=days),
        current_version_no=1, created_by_id=getattr(by_user, "id", None),
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(CarePlanVersion(
        home_id=plan.home_id, care_plan_id=plan.id, version_no=1, sections=sections,
        review_notes=(notes or "").strip()[:MAX_TEXT] or None, reviewed_on=on,
        next_review_on=plan.next_review_on, created_by_id=getattr(by_user, "id", None), **who,
    ))
    db.session.flush()
    db.session.expire(plan, ["versions"])
    return plan


def review_care_plan(plan_id: int, sections, participants: dict | None, consent, consent_by: str | None,
                     notes: str | None, by_user, *, review_every_days=None, on: dt.date | None = None,
                     expected_version: int | None = None) -> CarePlanVersion:
    """Write the next version of an active plan (the earlier stays as it was) and set the next
    review date. `expected_version`, when given, refuses a review of a plan reviewed meanwhile.

    Two reviews at the same moment: the plan's row is locked before the version number is taken,
    so the second waits, then sees the first (refused if it had `expected_version`, else written
    as the next version); the unique version number is the database's last word."""
    plan = get_plan(plan_id)
    if plan.voided_at is not None or plan.status != PlanStatus.active:
        raise DomainError(str(_l("Only an active care plan can be reviewed.")))
    if expected_version is not None and expected_version != plan.current_version_no:
        raise ConflictError(str(REVIEWED_MEANWHILE))
    errors = {}
    try:
        sections = clean_sections(sections)
        _check_links(plan.resident_id, sections)
    except DomainError as error:
        errors.update(error.errors)
    try:
        days = _review_days(review_every_days or plan.review_every_days)
    except DomainError as error:
        errors.update(error.errors)
    try:
        who = _participants(participants, consent, consent_by)
    except DomainError as error:
        errors.update(error.errors)
    if not (notes or "").strip():
        errors["notes"] = [str(_l("Say what the review found."))]
    if errors:
        raise DomainError(errors)
    db.session.execute(select(CarePlan.id).where(CarePlan.id == plan.id).with_for_update(key_share=True))
    db.session.expire(plan)
    if plan.voided_at is not None or plan.status != PlanStatus.active:
        raise ConflictError(str(_l("This care plan was archived a moment ago.")))
    if expected_version is not None and expected_version != plan.current_version_no:
        raise ConflictError(str(REVIEWED_MEANWHILE))
    on = on or today()
    number = plan.current_version_no + 1
    try:
        with db.session.begin_nested():
            version = CarePlanVersion(
                home_id=plan.home_id, care_plan_id=plan.id, version_no=number, sections=sections,
                review_notes=notes.strip()[:MAX_TEXT], reviewed_on=on,
                next_review_on=on + dt.timedelta(days=days), created_by_id=getattr(by_user, "id", None), **who,
            )
            db.session.add(version)
            plan.current_version_no = number
            plan.review_every_days = days
            plan.next_review_on = version.next_review_on
            db.session.flush()
    except IntegrityError as error:
        if "uq_care_plan_version_no" not in str(error.orig) and "care_plan_version.version_no" not in str(error.orig):
            raise
        raise ConflictError(str(REVIEWED_MEANWHILE)) from None
    db.session.expire(plan, ["versions"])
    return version


REVIEWED_MEANWHILE = _l("Someone reviewed this plan while you had it open; open it again to see their version.")


def archive_care_plan(plan_id: int, by_user) -> CarePlan:
    plan = get_plan(plan_id)
    if plan.status != PlanStatus.active:
        raise DomainError(str(_l("This care plan is already archived.")))
    plan.status = PlanStatus.archived
    db.session.flush()
    return plan


def plans_of(resident_id: int) -> list[CarePlan]:
    return list(db.session.scalars(
        select(CarePlan).where(CarePlan.resident_id == resident_id, CarePlan.voided_at.is_(None))
        .order_by(CarePlan.status, CarePlan.next_review_on)
    ))


def review_state(plan: CarePlan, on: dt.date | None = None) -> str:
    """"overdue", "due" (within a week) or "" for a plan whose review is not yet near."""
    on = on or today()
    if plan.status != PlanStatus.active:
        return ""
    if plan.next_review_on < on:
        return "overdue"
    if plan.next_review_on <= on + dt.timedelta(days=DUE_WITHIN_DAYS):
        return "due"
    return ""


def due_reviews(home_ids=None, on: dt.date | None = None, within_days: int = DUE_WITHIN_DAYS) -> list[CarePlan]:
    """Active plans of current residents whose review is due within `within_days` or overdue."""
    from app.residents.models import Resident

    on = on or today()
    query = (
        select(CarePlan).join(Resident, Resident.id == CarePlan.resident_id)
        .where(CarePlan.voided_at.is_(None), CarePlan.status == PlanStatus.active,
               Resident.voided_at.is_(None), CarePlan.next_review_on <= on + dt.timedelta(days=within_days))
        .order_by(CarePlan.next_review_on, CarePlan.id)
    )
    if home_ids is not None:
        query = query.where(CarePlan.home_id.in_(sorted(home_ids)))
    return list(db.session.scalars(query))



# ---------------------------------------------------------------------------------------------
# Needs that assessment band actions ask for (`create_care_plan_need`)


def suggested_needs(resident_id: int, present: list[dict] | None = None) -> list[dict]:
    """Needs the bands of the resident's latest assessment of each form ask for (band action
    `create_care_plan_need`), as sections linked to that assessment, leaving out any need the
    given sections already have. A new plan and a review offer them pre-filled."""
    from app.assessments.models import AssessmentRecord, RecordStatus
    from app.forms_store import get_store
    from forms.messages import localised
    from forms.store import VOIDED

    have = {str(s.get("need", "")).strip().casefold() for s in present or ()}
    records = db.session.scalars(
        select(AssessmentRecord).where(AssessmentRecord.resident_id == resident_id,
                                       AssessmentRecord.status != RecordStatus.draft,
                                       AssessmentRecord.submission_id.is_not(None))
        .order_by(AssessmentRecord.taken_at.desc(), AssessmentRecord.id.desc()))
    store, seen, found = get_store(), set(), []
    for record in records:
        if record.form_key in seen:
            continue
        seen.add(record.form_key)
        submission = store.get_submission(record.submission_id)
        if submission is None or submission.status == VOIDED:
            continue
        for action in (submission.data or {}).get("actions") or ():
            if action.get("type") != "create_care_plan_need":
                continue
            need = action.get("need")
            need = (localised(need) if isinstance(need, dict) else str(need or "")).strip()[:MAX_TEXT]
            if need and need.casefold() not in have:
                have.add(need.casefold())
                found.append({**dict.fromkeys(SECTION_FIELDS, ""), "need": need, "assessments": [record.id]})
    return found
