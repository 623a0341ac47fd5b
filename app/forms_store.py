"""The app's form store (`forms.store`), built once per app on first use."""

from __future__ import annotations

from flask import current_app

from app.extensions import db


def get_store():
    """The FormStore of this app: FORMS_STORE from the config, on the app's own engine for sql."""
    store = current_app.extensions.get("form_store")
    if store is None:
        from forms.store import build_store

        store = build_store(current_app.config, engine=db.engine)
        current_app.extensions["form_store"] = store
    return store
