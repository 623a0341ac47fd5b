"""The daily-care pages as each role meets them: the tablet entry screen ("Record care"), the unit board
("At risk now"), the resident profile's daily-care section and the start page's care panels."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from app.extensions import db

NOW = dt.datetime.now(dt.UTC)
HIGH_NEWS2 = {"respiration_rate": 26, "spo2": 90, "spo2_scale": 1, "supplemental_oxygen": 0, "systolic_bp": 95,
              "diastolic_bp": 60, "pulse": 125, "consciousness": "A", "temperature": 39.4}


def _user(username: str):
    from app.security import CareUser

    return db.session.scalars(select(CareUser).where(CareUser.username == username)).one()


def _page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def _denied(status: int, body: str) -> bool:
    return status in (302, 403) or "Access is Denied" in body


@pytest.mark.parametrize("username", ["office", "finance", "family", "hr"])
def test_office_finance_family_see_no_daily_care(client, auth, world, username):
    auth.login(username)
    _status, home = _page(client, "/")
    assert "Record care" not in home and "/care/entry/" not in home and "/care/board/" not in home
    for url in ("/care/entry/", "/care/board/", "/care/entry/token"):
        assert _denied(*_page(client, url)), (username, url)
    status, profile = _page(client, f"/residents/{world.resident_a.id}/")
    assert 'id="profile-daily-care"' not in profile  # office and finance read the profile, not the care


def test_carer_records_care_from_the_menu_and_the_start_page(client, auth, world):
    auth.login("carer")
    _status, home = _page(client, "/")
    assert 'href="/care/entry/"' in home and "Record care" in home
    assert 'data-panel="record_care"' in home and 'data-panel="care_risk"' not in home
    assert "/care/board/" not in home  # the board is for nurses and senior carers

    status, page = _page(client, f"/care/entry/?unit={world.unit_a.id}")
    assert status == 200
    assert f'data-resident-id="{world.resident_a.id}"' in page  # the unit's resident, by photo
    assert f'data-resident-id="{world.resident_b.id}"' not in page  # never another home's
    for chart in ("fluids", "food", "turns", "continence", "weight", "notes"):
        assert f'data-pane="{chart}"' in page, chart
    assert 'data-pane="vitals"' not in page  # carers read vital signs, nurses record them
    assert 'data-code="fluid_in" data-value="200"' in page and "Drink 200 ml" in page
    assert "Night check: asleep, comfortable" in page  # one-tap routine notes
    assert "waiting to be sent" in page  # the queue's messages are rendered for the script
    assert _denied(*_page(client, "/care/board/"))


def test_nurse_records_vital_signs_and_the_screen_remembers_the_unit(client, auth, world):
    auth.login("nurse")
    status, page = _page(client, f"/care/entry/?resident={world.resident_a.id}")
    assert status == 200
    assert 'data-pane="vitals"' in page and 'name="respiration_rate"' in page
    assert f'data-resident="{world.resident_a.id}"' in page  # chosen from the board's link
    assert f'<option value="{world.unit_a.id}" selected' in page  # the resident's unit
    status, again = _page(client, "/care/entry/")
    assert f'<option value="{world.unit_a.id}" selected' in again


def test_entry_screen_token_is_fresh_json(client, auth):
    auth.login("carer")
    response = client.get("/care/entry/token")
    assert response.status_code == 200 and len(response.get_json()["csrf_token"]) > 20


def test_board_lists_the_residents_at_risk_with_links_to_record_care(client, auth, world):
    from app.care import services

    with db.session.no_autoflush:
        services.record_vitals(world.resident_a, HIGH_NEWS2, NOW - dt.timedelta(minutes=20), _user("nurse"),
                               confirm=True)
        services.record_vitals(world.resident_b, HIGH_NEWS2, NOW - dt.timedelta(minutes=20), _user("manager.b"),
                               confirm=True)
    db.session.commit()
    auth.login("nurse")
    status, page = _page(client, "/care/board/")
    assert status == 200
    line = re.search(r'<li class="care-board-line" data-resident-id="%d">.*?</li>' % world.resident_a.id, page, re.S)
    assert line, page
    assert 'data-code="news2_high"' in line.group(0)
    assert f"/care/entry/?resident={world.resident_a.id}" in line.group(0)
    assert f'data-resident-id="{world.resident_b.id}"' not in page  # another home's resident
    assert "/static/js/care-board.js" in page  # refreshes itself from the board JSON
    board = client.get("/api/v1/care/board/").get_json()
    assert world.resident_a.id in [r["resident_id"] for r in board["residents"]]

    _status, home = _page(client, "/")
    panel = home[home.index('data-panel="care_risk"'):]
    assert world.resident_a.full_name in panel[:3000]


def test_profile_shows_daily_care_to_those_who_read_it(client, auth, world):
    from app.care import services

    nurse = _user("nurse")
    now = dt.datetime.now(dt.UTC)
    for minutes, ml in ((30 * 60, 200), (26 * 60, 150), (1, 275)):
        services.record_entry(world.resident_a, "fluid_in", ml, now - dt.timedelta(minutes=minutes), nurse)
    services.record_entry(world.resident_a, "weight", 61.5, NOW - dt.timedelta(days=20), nurse)
    services.record_entry(world.resident_a, "weight", 60.2, NOW - dt.timedelta(days=1), nurse)
    services.record_vitals(world.resident_a, HIGH_NEWS2, NOW - dt.timedelta(hours=2), nurse, confirm=True)
    db.session.commit()

    auth.login("nurse")
    status, page = _page(client, f"/residents/{world.resident_a.id}/")
    assert status == 200
    section = page[page.index('id="profile-daily-care"'):]
    assert 'id="fluid-chart"' in section and section.count('class="fluid-bar"') == 14
    assert 'id="weight-chart"' in section and "60.2 kg" in section
    assert 'id="news2-chart"' in section
    latest = section[section.index('id="care-latest"'):]
    assert "275 mL" in latest and "60.2 kg" in latest

    auth.logout()
    auth.login("office")  # reads the profile, none of the care
    _status, page = _page(client, f"/residents/{world.resident_a.id}/")
    assert 'id="profile-daily-care"' not in page and "fluid-chart" not in page


def test_profile_section_reads_in_a_fixed_number_of_queries(app, client, auth, world):
    """The daily-care section costs the same few queries with 3 records or 60 (no query per row)."""
    from app.care import profile, services

    nurse = _user("nurse")

    def count_queries() -> int:
        seen = []

        def note(*_args, **_kwargs):
            seen.append(1)

        with app.test_request_context():
            from flask import g
            from flask_login import login_user

            login_user(nurse)
            g.user = nurse
            db.session.expire_all()
            resident = db.session.get(type(world.resident_a), world.resident_a.id)
            event.listen(db.engine, "before_cursor_execute", note)
            try:
                assert profile.profile_summary(resident) is not None
            finally:
                event.remove(db.engine, "before_cursor_execute", note)
        return len(seen)

    for hours in (1, 2, 3):
        services.record_entry(world.resident_a, "fluid_in", 100, NOW - dt.timedelta(hours=hours), nurse)
    db.session.commit()
    count_queries()  # the user's roles and permissions are loaded once
    few = count_queries()
    assert few <= 15
    for hours in range(4, 64):
        services.record_entry(world.resident_a, "fluid_in" if hours % 2 else "reposition", 100 if hours % 2 else None,
                              NOW - dt.timedelta(hours=hours), nurse, value_text=None if hours % 2 else "left")
    db.session.commit()
    assert count_queries() == few


def test_auditor_reads_but_cannot_record_and_units_carry_their_home_when_several(client, auth, world):
    auth.login("auditor")
    status, page = _page(client, "/care/entry/")
    assert status == 200
    assert 'class="care-pane"' not in page and "You may read the charts but not record them." in page
    assert f"Alder House: {world.unit_a.name}</option>" in page  # the auditor sees every home
    auth.logout()
    auth.login("manager.ab")
    _status, page = _page(client, f"/care/entry/?unit={world.unit_b.id}")
    assert f'<option value="{world.unit_b.id}" selected>Birch Court: {world.unit_b.name}</option>' in page
    assert f'data-resident-id="{world.resident_b.id}"' in page
    assert f'data-resident-id="{world.resident_a.id}"' not in page  # another unit's resident
