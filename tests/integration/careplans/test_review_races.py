"""Two people saving a review of one care plan at the same moment: one version is written, the
other person is told the plan was reviewed meanwhile (never a server error); without the version
they had open, both reviews are kept as successive versions."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app.audit import acting_as
from app.careplans import services
from app.careplans.models import CarePlanVersion
from app.extensions import db
from tests.integration.residents.races import assert_no_crash, at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                       reason="concurrent writers need PostgreSQL (DATABASE_URL)"),
]


def _plan(world):
    with acting_as(None, "test"):
        plan = services.create_care_plan(world.resident_a.id, "standard", [{"need": "Mobility"}], None,
                                         title="Plan reviewed twice")
    db.session.commit()
    return plan.id


def _review(plan_id, who, expected):
    return lambda: services.review_care_plan(
        plan_id, [{"need": "Mobility", "outcome": f"Seen by {who}"}], {"staff": who}, "not_able", None,
        f"Review by {who}", None, expected_version=expected)


def _versions(plan_id):
    db.session.expire_all()
    return db.session.scalars(select(CarePlanVersion.version_no).where(
        CarePlanVersion.care_plan_id == plan_id).order_by(CarePlanVersion.version_no)).all()


def test_two_reviews_of_the_version_on_screen_keep_one(app, world):
    plan_id = _plan(world)
    outcomes = at_once(app, [_review(plan_id, who, 1) for who in ("Nurse Ann", "Nurse Bea", "Nurse Cai")])

    assert_no_crash(outcomes)
    assert sum(o.ok for o in outcomes) == 1
    assert _versions(plan_id) == [1, 2]
    for lost in (o for o in outcomes if not o.ok):
        assert lost.error.status_code == 409
        assert lost.messages == {"_": ["Someone reviewed this plan while you had it open; open it again to see "
                                       "their version."]}


def test_two_reviews_without_a_version_are_both_kept_in_turn(app, world):
    plan_id = _plan(world)
    outcomes = at_once(app, [_review(plan_id, who, None) for who in ("Nurse Ann", "Nurse Bea")])

    assert_no_crash(outcomes)
    assert all(o.ok for o in outcomes)
    assert _versions(plan_id) == [1, 2, 3]
