"""A form a home builds and publishes in the form builder can be scheduled and filled like a standard one."""

from __future__ import annotations

from app.audit import acting_as
from app.extensions import db
from app.formbuilder import services as builder


def publish_copy_of_must(key: str) -> None:
    with acting_as(None, "test"):
        builder.copy_form("file:must", key, None)
        builder.publish(key, 1, None)
        db.session.commit()


def test_a_published_builder_assessment_can_be_scheduled_and_is_offered(client, auth, world, db_session):
    publish_copy_of_must("alder_nutrition")
    headers = auth.headers("manager")
    response = client.post(
        "/api/v1/assessment-schedules/",
        json={"form_key": "alder_nutrition", "every_days": 14, "on_admission": False}, headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    auth.login("nurse")
    page = client.get(f"/assessments/resident/{world.resident_a.id}/").get_data(as_text=True)
    assert "alder_nutrition" in page


def test_an_unpublished_or_unknown_form_cannot_be_scheduled(client, auth, world, db_session):
    with acting_as(None, "test"):
        builder.copy_form("file:must", "draft_only", None)
        db.session.commit()
    headers = auth.headers("manager")
    for key in ("draft_only", "no_such_form"):
        response = client.post(
            "/api/v1/assessment-schedules/", json={"form_key": key, "every_days": 14}, headers=headers,
        )
        assert response.status_code == 422, (key, response.get_json())
        assert "form_key" in response.get_json()["message"]
