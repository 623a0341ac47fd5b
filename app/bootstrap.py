"""Small helpers that first-run set-up (`flask setup`, app/cli.py) and the demo data (app/demo.py)
share, kept here so that neither imports the other."""

from __future__ import annotations

import secrets
import string

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.extensions import db


def generate_password(length: int = 16) -> str:
    """A password that passes the complexity rule: upper, lower, digits and a symbol."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(length - 2))
        candidate = core + secrets.choice("!#%*+-=?@") + secrets.choice(string.digits)
        if any(c.isupper() for c in candidate) and any(c.islower() for c in candidate):
            return candidate


def database_is_empty() -> bool:
    """No schema yet, or no organisation in it: a first run."""
    from app.homes.models import Organisation

    if "organisation" not in sa_inspect(db.engine).get_table_names():
        return True
    return db.session.scalar(select(Organisation.id).limit(1)) is None
