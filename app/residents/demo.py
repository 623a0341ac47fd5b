"""Demo residents for the two demo homes: current, discharged and deceased residents, contacts
with LPAs, a legal register with authorisations about to expire, and enquiries at every stage.
Everything goes through the services, so bed status follows the stays. Deterministic."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from app.extensions import db
from app.homes.models import Bed, BedStatus, Room
from app.residents import enquiries, services, stays
from app.residents.models import (
    Contact,
    Enquiry,
    EnquirySource,
    Funding,
    LegalKind,
    LegalRecord,
    LegalStatus,
    Resident,
    Sex,
    StayType,
)

WOMEN = ["Eluned", "Gwenllian", "Margaret", "Ceridwen", "Dorothy", "Angharad", "Joan", "Mair", "Betty",
         "Nesta", "Sian", "Olwen", "Patricia", "Gwyneth", "Eileen", "Rhiannon", "Audrey", "Megan", "Lowri",
         "Myfanwy", "Sheila", "Enid", "Valerie", "Glenys", "Iris"]
MEN = ["Dafydd", "Gareth", "Arthur", "Emrys", "Harold", "Iwan", "Kenneth", "Bryn", "Geraint", "Stanley",
       "Huw", "Dennis", "Idris", "Ronald", "Aled", "Trefor", "Leonard", "Wynford", "Gwilym", "Albert"]
SURNAMES = ["Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan",
            "Griffiths", "Price", "Powell", "Pritchard", "Rees", "Owen", "Jenkins", "Parry", "Bevan",
            "Smith", "Taylor", "Brown", "Wilson", "Wright", "Walker", "Clarke", "Phillips", "Llewellyn",
            "Vaughan", "ap Rhys", "Cadwaladr"]
ALLERGIES = ["No known allergies", "Penicillin", "Latex", "Nuts", "Codeine (vomiting)", "Shellfish", None]
RISKS = ["Falls: uses a frame, sensor mat at night", "Choking: fork-mashable diet (IDDSI 5)",
         "Pressure ulcers: 2-hourly repositioning", "Diabetes: check blood glucose before meals",
         "Wanders at dusk: door alarm", None]
CONDITIONS = ["Alzheimer's disease", "Vascular dementia", "Type 2 diabetes", "COPD", "Parkinson's disease",
              "Heart failure", "Osteoarthritis", "Stroke with left-sided weakness"]
PAST_PER_HOME = 6
HOSPITALS = ["Royal Gwent Hospital", "University Hospital of Wales", "Southmead Hospital", "Bristol Royal Infirmary"]


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randint(400000000, 499999999)}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return digits + str(check)


def load_demo_residents(homes) -> int:
    """About 30 residents per home. Returns how many residents were created."""
    rng = random.Random(20250401)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    today = services.today_in_london()
    created = 0
    for home in homes:
        beds = list(db.session.scalars(
            select(Bed).join(Room).where(Bed.home_id == home.id, Bed.status == BedStatus.available)
            .order_by(Room.id, Bed.label)
        ))
        occupied_target = len(beds) - 3  # a few vacancies each
        for index in range(occupied_target + PAST_PER_HOME):
            woman = rng.random() < 0.65
            resident = Resident(
                home_id=home.id,
                first_name=rng.choice(WOMEN if woman else MEN),
                last_name=rng.choice(SURNAMES),
                sex=Sex.female if woman else Sex.male,
                date_of_birth=dt.date(rng.randint(1925, 1948), rng.randint(1, 12), rng.randint(1, 28)),
                nhs_number=nhs_number(rng),
                gp_practice=rng.choice(["Station Road Surgery", "Canton Health Centre", "Riverside Medical Practice"]),
                allergies=rng.choice(ALLERGIES),
                key_risks=rng.choice(RISKS),
                conditions=", ".join(rng.sample(CONDITIONS, 2)),
                communication_needs=rng.choice([None, "Hearing aid (left)", "Welsh first language",
                                                "Glasses for reading", "Uses a picture board"]),
                religion=rng.choice([None, "Chapel (Methodist)", "Church in Wales", "Roman Catholic", "None"]),
                dietary_needs=rng.choice([None, "Diabetic", "Soft diet", "Vegetarian", "Thickened fluids"]),
                what_matters_to_me=rng.choice([None, "Tea in bed at 7, the rugby on Saturdays",
                                               "Singing in the choir; visits from my grandchildren",
                                               "My garden and my cat, Smwt"]),
            )
            services.check_resident(resident, confirm_duplicate=True)
            db.session.add(resident)
            db.session.flush()
            created += 1
            admitted = now - dt.timedelta(days=rng.randint(40, 900), hours=rng.randint(0, 8))
            if index in (PAST_PER_HOME, PAST_PER_HOME + 1):  # they took the beds of the two recent discharges
                admitted = now - dt.timedelta(days=1 + index - PAST_PER_HOME, hours=2)
            if index < PAST_PER_HOME:  # past residents first: discharged or died
                bed = beds[index]
                ended = now - dt.timedelta(days=1000 + index * 10)
                if index < 2:  # two recent ones: the occupancy page shows discharges and a length of stay
                    ended = now - dt.timedelta(days=8 + index * 6)
                stay = stays.admit_resident(resident.id, bed.id, ended - dt.timedelta(days=150 + index * 30),
                                            rng.choice([StayType.permanent, StayType.respite]))
                if index % 2:
                    stays.record_death(resident.id, ended)
                else:
                    stays.discharge_resident(stay.id, ended, rng.choice(["home", "another_care_home"]))
                continue
            stay = stays.admit_resident(resident.id, beds[index - PAST_PER_HOME].id, admitted,
                                        StayType.respite if index % 9 == 4 else StayType.permanent)
            if index % 7 == 3:  # some hospital leave, one still away
                left = now - dt.timedelta(days=rng.randint(5, 30))
                stays.start_hospital_leave(stay.id, left, rng.choice(HOSPITALS), "Chest infection")
                if index % 14 != 3:
                    stays.return_from_leave(stay.id, left + dt.timedelta(days=3))
            _contacts(rng, resident, today)
            _legal(rng, resident, today, index)
        _enquiries(rng, home, now)
    db.session.flush()
    return created


def _contacts(rng, resident, today) -> None:
    child = rng.choice(WOMEN + MEN)
    lpa = rng.random() < 0.5
    db.session.add(Contact(
        home_id=resident.home_id, resident=resident, name=f"{child} {resident.last_name}",
        relationship_to_resident=rng.choice(["Daughter", "Son", "Niece", "Nephew"]),
        phone=f"07{rng.randint(700, 999)} {rng.randint(100000, 999999)}", is_next_of_kin=True,
        may_receive_information=True, lpa_health_welfare=lpa,
        lpa_health_welfare_registered_on=today - dt.timedelta(days=rng.randint(200, 3000)) if lpa else None,
        lpa_property_finance=lpa, lpa_property_finance_registered_on=(
            today - dt.timedelta(days=rng.randint(200, 3000)) if lpa else None),
    ))
    if rng.random() < 0.3:
        db.session.add(Contact(home_id=resident.home_id, resident=resident, name=f"{rng.choice(WOMEN)} Harris",
                               relationship_to_resident="Friend", may_receive_information=False))


def _legal(rng, resident, today, index) -> None:
    if index % 3 == 0:
        db.session.add(LegalRecord(
            home_id=resident.home_id, resident=resident, kind=LegalKind.dnacpr, status=LegalStatus.in_force,
            decision="Do not attempt cardiopulmonary resuscitation", decided_on=today - dt.timedelta(days=150),
            review_on=today + dt.timedelta(days=rng.randint(-5, 180)), made_by="Dr Rhys Evans (GP)"))
    if index % 4 == 1:
        authorised = today - dt.timedelta(days=rng.choice([340, 350, 358, 200, 120]))
        db.session.add(LegalRecord(
            home_id=resident.home_id, resident=resident, kind=LegalKind.dols, status=LegalStatus.in_force,
            applied_on=authorised - dt.timedelta(days=40), authorised_on=authorised,
            expires_on=authorised + dt.timedelta(days=365), supervisory_body="Cardiff Council",
            conditions="Support to visit the day centre weekly"))
    if index % 5 == 2:
        db.session.add(LegalRecord(
            home_id=resident.home_id, resident=resident, kind=LegalKind.mca, status=LegalStatus.in_force,
            decision="Whether to move into a care home", decided_on=today - dt.timedelta(days=400),
            lacks_capacity=True, made_by="Social worker"))
    if index % 11 == 5:
        db.session.add(LegalRecord(
            home_id=resident.home_id, resident=resident, kind=LegalKind.respect, status=LegalStatus.in_force,
            decision="Ward-based care; no intensive care", decided_on=today - dt.timedelta(days=60),
            review_on=today + dt.timedelta(days=20)))


def _enquiries(rng, home, now) -> None:
    people = [("Gwyneth", "Bowen"), ("Harold", "Pugh"), ("Eileen", "Watkins"), ("Emrys", "Probert"),
              ("Doris", "Lloyd"), ("Wyn", "Jenkins"), ("Beryl", "Mathias")]
    made = []
    for first, last in people:
        enquiry = Enquiry(
            home_id=home.id, first_name=first, last_name=last, received_at=now - dt.timedelta(days=rng.randint(1, 40)),
            date_of_birth=dt.date(rng.randint(1930, 1945), rng.randint(1, 12), rng.randint(1, 28)),
            enquirer_name=f"{rng.choice(WOMEN)} {last}", enquirer_relationship="Daughter",
            source=rng.choice(list(EnquirySource)), funding_expected=rng.choice(list(Funding)),
            care_needs=rng.choice(["Dementia care, wanders at night", "Nursing care after a stroke",
                                   "Respite while the family is away"]),
            preferred_on=now.date() + dt.timedelta(days=rng.randint(5, 60)),
        )
        db.session.add(enquiry)
        made.append(enquiry)
    db.session.flush()
    assessed = now.date() - dt.timedelta(days=2)
    enquiries.set_waiting_list(made[0].id, 1)
    enquiries.record_assessment(made[1].id, assessed, "Needs can be met")
    enquiries.set_waiting_list(made[1].id, 2)
    enquiries.record_assessment(made[2].id, assessed, "Needs can be met")
    free = db.session.scalars(select(Bed).where(Bed.home_id == home.id, Bed.status == BedStatus.available)).first()
    if free is not None:
        enquiries.make_offer(made[2].id, free.id)
    enquiries.close_enquiry(made[3].id, "declined", "The home cannot meet bariatric nursing needs")
    enquiries.close_enquiry(made[4].id, "lost", "Chose a home nearer her son")
    enquiries.set_waiting_list(made[5].id, 3)
