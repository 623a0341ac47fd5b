"""The app's form store (`forms.store`), built once per app on first use."""

from __future__ import annotations

from flask import current_app

from app.extensions import db


def get_store():
    """The FormStore of this app: FORMS_STORE from the config, on the app's own engine for sql."""
    store = current_app.extensions.get("form_store")
    if store is None:
        from app.request_cache import request_memo
        from forms.store import build_store

        store = build_store(current_app.config, engine=db.engine)
        store.read_memo = request_memo  # definitions read once per request
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


# ---------------------------------------------------------------------------------------------
# Who owns a form. The group's library (standard and group forms, owner None) is changed only by
# group administrators; a home's own forms (owner = the home's id) are seen, filled and changed
# in that home only, by its managers. A home adapts a group form by copying it.


def builder_homes(user):
    """Homes whose own forms this user sees in the builder: None (all) for group administrators,
    else the homes the user works in. Outside a request: None."""
    from app.access import is_group_admin
    from app.tenancy import allowed_home_ids

    if user is None or is_group_admin(user):
        return None
    return allowed_home_ids(user)


def may_change(record, user) -> bool:
    """A group form by group administrators only; a home's own form by users of that home (the
    builder's write permission is checked by the page)."""
    from flask import has_request_context

    from app.access import is_group_admin
    from app.tenancy import allowed_home_ids

    if user is None:  # the system (setup, jobs, the command line) outside a request
        return not has_request_context()
    if is_group_admin(user):
        return True
    owner = getattr(record, "owner_home_id", record)
    return owner is not None and owner in allowed_home_ids(user)


def form_homes(home_id: int | None = None):
    """Homes whose own forms may be scheduled and filled here: the given home (a resident's or a
    schedule's), else the homes in the current scope (None outside a request: every form)."""
    from app.tenancy import current_scope

    if home_id is not None:
        return frozenset([home_id])
    return current_scope()


def form_usable(key: str, home_id: int | None) -> bool:
    """Whether a record of this home may use the form: the group's, or this home's own."""
    versions = get_store().list_definitions(key=key)
    return not versions or versions[0].visible_to(None if home_id is None else frozenset([home_id]))


def check_form_home(key: str, home_id: int | None) -> None:
    """Refuse another home's own form for a record of this home (as if it did not exist)."""
    from flask_babel import lazy_gettext as _l

    from app.exceptions import NotFoundError

    if not form_usable(key, home_id):
        raise NotFoundError(str(_l("form")))
