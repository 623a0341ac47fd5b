"""Each notification once: the database refuses a second row with the same person, channel and
dedup_key, and notify() skips it quietly, even when two workers write it at the same moment."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.notifications import services
from app.notifications.models import NotificationOutbox
from app.notifications.services import notify
from app.residents.models import Contact
from tests.integration.jobs.conftest import user
from tests.integration.residents.races import assert_no_crash, at_once

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent writers need PostgreSQL (DATABASE_URL)",
)


def _rows(user_id, key):
    return db.session.scalar(select(func.count()).select_from(NotificationOutbox).where(
        NotificationOutbox.user_id == user_id, NotificationOutbox.dedup_key == key))


def test_notify_twice_with_one_dedup_key_writes_one(inline, world):
    nurse = user("nurse")
    assert len(notify([nurse.id], "job_finished", "Ready: PDF", dedup_key="job:1")) == 1
    assert notify([nurse.id], "job_finished", "Ready: PDF", dedup_key="job:1") == []
    db.session.commit()
    assert _rows(nurse.id, "job:1") == 1
    assert [n.subject for n in services.inbox(nurse.id)].count("Ready: PDF") == 1


def test_a_duplicate_the_check_missed_is_skipped_and_the_rest_of_the_transaction_kept(inline, world, monkeypatch):
    """As when another request wrote it after this one looked: only that row is undone."""
    nurse = user("nurse")
    notify([nurse.id], "job_finished", "Ready: PDF", dedup_key="job:2")
    db.session.commit()
    monkeypatch.setattr(services, "_exists", lambda *args: False)
    db.session.add(Contact(home_id=world.home_a.id, resident_id=world.resident_a.id, name="Kept Contact",
                           relationship_to_resident="Son"))
    assert notify([nurse.id], "job_finished", "Ready: PDF", dedup_key="job:2") == []
    db.session.commit()
    assert _rows(nurse.id, "job:2") == 1
    assert db.session.scalars(select(Contact).where(Contact.name == "Kept Contact")).one() is not None


@pytest.mark.postgres
@on_postgres
def test_two_workers_writing_one_notification_at_once_leave_one(app, inline, world, monkeypatch):
    nurse_id = user("nurse").id
    db.session.commit()
    monkeypatch.setattr(services, "_exists", lambda *args: False)  # both looked before either wrote

    def write():
        return len(notify([nurse_id], "job_finished", "Ready: care plan PDF", dedup_key="job:race:0"))

    outcomes = at_once(app, [write, write])
    assert_no_crash(outcomes)
    assert sorted(o.result for o in outcomes) == [0, 1]
    assert _rows(nurse_id, "job:race:0") == 1
