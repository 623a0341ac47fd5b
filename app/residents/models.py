"""Residents, their contacts and legal register, enquiries, and stays (with bed moves and leave).

Status columns are string enums changed only by the service functions (`stays.py`,
`enquiries.py`); the bed's status follows the stay. Residents, contacts and legal records are
voided with a reason, never deleted.
"""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

from flask import url_for
from flask_appbuilder import Model
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declared_attr, mapped_column, relationship

from app import labels
from app.crypto import EncryptedDate, EncryptedText, blind_index_column
from app.homes.models import partial_unique, str_enum
from app.tenancy import HomeOwnedMixin

LONDON = ZoneInfo("Europe/London")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Sex(enum.StrEnum):
    female = "female"
    male = "male"
    not_known = "not_known"


class ResidentStatus(enum.StrEnum):
    not_admitted = "not_admitted"
    in_residence = "in_residence"
    hospital_leave = "hospital_leave"
    discharged = "discharged"
    deceased = "deceased"


class StayType(enum.StrEnum):
    permanent = "permanent"
    respite = "respite"
    trial = "trial"


class StayStatus(enum.StrEnum):
    current = "current"
    hospital_leave = "hospital_leave"
    ended = "ended"


class DischargeDestination(enum.StrEnum):
    home = "home"
    hospital = "hospital"
    another_care_home = "another_care_home"
    death = "death"


class LegalKind(enum.StrEnum):
    dnacpr = "dnacpr"
    respect = "respect"
    dols = "dols"
    mca = "mca"
    advance_decision = "advance_decision"


class LegalStatus(enum.StrEnum):
    applied = "applied"
    in_force = "in_force"
    refused = "refused"
    ended = "ended"


class EnquiryStage(enum.StrEnum):
    enquiry = "enquiry"
    assessment = "assessment"
    offer = "offer"
    admitted = "admitted"
    declined = "declined"
    lost = "lost"


class EnquirySource(enum.StrEnum):
    family = "family"
    self_referral = "self_referral"
    hospital = "hospital"
    local_authority = "local_authority"
    gp = "gp"
    website = "website"
    other = "other"


class Funding(enum.StrEnum):
    self_funder = "self_funder"
    local_authority = "local_authority"
    chc = "chc"
    fnc = "fnc"
    mixed = "mixed"
    unknown = "unknown"


class WaitingPriority(enum.IntEnum):
    urgent = 1
    high = 2
    routine = 3


labels.register({
    Sex.female: _l("Female"), Sex.male: _l("Male"), Sex.not_known: _l("Not known"),
    ResidentStatus.not_admitted: _l("Not admitted"), ResidentStatus.in_residence: _l("In residence"),
    ResidentStatus.hospital_leave: _l("In hospital (bed kept)"), ResidentStatus.discharged: _l("Discharged"),
    ResidentStatus.deceased: _l("Deceased"),
    StayType.permanent: _l("Permanent"), StayType.respite: _l("Respite"), StayType.trial: _l("Trial"),
    StayStatus.current: _l("Current"), StayStatus.ended: _l("Ended"),
    DischargeDestination.home: _l("Home"), DischargeDestination.hospital: _l("Hospital"),
    DischargeDestination.another_care_home: _l("Another care home"), DischargeDestination.death: _l("Death"),
    LegalKind.dnacpr: _l("DNACPR"), LegalKind.respect: _l("ReSPECT"), LegalKind.dols: _l("DoLS"),
    LegalKind.mca: _l("Mental capacity assessment"), LegalKind.advance_decision: _l("Advance decision"),
    LegalStatus.applied: _l("Applied for"), LegalStatus.in_force: _l("In force"), LegalStatus.refused: _l("Refused"),
    LegalStatus.ended: _l("Ended"),
    EnquiryStage.enquiry: _l("Enquiry"), EnquiryStage.assessment: _l("Pre-admission assessment"),
    EnquiryStage.offer: _l("Offer"), EnquiryStage.admitted: _l("Admitted"), EnquiryStage.declined: _l("Declined"),
    EnquiryStage.lost: _l("Lost"),
    EnquirySource.family: _l("Family"), EnquirySource.self_referral: _l("Self-referral"),
    EnquirySource.hospital: _l("Hospital"), EnquirySource.local_authority: _l("Local authority"),
    EnquirySource.gp: _l("GP"), EnquirySource.website: _l("Website"), EnquirySource.other: _l("Other"),
    Funding.self_funder: _l("Self-funder"), Funding.local_authority: _l("Local authority"),
    Funding.chc: _l("NHS Continuing Healthcare"), Funding.fnc: _l("NHS-funded Nursing Care"),
    Funding.mixed: _l("Mixed (top-up)"), Funding.unknown: _l("Not known yet"),
})


