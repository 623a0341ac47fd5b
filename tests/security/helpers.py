"""Small helpers shared by the sign-in and session tests."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.security import CareUser


def user_named(db_session, username: str) -> CareUser:
    db_session.expire_all()
    return db_session.scalars(select(CareUser).where(CareUser.username == username)).one()


def signed_in(client) -> bool:
    """Whether the client's browser session still reaches the start page."""
    return client.get("/").status_code == 200


def flashed(client) -> list[str]:
    """The messages the next page shows (reading them clears them)."""
    html = client.get("/login/").get_data(as_text=True)
    found = re.findall(r"(?s)<div class=\"alert[^\"]*\">(.*?)</div>", html)
    return [" ".join(re.sub(r"<[^>]+>|&times;", "", m).split()) for m in found]


def ago(**delta) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)
