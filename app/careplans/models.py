"""A resident's care plan and its versions.

`CarePlan` is the plan as the home knows it: whose it is, which template it came from, when it
is next reviewed and which version is current. Each `CarePlanVersion` is frozen when written:
creating the plan writes version 1 and every review writes the next one, keeping the old.
Status values change only through `app.careplans.services`.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import mapped_column, relationship

from app import labels
from app.homes.models import str_enum
from app.residents.models import VoidableMixin
from app.tenancy import HomeOwnedMixin


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PlanStatus(enum.StrEnum):
    active = "active"
    archived = "archived"


class Consent(enum.StrEnum):
    given = "given"
    refused = "refused"
    not_able = "not_able"


labels.register({
    PlanStatus.active: _l("Active"), PlanStatus.archived: _l("Archived"),
    Consent.given: _l("Consent given"), Consent.refused: _l("Consent not given"),
    Consent.not_able: _l("Not able to consent"),
})


class CarePlan(HomeOwnedMixin, VoidableMixin, Model):
    """One care plan of one resident; its content lives in its versions."""

    __tablename__ = "care_plan"

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    title = mapped_column(String(200), nullable=False)
    template_key = mapped_column(String(64))
    template_version = mapped_column(Integer)
    status = mapped_column(str_enum(PlanStatus, "care_plan_status"), nullable=False, default=PlanStatus.active)
    review_every_days = mapped_column(Integer, nullable=False, default=30)
    next_review_on = mapped_column(Date, nullable=False, index=True)
    current_version_no = mapped_column(Integer, nullable=False, default=1)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    resident = relationship("Resident")
    versions = relationship("CarePlanVersion", back_populates="care_plan", order_by="CarePlanVersion.version_no")

    @property
    def current(self) -> CarePlanVersion | None:
        return next((v for v in self.versions if v.version_no == self.current_version_no), None)

    def __repr__(self) -> str:
        return self.title or ""


class CarePlanVersion(HomeOwnedMixin, Model):
    """A care plan as written at creation or at one review: never changed afterwards.

    `sections` is a list of needs, each {"need", "matters", "outcome", "interventions", "risks",
    "assessments": [assessment record ids]}."""

    __tablename__ = "care_plan_version"
    __table_args__ = (UniqueConstraint("care_plan_id", "version_no", name="uq_care_plan_version_no"),)

    id = mapped_column(Integer, primary_key=True)
    care_plan_id = mapped_column(ForeignKey("care_plan.id", ondelete="RESTRICT"), nullable=False, index=True)
    version_no = mapped_column(Integer, nullable=False)
    sections = mapped_column(JSON, nullable=False, default=list)
    review_notes = mapped_column(Text)
    resident_took_part = mapped_column(Boolean, nullable=False, default=False)
    family_names = mapped_column(String(500))
    staff_names = mapped_column(String(500))
    consent = mapped_column(str_enum(Consent, "care_plan_consent"), nullable=False, default=Consent.not_able)
    consent_by = mapped_column(String(200))
    reviewed_on = mapped_column(Date, nullable=False)
    next_review_on = mapped_column(Date, nullable=False)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    care_plan = relationship(CarePlan, back_populates="versions")

    def __repr__(self) -> str:
        return f"{self.care_plan} v{self.version_no}" if self.care_plan else f"v{self.version_no}"