class VoidableMixin:
    """A record that is voided with a reason instead of being deleted."""

    voided_at = mapped_column(DateTime(timezone=True))
    void_reason = mapped_column(Text)

    @declared_attr
    def voided_by_id(cls):
        return mapped_column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"))

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


def full_name(first: str | None, last: str | None, preferred: str | None) -> str:
    """A resident's name as every page shows it: "Margaret Jones (Peggy)"."""
    shown = f" ({preferred})" if preferred else ""
    return f"{first or ''} {last or ''}{shown}".strip()


class Resident(HomeOwnedMixin, VoidableMixin, Model):
    __tablename__ = "resident"

    id = mapped_column(Integer, primary_key=True)
    first_name = mapped_column(String(100), nullable=False)
    last_name = mapped_column(String(100), nullable=False, index=True)
    preferred_name = mapped_column(String(100))
    date_of_birth = mapped_column(EncryptedDate)
    nhs_number = mapped_column(EncryptedText)
    nhs_number_index = mapped_column(blind_index_column(), index=True)
    # HMAC of surname, first name and date of birth: finds duplicates without decrypting.
    identity_index = mapped_column(blind_index_column(), index=True)
    sex = mapped_column(str_enum(Sex, "sex"), nullable=False, default=Sex.not_known)
    gender_identity = mapped_column(String(60))
    photo_filename = mapped_column(String(80))
    gp_practice = mapped_column(String(200))
    allergies = mapped_column(EncryptedText)
    conditions = mapped_column(EncryptedText)
    key_risks = mapped_column(EncryptedText)
    communication_needs = mapped_column(EncryptedText)
    religion = mapped_column(String(100))
    dietary_needs = mapped_column(Text)
    what_matters_to_me = mapped_column(Text)
    status = mapped_column(
        str_enum(ResidentStatus, "resident_status"), nullable=False, default=ResidentStatus.not_admitted
    )
    died_at = mapped_column(DateTime(timezone=True))
    created_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    contacts = relationship("Contact", back_populates="resident", order_by="Contact.id")
    legal_records = relationship("LegalRecord", back_populates="resident", order_by="LegalRecord.id")
    stays = relationship("Stay", back_populates="resident", order_by="Stay.admitted_at")

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name, self.preferred_name)

    @property
    def nhs_number_display(self) -> str:
        n = self.nhs_number or ""
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else n

    @property
    def current_stay(self):
        return next((s for s in self.stays if s.status != StayStatus.ended), None)

    # -- columns of the resident list (Flask-AppBuilder calls these methods; every value is escaped)

    def list_photo(self) -> Markup:
        if self.photo_filename:
            return Markup('<img src="{}" alt="{}" class="img-thumbnail resident-list-photo" width="40" height="40" '
                          'style="object-fit: cover;">').format(
                url_for("ResidentPhotoView.show", pk=self.id), gettext("Photo of %(name)s", name=self.full_name))
        return Markup('<span class="fa fa-user fa-2x text-muted resident-list-photo" title="{}"></span>').format(
            gettext("No photo"))

    def list_name(self) -> Markup:
        return Markup('<a href="{}">{}</a>').format(
            url_for("ResidentProfileView.profile", pk=self.id), self.full_name)

    def _current_room(self):
        stay = self.current_stay
        bed = stay.bed if stay is not None else None
        return bed.room if bed is not None else None

    def list_room(self) -> str:
        stay = self.current_stay
        return str(stay.bed) if stay is not None and stay.bed is not None else ""

    def list_unit(self) -> str:
        room = self._current_room()
        return room.unit.name if room is not None and room.unit is not None else ""

    def age(self) -> int | None:
        """Age in whole years today (UK time), or at death."""
        born = self.date_of_birth
        if born is None:
            return None
        on = self.died_at.astimezone(LONDON).date() if self.died_at else dt.datetime.now(LONDON).date()
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def __repr__(self) -> str:
        return self.full_name


