"""flask data anonymise TARGET_URL: an anonymised copy of this database, for training and test systems."""

from __future__ import annotations

import base64
import datetime as dt
import os
import pathlib
import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

data_cli = AppGroup("data", help="Copies of the data.")


def default_keys_file(target_url: str) -> pathlib.Path:
    url = make_url(target_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return pathlib.Path(f"{url.database}.keys.env")
    return pathlib.Path(current_app.instance_path) / f"anonymised-{url.database or 'copy'}.keys.env"


def read_or_write_keys(path: pathlib.Path) -> tuple[str, str, bool]:
    """(FIELD_ENCRYPTION_KEYS, FIELD_BLIND_INDEX_KEY, whether they were made now) of the copy."""
    if path.exists():
        values = {}
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                values[name.strip()] = value.strip()
        try:
            return values["FIELD_ENCRYPTION_KEYS"], values["FIELD_BLIND_INDEX_KEY"], False
        except KeyError:
            raise click.ClickException(f"{path} has no FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY lines") from None
    keys = "anon1:" + base64.b64encode(os.urandom(32)).decode()
    index_key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"# Keys of the anonymised copy made {dt.datetime.now(dt.UTC):%d/%m/%Y %H:%M} UTC: give these to\n"
                  "# the app that opens the copy (they are not the source's keys).\n"
                  f"FIELD_ENCRYPTION_KEYS={keys}\nFIELD_BLIND_INDEX_KEY={index_key}\n")
    return keys, index_key, True


@data_cli.command("anonymise")
@click.argument("target_url")
@click.option("--secret", envvar="ANONYMISE_SECRET", required=True,
              help="Makes the fakes: the same secret gives the same copy (env ANONYMISE_SECRET). Keep it away "
                   "from the copy's users.")
@click.option("--password", envvar="ANONYMISE_PASSWORD", default=None,
              help="The password of every user in the copy (default: a new one, shown once).")
@click.option("--keys-file", type=click.Path(dir_okay=False, path_type=pathlib.Path), default=None,
              help="The copy's encryption and blind-index keys: read if the file exists, else made and written "
                   "there (default: beside a SQLite copy, or instance/anonymised-<database>.keys.env).")
def anonymise_command(target_url: str, secret: str, password: str | None, keys_file: pathlib.Path | None):
    """Write an anonymised copy of this database into TARGET_URL (an empty database).

    Names, NHS numbers, dates of birth, addresses, postcodes, phone numbers, emails, contacts and free
    text are replaced consistently; ids, links between records, codes, dates of events and amounts are
    kept. The source is only read. Sessions, second factors, API keys and reset links are not copied.
    """
    from werkzeug.security import generate_password_hash

    from app.anonymise import registry
    from app.anonymise.copier import AnonymiseError, Anonymiser, check_target, copy_database, migrate
    from app.anonymise.fakes import Faker
    from app.bootstrap import generate_password
    from app.crypto import KeyRing
    from app.extensions import db

    missing = registry.unclassified(registry.all_tables())
    if missing:
        raise click.ClickException("These columns are not classified in app/anonymise/registry.py, so the copy "
                                   f"could leak them: {', '.join(missing)}")
    source = db.engine
    try:
        target = check_target(source, target_url)
    except AnonymiseError as exc:
        raise click.ClickException(str(exc)) from None
    keys_path = keys_file or default_keys_file(target_url)
    keys, index_key, made = read_or_write_keys(keys_path)
    shown_password = password is None
    password = password or generate_password()
    password_hash = generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
    try:
        migrate(target_url)
        anonymiser = Anonymiser(Faker(secret), KeyRing(keys), index_key, password_hash)
        result = copy_database(source, target, anonymiser,
                               progress=lambda name, n: click.echo(f"  {name}: {n} rows", err=True))
    except AnonymiseError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        target.dispose()
    click.echo(f"Anonymised copy written: {sum(result.rows.values())} rows in {len(result.rows)} tables.")
    click.echo(f"Not copied: {', '.join(f'{n} ({c})' for n, c in sorted(result.dropped.items()))}.")
    click.echo(f"The copy's keys are {'new, written to' if made else 'read from'} {keys_path}: the app that opens "
               "the copy needs FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY from there.")
    if shown_password:
        click.secho(f"Every user of the copy has this password (shown once): {password}", bold=True)
    else:
        click.echo("Every user of the copy has the password you gave.")
    click.echo("Users of the copy (second factors are not copied: those roles set one up at first sign-in):")
    for username, roles in result.users[:40]:
        click.echo(f"  {username:<32} {roles}")
