"""`flask users deactivate USERNAME`: for an operator without the browser (a leaver, a lost device)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_command(username: str):
    """Stop USERNAME signing in; every session and API token of theirs ends at once."""
    from app.accounts import sessions
    from app.audit import acting_as, record_event
    from app.extensions import db
    from app.security import CareUser

    user = db.session.scalars(
        select(CareUser).where(func.lower(CareUser.username) == username.strip().lower())
    ).one_or_none()
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    with acting_as(None, "flask users deactivate"):
        live = len(sessions.live_ids_of(user.id))
        user.active = False  # the flush ends the sessions (app.accounts.sessions)
        db.session.flush()
        record_event("user_deactivated", "User", entity_id=user.id, session=db.session,
                     changes={"username": user.username, "sessions_ended": live})
        db.session.commit()
    click.echo(f"{user.username} is deactivated; {live} session(s) and their API tokens ended.")