class Contact(HomeOwnedMixin, VoidableMixin, Model):
    """Next of kin and other contacts; Lasting Power of Attorney with registration dates."""

    __tablename__ = "resident_contact"

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    name = mapped_column(String(200), nullable=False)
    relationship_to_resident = mapped_column(String(100), nullable=False)
    phone = mapped_column(String(40))
    email = mapped_column(String(200))
    address = mapped_column(Text)
    is_next_of_kin = mapped_column(Boolean, nullable=False, default=False)
    may_receive_information = mapped_column(Boolean, nullable=False, default=False)
    lpa_health_welfare = mapped_column(Boolean, nullable=False, default=False)
    lpa_health_welfare_registered_on = mapped_column(Date)
    lpa_property_finance = mapped_column(Boolean, nullable=False, default=False)
    lpa_property_finance_registered_on = mapped_column(Date)
    notes = mapped_column(Text)

    resident = relationship("Resident", back_populates="contacts")

    def __repr__(self) -> str:
        return f"{self.name} ({self.relationship_to_resident})"


class LegalRecord(HomeOwnedMixin, VoidableMixin, Model):
    """One entry of the legal and advance-care register: DNACPR, ReSPECT, DoLS, MCA, advance decision."""

    __tablename__ = "legal_record"

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    kind = mapped_column(str_enum(LegalKind, "legal_kind"), nullable=False)
    status = mapped_column(str_enum(LegalStatus, "legal_status"), nullable=False, default=LegalStatus.in_force)
    decision = mapped_column(EncryptedText)
    decided_on = mapped_column(Date)
    review_on = mapped_column(Date, index=True)
    applied_on = mapped_column(Date)
    authorised_on = mapped_column(Date)
    expires_on = mapped_column(Date, index=True)
    conditions = mapped_column(EncryptedText)
    lacks_capacity = mapped_column(Boolean)
    supervisory_body = mapped_column(String(200))
    made_by = mapped_column(String(200))
    notes = mapped_column(EncryptedText)

    resident = relationship("Resident", back_populates="legal_records")

    def __repr__(self) -> str:
        return f"{self.kind.value if self.kind else ''} {self.resident or ''}".strip()


class Enquiry(HomeOwnedMixin, Model):
    """A prospective resident, taken through assessment and an offer to admission."""

    __tablename__ = "enquiry"

    id = mapped_column(Integer, primary_key=True)
    received_at = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    first_name = mapped_column(String(100), nullable=False)
    last_name = mapped_column(String(100), nullable=False)
    date_of_birth = mapped_column(EncryptedDate)
    enquirer_name = mapped_column(String(200))
    enquirer_phone = mapped_column(String(40))
    enquirer_relationship = mapped_column(String(100))
    source = mapped_column(str_enum(EnquirySource, "enquiry_source"), nullable=False, default=EnquirySource.family)
    funding_expected = mapped_column(str_enum(Funding, "funding"), nullable=False, default=Funding.unknown)
    care_needs = mapped_column(EncryptedText)
    preferred_on = mapped_column(Date)
    stage = mapped_column(str_enum(EnquiryStage, "enquiry_stage"), nullable=False, default=EnquiryStage.enquiry)
    assessed_on = mapped_column(Date)
    assessment_notes = mapped_column(EncryptedText)
    offered_bed_id = mapped_column(ForeignKey("bed.id", ondelete="RESTRICT"), index=True)
    offered_at = mapped_column(DateTime(timezone=True))
    on_waiting_list = mapped_column(Boolean, nullable=False, default=False)
    waiting_priority = mapped_column(Integer)
    closed_reason = mapped_column(Text)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), index=True)

    offered_bed = relationship("Bed", foreign_keys=[offered_bed_id])
    resident = relationship("Resident", foreign_keys=[resident_id])

    def __repr__(self) -> str:
        return f"{self.first_name or ''} {self.last_name or ''}".strip()


