"""Resident photos: upload from the profile, shown to the home's staff only, never raw bytes kept."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.extensions import db
from app.residents.models import Resident


@pytest.fixture()
def files_dir(app, tmp_path):
    before = app.config["FILES_DIR"]
    app.config["FILES_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["FILES_DIR"] = before


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (1600, 1200), (200, 120, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: metadata that must not be kept
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_nurse_uploads_a_photo_that_is_re_encoded_and_shown(client, auth, world, files_dir):
    auth.login("nurse")
    response = client.post(
        f"/resident-photos/{world.resident_a.id}/upload",
        data={"photo": (io.BytesIO(jpeg_with_location()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    resident = db.session.get(Resident, world.resident_a.id)
    stored = files_dir / "photos" / resident.photo_filename
    assert stored.is_file() and resident.photo_filename != "me.jpg"
    with Image.open(stored) as image:
        assert max(image.size) == 800
        assert b"PhoneMaker" not in stored.read_bytes()
    shown = client.get(f"/resident-photos/{resident.id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert f"/resident-photos/{resident.id}" in client.get(f"/residents/{resident.id}/").get_data(as_text=True)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(client, auth, world, files_dir):
    auth.login("nurse")
    response = client.post(
        f"/resident-photos/{world.resident_a.id}/upload",
        data={"photo": (io.BytesIO(b"<script>alert(1)</script>"), "x.jpg")},
        content_type="multipart/form-data", follow_redirects=True,
    )
    assert "not an image" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Resident, world.resident_a.id).photo_filename is None


def test_carers_see_but_cannot_change_and_other_homes_cannot_see(client, auth, world, files_dir):
    auth.login("nurse")
    client.post(f"/resident-photos/{world.resident_a.id}/upload",
                data={"photo": (io.BytesIO(jpeg_with_location()), "me.jpg")}, content_type="multipart/form-data")
    auth.logout()
    auth.login("carer")
    assert client.get(f"/resident-photos/{world.resident_a.id}").status_code == 200
    refused = client.post(f"/resident-photos/{world.resident_a.id}/upload",
                          data={"photo": (io.BytesIO(jpeg_with_location()), "me.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code in (302, 403) and refused.status_code != 200
    auth.logout()
    auth.login("manager.b")
    assert client.get(f"/resident-photos/{world.resident_a.id}").status_code == 404
