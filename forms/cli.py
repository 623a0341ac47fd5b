"""`flask forms ...`: lint, publish, export and score form definitions.

The app registers `forms_cli` and puts its store at `current_app.extensions["form_store"]`; without
one, a store is built from the app config with `build_store`. `score` and `export` work from the files
in form_definitions/ when nothing is published, preferring the latest published version in the store.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from forms import jsonio
from forms.definition import DefinitionError, FormDefinition, definition_files, find_definition_file, load_definition
from forms.engine import validate_and_score
from forms.lint import lint
from forms.store import FormStore, StoreError, build_store

forms_cli = AppGroup("forms", help="Form definitions: lint, publish, export and score.")


def _store(required: bool) -> FormStore | None:
    store = current_app.extensions.get("form_store")
    if store is not None:
        return store
    try:
        store = build_store(current_app.config)
    except StoreError:
        if required:
            raise
        return None
    current_app.extensions["form_store"] = store
    return store


def _echo_json(value: Any) -> None:
    click.echo(jsonio.dumps(value, indent=2))


@forms_cli.command("lint")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def lint_command(files: tuple[Path, ...], as_json: bool) -> None:
    """Lint definition FILES (default: every file in form_definitions/)."""
    paths = list(files) or definition_files()
    failed = 0
    reports = []
    for path in paths:
        report = lint(Path(path))
        failed += not report.ok
        reports.append({"file": str(path), **report.to_dict()})
        if as_json:
            continue
        status = "ok" if report.ok else "FAILED"
        version = f" v{report.version}" if report.version else ""
        click.echo(f"{path}: {report.key or '?'}{version} {status}")
        for level, issues in (("error", report.errors), ("warning", report.warnings), ("info", report.info)):
            for issue in issues:
                where = f" [{issue.field}]" if issue.field else ""
                click.echo(f"  {level}{where}: {issue.message}")
    if as_json:
        _echo_json(reports)
    if failed:
        raise SystemExit(1)


@forms_cli.command("publish")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", default=None, help="Who is publishing (recorded with the version).")
def publish_command(file: Path, by: str | None) -> None:
    """Lint FILE, save it as a draft and publish (freeze) it."""
    report = lint(file)
    if not report.ok:
        for issue in report.errors:
            click.echo(f"error{f' [{issue.field}]' if issue.field else ''}: {issue.message}", err=True)
        raise SystemExit(1)
    store = _store(required=True)
    try:
        store.save_draft(report.definition.raw, by=by)
        record = store.publish(report.key, report.version, by=by)
    except (StoreError, DefinitionError) as exc:
        click.echo(f"error: {exc}", err=True)
        for issue in getattr(exc, "issues", []):
            click.echo(f"  {issue}", err=True)
        raise SystemExit(1) from None
    _echo_json({"key": record.key, "version": record.version, "sha256": record.sha256, "status": record.status})


def _definition(key: str, version: int | None) -> tuple[FormDefinition, str]:
    store = _store(required=False)
    if store is not None:
        try:
            record = store.get_definition(key, version)
        except Exception as exc:  # an unreachable or unmigrated store must not stop file-based scoring
            click.echo(f"warning: form store not usable ({type(exc).__name__}); using form_definitions/", err=True)
            record = None
        if record is not None and record.status != "draft":
            return load_definition(record.definition), "store"
    path = find_definition_file(key)
    if path is None:
        raise click.ClickException(f"no published definition and no file for form {key!r}")
    definition = load_definition(path)
    if version is not None and definition.version != version:
        raise click.ClickException(f"{path.name} is version {definition.version}, not {version}")
    return definition, "file"


@forms_cli.command("export")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Version (default: latest published, else the file).")
def export_command(key: str, version: int | None) -> None:
    """Print a definition's canonical JSON."""
    try:
        definition, _ = _definition(key, version)
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(definition.canonical_json())


@forms_cli.command("score")
@click.argument("key")
@click.argument("answers", type=click.File("rb"))
@click.option("--version", type=int, default=None, help="Version (default: latest published, else the file).")
@click.option("--locale", default="en-GB", help="Language of error messages and labels (en-GB or cy).")
@click.option("--today", default=None, help="Date for rules that use today (YYYY-MM-DD; default: today).")
def score_command(key: str, answers: Any, version: int | None, locale: str, today: str | None) -> None:
    """Validate and score ANSWERS.json (or - for standard input) against form KEY."""
    try:
        definition, origin = _definition(key, version)
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from None
    try:
        data = jsonio.loads(answers.read(jsonio.MAX_JSON_BYTES + 1))
    except jsonio.JsonInputError as exc:
        _echo_json({"ok": False, "errors": {"_input": [str(exc)]}})
        raise SystemExit(1) from None
    result = validate_and_score(definition, data, locale=locale, today=day)
    out = {
        "ok": result.ok,
        "form_key": result.form_key,
        "version": result.version,
        "sha256": result.sha256,
        "source": origin,
    }
    if result.ok:
        out.update(
            total=result.total,
            band=result.band,
            band_label=result.band_label,
            points=result.points,
            computed=result.computed,
            actions=result.actions,
            unanswered=result.unanswered,
            prorated=result.prorated,
            incomplete=result.incomplete,
            dropped=result.dropped,
        )
        _echo_json(out)
        return
    out["errors"] = result.errors
    _echo_json(out)
    sys.stdout.flush()
    raise SystemExit(1)
