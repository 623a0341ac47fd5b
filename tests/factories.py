"""Seeded test world and small factories (`make_home(**overrides)` ...)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from app.audit import acting_as
from app.extensions import db
from app.homes.models import (
    Bed,
    BedServicePeriod,
    BedStatus,
    CareHome,
    Organisation,
    Regulator,
    Room,
    ServiceType,
    Unit,
)
from app.permissions import ROLE_NAMES
from app.residents.models import (
    Contact,
    Enquiry,
    LegalKind,
    LegalRecord,
    LegalStatus,
    Resident,
    Sex,
)

PASSWORD = "Test-password-1!"

ROLE_USERS = {
    "Administrator": "admin",
    "Home Manager": "manager",
    "Nurse": "nurse",
    "Senior Carer": "senior",
    "Carer": "carer",
    "Office": "office",
    "Finance": "finance",
    "HR": "hr",
    "Auditor": "auditor",
    "Family": "family",
}


def make_home(name: str, organisation: Organisation, **overrides) -> CareHome:
    values = {
        "name": name,
        "organisation": organisation,
        "regulator": Regulator.cqc,
        "service_type": ServiceType.residential,
        "registered_places": 20,
        "address_line_1": "1 High Street",
        "town": "Bristol",
        "postcode": "BS1 4DJ",
        "active": True,
    }
    values.update(overrides)
    home = CareHome(**values)
    db.session.add(home)
    db.session.flush()
    return home


def make_unit(home: CareHome, name: str = "Ground floor") -> Unit:
    unit = Unit(home_id=home.id, name=name)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_room(unit: Unit, number: str = "1") -> Room:
    room = Room(home_id=unit.home_id, unit=unit, number=number)
    db.session.add(room)
    db.session.flush()
    return room


def make_bed(room: Room, label: str = "A", status: BedStatus = BedStatus.available) -> Bed:
    bed = Bed(home_id=room.home_id, room=room, label=label, status=status)
    db.session.add(bed)
    db.session.flush()
    return bed


def make_user(username: str, role: str, homes=(), all_homes: bool = False):
    sm = current_app.appbuilder.sm
    user = sm.add_user(
        username=username, first_name=username.title(), last_name="Tester",
        email=f"{username}@test.example", role=sm.find_role(role), password=PASSWORD,
    )
    assert user, f"could not create {username}"
    user.all_homes = all_homes
    user.homes = list(homes)
    db.session.flush()
    return user


# Valid NHS numbers (modulus 11) for tests.
NHS_NUMBERS = ["9434765919", "9434765870", "4010232137", "9876543210"]


def make_resident(home: CareHome, first_name: str = "Ada", last_name: str = "Lovelace", **overrides) -> Resident:
    from app.residents import services

    values = {"home_id": home.id, "first_name": first_name, "last_name": last_name,
              "sex": Sex.female, "date_of_birth": dt.date(1938, 5, 17)}
    values.update(overrides)
    resident = Resident(**values)
    services.check_resident(resident, confirm_duplicate=True)
    db.session.add(resident)
    db.session.flush()
    return resident


def _seed_residents(home: CareHome, room: Room, nhs_number: str) -> None:
    """A resident admitted to bed S of the home's room, with a past hospital stay, a contact, a
    DNACPR decision and an open enquiry: one row of every residents table in each home."""
    from app.residents import stays

    bed = make_bed(room, "S")
    resident = make_resident(home, "Seed", f"Resident {home.name}", nhs_number=nhs_number)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stay = stays.admit_resident(resident.id, bed.id, now - dt.timedelta(days=30), "permanent")
    stays.start_hospital_leave(stay.id, now - dt.timedelta(days=10), "Southmead Hospital", "Fall")
    stays.return_from_leave(stay.id, now - dt.timedelta(days=8))
    db.session.add(Contact(home_id=home.id, resident=resident, name="Seed Contact", relationship_to_resident="Daughter",
                           is_next_of_kin=True, may_receive_information=True))
    db.session.add(LegalRecord(home_id=home.id, resident=resident, kind=LegalKind.dnacpr, status=LegalStatus.in_force,
                               decision="Do not attempt CPR", decided_on=dt.date.today() - dt.timedelta(days=60)))
    db.session.add(Enquiry(home_id=home.id, first_name="Seed", last_name=f"Enquiry {home.name}"))
    db.session.flush()
    _seed_assessments(home, resident)
    _seed_care_plans(home, resident)
    from app.billing.seed import seed_home_billing

    seed_home_billing(home, resident, stay)
    from app.care.seed import seed_home_care

    seed_home_care(home, resident)
    _seed_body_map(home, resident)


def _seed_body_map(home: CareHome, resident: Resident) -> None:
    """A body map mark with one entry and one photo row in each home (the file itself is not needed)."""
    from app.care.bodymap_models import BodyMark, BodyMarkEntry, BodyMarkPhoto, BodySide, MarkKind, MarkOrigin

    seen = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)
    mark = BodyMark(home_id=home.id, resident_id=resident.id, side=BodySide.back, x_pct=30, y_pct=36,
                    region="left_elbow", kind=MarkKind.bruise, origin=MarkOrigin.home, first_seen_on=seen.date(),
                    created_at=seen, created_by_name="Seed")
    db.session.add(mark)
    db.session.flush()
    entry = BodyMarkEntry(home_id=home.id, mark_id=mark.id, resident_id=resident.id, observed_at=seen,
                          entered_at=seen, description="Seed mark", recorded_by_name="Seed")
    db.session.add(entry)
    db.session.flush()
    db.session.add(BodyMarkPhoto(home_id=home.id, entry_id=entry.id, mark_id=mark.id,
                                 filename=f"seed-{home.id}.jpg", created_at=seen))
    db.session.flush()


def _seed_assessments(home: CareHome, resident: Resident) -> None:
    """The default assessment schedule, a draft MUST and an open task in each home."""
    from app.assessments.models import AssessmentRecord, Task
    from app.assessments.services import ensure_default_schedules

    ensure_default_schedules(home.id)
    db.session.add(AssessmentRecord(home_id=home.id, resident_id=resident.id, form_key="must", version=1,
                                    sha256="0" * 64, token=f"seed-draft-{home.id}", answers={}))
    db.session.add(Task(home_id=home.id, resident_id=resident.id, title=f"Seed task {home.name}",
                        due_on=dt.date.today(), assigned_role="Nurse"))
    db.session.flush()


def _seed_care_plans(home: CareHome, resident: Resident) -> None:
    """A care plan from the standard template, reviewed once (versions 1 and 2), in each home."""
    from app.careplans.services import create_care_plan, review_care_plan

    plan = create_care_plan(resident.id, "standard", None, None, title=f"Seed plan {home.name}",
                            on=dt.date.today() - dt.timedelta(days=40))
    review_care_plan(plan.id, [{"need": "Mobility", "outcome": "Walks to the garden daily"}],
                     {"resident": True, "staff": "Seed Nurse"}, "given", "", "Seed review", None,
                     on=dt.date.today() - dt.timedelta(days=10))


def seed_world() -> None:
    """Two homes, A and B, each with a unit, room and bed; a user of home A for every role."""
    from app.forms_store import publish_standard_forms

    publish_standard_forms()  # as `flask setup` does, before anything else is written
    with acting_as(None, "test seed"):
        group = Organisation(name="Test Care Group")
        db.session.add(group)
        home_a = make_home("Alder House", group, cqc_location_id="1-100000001")
        home_b = make_home(
            "Birch Court", group, cqc_location_id="1-100000002", service_type=ServiceType.nursing,
            emergency_access_notes="Key safe code 4321",
        )
        for home in (home_a, home_b):
            unit = make_unit(home, f"{home.name} unit")
            room = make_room(unit, "1")
            bed = make_bed(room, "A")
            # out of service for a week two years ago (before any period the occupancy tests use)
            went = dt.datetime(2024, 11, 1, 12, tzinfo=dt.UTC)
            db.session.add(BedServicePeriod(home_id=home.id, bed=bed, from_at=went, to_at=went + dt.timedelta(days=7),
                                            reason="Seed: new flooring"))
            _seed_residents(home, room, NHS_NUMBERS[0] if home is home_a else NHS_NUMBERS[1])
        for role in ROLE_NAMES:
            username = ROLE_USERS[role]
            group_wide = role in ("Administrator", "Auditor")
            make_user(username, role, homes=[] if group_wide else [home_a], all_homes=group_wide)
        make_user("manager.b", "Home Manager", homes=[home_b])
        make_user("manager.ab", "Home Manager", homes=[home_a, home_b])
        db.session.commit()


class World:
    """Look up the seeded rows by name (unscoped: tests need to see both homes)."""

    def __init__(self):
        def one(model, **by):
            query = select(model).filter_by(**by).execution_options(skip_home_scope=True)
            return db.session.scalars(query).one()

        self.home_a = one(CareHome, name="Alder House")
        self.home_b = one(CareHome, name="Birch Court")
        self.unit_a = one(Unit, home_id=self.home_a.id)
        self.unit_b = one(Unit, home_id=self.home_b.id)
        self.room_a = one(Room, home_id=self.home_a.id)
        self.room_b = one(Room, home_id=self.home_b.id)
        self.bed_a = one(Bed, home_id=self.home_a.id, label="A")
        self.bed_b = one(Bed, home_id=self.home_b.id, label="A")
        # bed S of each home holds the seeded resident's current stay
        self.occupied_bed_a = one(Bed, home_id=self.home_a.id, label="S")
        self.occupied_bed_b = one(Bed, home_id=self.home_b.id, label="S")
        self.resident_a = one(Resident, home_id=self.home_a.id)
        self.resident_b = one(Resident, home_id=self.home_b.id)
