"""Concurrent admissions into one bed on the fault suite's own PostgreSQL: one stay is kept, every
other person is told which bed was taken and by whom, and nobody gets a server error."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from app.audit import acting_as, verify_chain
from app.extensions import db
from app.homes.models import Bed, BedStatus
from app.residents import stays
from app.residents.models import Resident, Stay, StayBed, StayStatus
from tests.integration.residents.races import assert_no_crash, at_once

FIRST_NAMES = ["Aled", "Bethan", "Carys", "Dafydd", "Eirlys", "Ffion", "Gareth", "Heledd", "Ifan", "Jac"]


def _own_rows(app):
    """A home of its own with a room of three free beds and ten residents waiting (the session-wide
    app is shared with the other fault tests, which look the seeded homes' rows up by home)."""
    from app.homes.models import Organisation
    from tests.factories import make_bed, make_home, make_resident, make_room, make_unit

    with app.app_context(), acting_as(None, "fault test"):
        group = db.session.scalars(select(Organisation)).first()
        home = make_home(f"Fault House {uuid.uuid4().hex[:6]}", group)
        unit = make_unit(home, "Fault unit")
        room = make_room(unit, f"F{uuid.uuid4().hex[:6]}")
        beds = [make_bed(room, label) for label in "ABC"]
        family = f"Fault {uuid.uuid4().hex[:6]}"
        residents = [make_resident(home, first, family) for first in FIRST_NAMES]
        db.session.commit()
        ids = [b.id for b in beds], [r.id for r in residents], room.number
        db.session.remove()
    return ids


def _open_stays(app, bed_id=None, resident_id=None):
    with app.app_context():
        query = select(Stay).where(Stay.status != StayStatus.ended)
        if bed_id is not None:
            query = query.where(Stay.bed_id == bed_id)
        if resident_id is not None:
            query = query.where(Stay.resident_id == resident_id)
        found = [(s.id, s.resident_id, s.bed_id, s.resident.full_name) for s in db.session.scalars(query)]
        periods = db.session.scalar(select(func.count()).select_from(StayBed).where(
            StayBed.bed_id == bed_id, StayBed.to_at.is_(None))) if bed_id is not None else None
        status = db.session.get(Bed, bed_id).status if bed_id is not None else None
        db.session.remove()
    return found, periods, status


def test_ten_admissions_into_one_bed_at_once_on_a_real_postgres(fault_app):
    (bed_id, *_), resident_ids, room = _own_rows(fault_app)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)

    outcomes = at_once(fault_app, [
        (lambda rid=rid: stays.admit_resident(rid, bed_id, when, "permanent")) for rid in resident_ids
    ])

    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    held, periods, status = _open_stays(fault_app, bed_id=bed_id)
    assert len(held) == 1 and periods == 1 and status == BedStatus.occupied
    winner = held[0][3]
    for lost in (o for o in outcomes if not o.ok):
        (message,) = lost.messages["bed"]
        assert f"Room {room} bed A" in message and winner in message, message
    with fault_app.app_context():
        assert verify_chain(db.session).ok  # the audit trail holds the winner's changes only, intact
        db.session.remove()


def test_one_resident_into_three_beds_at_once_on_a_real_postgres(fault_app):
    bed_ids, (resident_id, *_), _room = _own_rows(fault_app)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)

    outcomes = at_once(fault_app, [
        (lambda bid=bid: stays.admit_resident(resident_id, bid, when, "respite")) for bid in bed_ids
    ])

    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    held, _, _ = _open_stays(fault_app, resident_id=resident_id)
    assert len(held) == 1
    for lost in (o for o in outcomes if not o.ok):
        (message,) = lost.messages["resident"]
        assert "already has a current stay in Room" in message
    with fault_app.app_context():
        occupied = db.session.scalar(select(func.count()).select_from(Bed).where(
            Bed.id.in_(bed_ids), Bed.status == BedStatus.occupied))
        db.session.remove()
    assert occupied == 1


def test_a_cut_connection_while_waiting_for_the_bed_loses_nothing(fault_app, pg_server):
    """The connections of waiting admissions are cut (as a database failover would): whatever
    happens to each request, the bed ends with at most one stay and no resident is half admitted."""
    (bed_id, *_), resident_ids, _room = _own_rows(fault_app)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    dbname = fault_app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[1]

    def admit_then_cut(rid, cut):
        stay = stays.admit_resident(rid, bed_id, when, "permanent")
        if cut:
            pg_server.terminate_connections(dbname)  # everyone else's connection goes, mid-transaction
        return stay

    outcomes = at_once(fault_app, [
        (lambda rid=rid, i=i: admit_then_cut(rid, i == 0)) for i, rid in enumerate(resident_ids[:5])
    ])
    with fault_app.app_context():
        db.engine.dispose()  # the pool's cut connections are gone; the next test starts clean

    held, periods, status = _open_stays(fault_app, bed_id=bed_id)
    assert len(held) <= 1 and periods == len(held)
    assert status == (BedStatus.occupied if held else BedStatus.available)
    with fault_app.app_context():
        for rid in resident_ids[:5]:
            resident = db.session.get(Resident, rid)
            has_stay = any(h[1] == rid for h in held)
            assert (resident.status.value == "in_residence") == has_stay
        db.session.remove()
    # a cut connection is an operational error, not a wrong answer; the rest are refusals or the one stay
    for outcome in outcomes:
        assert outcome.ok or outcome.error is not None or "OperationalError" in str(outcome.crash) \
            or "closed" in str(outcome.crash), outcome.crash