# Not ended (current or on hospital leave): the stay holds its resident and its bed.
STAY_OPEN = "status <> 'ended'"


class Stay(HomeOwnedMixin, Model):
    """One period of living in the home: admitted_at to discharged_at (or still current).

    The database holds the rules two requests could race: a resident has at most one stay that
    has not ended, a bed is held by at most one, and an enquiry becomes at most one stay."""

    __tablename__ = "stay"
    __table_args__ = (
        partial_unique("uq_stay_open_resident", "resident_id", STAY_OPEN),
        partial_unique("uq_stay_open_bed", "bed_id", STAY_OPEN),
        partial_unique("uq_stay_enquiry", "enquiry_id", "enquiry_id IS NOT NULL"),
    )

    id = mapped_column(Integer, primary_key=True)
    resident_id = mapped_column(ForeignKey("resident.id", ondelete="RESTRICT"), nullable=False, index=True)
    bed_id = mapped_column(ForeignKey("bed.id", ondelete="RESTRICT"), nullable=False, index=True)
    stay_type = mapped_column(str_enum(StayType, "stay_type"), nullable=False, default=StayType.permanent)
    status = mapped_column(str_enum(StayStatus, "stay_status"), nullable=False, default=StayStatus.current)
    admitted_at = mapped_column(DateTime(timezone=True), nullable=False)
    discharged_at = mapped_column(DateTime(timezone=True))
    discharge_destination = mapped_column(str_enum(DischargeDestination, "discharge_destination"))
    discharge_notes = mapped_column(Text)
    enquiry_id = mapped_column(ForeignKey("enquiry.id", ondelete="RESTRICT"))

    resident = relationship("Resident", back_populates="stays")
    bed = relationship("Bed")
    bed_periods = relationship("StayBed", back_populates="stay", order_by="StayBed.from_at")
    absences = relationship("Absence", back_populates="stay", order_by="Absence.left_at")

    def __repr__(self) -> str:
        return f"{self.resident or ''} {self.admitted_at:%d/%m/%Y}" if self.admitted_at else ""


class StayBed(HomeOwnedMixin, Model):
    """Which bed a stay held, from when to when: the basis of bed moves and occupancy by unit.
    A bed has at most one open period (no `to_at`): the database refuses a second."""

    __tablename__ = "stay_bed"
    __table_args__ = (partial_unique("uq_stay_bed_open_bed", "bed_id", "to_at IS NULL"),)

    id = mapped_column(Integer, primary_key=True)
    stay_id = mapped_column(ForeignKey("stay.id", ondelete="RESTRICT"), nullable=False, index=True)
    bed_id = mapped_column(ForeignKey("bed.id", ondelete="RESTRICT"), nullable=False, index=True)
    from_at = mapped_column(DateTime(timezone=True), nullable=False)
    to_at = mapped_column(DateTime(timezone=True))

    stay = relationship("Stay", back_populates="bed_periods")
    bed = relationship("Bed")

    def __repr__(self) -> str:
        return str(self.bed or "")


class Absence(HomeOwnedMixin, Model):
    """Hospital leave during a stay: the bed is kept."""

    __tablename__ = "stay_absence"

    id = mapped_column(Integer, primary_key=True)
    stay_id = mapped_column(ForeignKey("stay.id", ondelete="RESTRICT"), nullable=False, index=True)
    left_at = mapped_column(DateTime(timezone=True), nullable=False)
    returned_at = mapped_column(DateTime(timezone=True))
    hospital = mapped_column(String(200))
    reason = mapped_column(Text)

    stay = relationship("Stay", back_populates="absences")

    def __repr__(self) -> str:
        return self.hospital or ""
