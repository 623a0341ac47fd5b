"""Two people taking one bed at once: the database keeps one stay, the other person is told
which bed was taken and by whom, and nobody sees a server error.

The concurrent tests need PostgreSQL (row locks; SQLite has one writer at a time); the last two,
that the database itself refuses a second open stay, run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.homes.models import Bed, BedStatus
from app.residents import enquiries, stays
from app.residents.models import Enquiry, EnquiryStage, Resident, Stay, StayBed, StayStatus
from tests.conftest import PASSWORD
from tests.factories import make_bed, make_resident, make_room
from tests.integration.residents.helpers import noon
from tests.integration.residents.races import assert_no_crash, at_once, http_at_once

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent writers need PostgreSQL (DATABASE_URL)",
)
NAMES = ["Aled", "Bethan", "Carys", "Dafydd", "Eirlys", "Ffion", "Gareth", "Heledd", "Ifan", "Jac"]


def yesterday_at(today: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(today - dt.timedelta(days=1), dt.time(hour), dt.UTC)


def unscoped(query):
    return query.execution_options(skip_home_scope=True)


def open_stays_on(bed_id: int) -> list[Stay]:
    db.session.expire_all()
    return list(db.session.scalars(unscoped(
        select(Stay).where(Stay.bed_id == bed_id, Stay.status != StayStatus.ended))))


def open_periods_on(bed_id: int) -> int:
    return db.session.scalar(unscoped(
        select(func.count()).select_from(StayBed).where(StayBed.bed_id == bed_id, StayBed.to_at.is_(None))))


def current_stays_of(resident_id: int) -> list[Stay]:
    db.session.expire_all()
    return list(db.session.scalars(unscoped(
        select(Stay).where(Stay.resident_id == resident_id, Stay.status != StayStatus.ended))))


@pytest.fixture()
def ward(world):
    """Room 4 with free beds A, B and C, and ten residents of home A not yet admitted (committed,
    so every thread's own session sees them)."""
    room = make_room(world.unit_a, "4")
    beds = [make_bed(room, label) for label in "ABC"]
    residents = [make_resident(world.home_a, first, "Race") for first in NAMES]
    db.session.commit()
    return beds, residents


def name_of(resident_id: int) -> str:
    return db.session.get(Resident, resident_id).full_name


# ---------------------------------------------------------------------------------------------
# At the same moment (PostgreSQL)


@pytest.mark.postgres
@on_postgres
def test_ten_admissions_into_one_free_bed_leave_one_stay_and_nine_clear_refusals(app, ward, today):
    beds, residents = ward
    bed = beds[0]
    bed_id, when = bed.id, yesterday_at(today, 9)
    outcomes = at_once(app, [
        (lambda rid=r.id: stays.admit_resident(rid, bed_id, when, "permanent")) for r in residents
    ])

    assert_no_crash(outcomes)
    won = [o for o in outcomes if o.ok]
    assert len(won) == 1
    held = open_stays_on(bed.id)
    assert len(held) == 1 and open_periods_on(bed.id) == 1
    winner = name_of(held[0].resident_id)
    for lost in (o for o in outcomes if not o.ok):
        assert set(lost.messages) == {"bed"}
        (message,) = lost.messages["bed"]
        assert "Room 4 bed A" in message and winner in message, message
    assert db.session.get(Bed, bed.id).status == BedStatus.occupied
    # the nine others are still waiting for a bed, as before
    assert sum(len(current_stays_of(r.id)) for r in residents) == 1


@pytest.mark.postgres
@on_postgres
def test_one_resident_admitted_into_three_beds_at_once_has_one_current_stay(app, ward, today):
    beds, residents = ward
    resident = residents[0]
    resident_id, when = resident.id, yesterday_at(today, 9)
    outcomes = at_once(app, [
        (lambda bid=b.id: stays.admit_resident(resident_id, bid, when, "respite")) for b in beds
    ])

    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    (stay,) = current_stays_of(resident.id)
    bed_name = str(db.session.get(Bed, stay.bed_id))
    for lost in (o for o in outcomes if not o.ok):
        (message,) = lost.messages["resident"]
        assert message == f"Aled Race already has a current stay in {bed_name}."
    # only the bed that was taken is occupied
    statuses = {b.id: db.session.get(Bed, b.id).status for b in beds}
    assert sorted(statuses.values()) == sorted([BedStatus.occupied, BedStatus.available, BedStatus.available])
    assert statuses[stay.bed_id] == BedStatus.occupied


@pytest.mark.postgres
@on_postgres
def test_two_residents_moving_into_one_free_bed_at_once(app, ward, today):
    beds, residents = ward
    first, second = residents[:2]
    yesterday = yesterday_at(today, 8)
    stay_ids = [stays.admit_resident(r.id, b.id, yesterday, "permanent").id for r, b in zip((first, second), beds)]
    db.session.commit()
    target = beds[2]
    target_id, now = target.id, yesterday_at(today, 10)
    outcomes = at_once(app, [(lambda sid=sid: stays.move_bed(sid, target_id, now)) for sid in stay_ids])

    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    (held,) = open_stays_on(target.id)
    (lost,) = [o for o in outcomes if not o.ok]
    (message,) = lost.messages["bed"]
    assert "Room 4 bed C" in message and name_of(held.resident_id) in message, message
    # the one who lost is still in their own bed
    loser_stay = next(s for s in stay_ids if s != held.id)
    assert len(open_stays_on(db.session.get(Stay, loser_stay).bed_id)) == 1


@pytest.mark.postgres
@on_postgres
def test_one_enquiry_admitted_twice_at_once_makes_one_resident(app, ward, world, today):
    beds, _ = ward
    enquiry = Enquiry(home_id=world.home_a.id, first_name="Nia", last_name="Offer", stage=EnquiryStage.offer,
                      offered_bed_id=beds[0].id)
    db.session.add(enquiry)
    db.session.commit()
    enquiry_id, when = enquiry.id, yesterday_at(today, 9)
    outcomes = at_once(app, [
        (lambda bid=b.id: enquiries.admit_from_enquiry(enquiry_id, when, "permanent", bid)) for b in beds[:2]
    ])

    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    made = db.session.scalars(unscoped(select(Resident).where(Resident.last_name == "Offer"))).all()
    assert len(made) == 1
    (lost,) = [o for o in outcomes if not o.ok]
    # told while waiting for the other admission, or (if it had already finished) that it is closed
    assert lost.messages["stage"][0] in ("Nia Offer was admitted from this enquiry a moment ago.",
                                         "This enquiry is closed (admitted).")


@pytest.mark.postgres
@on_postgres
def test_ten_api_admissions_at_once_one_saved_nine_told_who_took_the_bed(app, ward, auth, today):
    beds, residents = ward
    bed = beds[1]
    headers = auth.headers("office")
    when = noon(today - dt.timedelta(days=1))
    bed_id = bed.id
    responses = http_at_once(app, [
        (lambda client, rid=r.id: client.post(
            "/api/v1/stays/admit", headers=headers,
            json={"resident": rid, "bed": bed_id, "admitted_at": when, "stay_type": "permanent"}))
        for r in residents
    ])

    assert_no_crash(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1 and all(c in (409, 422) for c in codes if c != 200), codes
    (held,) = open_stays_on(bed.id)
    winner = name_of(held.resident_id)
    for response in responses:
        if response.status_code != 200:
            (message,) = response.get_json()["message"]["bed"]
            assert "Room 4 bed B" in message and winner in message


@pytest.mark.postgres
@on_postgres
def test_three_people_admitting_into_one_bed_in_the_browser(app, ward, today):
    beds, residents = ward
    bed = beds[2]
    bed_id, typed = bed.id, f"{today - dt.timedelta(days=1)}T09:00"

    def admitting(resident_id):
        def send(client):
            return client.post(f"/stay-actions/{resident_id}/admit",
                               data={"bed": str(bed_id), "stay_type": "respite", "admitted_at": typed})

        def prepare(client):
            assert client.post("/login/", data={"username": "office", "password": PASSWORD}).status_code == 302
        send.prepare = prepare
        return send

    responses = http_at_once(app, [admitting(r.id) for r in residents[:3]])

    assert_no_crash(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes[:1] == [302] and all(c in (409, 422) for c in codes[1:]), codes
    (held,) = open_stays_on(bed.id)
    winner = name_of(held.resident_id)
    for response in responses:
        if response.status_code != 302:
            page = response.get_data(as_text=True)
            assert "Room 4 bed C" in page and winner in page
            assert f'value="{typed}"' in page  # the form is kept as typed
            assert f'<option value="{bed.id}">' not in page  # and no longer offers the bed taken


# ---------------------------------------------------------------------------------------------
# The database's own rule (SQLite and PostgreSQL)


def test_the_database_refuses_a_second_open_stay_on_a_bed_and_for_a_resident(world, today):
    occupied = world.occupied_bed_a
    other = make_resident(world.home_a, "Osian", "Bypass")
    db.session.commit()
    when = yesterday_at(today, 9)
    cases = [
        # a second open period on the seeded resident's bed, written around every check
        lambda: StayBed(home_id=world.home_a.id, stay=Stay(home_id=world.home_a.id, resident_id=other.id,
                                                           bed_id=world.bed_a.id, admitted_at=when),
                        bed_id=occupied.id, from_at=when),
        # a second stay (not ended) holding the same bed
        lambda: Stay(home_id=world.home_a.id, resident_id=other.id, bed_id=occupied.id, admitted_at=when),
        # a second current stay of the seeded resident
        lambda: Stay(home_id=world.home_a.id, resident_id=world.resident_a.id, bed_id=world.bed_a.id,
                     admitted_at=when, status=StayStatus.hospital_leave),
    ]
    for make, rule in zip(cases, ("bed", "bed", "resident"), strict=True):
        db.session.add(make())
        with pytest.raises(IntegrityError) as refused:
            db.session.flush()
        assert stays.broken_rule(refused.value) == rule, refused.value
        db.session.rollback()
    assert current_stays_of(other.id) == [] and len(open_stays_on(occupied.id)) == 1


def test_when_the_service_check_is_bypassed_the_database_refusal_names_the_bed_and_the_holder(
        world, today, monkeypatch):
    """The last line of defence: with every look at the bed skipped, the database's refusal is
    turned into the same message, not a server error."""
    resident = make_resident(world.home_a, "Owain", "Late")
    holder = world.resident_a.full_name
    monkeypatch.setattr(stays, "_look_again", lambda *args, **kwargs: None)
    monkeypatch.setattr(stays, "_bed_held", lambda *args: False)
    bed = db.session.get(Bed, world.occupied_bed_a.id)
    bed.status = BedStatus.available  # as if read before the other admission was committed
    with pytest.raises(stays.ConflictError) as refused:
        stays.admit_resident(resident.id, bed.id, yesterday_at(today, 9), "permanent")
    assert refused.value.status_code == 409
    assert refused.value.errors == {"bed": [f"Room 1 bed S was taken a moment ago by {holder}."]}
    db.session.rollback()
    assert len(open_stays_on(world.occupied_bed_a.id)) == 1


def test_the_migration_stops_with_a_list_when_double_bookings_are_already_there(app, world, today):
    """Migration 0008 on a database that already holds a double booking: it names what to fix."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = Path(__file__).resolve().parents[3] / "migrations" / "versions" / "0008_one_open_stay.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    other = make_resident(world.home_a, "Dyblyg", "Booking")
    db.session.commit()
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            for name, *_ in migration.INDEXES:
                connection.exec_driver_sql(f"DROP INDEX {name}")
            connection.execute(Stay.__table__.insert().values(
                home_id=world.home_a.id, resident_id=other.id, bed_id=world.occupied_bed_a.id,
                stay_type="permanent", status="current", admitted_at=yesterday_at(today, 9)))
            with Operations.context(MigrationContext.configure(connection)), \
                    pytest.raises(migration.ExistingDuplicates) as refused:
                migration.upgrade()
        finally:
            transaction.rollback()
    text = str(refused.value)
    assert "1 beds held by more than one stay that has not ended" in text
    assert f"bed_id {world.occupied_bed_a.id}: 2 rows in stay" in text
    assert "End the wrong stay" in text


@pytest.mark.postgres
@on_postgres
def test_a_bed_taken_out_of_service_while_someone_admits_into_it(app, world, today):
    """Either the admission or the out-of-service change wins; never an occupied bed that is also
    out of service. Five rounds, each on a fresh bed."""
    from app.homes import services as homes

    def out_of_service(bed_id):
        bed = db.session.get(Bed, bed_id)
        before = bed.status
        bed.status, bed.out_of_service_reason = BedStatus.out_of_service, "Leak from the ceiling"
        homes.check_bed(bed, before)
        homes.track_service(bed, before)
        return bed

    room = make_room(world.unit_a, "5")
    rounds = [(make_bed(room, f"R{i}").id, make_resident(world.home_a, NAMES[i], "Leak").id) for i in range(5)]
    db.session.commit()
    when = yesterday_at(today, 9)
    for bed_id, resident_id in rounds:
        outcomes = at_once(app, [lambda b=bed_id, r=resident_id: stays.admit_resident(r, b, when, "permanent"),
                                 lambda b=bed_id: out_of_service(b)])
        assert_no_crash(outcomes)
        assert sum(o.ok for o in outcomes) == 1, [o.messages for o in outcomes]
        bed = db.session.get(Bed, bed_id)
        held = open_stays_on(bed_id)
        bed = db.session.get(Bed, bed_id)
        if held:
            assert bed.status == BedStatus.occupied and bed.service_periods == []
            assert outcomes[1].messages["status"][0].startswith("Room 5 bed R")
        else:
            assert bed.status == BedStatus.out_of_service
            assert "out of service" in outcomes[0].messages["bed"][0]
