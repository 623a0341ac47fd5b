"""Daily care records: care notes, chart entries and vital-sign sets (observation sets of observation
rows), and each resident's care profile (fluid target, repositioning interval, height, SpO2 scale).

Every row belongs to a home (`HomeOwnedMixin`) and is audited by the ORM events of `app.audit`.
Nothing is deleted: a note is amended by a new note that points at it (the original is kept and
marked superseded), an observation set is voided with a reason (its rows with it). Times are UTC.
Rows are written only by `app.care.services`. The chart codes (and their SNOMED CT / LOINC codes)
are in `app.care.codes`.

An entry sent twice (the tablet's offline queue) carries the same idempotency key: the key is
unique per home in the database, so the second copy is refused by the database itself however
the two requests raced, and the service answers with the first.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import mapped_column, relationship

from app import labels
from app.homes.models import partial_unique, str_enum
from app.residents.models import Resident  # noqa: F401  (the relationships below name it)
from app.tenancy import HomeOwnedMixin

LATE_AFTER = dt.timedelta(hours=1)  # a note entered more than this after the event is a late entry


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back the UTC wall time it was given, without its zone."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class NoteCategory(enum.StrEnum):
    personal_care = "personal_care"
    nutrition = "nutrition"
    social = "social"
    mood_behaviour = "mood_behaviour"
    sleep = "sleep"
    night_check = "night_check"
    visit = "visit"
    other = "other"


class SetKind(enum.StrEnum):
    chart = "chart"
    vitals = "vitals"


labels.register({
    NoteCategory.personal_care: _l("Personal care"), NoteCategory.nutrition: _l("Nutrition"),
    NoteCategory.social: _l("Social and activities"), NoteCategory.mood_behaviour: _l("Mood and behaviour"),
    NoteCategory.sleep: _l("Sleep"), NoteCategory.night_check: _l("Night check"), NoteCategory.visit: _l("Visit"),
    NoteCategory.other: _l("Other"),
    SetKind.chart: _l("Chart entry"), SetKind.vitals: _l("Vital signs (NEWS2)"),
})


class CareProfile(HomeOwnedMixin, Model):
    """What a resident's daily care is measured against: one per resident, made on first need."""

    __tablename__ = "care_profile"
    __table_args__ = (UniqueConstraint("resident_id", name="uq_care_profile_resident"),)

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False)
    daily_fluid_target_ml = mapped_column(Integer, nullable=False, default=1500)
    reposition_interval_h = mapped_column(Integer)  # None: not on a repositioning schedule
    height_cm = mapped_column(Numeric(5, 1))
    spo2_scale = mapped_column(Integer, nullable=False, default=1)  # NEWS2 SpO2 scale 1 or 2
    bowel_alert_days = mapped_column(Integer, nullable=False, default=3)
    updated_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    resident = relationship("Resident")

    def __repr__(self) -> str:
        return str(self.resident) if self.resident is not None else ""


class CareNote(HomeOwnedMixin, Model):
    """What happened for a resident, in words. Never edited: an amendment is a new note."""

    __tablename__ = "care_note"
    __table_args__ = (
        UniqueConstraint("home_id", "idempotency_key", name="uq_care_note_idempotency"),
        # one amendment per note, whatever raced: a second one amends the amendment
        partial_unique("uq_care_note_amends_once", "amends_id", "amends_id IS NOT NULL"),
        Index("ix_care_note_resident_time", "resident_id", "occurred_at"),
    )

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False)
    category = mapped_column(str_enum(NoteCategory, "care_note_category"), nullable=False)
    text = mapped_column(Text, nullable=False)
    occurred_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    entered_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    author_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    author_name = mapped_column(String(200), nullable=False, default="")
    routine = mapped_column(Boolean, nullable=False, default=False)
    idempotency_key = mapped_column(String(100))
    amends_id = mapped_column(ForeignKey("care_note.id", ondelete="RESTRICT"))
    amendment_reason = mapped_column(Text)
    superseded_at = mapped_column(DateTime(timezone=True))
    superseded_by_id = mapped_column(ForeignKey("care_note.id", ondelete="RESTRICT"))

    resident = relationship("Resident")
    amends = relationship("CareNote", foreign_keys=[amends_id], remote_side=[id])
    superseded_by = relationship("CareNote", foreign_keys=[superseded_by_id], remote_side=[id], post_update=True)

    @property
    def is_late(self) -> bool:
        if self.entered_at is None or self.occurred_at is None:
            return False
        return _aware(self.entered_at) - _aware(self.occurred_at) > LATE_AFTER

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    # -- columns of the lists (Flask-AppBuilder calls these; values are escaped)

    def late_entry(self) -> bool:
        return self.is_late

    def amended(self) -> str:
        if self.superseded_at is not None:
            return str(_l("Amended (see the newer note)"))
        if self.amends_id is not None:
            return str(_l("Amendment: %(reason)s", reason=self.amendment_reason or ""))
        return ""

    def __repr__(self) -> str:
        return (self.text or "")[:60]


