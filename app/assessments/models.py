"""Assessments on residents: which forms a home schedules, each resident's assessment records
(draft, submitted, signed) and the tasks that band actions and people create.

The form store (`forms.store`) keeps the frozen submission and its amendments; an
`AssessmentRecord` is the home's side of it: the draft answers before submit, the idempotency
token of the form on screen, the score shown on the result page, the signature, and when the
next one is due. Status values change only through `app.assessments.services`.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import mapped_column, relationship

from app import labels
from app.homes.models import str_enum
from app.security import CareUser
from app.tenancy import HomeOwnedMixin


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RecordStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    signed = "signed"


class TaskStatus(enum.StrEnum):
    open = "open"
    done = "done"
    not_done = "not_done"


labels.register({
    RecordStatus.draft: _l("Draft"), RecordStatus.submitted: _l("Submitted, not signed"),
    RecordStatus.signed: _l("Signed"),
    TaskStatus.open: _l("Open"), TaskStatus.done: _l("Done"), TaskStatus.not_done: _l("Not done"),
})


class AssessmentSchedule(HomeOwnedMixin, Model):
    """A form the home asks to be completed for every resident, and how often."""

    __tablename__ = "assessment_schedule"
    __table_args__ = (UniqueConstraint("home_id", "form_key", name="uq_assessment_schedule_home_form"),)

    id = mapped_column(Integer, primary_key=True)
    form_key = mapped_column(String(64), nullable=False)
    every_days = mapped_column(Integer, nullable=False, default=30)
    on_admission = mapped_column(Boolean, nullable=False, default=True)
    active = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return self.form_key or ""


class AssessmentRecord(HomeOwnedMixin, Model):
    """One assessment of one resident: a draft, or a submission in the form store, then signed."""

    __tablename__ = "assessment_record"
    __table_args__ = (
        UniqueConstraint("token", name="uq_assessment_record_token"),
        # the due rule's read: a resident's latest record of a form, one index probe each
        Index("ix_assessment_record_resident_form_time", "resident_id", "form_key", "taken_at"),
    )

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    form_key = mapped_column(String(64), nullable=False, index=True)
    version = mapped_column(Integer, nullable=False)
    sha256 = mapped_column(String(64), nullable=False)
    token = mapped_column(String(64), nullable=False)
    status = mapped_column(str_enum(RecordStatus, "assessment_record_status"), nullable=False,
                           default=RecordStatus.draft)
    answers = mapped_column(JSON, nullable=False, default=dict)
    submission_id = mapped_column(String(32), unique=True)
    total = mapped_column(String(32))
    band = mapped_column(String(64))
    band_label = mapped_column(String(300))
    band_response = mapped_column(Text)
    taken_at = mapped_column(DateTime(timezone=True))
    next_due_at = mapped_column(DateTime(timezone=True))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    submitted_at = mapped_column(DateTime(timezone=True))
    submitted_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    signed_name = mapped_column(String(200))
    signed_role = mapped_column(String(200))
    signed_at = mapped_column(DateTime(timezone=True))
    signed_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    resident = relationship("Resident")

    def __repr__(self) -> str:
        return f"{self.form_key} #{self.id}"

    def band_in_words(self):
        """The band in the reader's language, in its colour (lists and record pages)."""
        from app.assessments.bands import band_badge

        return band_badge(self)


class Task(HomeOwnedMixin, Model):
    """Something to do for a resident (or the home) by a role or a person, done or not done with a reason."""

    __tablename__ = "care_task"
    __table_args__ = (UniqueConstraint("source", name="uq_care_task_source"),)

    id = mapped_column(Integer, primary_key=True)
    title = mapped_column(String(300), nullable=False)
    detail = mapped_column(Text)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), index=True)
    due_on = mapped_column(Date, nullable=False, index=True)
    assigned_role = mapped_column(String(64))
    assigned_user_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    status = mapped_column(str_enum(TaskStatus, "care_task_status"), nullable=False, default=TaskStatus.open)
    outcome_reason = mapped_column(Text)
    source = mapped_column(String(200))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    closed_at = mapped_column(DateTime(timezone=True))
    closed_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    resident = relationship("Resident")
    assigned_user = relationship(CareUser, foreign_keys=[assigned_user_id])

    def title_in_words(self) -> str:
        """The title in the reader's language (a band action's task is put into words when shown)."""
        from app.assessments.jobs import task_title

        return task_title(self)

    def __repr__(self) -> str:
        return self.title or ""
