"""`flask billing run HOME_ID YYYY-MM` and `flask billing preview FILE|-`."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

billing_cli = AppGroup("billing", help="Invoice runs and the billing preview.")


@billing_cli.command("run")
@click.argument("home_id", type=int)
@click.argument("month")
def run_command(home_id: int, month: str) -> None:
    """Create the draft invoices of one home for one month and print the summary as JSON."""
    from app.audit import acting_as
    from app.billing.runs import run_invoices
    from app.exceptions import DomainError
    from app.extensions import db
    from app.homes.models import CareHome

    if db.session.get(CareHome, home_id) is None:
        click.echo(f"Error: home_id: no home {home_id}", err=True)
        sys.exit(2)
    try:
        with acting_as(None, "flask billing run"):
            run = run_invoices(home_id, month)
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(2)
    click.echo(json.dumps({"created": run.invoices_created, "skipped": run.summary.get("skipped", []),
                           "total": f"{run.total:.2f}"}, ensure_ascii=False))


@billing_cli.command("preview")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def preview_command(source) -> None:
    """Print, as JSON, the lines an invoice run would produce for the scenario in FILE (or - for stdin),
    without touching the database."""
    from app.billing.calculation import preview_command_body

    code = preview_command_body(source)
    if code:
        sys.exit(code)
