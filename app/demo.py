"""Demo data for a first start: one group, two homes, their units, rooms and beds, a dozen users,
and about 60 residents with their stays, contacts, legal register and enquiries.

Loaded only into a database that has no organisation yet, so running again changes nothing.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

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

GROUP = {
    "name": "Afon Valley Care Group",
    "cqc_provider_id": "1-101234567",
    "address": "4 Station Road, Chepstow, NP16 5PB",
    "phone": "01291 600100",
    "email": "office@afonvalley.example",
}

HOMES = [
    {
        "name": "Willow Bank House",
        "regulator": Regulator.cqc,
        "cqc_location_id": "1-123456789",
        "service_type": ServiceType.residential,
        "registered_places": 24,
        "address_line_1": "12 Mill Lane",
        "town": "Bristol",
        "county": "Bristol",
        "postcode": "BS9 3AA",
        "phone": "0117 496 0123",
        "email": "willowbank@afonvalley.example",
        "emergency_access_notes": "Key safe by the side gate. Ask the on-call manager for the code.",
        # unit name -> floor, number of rooms, beds per room
        "units": [("Orchard", "Ground", 8, 1), ("Meadow", "First", 8, 1), ("Brook", "First", 4, 2)],
    },
    {
        "name": "Tŷ Glan Afon Nursing Home",
        "regulator": Regulator.ciw,
        "cqc_location_id": None,
        "service_type": ServiceType.nursing,
        "registered_places": 36,
        "address_line_1": "Heol yr Afon",
        "town": "Caerdydd",
        "county": "Cardiff",
        "postcode": "CF5 2YB",
        "phone": "029 2018 0456",
        "email": "glanafon@afonvalley.example",
        "emergency_access_notes": "Night entry through the nurses' station door; alarm code with the nurse in charge.",
        "units": [("Derwen", "Ground", 12, 1), ("Celyn", "First", 10, 1), ("Onnen (dementia)", "Second", 7, 2)],
    },
]

# username, first, last, role, homes ("all" or indexes into HOMES)
USERS = [
    ("manager.willow", "Sarah", "Pritchard", "Home Manager", [0]),
    ("manager.glanafon", "Rhian", "Evans", "Home Manager", [1]),
    ("nurse.glanafon", "Dafydd", "Morgan", "Nurse", [1]),
    ("nurse.bank", "Grace", "Okafor", "Nurse", [0, 1]),
    ("senior.willow", "Tom", "Hughes", "Senior Carer", [0]),
    ("carer.willow", "Aisha", "Khan", "Carer", [0]),
    ("carer.glanafon", "Ffion", "Jones", "Carer", [1]),
    ("office", "Megan", "Davies", "Office", [0, 1]),
    ("finance", "Owen", "Price", "Finance", "all"),
    ("hr", "Priya", "Patel", "HR", "all"),
    ("auditor", "Gareth", "Lloyd", "Auditor", "all"),
    ("family.jones", "Carys", "Jones", "Family", [1]),
]


def load_demo_data() -> dict | None:
    """Create the demo group. Returns the demo logins, or None if the database already has data."""
    from app.bootstrap import database_is_empty, generate_password

    if not database_is_empty():
        return None
    sm = current_app.appbuilder.sm
    password = generate_password()
    created_users = []
    with acting_as(None, "demo data"):
        group = Organisation(**GROUP)
        db.session.add(group)
        homes = []
        for spec in HOMES:
            spec = dict(spec)
            units = spec.pop("units")
            home = CareHome(organisation=group, active=True, **spec)
            db.session.add(home)
            db.session.flush()
            homes.append(home)
            room_number = 1
            for unit_name, floor, rooms, beds_per_room in units:
                unit = Unit(home_id=home.id, name=unit_name, floor=floor)
                db.session.add(unit)
                for _ in range(rooms):
                    room = Room(home_id=home.id, unit=unit, number=str(room_number), en_suite=room_number % 3 != 0)
                    db.session.add(room)
                    for bed_index in range(beds_per_room):
                        status = BedStatus.available
                        reason = None
                        if room_number == 5 and bed_index == 0:
                            status, reason = BedStatus.out_of_service, "Redecoration after a water leak"
                        bed = Bed(home_id=home.id, room=room, label="AB"[bed_index],
                                  status=status, out_of_service_reason=reason)
                        db.session.add(bed)
                        if reason:  # out of service since a fortnight ago, kept in the bed's history
                            db.session.add(BedServicePeriod(
                                home_id=home.id, bed=bed, reason=reason,
                                from_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=14)))
                    room_number += 1
        db.session.flush()
        for username, first, last, role_name, home_refs in USERS:
            user = sm.add_user(
                username=username, first_name=first, last_name=last,
                email=f"{username}@afonvalley.example", role=sm.find_role(role_name), password=password,
            )
            if home_refs == "all":
                user.all_homes = True
                where = "all homes"
            else:
                user.homes = [homes[i] for i in home_refs]
                where = ", ".join(homes[i].name for i in home_refs)
            created_users.append((username, role_name, where))
        from app.residents.demo import load_demo_residents

        load_demo_residents(homes)
        from app.assessments.services import ensure_default_schedules

        for home in homes:
            ensure_default_schedules(home.id)
        from app.careplans.demo import load_demo_care_plans

        load_demo_care_plans(homes)
        from app.billing.demo import load_demo_billing

        load_demo_billing(homes)
        db.session.commit()
        from app.assessments.demo import load_demo_assessments

        load_demo_assessments(homes)
        from app.care.demo import load_demo_care

        load_demo_care(homes)
        from app.care.bodymap_demo import load_demo_body_map

        load_demo_body_map(homes)
        db.session.commit()
    return {"password": password, "users": created_users}
