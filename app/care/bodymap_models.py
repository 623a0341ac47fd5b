"""Body map records: a mark on a front or back figure (a bruise, skin tear, pressure damage with its
category, wound, rash), its dated history of entries with measurements until healed, and the photos
of each entry. Never deleted: a mark or an entry made in error is voided with a reason.

Rules that two requests could race, or that a typo could break, are also constraints here: the
point lies on the figure (0–100 %), a category only on pressure damage, healed on or after first seen.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import mapped_column, relationship

from app import labels
from app.homes.models import str_enum
from app.residents.models import VoidableMixin
from app.tenancy import HomeOwnedMixin

MM = Numeric(6, 1)  # measurements in millimetres, to a tenth
PERCENT = Numeric(5, 2)  # a point on the figure, 0–100 % across and down


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BodySide(enum.StrEnum):
    front = "front"
    back = "back"


class MarkKind(enum.StrEnum):
    bruise = "bruise"
    skin_tear = "skin_tear"
    pressure_damage = "pressure_damage"
    wound = "wound"
    rash = "rash"
    other = "other"


class PressureCategory(enum.StrEnum):
    """NPUAP/EPUAP (and NHS England) categories of pressure damage."""

    category_1 = "category_1"
    category_2 = "category_2"
    category_3 = "category_3"
    category_4 = "category_4"
    unstageable = "unstageable"
    deep_tissue_injury = "deep_tissue_injury"


class MarkOrigin(enum.StrEnum):
    home = "home"  # acquired in this home: counted for the manager when it is pressure damage
    admission = "admission"  # present on admission
    elsewhere = "elsewhere"  # acquired elsewhere (hospital, at home on leave)


labels.register({
    BodySide.front: _l("Front of the body"), BodySide.back: _l("Back of the body"),
    MarkKind.bruise: _l("Bruise"), MarkKind.skin_tear: _l("Skin tear"),
    MarkKind.pressure_damage: _l("Pressure damage"), MarkKind.wound: _l("Wound"), MarkKind.rash: _l("Rash"),
    MarkKind.other: _l("Other"),
    PressureCategory.category_1: _l("Category 1"), PressureCategory.category_2: _l("Category 2"),
    PressureCategory.category_3: _l("Category 3"), PressureCategory.category_4: _l("Category 4"),
    PressureCategory.unstageable: _l("Unstageable"), PressureCategory.deep_tissue_injury: _l("Deep tissue injury"),
    MarkOrigin.home: _l("Acquired in the home"), MarkOrigin.admission: _l("Present on admission"),
    MarkOrigin.elsewhere: _l("Acquired elsewhere"),
})


class BodyMark(HomeOwnedMixin, VoidableMixin, Model):
    """One site on the body map of a resident, from first seen until healed."""

    __tablename__ = "care_body_mark"
    __table_args__ = (
        CheckConstraint("x_pct >= 0 AND x_pct <= 100 AND y_pct >= 0 AND y_pct <= 100", name="ck_body_mark_point"),
        CheckConstraint("category IS NULL OR kind = 'pressure_damage'", name="ck_body_mark_category"),
        CheckConstraint("healed_on IS NULL OR healed_on >= first_seen_on", name="ck_body_mark_healed"),
    )

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    side = mapped_column(str_enum(BodySide, "body_side"), nullable=False)
    x_pct = mapped_column(PERCENT, nullable=False)
    y_pct = mapped_column(PERCENT, nullable=False)
    region = mapped_column(String(40), nullable=False)  # a code of app.care.bodymap.REGIONS
    kind = mapped_column(str_enum(MarkKind, "body_mark_kind"), nullable=False, index=True)
    category = mapped_column(str_enum(PressureCategory, "pressure_category"))  # the latest, for pressure damage
    origin = mapped_column(str_enum(MarkOrigin, "body_mark_origin"), nullable=False)
    first_seen_on = mapped_column(Date, nullable=False)
    healed_on = mapped_column(Date)
    healed_note = mapped_column(Text)
    healed_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    created_by_name = mapped_column(String(200))

    resident = relationship("Resident")
    entries = relationship("BodyMarkEntry", back_populates="mark", order_by="BodyMarkEntry.observed_at")

    @property
    def is_open(self) -> bool:
        return self.healed_on is None and self.voided_at is None

    def __repr__(self) -> str:
        return f"{labels.label(self.kind)} #{self.id}" if self.id else labels.label(self.kind)


class BodyMarkEntry(HomeOwnedMixin, VoidableMixin, Model):
    """One dated look at a mark: measurements, what it looks like, the category at that time."""

    __tablename__ = "care_body_mark_entry"
    __table_args__ = (
        CheckConstraint("(length_mm IS NULL OR length_mm >= 0) AND (width_mm IS NULL OR width_mm >= 0) "
                        "AND (depth_mm IS NULL OR depth_mm >= 0)", name="ck_body_mark_entry_sizes"),
    )

    id = mapped_column(Integer, primary_key=True)
    mark_id = mapped_column(ForeignKey("care_body_mark.id", ondelete="RESTRICT"), nullable=False, index=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    observed_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    entered_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    length_mm = mapped_column(MM)
    width_mm = mapped_column(MM)
    depth_mm = mapped_column(MM)
    category = mapped_column(str_enum(PressureCategory, "pressure_category"))
    description = mapped_column(Text)
    recorded_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))
    recorded_by_name = mapped_column(String(200))

    mark = relationship(BodyMark, back_populates="entries")
    resident = relationship("Resident")
    photos = relationship("BodyMarkPhoto", back_populates="entry", order_by="BodyMarkPhoto.id")

    def __repr__(self) -> str:
        when = self.observed_at.strftime("%d/%m/%Y") if self.observed_at else ""
        return f"{self.mark or ''} {when}".strip()


class BodyMarkPhoto(HomeOwnedMixin, VoidableMixin, Model):
    """A photo of an entry: a fresh JPEG with a random name, metadata dropped, served to the home only."""

    __tablename__ = "care_body_mark_photo"

    id = mapped_column(Integer, primary_key=True)
    entry_id = mapped_column(ForeignKey("care_body_mark_entry.id", ondelete="RESTRICT"), nullable=False, index=True)
    mark_id = mapped_column(ForeignKey("care_body_mark.id", ondelete="RESTRICT"), nullable=False, index=True)
    filename = mapped_column(String(80), nullable=False, unique=True)
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("ab_user.id", ondelete="RESTRICT"))

    entry = relationship(BodyMarkEntry, back_populates="photos")
    mark = relationship(BodyMark)

    def __repr__(self) -> str:
        return str(_l("Photo %(n)s", n=self.id or ""))
