"""Two copies of one entry (the same idempotency key) sent at the same moment on two connections are
saved once: the database's unique index decides, and the late request answers with the first entry.
Needs PostgreSQL (real concurrent writers)."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import func, select, text

from app.care import services
from app.care.models import CareNote, ObservationSet
from app.extensions import db
from app.residents.models import Resident

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="concurrent writers need PostgreSQL")


def _waiting_on_a_lock(app, timeout: float = 15.0) -> bool:
    """Poll from a third connection until another backend waits on a lock (the second insert)."""
    deadline = time.monotonic() + timeout
    with app.app_context(), db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            if waiting:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.parametrize("kind", ["entry", "note", "vitals"])
def test_the_same_entry_sent_twice_at_once_is_saved_once(app, world, kind):
    resident_id = world.resident_a.id
    key = f"race-{kind}-1"
    first_flushed = threading.Event()
    results: dict[str, object] = {}

    def record(name: str, hold: bool):
        with app.app_context():
            try:
                resident = db.session.get(Resident, resident_id)
                if kind == "entry":
                    row = services.record_entry(resident, "fluid_in", 180, None, None, idempotency_key=key)
                elif kind == "note":
                    row = services.record_note(resident, "night_check", "Asleep", None, None, idempotency_key=key)
                else:
                    row = services.record_vitals(resident, {
                        "respiration_rate": 16, "spo2": 97, "supplemental_oxygen": 0, "systolic_bp": 120,
                        "pulse": 70, "consciousness": "A", "temperature": "36.9"}, None, None, idempotency_key=key)
                if hold:  # keep the transaction open until the other request is blocked behind it
                    first_flushed.set()
                    results["blocked"] = _waiting_on_a_lock(app)
                results[name] = row.id
                db.session.commit()
            except Exception as error:  # reported by the assertions below
                results[name] = error
                db.session.rollback()
            finally:
                db.session.remove()

    first = threading.Thread(target=record, args=("first", True))
    first.start()
    assert first_flushed.wait(30)
    second = threading.Thread(target=record, args=("second", False))
    second.start()
    first.join(60)
    second.join(60)
    assert results.get("blocked") is True, results
    assert isinstance(results["first"], int) and results["second"] == results["first"], results
    model = CareNote if kind == "note" else ObservationSet
    rows = db.session.scalar(select(func.count()).select_from(model).where(model.idempotency_key == key)
                             .execution_options(skip_home_scope=True))
    assert rows == 1
