"""In a real browser (issue #14): a carer records fluids and a repositioning on the tablet screen; the
browser goes offline, two more entries are made and the page shows 2 waiting; back online, both arrive
once, with the times they were made, and an entry sent again is still saved once."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

TABLET = {"width": 1024, "height": 768}


def _queue(page) -> list[dict]:
    return json.loads(page.evaluate("() => window.localStorage.getItem('wcn-care-queue-v1') || '[]'"))


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_carer_records_on_the_tablet_and_offline_entries_arrive_once_with_their_times(
        app, users, world, db_session, screens, monkeypatch):
    from playwright.sync_api import expect

    from app.care.models import Observation, ObservationSet
    from app.extensions import db

    # The session's CSRF token is checked on these API writes, as in production.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resident = world.resident_a
    started = dt.datetime.now(dt.UTC)  # the seed's own records of this resident are older
    carer = users.page("carer")
    carer.set_viewport_size(TABLET)
    context = carer.context
    refused = []  # scripts and styles the Content-Security-Policy refused (none: no inline script)
    carer.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    carer.goto(f"/care/entry/?unit={world.unit_a.id}")
    count = carer.locator("#care-queue-count")
    expect(count).to_have_attribute("data-count", "0")
    screens.shot(carer, "residents-by-photo")

    # Tap 1: the resident; tap 2: "Drink 200 ml" (the fluids chart is open first): saved.
    carer.locator(f'.care-resident[data-resident-id="{resident.id}"]').click()
    carer.get_by_role("button", name="Drink 200 ml").click()
    expect(carer.locator(".care-sent")).to_have_count(1)
    carer.get_by_role("tab", name="Repositioning").click()
    carer.get_by_role("button", name="Left side").click()
    expect(carer.locator(".care-sent")).to_have_count(2)
    expect(count).to_have_attribute("data-count", "0")
    screens.shot(carer, "two-entries-sent")

    # The Wi-Fi drops: two more entries wait in the browser, and the page says so.
    context.set_offline(True)
    carer.get_by_role("tab", name="Fluids").click()
    carer.get_by_role("button", name="Drink 100 ml").click()
    carer.get_by_role("tab", name="Repositioning").click()
    carer.get_by_role("button", name="Right side").click()
    expect(count).to_have_attribute("data-count", "2")
    expect(count).to_have_text("2 waiting to be sent")
    waiting = _queue(carer)
    assert [(e["body"]["code"], e["body"].get("value"), e["body"].get("value_text")) for e in waiting] == [
        ("fluid_in", 100, None), ("reposition", None, "right")]
    screens.shot(carer, "offline-two-waiting")
    carer.wait_for_timeout(1500)  # the entries are sent a while after they were made

    # Back online: both are sent, once each, with the times they were made.
    context.set_offline(False)
    expect(count).to_have_attribute("data-count", "0")
    expect(carer.locator(".care-sent")).to_have_count(4)
    expect(count).to_have_text("All entries sent")
    assert _queue(carer) == []
    screens.shot(carer, "back-online-all-sent")
    assert refused == []

    # The same entry posted again (a queue that did not hear the answer) is saved once.
    again = carer.evaluate("""async (entry) => {
        const r = await fetch('/api/v1/care/entries/', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json',
                      'X-CSRFToken': document.getElementById('care-entry').getAttribute('data-csrf')},
            body: JSON.stringify(entry.body)});
        return r.status; }""", waiting[0])
    assert again in (200, 201)

    db.session.rollback()
    sets = list(db.session.scalars(
        select(ObservationSet).where(ObservationSet.resident_id == resident.id, ObservationSet.entered_at >= started)
        .order_by(ObservationSet.observed_at).execution_options(skip_home_scope=True)))
    assert len(sets) == 4  # two before, two queued offline; the entry sent again is not a fifth
    rows = list(db.session.scalars(
        select(Observation).where(Observation.set_id.in_([s.id for s in sets]), Observation.code != "skin_check")
        .order_by(Observation.observed_at).execution_options(skip_home_scope=True)))
    assert [(o.code, int(o.value) if o.value is not None else o.value_text) for o in rows] == [
        ("fluid_in", 200), ("reposition", "left"), ("fluid_in", 100), ("reposition", "right")]
    by_key = {s.idempotency_key: s for s in sets}
    for entry in waiting:
        saved = by_key[entry["key"]]
        made = _parse(entry["body"]["observed_at"])
        observed = saved.observed_at if saved.observed_at.tzinfo else saved.observed_at.replace(tzinfo=dt.UTC)
        entered = saved.entered_at if saved.entered_at.tzinfo else saved.entered_at.replace(tzinfo=dt.UTC)
        assert abs(observed - made) < dt.timedelta(milliseconds=1), (observed, made)
        assert entered - observed > dt.timedelta(seconds=1)  # sent later, kept the time it was made
        assert saved.recorded_by_name  # who recorded it: the carer


def test_nurse_board_refreshes_without_reloading(app, users, world, db_session, screens, monkeypatch):
    """A resident who becomes at risk appears on the open board at its next refresh, and their line
    opens the entry screen for them."""
    from playwright.sync_api import expect

    from app.audit import acting_as
    from app.care import services
    from app.extensions import db
    from app.residents import stays
    from app.security import CareUser
    from tests.factories import make_resident

    monkeypatch.setitem(app.config, "CARE_BOARD_REFRESH_SECONDS", 1)  # a minute in use
    nurse = users.page("nurse")
    nurse.goto(f"/care/board/?unit={world.unit_a.id}")
    nurse.evaluate("() => { window.sameDocument = true; }")
    with acting_as(None, "test"):
        newcomer = make_resident(world.home_a, "Iolo", "Board")
        stays.admit_resident(newcomer.id, world.bed_a.id, dt.datetime.now(dt.UTC) - dt.timedelta(days=2), "permanent")
        db.session.commit()
    line = nurse.locator(f'.care-board-line[data-resident-id="{newcomer.id}"]')
    expect(line).to_have_count(0)
    user = db.session.scalars(select(CareUser).where(CareUser.username == "nurse")).one()
    services.record_vitals(newcomer, {"respiration_rate": 26, "spo2": 90, "supplemental_oxygen": 0, "systolic_bp": 95,
                                      "pulse": 125, "consciousness": "A", "temperature": 39.4},
                           dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5), user, confirm=True)
    db.session.commit()
    expect(line).to_have_count(1)
    expect(line.locator('[data-code="news2_high"]')).to_have_count(1)
    assert nurse.evaluate("() => window.sameDocument === true")  # refreshed in place, not reloaded
    screens.shot(nurse, "board-refreshed")
    line.get_by_role("link").click()
    expect(nurse.locator(f'.care-resident[data-resident-id="{newcomer.id}"]')).to_have_attribute("aria-pressed", "true")
    expect(nurse.locator("#care-who")).to_have_text("Iolo Board")


def test_a_value_to_confirm_is_asked_about_and_a_refused_entry_does_not_hold_up_the_others(
        app, users, world, db_session, screens):
    """Weight 25 kg is possible but unusual: the screen asks, and 'Yes, record it' saves it with the
    confirmation. An entry the server refuses stays on the tablet with the reason, and the entries
    made after it are still sent."""
    from playwright.sync_api import expect

    from app.care.models import Observation, ObservationSet
    from app.extensions import db

    resident = world.resident_a
    started = dt.datetime.now(dt.UTC)
    carer = users.page("carer")
    carer.set_viewport_size(TABLET)
    carer.goto(f"/care/entry/?resident={resident.id}&chart=weight")
    carer.fill("#care-weight", "25")
    carer.get_by_role("button", name="Save weight").click()
    asking = carer.locator(".care-queue-item.care-confirm")
    expect(asking).to_have_count(1)
    expect(asking).to_contain_text("25 kg")
    screens.shot(carer, "weight-to-confirm")

    # Offline: an entry the server will refuse (a chart it does not know), then a good one.
    carer.context.set_offline(True)
    carer.evaluate("""(resident) => {
        const queue = JSON.parse(localStorage.getItem('wcn-care-queue-v1') || '[]');
        const key = crypto.randomUUID();
        queue.push({key: key, user: document.getElementById('care-entry').getAttribute('data-user'), kind: 'entry',
                    body: {resident_id: resident, code: 'no_such_chart', value: 1, idempotency_key: key,
                           observed_at: new Date().toISOString()},
                    label: 'Broken entry', who: 'Test', made_at: new Date().toISOString(), state: 'waiting'});
        localStorage.setItem('wcn-care-queue-v1', JSON.stringify(queue)); }""", resident.id)
    carer.get_by_role("tab", name="Fluids").click()
    carer.get_by_role("button", name="Drink 150 ml").click()
    expect(carer.locator("#care-queue-count")).to_have_text("2 waiting to be sent")
    carer.context.set_offline(False)
    refused = carer.locator(".care-queue-item.care-failed")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Broken entry")
    expect(refused.locator(".care-queue-reason")).not_to_be_empty()
    expect(carer.locator(".care-sent").filter(has_text="Drink 150 ml")).to_have_count(1)
    expect(carer.locator("#care-queue-count")).to_have_attribute("data-count", "0")

    carer.locator(".care-queue-item.care-confirm").get_by_role("button", name="Yes, record it").click()
    expect(carer.locator(".care-queue-item.care-confirm")).to_have_count(0)
    expect(carer.locator(".care-sent").filter(has_text="Weight: 25 kg")).to_have_count(1)
    refused.get_by_role("button", name="Discard").click()
    expect(carer.locator(".care-queue-item.care-failed")).to_have_count(0)
    screens.shot(carer, "confirmed-and-discarded")

    db.session.rollback()
    rows = list(db.session.scalars(
        select(Observation).join(ObservationSet, ObservationSet.id == Observation.set_id)
        .where(Observation.resident_id == resident.id, ObservationSet.entered_at >= started)
        .order_by(Observation.id).execution_options(skip_home_scope=True)))
    assert [(o.code, float(o.value), o.confirmed) for o in rows] == [("fluid_in", 150.0, False), ("weight", 25.0, True)]
