"""Resident photos: uploaded from the profile page, checked, re-encoded and served only to staff of
the resident's home. The stored file is a fresh JPEG with a random name: whatever was uploaded
(its metadata, location tags, or anything that is not really an image) never reaches disk."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from app.exceptions import DomainError
from app.extensions import db
from app.residents.models import Resident
from app.residents.pages import _get_or_404

PHOTO_DIR = "photos"
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE_PX = 800
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def photo_dir() -> Path:
    path = Path(current_app.config["FILES_DIR"]) / PHOTO_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_path(resident: Resident) -> Path | None:
    if not resident.photo_filename:
        return None
    base = photo_dir().resolve()
    path = (base / resident.photo_filename).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def reencode(data: bytes, max_side: int) -> bytes:
    """Check an uploaded image and re-encode it: a fresh upright JPEG at most max_side pixels a side, nothing of
    the upload's metadata kept. DomainError (field "photo") when it is not an image we accept."""
    if not data:
        raise DomainError({"photo": [str(_l("Choose a photo to upload."))]})
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError({"photo": [str(_l("The photo is too large (8 MB at most)."))]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise DomainError({"photo": [str(_l("Upload a JPEG, PNG, WebP or GIF image."))]})
            if image.width * image.height > 40_000_000:
                raise DomainError({"photo": [str(_l("The photo is too large (8 MB at most)."))]})
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise DomainError({"photo": [str(_l("That file is not an image we can read."))]}) from None
    return out.getvalue()


def store_photo(resident: Resident, data: bytes) -> str:
    """Check an uploaded image and keep a re-encoded copy as the resident's photo. Flushes only."""
    if resident.voided_at is not None:
        raise DomainError({"photo": [str(_l("This record is voided."))]})
    name = f"{secrets.token_hex(16)}.jpg"
    (photo_dir() / name).write_bytes(reencode(data, MAX_SIDE_PX))
    resident.photo_filename = name
    db.session.flush()
    return name


class ResidentPhotoView(BaseView):
    """GET /resident-photos/<id> shows the photo; POST /resident-photos/<id>/upload replaces it."""

    route_base = "/resident-photos"
    class_permission_name = "Residents"
    method_permission_name = {"show": "read", "upload": "write"}

    def _resident(self, pk: int) -> Resident:
        # Scoped: another home's resident is not found; nor is an id no row can have.
        return _get_or_404(Resident, pk)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        path = photo_path(self._resident(pk))
        if path is None:
            abort(404)
        response = send_file(path, mimetype="image/jpeg", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/<int:pk>/upload", methods=["POST"])
    @has_access
    def upload(self, pk):
        resident = self._resident(pk)
        upload = request.files.get("photo")
        try:
            store_photo(resident, upload.read(MAX_UPLOAD_BYTES + 1) if upload else b"")
            db.session.commit()
            flash(str(_l("Photo saved.")), "success")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        return redirect(url_for("ResidentProfileView.profile", pk=pk))
