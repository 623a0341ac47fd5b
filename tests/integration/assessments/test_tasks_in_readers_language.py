"""A task a band action made is put into words when it is shown, in the reader's language (the job
wrote it in English); a task someone typed is shown as typed."""

from __future__ import annotations

from sqlalchemy import select

from app.assessments.jobs import task_title
from app.assessments.models import Task
from app.extensions import db
from tests.integration.assessments.helpers import example, fill


def test_a_referral_task_reads_in_welsh_for_a_welsh_reader(client, auth, world, inline):
    auth.login("nurse")
    fill(client, world.resident_a.id, "must", example("must", name="BMI 18.4 scores 2")["answers"])
    tasks = db.session.scalars(select(Task).where(Task.resident_id == world.resident_a.id,
                                                  Task.source.is_not(None))).all()
    referral = next(task for task in tasks if task.title == "Refer to Dietitian")
    assert task_title(referral) == "Refer to Dietitian"  # outside a request: as stored
    english = client.get("/taskview/list/").get_data(as_text=True)
    assert "Refer to Dietitian" in english
    client.get("/lang/cy")
    welsh = client.get("/taskview/list/").get_data(as_text=True)
    assert "Dietegydd" in welsh and "Refer to Dietitian" not in welsh
    assert "Seed task Alder House" in welsh  # typed by a person: as typed
    client.get("/lang/en")
