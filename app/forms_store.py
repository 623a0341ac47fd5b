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


def publish_standard(key: str) -> bool:
    """Publish the standard definition shipped in form_definitions/ under this key, the first time
    it is needed (a no-op once published). Commits the app's session afterwards, so call it before
    writing anything else: on SQLite the store writes on its own connection. False if no such file."""
    from forms.definition import find_definition_file, load_definition
    from forms.store import PUBLISHED, StoreError

    path = find_definition_file(key)
    if path is None:
        return False
    store = get_store()
    loaded = load_definition(path)
    try:
        if store.get_definition(key, loaded.version) is None:
            store.save_draft(loaded.raw, by="system")
        if store.get_definition(key, loaded.version).status != PUBLISHED:
            store.publish(key, loaded.version, by="system")
    except StoreError:
        pass  # published by another request at the same moment
    db.session.commit()
    return True


def publish_standard_forms() -> list[str]:
    """Publish every standard definition in form_definitions/ not yet published (first start)."""
    from forms.definition import definition_files, parse_definition

    published = []
    for path in definition_files():
        key = parse_definition(path)["x-form"]["key"]
        if get_store().get_definition(key) is None and publish_standard(key):
            published.append(key)
    return published