class ObservationSet(HomeOwnedMixin, Model):
    """One entry made at one moment: a single chart entry (kind chart) or a set of vital signs
    scored with NEWS2 (kind vitals). Voided with a reason, never deleted."""

    __tablename__ = "care_observation_set"
    __table_args__ = (
        UniqueConstraint("home_id", "idempotency_key", name="uq_care_observation_set_idempotency"),
        Index("ix_care_observation_set_resident_time", "resident_id", "kind", "observed_at"),
    )

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False)
    kind = mapped_column(str_enum(SetKind, "care_set_kind"), nullable=False, default=SetKind.chart)
    code = mapped_column(String(40))  # the chart of a single entry (None for a vitals set)
    observed_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    entered_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    recorded_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    recorded_by_name = mapped_column(String(200), nullable=False, default="")
    note = mapped_column(Text)
    idempotency_key = mapped_column(String(100))
    # NEWS2, scored by the form engine with the published `news2` definition (vitals sets only)
    news2_total = mapped_column(Integer)
    news2_band = mapped_column(String(40))
    news2_band_label = mapped_column(String(200))
    news2_max_single = mapped_column(Integer)
    news2_points = mapped_column(JSON)
    news2_form_version = mapped_column(Integer)
    news2_sha256 = mapped_column(String(64))
    soft_signs = mapped_column(JSON)  # RESTORE2-style soft signs of deterioration (codes)
    confirmed = mapped_column(JSON)  # codes whose implausible values the user confirmed
    corrects_id = mapped_column(ForeignKey("care_observation_set.id", ondelete="RESTRICT"))
    voided_at = mapped_column(DateTime(timezone=True))
    void_reason = mapped_column(Text)
    voided_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    resident = relationship("Resident")
    observations = relationship("Observation", back_populates="set", order_by="Observation.id")
    corrects = relationship("ObservationSet", remote_side=[id])

    @property
    def is_late(self) -> bool:
        if self.entered_at is None or self.observed_at is None:
            return False
        return _aware(self.entered_at) - _aware(self.observed_at) > LATE_AFTER

    # -- columns of the lists (Flask-AppBuilder calls these; values are escaped)

    def chart_name(self) -> str:
        from app.care.codes import chart_label

        if self.kind == SetKind.vitals:
            return str(_l("Vital signs (NEWS2)"))
        return chart_label(self.code) if self.code else ""

    def summary(self) -> str:
        """The values in words: "Fluid intake 200 mL", "Repositioning: Left side; Skin check: Redness"."""
        from app.care.codes import chart_label, choice_label

        parts = []
        for row in self.observations:
            if row.value is not None:
                shown = f"{row.value.normalize():f}" if hasattr(row.value, "normalize") else str(row.value)
                parts.append(f"{chart_label(row.code)} {shown} {row.unit or ''}".strip())
            else:
                parts.append(f"{chart_label(row.code)}: {choice_label(row.value_text)}")
        if self.voided_at is not None:
            parts.append(str(_l("VOIDED: %(reason)s", reason=self.void_reason or "")))
        return "; ".join(parts)

    def news2(self) -> str:
        if self.news2_total is None:
            return ""
        return f"{self.news2_total} · {self.news2_band_label or self.news2_band or ''}"

    def late_entry(self) -> bool:
        return self.is_late

    def __repr__(self) -> str:
        if self.kind == SetKind.vitals:
            return f"NEWS2 {self.news2_total}" if self.news2_total is not None else str(_l("Vital signs"))
        return self.code or ""


class Observation(HomeOwnedMixin, Model):
    """One measurement (FHIR Observation): a chart code, a value and its unit, when it was observed.
    `resident_id`, `observed_at` and `voided` are copies of the set's, for fast queries."""

    __tablename__ = "care_observation"
    __table_args__ = (
        Index("ix_care_observation_resident_code_time", "resident_id", "code", "observed_at"),
    )

    id = mapped_column(Integer, primary_key=True)
    set_id = mapped_column(ForeignKey("care_observation_set.id", ondelete="RESTRICT"), nullable=False, index=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False)
    code = mapped_column(String(40), nullable=False)
    value = mapped_column(Numeric(10, 2))
    value_text = mapped_column(String(40))
    unit = mapped_column(String(20))
    observed_at = mapped_column(DateTime(timezone=True), nullable=False)
    confirmed = mapped_column(Boolean, nullable=False, default=False)  # an implausible value, confirmed
    voided = mapped_column(Boolean, nullable=False, default=False)

    set = relationship("ObservationSet", back_populates="observations")
    resident = relationship("Resident")

    def chart_name(self) -> str:
        from app.care.codes import chart_label

        return chart_label(self.code)

    def __repr__(self) -> str:
        shown = self.value_text if self.value is None else f"{self.value}"
        return f"{self.code} {shown or ''} {self.unit or ''}".strip()
