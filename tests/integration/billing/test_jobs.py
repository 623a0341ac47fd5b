"""The invoice run and the printing of a run's invoices as jobs on the real Redis queue, drained by a
burst worker (no sleep): the run's summary is the job's result; the PDF holds every invoice."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from sqlalchemy import select

from app.billing.models import Invoice, InvoiceRun
from app.extensions import db
from tests.integration.billing.helpers import admit, agreement, issue_all, payer

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def unscoped(query):
    return query.execution_options(skip_home_scope=True)


@pytest.fixture()
def rq(app, tmp_path, monkeypatch):
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: no Redis to run the real queue against (CI sets it)")
    from redis import Redis

    monkeypatch.setitem(app.config, "REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "FILES_DIR", str(tmp_path / "files"))
    Redis.from_url(TEST_REDIS_URL).flushdb()
    yield app
    Redis.from_url(TEST_REDIS_URL).flushdb()


def drain(app) -> bool:
    from rq import SimpleWorker

    from app.jobs import QUEUE_NAME, redis_connection

    db.session.commit()
    worked = SimpleWorker([QUEUE_NAME], connection=redis_connection(app)).work(burst=True, logging_level="WARNING")
    db.session.commit()
    return worked


def test_the_run_and_the_run_pdf_go_through_the_queue(rq, client, auth, world):
    from pypdf import PdfReader

    from app.jobs import Job, result_file

    for name, weekly in (("Nel", "1400.00"), ("Osian", "980.00")):
        resident, stay = admit(world, name, dt.date(2026, 3, 2))
        agreement(stay, weekly, [{"payer_id": payer(world, "resident", f"{name} Billing", resident).id,
                                  "basis": "remainder"}])
    db.session.commit()
    auth.login("finance")
    response = client.post("/billing/run", data={"home_id": str(world.home_a.id), "month": "2026-04"})
    assert response.status_code == 302 and "/documents/" in response.location  # queued: progress there
    assert drain(rq)
    run = db.session.scalar(unscoped(select(InvoiceRun).where(InvoiceRun.home_id == world.home_a.id,
                                                              InvoiceRun.period_start == dt.date(2026, 4, 1))))
    job = db.session.scalar(select(Job).where(Job.key == f"invoice-run:{world.home_a.id}:2026-04"))
    assert run is not None and job.status == "finished", job.error
    issued = issue_all(world, run)
    db.session.commit()

    assert client.post(f"/billing/run/{run.id}/print").status_code == 302
    assert drain(rq)
    printed = db.session.scalar(select(Job).where(Job.key.like(f"billing-run:{run.id}:%")))
    assert printed.status == "finished", printed.error
    pdf = PdfReader(io.BytesIO(result_file(printed).read_bytes()))
    text = "".join(page.extract_text() for page in pdf.pages)
    numbers = db.session.scalars(unscoped(select(Invoice.number).where(Invoice.run_id == run.id)))
    assert len(issued) >= 2 and all(number in text for number in numbers)
    assert "Nel Billing" in text and "Osian Billing" in text
