"""Organisation -> CareHome -> Unit -> Room -> Bed."""

from __future__ import annotations

import enum

from flask_appbuilder import Model
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import mapped_column, relationship

from app import labels
from app.crypto import EncryptedText
from app.tenancy import HomeOwnedMixin, HomeRootMixin


def str_enum(enum_cls, name):
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=32,
        validate_strings=True,
    )


def partial_unique(name: str, column: str, where: str) -> Index:
    """A unique index over the rows matching `where` only, on PostgreSQL and SQLite alike: the
    database itself refuses a second open row, whatever raced to write it."""
    return Index(name, column, unique=True, postgresql_where=text(where), sqlite_where=text(where))


class ServiceType(enum.StrEnum):
    residential = "residential"
    nursing = "nursing"
    residential_and_nursing = "residential_and_nursing"


class Regulator(enum.StrEnum):
    cqc = "CQC"
    ciw = "CIW"
    care_inspectorate = "Care Inspectorate"
    rqia = "RQIA"


class BedStatus(enum.StrEnum):
    available = "available"
    occupied = "occupied"
    out_of_service = "out_of_service"


labels.register({
    ServiceType.residential: _l("Residential"),
    ServiceType.nursing: _l("Nursing"),
    ServiceType.residential_and_nursing: _l("Residential and nursing"),
    Regulator.cqc: _l("CQC (England)"),
    Regulator.ciw: _l("CIW (Wales)"),
    Regulator.care_inspectorate: _l("Care Inspectorate (Scotland)"),
    Regulator.rqia: _l("RQIA (Northern Ireland)"),
    BedStatus.available: _l("Available"),
    BedStatus.occupied: _l("Occupied"),
    BedStatus.out_of_service: _l("Out of service"),
})


class Organisation(Model):
    """A care-home group (provider)."""

    __tablename__ = "organisation"

    id = mapped_column(Integer, primary_key=True)
    name = mapped_column(String(200), nullable=False, unique=True)
    cqc_provider_id = mapped_column(String(20), unique=True)
    address = mapped_column(Text)
    phone = mapped_column(String(40))
    email = mapped_column(String(200))

    homes = relationship("CareHome", back_populates="organisation")

    def __repr__(self) -> str:
        return self.name or ""


class CareHome(HomeRootMixin, Model):
    """A registered location. Its own id is its home scope."""

    __tablename__ = "care_home"

    id = mapped_column(Integer, primary_key=True)
    organisation_id = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False)
    name = mapped_column(String(200), nullable=False, unique=True)
    regulator = mapped_column(str_enum(Regulator, "regulator"), nullable=False, default=Regulator.cqc)
    cqc_location_id = mapped_column(String(20), unique=True)
    service_type = mapped_column(str_enum(ServiceType, "service_type"), nullable=False)
    registered_places = mapped_column(Integer, nullable=False)
    address_line_1 = mapped_column(String(200), nullable=False)
    address_line_2 = mapped_column(String(200))
    town = mapped_column(String(100), nullable=False)
    county = mapped_column(String(100))
    postcode = mapped_column(String(10), nullable=False)
    phone = mapped_column(String(40))
    email = mapped_column(String(200))
    # Key-safe and alarm codes for out-of-hours staff: encrypted at rest, never in the audit trail.
    emergency_access_notes = mapped_column(EncryptedText)
    active = mapped_column(Boolean, nullable=False, default=True)

    organisation = relationship("Organisation", back_populates="homes")

    def __repr__(self) -> str:
        return self.name or ""


class Unit(HomeOwnedMixin, Model):
    """A floor or wing of a home, e.g. "Dementia unit"."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("home_id", "name", name="uq_unit_home_name"),)

    id = mapped_column(Integer, primary_key=True)
    name = mapped_column(String(100), nullable=False)
    floor = mapped_column(String(40))
    description = mapped_column(Text)

    rooms = relationship("Room", back_populates="unit")

    def __repr__(self) -> str:
        return self.name or ""


class Room(HomeOwnedMixin, Model):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("home_id", "number", name="uq_room_home_number"),)

    id = mapped_column(Integer, primary_key=True)
    unit_id = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    number = mapped_column(String(20), nullable=False)
    en_suite = mapped_column(Boolean, nullable=False, default=False)
    notes = mapped_column(Text)

    unit = relationship("Unit", back_populates="rooms")
    beds = relationship("Bed", back_populates="room")

    def __repr__(self) -> str:
        return gettext("Room %(number)s", number=self.number) if self.number else ""


class Bed(HomeOwnedMixin, Model):
    __tablename__ = "bed"
    __table_args__ = (UniqueConstraint("room_id", "label", name="uq_bed_room_label"),)

    id = mapped_column(Integer, primary_key=True)
    room_id = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), nullable=False, index=True)
    label = mapped_column(String(20), nullable=False, default="A")
    status = mapped_column(str_enum(BedStatus, "bed_status"), nullable=False, default=BedStatus.available)
    out_of_service_reason = mapped_column(String(200))

    # A bed is always shown with its room ("Room 4 bed A"): read with it, so a list or drop-down of
    # beds does not read each bed's room on its own.
    room = relationship("Room", back_populates="beds", lazy="joined")
    service_periods = relationship("BedServicePeriod", back_populates="bed", order_by="BedServicePeriod.from_at")

    def __repr__(self) -> str:
        room = self.room.number if self.room is not None else "?"
        return gettext("Room %(room)s bed %(bed)s", room=room, bed=self.label)


class BedServicePeriod(HomeOwnedMixin, Model):
    """A time a bed was out of service: opened when its status becomes out of service, closed
    (`to_at`) when it comes back. Occupancy leaves these nights out of the beds available.
    A bed has at most one open period."""

    __tablename__ = "bed_service_period"
    __table_args__ = (partial_unique("uq_bed_service_period_open_bed", "bed_id", "to_at IS NULL"),)

    id = mapped_column(Integer, primary_key=True)
    bed_id = mapped_column(ForeignKey("bed.id", ondelete="RESTRICT"), nullable=False, index=True)
    from_at = mapped_column(DateTime(timezone=True), nullable=False)
    to_at = mapped_column(DateTime(timezone=True))
    reason = mapped_column(String(200))

    bed = relationship(Bed, back_populates="service_periods")

    def __repr__(self) -> str:
        return f"{self.bed}: {self.reason or ''}"
