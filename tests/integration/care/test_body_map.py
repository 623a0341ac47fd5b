"""Body map: a carer marks a site on the figure (API and pages), adds dated entries with photos
stripped of their metadata, marks it healed or voids it with a reason (never deleted); bad input
is refused naming the field with nothing saved; another home's mark does not exist; who may do what."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.care.bodymap_models import BodyMark, BodyMarkEntry, BodyMarkPhoto
from app.extensions import db

API = "/api/v1/care/body-marks/"


@pytest.fixture()
def files_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FILES_DIR", str(tmp_path))
    return tmp_path


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (2400, 1800), (180, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0131] = "SecretCameraApp"  # software
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def today() -> dt.date:
    from app.ukdates import LONDON

    return dt.datetime.now(LONDON).date()


def mark_body(resident_id, **overrides) -> dict:
    body = {"resident_id": resident_id, "side": "back", "x": 50, "y": 44, "kind": "pressure_damage",
            "category": "category_2", "origin": "home", "first_seen_on": (today() - dt.timedelta(days=2)).isoformat(),
            "description": "Broken skin over the sacrum, 2 cm", "length_mm": 20, "width_mm": 15, "depth_mm": 1}
    body.update(overrides)
    return body


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).execution_options(skip_home_scope=True))


def test_carer_marks_a_site_adds_an_entry_with_a_photo_and_marks_it_healed(client, auth, world, files_dir):
    headers = auth.headers("carer")
    photo = base64.b64encode(jpeg_with_exif()).decode()
    created = client.post(API, json=mark_body(world.resident_a.id, photos=[photo]), headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    mark = created.get_json()
    assert mark["region"] == "sacrum" and mark["region_label"] == "Sacrum and coccyx"
    assert mark["category"] == "category_2" and mark["created_by"] == "Carer Tester"
    [first] = mark["entries"]
    assert first["length_mm"] == 20.0 and len(first["photos"]) == 1

    stored = db.session.scalars(select(BodyMarkPhoto).where(BodyMarkPhoto.entry_id == first["id"])).one()
    data = (files_dir / "bodymap" / stored.filename).read_bytes()
    assert b"PhoneMaker" not in data and b"SecretCameraApp" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) == 1600 and not image.getexif()
    auth.login("carer")
    shown = client.get(first["photos"][0]["url"])
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"

    entry = client.post(f"{API}{mark['id']}/entries", headers=headers,
                        json={"length_mm": 25, "width_mm": 18, "category": "category_3", "description": "Deeper"})
    assert entry.status_code == 201, entry.get_data(as_text=True)
    again = client.get(f"{API}{mark['id']}", headers=headers).get_json()["result"]
    assert again["category"] == "category_3"

    healed = client.post(f"{API}{mark['id']}/healed", json={"healed_on": today().isoformat(), "note": "Closed"},
                         headers=headers)
    assert healed.status_code == 200 and healed.get_json()["healed_on"] == today().isoformat()
    late = client.post(f"{API}{mark['id']}/entries", json={"description": "Looked again"}, headers=headers)
    assert late.status_code == 409 and "healed" in late.get_json()["message"]
    assert count(BodyMarkEntry) - seeded_entries() == 2


def seeded_entries() -> int:
    return db.session.scalar(select(func.count()).select_from(BodyMarkEntry)
                             .where(BodyMarkEntry.description == "Seed mark")
                             .execution_options(skip_home_scope=True))


@pytest.mark.parametrize(("overrides", "field"), [
    ({"x": 150}, "x"), ({"y": -1}, "y"), ({"x": "left"}, "x"), ({"kind": "burn"}, "kind"),
    ({"kind": "bruise", "category": "category_2"}, "category"), ({"category": None}, "category"),
    ({"category": "category_9"}, "category"), ({"origin": "moon"}, "origin"), ({"side": "top"}, "side"),
    ({"first_seen_on": "31/02/2026"}, "first_seen_on"), ({"region": "left_heel", "side": "front"}, "region"),
    ({"length_mm": -3}, "length_mm"), ({"region": ["sacrum"]}, "region"), ({"x": {"a": 1}}, "x"),
    ({"first_seen_on": 20261130}, "first_seen_on"), ({"kind": ["bruise"]}, "kind"), ({"x": "NaN"}, "x"),
    ({"photos": [base64.b64encode(b"<script>").decode()]}, "photo"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(client, auth, world, files_dir, overrides,
                                                                    field):
    before = count(BodyMark)
    response = client.post(API, json=mark_body(world.resident_a.id, **overrides), headers=auth.headers("carer"))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["field"] == field or field in response.get_json()["errors"]
    assert count(BodyMark) == before


def test_future_first_seen_and_healed_before_first_seen_are_refused(client, auth, world, files_dir):
    headers = auth.headers("nurse")
    future = client.post(API, json=mark_body(world.resident_a.id, first_seen_on=(today() + dt.timedelta(days=1))
                                             .isoformat()), headers=headers)
    assert future.status_code == 422 and future.get_json()["field"] == "first_seen_on"
    mark = client.post(API, json=mark_body(world.resident_a.id), headers=headers).get_json()
    early = client.post(f"{API}{mark['id']}/healed",
                        json={"healed_on": (today() - dt.timedelta(days=5)).isoformat()}, headers=headers)
    assert early.status_code == 422 and early.get_json()["field"] == "healed_on"
    assert "before it was first seen" in early.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(BodyMark, mark["id"]).healed_on is None


def test_a_mark_made_in_error_is_voided_with_a_reason_and_kept(client, auth, world, files_dir):
    headers = auth.headers("carer")
    mark = client.post(API, json=mark_body(world.resident_a.id, kind="bruise", category=None), headers=headers)
    mark = mark.get_json()
    no_reason = client.post(f"{API}{mark['id']}/void", json={"reason": "  "}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.get_json()["field"] == "reason"
    voided = client.post(f"{API}{mark['id']}/void", json={"reason": "Wrong resident"}, headers=headers)
    assert voided.status_code == 200 and voided.get_json()["void_reason"] == "Wrong resident"
    kept = client.get(f"{API}{mark['id']}", headers=headers)
    assert kept.status_code == 200 and kept.get_json()["result"]["void_reason"] == "Wrong resident"
    assert client.post(f"{API}{mark['id']}/entries", json={"description": "x"}, headers=headers).status_code == 409
    assert client.delete(f"{API}{mark['id']}", headers=headers).status_code in (404, 405)


def test_another_homes_mark_does_not_exist_for_a_home_a_user(client, auth, world, files_dir):
    b_mark = db.session.scalars(select(BodyMark).where(BodyMark.home_id == world.home_b.id)
                                .execution_options(skip_home_scope=True)).first()
    b_photo = db.session.scalars(select(BodyMarkPhoto).where(BodyMarkPhoto.home_id == world.home_b.id)
                                 .execution_options(skip_home_scope=True)).first()
    headers = auth.headers("manager")
    entries_before = count(BodyMarkEntry)
    assert client.get(f"{API}{b_mark.id}", headers=headers).status_code == 404
    for action, body in (("entries", {"description": "x"}), ("healed", {"healed_on": today().isoformat()}),
                         ("void", {"reason": "x"})):
        assert client.post(f"{API}{b_mark.id}/{action}", json=body, headers=headers).status_code == 404
    assert count(BodyMarkEntry) == entries_before
    listed = client.get(API, headers=headers).get_json()
    assert b_mark.id not in listed["ids"]
    refused = client.post(API, json=mark_body(world.resident_b.id), headers=headers)
    assert refused.status_code == 404 and refused.get_json()["field"] == "resident_id"
    missing = client.post(API, json=mark_body("abc"), headers=headers)
    assert missing.status_code == 422 and missing.get_json()["field"] == "resident_id"
    auth.login("manager")
    assert client.get(f"/care/body-map/mark/{b_mark.id}/").status_code == 404
    assert client.get(f"/care/body-map/photo/{b_photo.id}").status_code == 404
    assert client.get(f"/care/body-map/resident/{world.resident_b.id}/").status_code == 404
    assert client.post(f"/care/body-map/mark/{b_mark.id}/void", data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(BodyMark, b_mark.id).voided_at is None


@pytest.mark.parametrize("username", ["office", "finance", "family", "hr"])
def test_office_finance_family_see_nothing_of_the_body_map(client, auth, world, username, files_dir):
    headers = auth.headers(username)
    assert client.get(API, headers=headers).status_code == 403
    assert client.post(API, json=mark_body(world.resident_a.id), headers=headers).status_code == 403
    auth.login(username)
    page = client.get(f"/care/body-map/resident/{world.resident_a.id}/")
    assert page.status_code in (302, 403)
    assert client.get("/care/body-map/").status_code in (302, 403)


def test_auditor_reads_but_cannot_mark(client, auth, world, files_dir):
    headers = auth.headers("auditor")
    assert client.get(API, headers=headers).status_code == 200
    assert client.post(API, json=mark_body(world.resident_a.id), headers=headers).status_code == 403
    auth.login("auditor")
    page = client.get(f"/care/body-map/resident/{world.resident_a.id}/")
    assert page.status_code == 200 and "Record a new mark" not in page.get_data(as_text=True)
    assert client.post(f"/care/body-map/resident/{world.resident_a.id}/new",
                       data=mark_body(world.resident_a.id)).status_code in (302, 403)


def test_carer_marks_on_the_page_and_the_manager_sees_the_home_acquired_count(client, auth, world, files_dir):
    auth.login("carer")
    page = client.get(f"/care/body-map/resident/{world.resident_a.id}/")
    assert page.status_code == 200 and 'data-side="back"' in page.get_data(as_text=True)
    form = {k: str(v) for k, v in mark_body(world.resident_a.id).items() if k != "resident_id"}
    form["first_seen_on"] = (today() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    form["photos"] = (io.BytesIO(jpeg_with_exif()), "heel.jpg")
    created = client.post(f"/care/body-map/resident/{world.resident_a.id}/new", data=form,
                          content_type="multipart/form-data")
    assert created.status_code == 302, created.get_data(as_text=True)
    shown = client.get(created.location).get_data(as_text=True)
    assert "Sacrum and coccyx" in shown and "Category 2" in shown and "/care/body-map/photo/" in shown
    admission = dict(form, origin="admission", x="40", y="95", side="back", photos=None)
    admission.pop("photos")
    assert client.post(f"/care/body-map/resident/{world.resident_a.id}/new", data=admission).status_code == 302

    bad = dict(admission, x="150", kind="burn")
    refused = client.post(f"/care/body-map/resident/{world.resident_a.id}/new", data=bad)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Across (%)" in text and "0 to 100" in text and "Kind" in text
    assert 'value="150"' in text  # what was typed comes back

    mark_id = int(created.location.rstrip("/").rsplit("/", 1)[1])
    entry = client.post(f"/care/body-map/mark/{mark_id}/entry", data={"length_mm": "30", "description": "Wider"})
    assert entry.status_code == 302
    early = client.post(f"/care/body-map/mark/{mark_id}/healed", data={"healed_on": "01/01/2020"})
    assert early.status_code == 422 and "before it was first seen" in early.get_data(as_text=True)
    auth.logout()

    auth.login("manager")
    listed = client.get("/care/body-map/").get_data(as_text=True)
    assert '<strong class="pressure-open">1</strong>' in listed  # the admission one is not counted
    start = client.get("/").get_data(as_text=True)
    assert "pressure damage acquired in the home" in start


def test_on_the_pages_a_mark_heals_and_another_is_voided_with_its_reason(client, auth, world, files_dir):
    headers = auth.headers("carer")
    healing = client.post(API, json=mark_body(world.resident_a.id), headers=headers).get_json()
    wrong = client.post(API, json=mark_body(world.resident_a.id, kind="rash", category=None), headers=headers)
    wrong = wrong.get_json()
    auth.login("carer")
    no_reason = client.post(f"/care/body-map/mark/{wrong['id']}/void", data={"reason": ""})
    assert no_reason.status_code == 422 and "Reason" in no_reason.get_data(as_text=True)
    assert client.post(f"/care/body-map/mark/{wrong['id']}/void", data={"reason": "Not a rash: a shadow"}
                       ).status_code == 302
    healed = client.post(f"/care/body-map/mark/{healing['id']}/healed",
                         data={"healed_on": today().strftime("%d/%m/%Y"), "note": "Skin intact"})
    assert healed.status_code == 302
    page = client.get(f"/care/body-map/resident/{world.resident_a.id}/").get_data(as_text=True)
    assert "Not a rash: a shadow" in page and f"healed {today().strftime('%d/%m/%Y')}" in page
    shown = client.get(f"/care/body-map/mark/{wrong['id']}/").get_data(as_text=True)
    assert "Not a rash: a shadow" in shown and "Add an entry" not in shown
    db.session.expire_all()
    assert db.session.get(BodyMark, wrong["id"]).voided_at is not None  # kept, not deleted
    assert db.session.get(BodyMark, healing["id"]).healed_note == "Skin intact"
