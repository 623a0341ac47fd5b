"""A nurse prints a resident's care plan (Welsh names print as typed); a manager prints every
care plan of the home as one job with progress; a voided plan or another home's is refused."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import select

from app.audit import acting_as
from app.careplans import services
from app.careplans.models import CarePlan
from app.extensions import db
from app.jobs import Job, JobError
from tests.integration.jobs.conftest import user
from tests.integration.jobs.test_documents import pdf_text


def jobs_of(username):
    db.session.expire_all()
    return list(db.session.scalars(select(Job).where(Job.user_id == user(username).id)))


def test_nurse_prints_a_care_plan_with_a_welsh_name(inline, auth, client, world):
    resident = world.resident_a
    with acting_as(None, "test"):
        resident.first_name, resident.last_name = "Siân", "Ŵyn-Gwŷn"
        plan = services.create_care_plan(resident.id, "standard", None, None, title="Cynllun gofal")
        services.review_care_plan(plan.id, [{"need": "Cyfathrebu (communication)", "matters": "Siarad Cymraeg",
                                             "interventions": "Speak Welsh first — always", "risks": "Isolation"}],
                                  {"resident": True, "family": "Dafydd ap Gwŷn"}, "given", "Siân Ŵyn-Gwŷn",
                                  "Reviewed with Dafydd", None)
        db.session.commit()
    auth.login("nurse")
    assert "Print (PDF)" in client.get(f"/careplans/plan/{plan.id}/").get_data(as_text=True)
    assert client.post(f"/careplans/plan/{plan.id}/print").status_code == 302
    [job] = jobs_of("nurse")
    assert job.status == "finished", job.error
    assert job.description == "Care plan: Siân Ŵyn-Gwŷn"
    text = pdf_text(client.get(f"/documents/file/{job.id}").data)
    for expected in ("Alder House", "Cynllun gofal: Siân Ŵyn-Gwŷn", "Cyfathrebu (communication)", "Siarad Cymraeg",
                     "Speak Welsh first — always", "Dafydd ap Gwŷn", "Consent given (Siân Ŵyn-Gwŷn)",
                     "Reviewed with Dafydd", "Version 2", "Version 1: reviewed", "Page 1 of", "Printed",
                     "Nurse Tester (nurse)", f"Next review {plan.next_review_on.strftime('%d %b %Y')}"):
        assert expected in text, expected


def test_page_one_carries_what_a_visiting_clinician_needs_and_signature_lines(inline, auth, client, world):
    from app.assessments.models import AssessmentRecord, RecordStatus

    resident = world.resident_a
    with acting_as(None, "test"):
        resident.allergies, resident.key_risks = "Penicillin (rash)", "Falls at night"
        db.session.add(AssessmentRecord(
            home_id=resident.home_id, resident_id=resident.id, form_key="must", version=1, sha256="0" * 64,
            token="pdf-page-one", answers={}, status=RecordStatus.submitted, submission_id="pdfpageone",
            total="2", band="high", band_label="High risk (2 or more)",
            taken_at=dt.datetime(2026, 11, 12, 10, tzinfo=dt.UTC)))
        plan = services.create_care_plan(resident.id, "standard", None, None, title="Care plan")
        db.session.commit()
    auth.login("nurse")
    client.post(f"/careplans/plan/{plan.id}/print")
    [job] = jobs_of("nurse")
    assert job.status == "finished", job.error
    pdf = client.get(f"/documents/file/{job.id}").data
    first_page = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    for expected in ("For a visiting clinician", "Penicillin (rash)", "DNACPR in force", "Do not attempt CPR",
                     "Falls at night", "('MUST'): 2, High risk (2 or more) (12 Nov 2026)",
                     "Morse Fall Scale: not yet done"):
        assert expected in first_page, expected
    text = pdf_text(pdf)
    assert "Resident or their representative" in text and "Nurse" in text and "Signatures" in text


def test_a_voided_plan_is_not_printed(inline, auth, client, world):
    from app.careplans.jobs import render_care_plan_pdf

    plan = db.session.scalars(select(CarePlan).where(CarePlan.resident_id == world.resident_a.id)).first()
    with acting_as(None, "test"):
        plan.voided_at, plan.void_reason = dt.datetime.now(dt.UTC), "Written for the wrong resident"
        db.session.commit()
    try:
        render_care_plan_pdf(plan.id, user("nurse").id)
    except JobError as error:
        assert "voided" in error.message
    else:
        raise AssertionError("a voided plan was printed")
    auth.login("nurse")
    refused = client.post(f"/careplans/plan/{plan.id}/print", follow_redirects=True).get_data(as_text=True)
    assert "This care plan was voided, so it cannot be printed." in refused
    assert jobs_of("nurse") == []


def test_every_care_plan_of_a_home_in_one_file_with_progress(inline, auth, client, world, monkeypatch):
    from app.careplans import jobs as care_plan_jobs
    from app.residents import stays
    from tests.factories import make_bed, make_resident

    with acting_as(None, "test"):
        for number, (first, last) in enumerate((("Gwilym", "Ŵatcyn"), ("Mair", "Owen")), 1):
            resident = make_resident(world.home_a, first, last)
            bed = make_bed(world.room_a, f"C{number}")
            stays.admit_resident(resident.id, bed.id, dt.datetime.now(dt.UTC) - dt.timedelta(days=3), "permanent")
            services.create_care_plan(resident.id, "standard", [{"need": f"Need of {first}"}], None,
                                      title=f"Plan of {first}")
        db.session.commit()
    seen = []
    original = care_plan_jobs.set_progress

    def recording(done, total=None):
        seen.append((done, total))
        original(done, total)

    monkeypatch.setattr(care_plan_jobs, "set_progress", recording)
    auth.login("manager")
    page = client.get("/careplans/due/").get_data(as_text=True)
    assert "All care plans (PDF)" in page
    assert 'id="home-care-plans-form"' in client.get("/documents/").get_data(as_text=True)
    assert client.post("/careplans/print-home", data={"home_id": world.home_b.id}).status_code == 404
    assert client.post("/careplans/print-home", data={"home_id": world.home_a.id}).status_code == 302
    [job] = jobs_of("manager")
    assert job.status == "finished" and job.progress == 100, job.error
    assert seen[:3] == [(1, 6), (2, 6), (3, 6)] and seen[-1][1] == 6 and seen[-1][0] >= 4
    data = client.get(f"/documents/file/{job.id}").data
    texts = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    first_pages = [t for t in texts if ": " in t and "Version" in t]
    joined = " ".join(texts)
    # Owen, Resident (the seed), Ŵatcyn: alphabetical, Ŵ under W
    assert joined.index("Mair Owen") < joined.index("Seed Resident Alder House") < joined.index("Gwilym Ŵatcyn")
    assert "Need of Gwilym" in joined and "Birch Court" not in joined
    assert f"Page 1 of {len(texts)}" in texts[0] and first_pages


def test_care_plan_pdf_and_home_batch_through_redis_and_a_worker(rq, auth, client, world, drain):
    plan = db.session.scalars(select(CarePlan).where(CarePlan.resident_id == world.resident_a.id)).first()
    auth.login("nurse")
    client.post(f"/careplans/plan/{plan.id}/print")
    client.post("/careplans/print-home", data={"home_id": world.home_a.id})
    queued = jobs_of("nurse")
    assert len(queued) == 2 and {j.status for j in queued} == {"queued"}
    assert drain() is True
    for job in jobs_of("nurse"):
        assert job.status == "finished" and job.progress == 100, job.error
        text = pdf_text(client.get(f"/documents/file/{job.id}").data)
        assert "Seed plan Alder House: Seed Resident Alder House" in text and "Birch Court" not in text
