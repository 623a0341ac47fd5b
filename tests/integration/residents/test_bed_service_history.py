"""A bed's out-of-service history: kept by its status changes, shown with the bed, and used by
occupancy so that a bed out of service for part of a period is left out for those nights only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.homes.models import Bed, BedServicePeriod, BedStatus


def _periods(bed_id):
    db.session.expire_all()
    return db.session.scalars(select(BedServicePeriod).where(BedServicePeriod.bed_id == bed_id)
                              .order_by(BedServicePeriod.from_at)).all()


def test_going_out_of_service_and_back_is_kept_and_shown_with_the_bed(api, client, auth, world):
    manager = api("manager")
    bed = world.bed_a.id
    before = len(_periods(bed))  # the seed's week of new flooring two years ago
    r = manager.put(f"/api/v1/beds/{bed}", {"status": "out_of_service", "out_of_service_reason": "Leaking radiator"})
    assert r.status_code == 200, r.get_json()
    opened = _periods(bed)[-1]
    assert len(_periods(bed)) == before + 1 and opened.to_at is None and opened.reason == "Leaking radiator"
    assert opened.home_id == world.home_a.id

    changed = {"status": "out_of_service", "out_of_service_reason": "Radiator replaced; painting"}
    assert manager.put(f"/api/v1/beds/{bed}", changed).status_code == 200
    assert len(_periods(bed)) == before + 1 and _periods(bed)[-1].reason == "Radiator replaced; painting"

    assert manager.put(f"/api/v1/beds/{bed}", {"status": "available"}).status_code == 200
    closed = _periods(bed)[-1]
    assert closed.to_at is not None and closed.to_at >= closed.from_at
    assert db.session.get(Bed, bed).status == BedStatus.available

    listed = manager.get("/api/v1/bed-service-periods/").get_json()["result"]
    assert {p["home"]["id"] for p in listed} == {world.home_a.id}
    assert "Radiator replaced; painting" in {p["reason"] for p in listed}
    refused = client.delete(f"/api/v1/bed-service-periods/{closed.id}", headers=auth.headers("manager"))
    assert refused.status_code in (404, 405) and len(_periods(bed)) == before + 1
    auth.login("manager")
    page = client.get(f"/bedview/show/{bed}").get_data(as_text=True)
    assert "Radiator replaced; painting" in page and "Seed: new flooring" in page


def _unit_beds(api, n=2):
    manager = api("manager")
    unit = manager.post("/api/v1/units/", {"name": "Orchard wing"}).get_json()["id"]
    beds = []
    for number in range(n):
        room = manager.post("/api/v1/rooms/", {"unit": unit, "number": f"O{number}"}).get_json()["id"]
        beds.append(manager.post("/api/v1/beds/", {"room": room, "label": "A"}).get_json()["id"])
    return unit, beds


def _unit_figures(api, world, unit, start, end):
    r = api("office").get(f"/api/v1/occupancy/?start_on={start}&end_on={end}")
    assert r.status_code == 200, r.get_json()
    home = next(h for h in r.get_json()["result"]["homes"] if h["home_id"] == world.home_a.id)
    return next(u for u in home["units"] if u["unit_id"] == unit)


def test_occupancy_leaves_out_only_the_nights_a_bed_was_out_of_service(api, world, today):
    unit, (bed1, bed2) = _unit_beds(api)
    start, end = today - dt.timedelta(days=20), today - dt.timedelta(days=11)  # 10 nights
    went = dt.datetime.combine(start + dt.timedelta(days=3), dt.time(10), dt.UTC)
    db.session.add(BedServicePeriod(home_id=world.home_a.id, bed_id=bed2, from_at=went,
                                    to_at=went + dt.timedelta(days=4), reason="Deep clean"))
    db.session.commit()
    figures = _unit_figures(api, world, unit, start, end)
    # bed 1: 10 nights; bed 2: 10 less the 4 nights from the day it went out to the day it came back
    assert figures["available_bed_nights"] == 16
    assert figures["beds_in_service"] == 2 and figures["out_of_service_today"] == 0

    # still out of service today, since the fifth night of the period
    db.session.add(BedServicePeriod(home_id=world.home_a.id, bed_id=bed1, reason="Awaiting new mattress",
                                    from_at=dt.datetime.combine(start + dt.timedelta(days=5), dt.time(9), dt.UTC)))
    bed = db.session.get(Bed, bed1)
    bed.status, bed.out_of_service_reason = BedStatus.out_of_service, "Awaiting new mattress"
    db.session.commit()
    figures = _unit_figures(api, world, unit, start, end)
    assert figures["available_bed_nights"] == 5 + 6
    assert figures["out_of_service_today"] == 1


def test_a_bed_out_of_service_before_its_history_was_kept_counts_out_for_the_whole_period(api, world, today):
    unit, (bed1, bed2) = _unit_beds(api)
    bed = db.session.get(Bed, bed2)
    bed.status, bed.out_of_service_reason = BedStatus.out_of_service, "Set before the history was kept"
    db.session.commit()
    assert _periods(bed2) == []
    figures = _unit_figures(api, world, unit, today - dt.timedelta(days=9), today)
    assert figures["available_bed_nights"] == 10
