"""A document asked for from a record's page comes back to that page, which follows the job (progress,
then the download) with a script carrying the response's CSP nonce; asked from the documents page it
still lands there."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit


def test_print_from_a_page_returns_to_it_following_the_job(client, auth, world):
    auth.login("nurse")
    resident = world.resident_a
    asked = client.post("/documents/transfer-summary",
                        data={"resident_id": resident.id, "next": f"/careplans/resident/{resident.id}/"})
    assert asked.status_code == 302
    where = urlsplit(asked.location)
    assert where.path == f"/careplans/resident/{resident.id}/"
    job_id = parse_qs(where.query)["print_job"][0]
    assert job_id
    plain = client.post("/documents/transfer-summary", data={"resident_id": resident.id})
    assert urlsplit(plain.location).path == "/documents/"


def test_the_plan_page_follows_the_job_with_a_nonced_script(client, auth, world):
    from sqlalchemy import select

    from app.careplans.models import CarePlan
    from app.extensions import db

    plan = db.session.scalars(select(CarePlan).where(CarePlan.resident_id == world.resident_a.id)
                              .execution_options(skip_home_scope=True)).first()
    auth.login("nurse")
    printed = client.post(f"/careplans/plan/{plan.id}/print")
    assert printed.status_code == 302 and "print_job=" in printed.location
    page = client.get(printed.location)
    html = page.get_data(as_text=True)
    assert 'id="print-progress"' in html and 'data-status-url="/documents/status.json"' in html
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'print-progress.js" nonce="{nonce}"' in html
    assert 'id="print-progress"' not in client.get(f"/careplans/plan/{plan.id}/").get_data(as_text=True)
