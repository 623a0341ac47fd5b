"""`flask setup` (schema, roles, first administrator, demo data) and `flask demo`."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from app.audit import acting_as
from app.bootstrap import generate_password
from app.extensions import db


def upgrade_schema() -> None:
    """Create or upgrade the database through the Alembic migrations."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


def ensure_roles() -> list[str]:
    return current_app.appbuilder.sm.sync_roles()


def ensure_admin(username: str = "admin", email: str = "admin@writecarenotes.local") -> str | None:
    """Create the first administrator if there is none. Returns the new password, once."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=username) is not None:
        return None
    password = generate_password()
    with acting_as(None, "setup"):
        user = sm.add_user(
            username=username, first_name="Group", last_name="Administrator", email=email,
            role=sm.find_role(sm.auth_role_admin), password=password,
        )
        if not user:
            raise click.ClickException("could not create the administrator; see the log above")
        user.all_homes = True
        db.session.commit()
    return password


def sync_permissions() -> None:
    """Register every view's permissions (FAB_UPDATE_PERMS is off at serve time: it is done here)."""
    sm = current_app.appbuilder.sm
    for name in (sm.auth_role_admin, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
    # A browser view and its REST API share one permission namespace (e.g. "Residents") with
    # different method sets, so FAB's clean-up offers to drop the other's permissions, refuses
    # because a role holds them, and warns each time. The refusal is right; the warnings are noise.
    fab_log = logging.getLogger("flask_appbuilder.security.sqla.manager")
    level = fab_log.level
    fab_log.setLevel(logging.ERROR)
    try:
        current_app.appbuilder.add_permissions(update_perms=True)
    finally:
        fab_log.setLevel(level)


def setup(load_demo: bool) -> dict:
    """Everything a first start needs; safe to run again (it changes nothing that exists)."""
    upgrade_schema()
    sync_permissions()
    changed_roles = ensure_roles()
    password = ensure_admin()
    from app.forms_store import publish_standard_forms

    publish_standard_forms()  # before any demo data: on SQLite the form store writes on its own connection
    from app.assessments.services import repair_half_written_submissions

    repair_half_written_submissions()  # assessments a crash cut off half way: finished or back to drafts
    demo_logins = None
    if load_demo:
        from app.demo import load_demo_data

        demo_logins = load_demo_data()
    return {"roles": changed_roles, "admin_password": password, "demo_logins": demo_logins}


def print_setup_result(result: dict) -> None:
    if result["roles"]:
        click.echo(f"Roles set from the permission matrix: {', '.join(result['roles'])}")
    if result["admin_password"]:
        click.secho("\nAn administrator was created. This password is shown only once:", bold=True)
        click.echo(f"  username: admin\n  password: {result['admin_password']}\n")
    logins = result.get("demo_logins")
    if logins:
        click.secho("Demo data loaded. Demo users (all share this password, shown only once):", bold=True)
        click.echo(f"  password: {logins['password']}")
        for username, role, homes in logins["users"]:
            click.echo(f"  {username:<16} {role:<14} {homes}")
        click.echo("")
    if result["admin_password"] or logins:
        from app.accounts.mfa import required_roles

        roles = sorted(required_roles()) if current_app else []
        if roles:
            click.secho("Second factor: at their first sign-in, users of these roles are asked to set up an "
                        f"authenticator app: {', '.join(roles)} (MFA_REQUIRED_ROLES; empty turns it off).\n",
                        bold=True)


@click.command("setup")
@click.option("--demo/--no-demo", default=False, help="Load the demo group on first start.")
@with_appcontext
def setup_command(demo: bool):
    """Create or upgrade the database, the roles and the first administrator."""
    print_setup_result(setup(load_demo=demo))


demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def demo_load():
    """Load the demo group, two homes and a dozen users (only into an empty database)."""
    from app.demo import load_demo_data

    logins = load_demo_data()
    if logins is None:
        click.echo("Demo data is already there (or the database has homes of its own); nothing changed.")
    else:
        print_setup_result({"roles": [], "admin_password": None, "demo_logins": logins})


