"""Dates the British way: typed as day/month/year and kept as that date, refused with the field named
and the text kept when they cannot be read, and shown as 24/08/1925 (times 14:05, UK time) on pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.residents.models import LegalKind, LegalRecord, LegalStatus, Resident
from app.ukdates import format_datetime, parse_uk_date, parse_uk_datetime, readable


@pytest.mark.parametrize("typed, expected", [
    ("12/04/1938", dt.date(1938, 4, 12)),
    ("1/2/1938", dt.date(1938, 2, 1)),
    ("12-04-1938", dt.date(1938, 4, 12)),
    ("12.04.1938", dt.date(1938, 4, 12)),
    ("1938-04-12", dt.date(1938, 4, 12)),
    ("31/02/1938", None),
    ("12/04/38", None),
    ("04/13/1938", None),
    ("yesterday", None),
])
def test_a_typed_date_is_read_day_first_or_refused(typed, expected):
    assert parse_uk_date(typed) == expected


def test_a_typed_time_is_uk_local_time():
    # 14:05 in August is British Summer Time: 13:05 UTC; in January it is GMT.
    assert parse_uk_datetime("24/08/2026 14:05") == dt.datetime(2026, 8, 24, 13, 5, tzinfo=dt.UTC)
    assert parse_uk_datetime("24/01/2026 14:05") == dt.datetime(2026, 1, 24, 14, 5, tzinfo=dt.UTC)
    assert parse_uk_datetime("24/01/2026 24:05") is None
    assert format_datetime(dt.datetime(2026, 8, 24, 13, 5, tzinfo=dt.UTC)) == "24/08/2026 14:05"


def test_values_read_as_words_not_code():
    assert readable(None) == "" and readable(True) == "Yes" and readable(False) == "No"
    assert readable(dt.date(1925, 8, 24)) == "24/08/1925"


def test_date_of_birth_typed_the_british_way_is_saved_as_that_date(client, auth, world):
    auth.login("office")
    response = client.post("/residentview/add", data={
        "home": world.home_a.id, "first_name": "Dora", "last_name": "Datewise", "sex": "female",
        "date_of_birth": "12/04/1938"})
    assert response.status_code == 302
    resident = db.session.scalars(select(Resident).where(Resident.last_name == "Datewise")).one()
    assert resident.date_of_birth == dt.date(1938, 4, 12)
    edit = client.get(f"/residentview/edit/{resident.id}").get_data(as_text=True)
    assert 'value="12/04/1938"' in edit
    assert 'data-date-format="dd/mm/yyyy"' in edit and 'data-date-week-start="1"' in edit


def test_an_unreadable_date_is_refused_naming_the_field_and_kept_as_typed(client, auth, world):
    auth.login("office")
    before = db.session.scalar(select(func.count()).select_from(Resident))
    response = client.post("/residentview/add", data={
        "home": world.home_a.id, "first_name": "Dora", "last_name": "Wrongdate", "sex": "female",
        "date_of_birth": "31/02/1938"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the date as day/month/year" in page
    assert 'value="31/02/1938"' in page and 'value="Wrongdate"' in page
    assert db.session.scalar(select(func.count()).select_from(Resident)) == before


def test_lists_show_uk_dates_and_no_none(client, auth, world):
    from tests.factories import make_resident

    resident = make_resident(world.home_a, "Lister", "Dates")
    db.session.add(LegalRecord(home_id=world.home_a.id, resident=resident, kind=LegalKind.mca,
                               status=LegalStatus.in_force, decided_on=dt.date(2025, 8, 24)))
    db.session.commit()
    auth.login("manager")
    page = client.get("/legalrecordview/list/").get_data(as_text=True)
    assert "24/08/2025" in page and "2025-08-24" not in page
    assert ">None<" not in page.replace(" ", "").replace("\n", "")
