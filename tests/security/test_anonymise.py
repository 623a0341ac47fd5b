"""`flask data anonymise`: an anonymised copy for training and test systems.

The copy holds no source name, NHS number, date of birth, postcode, phone or email anywhere (the
whole copy is dumped, encrypted values opened with the copy's keys, and searched); it opens in the
app with the copy's own keys and its users sign in with the stated password; search by the fake NHS
number finds the resident; the audit trail's chain verifies; the source is never written and the
copy never goes into it. Every column of every table is classified, so a new model cannot leak.
Runs on PostgreSQL (the copy in a second database, <name>_copy) when DATABASE_URL is PostgreSQL,
else on SQLite files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from app.anonymise import registry
from app.anonymise.fakes import Faker, nhs_check_digit
from app.crypto import KeyRing
from app.residents.services import nhs_number_is_valid

SECRET = "test-anonymise-secret"
COPY_PASSWORD = "Copy-password-2!"
# Distinctive source values: none may appear anywhere in the copy.
NAMES = ["Zebedee", "Quartermaine", "Perpetua", "Ffoulkes", "Thaddeus", "Quintrell"]
NHS = "4010232137"
BORN = dt.date(1931, 2, 14)
POSTCODES = ["BS8 4QT", "BS84QT", "BS1 4DJ"]
PHONES = ["01179 496321", "07912 345678"]
EMAILS = ["perpetua.ffoulkes@mail.example", "quintrell@test.example"]


# -- the completeness rule ----------------------------------------------------------------------


def test_every_column_of_every_table_is_classified(app):
    """A text column nobody classified fails here: mark it in its model with info={"personal": kind}
    (or False when safe to keep), or list it in app/anonymise/registry.py COLUMNS."""
    with app.app_context():
        missing = registry.unclassified(registry.all_tables())
    assert missing == [], "not classified for `flask data anonymise`: " + ", ".join(missing)


def test_a_new_text_column_is_caught_until_classified():
    table = Table("new_thing", MetaData(), Column("id", Integer, primary_key=True),
                  Column("summary", Text), Column("next_of_kin_phone", String(40)), Column("count", Integer),
                  Column("visitor_name", String(80), info={"personal": "name"}),
                  Column("code", String(10), info={"personal": False}))
    assert registry.unclassified([table]) == ["new_thing.summary", "new_thing.next_of_kin_phone"]


def test_the_care_tables_are_covered(app):
    """The daily-care and body-map tables (issue 14) are classified once they are in the tree."""
    with app.app_context():
        names = {t.name for t in registry.all_tables()}
    for table in ("care_note", "care_observation_set", "care_observation", "care_profile"):
        if table not in names:
            pytest.skip(f"{table} is not in this tree yet")
    assert registry.kind_of(registry.all_tables_by_name()["care_note"].c.text) == "text"


# -- the fakes ----------------------------------------------------------------------------------


def test_fakes_are_consistent_and_keyed_by_the_secret():
    one, again, other = Faker(SECRET), Faker(SECRET), Faker("another secret")
    assert one.name("Perpetua Ffoulkes") == again.name("Perpetua Ffoulkes")
    assert one.last_name("Ffoulkes") == one.name("Perpetua Ffoulkes").split()[-1], "surname differs by column"
    assert one.first_name("Perpetua") == one.name("Perpetua Ffoulkes").split()[0]
    assert one.name("Perpetua Ffoulkes") != other.name("Perpetua Ffoulkes") or \
        one.text("x" * 40) != other.text("x" * 40)
    assert one.text("Zebedee ate all his lunch.") == again.text("Zebedee ate all his lunch.")
    assert "Zebedee" not in one.text("Zebedee ate all his lunch.")
    shift = one.day_shift(("resident", 7))
    assert 1 <= abs(shift) <= 365 and one.day_shift(("resident", 7)) == shift


def test_fake_nhs_numbers_are_valid_distinct_and_never_the_real_one():
    faker = Faker(SECRET)
    reals = [f"{n:09d}" for n in range(401023210, 401023260)]
    reals = [r + str(nhs_check_digit(r)) for r in reals if nhs_check_digit(r) is not None]
    fakes = [faker.nhs_number(r) for r in reals]
    assert all(nhs_number_is_valid(f) and f.startswith("999") for f in fakes)
    assert len(set(fakes)) == len(fakes)
    assert not set(fakes) & set(reals)
    assert faker.nhs_number(reals[0]) == fakes[0]


# -- the copy -----------------------------------------------------------------------------------


def _target_url(source_url: str, tmp_path) -> str:
    url = make_url(source_url)
    if url.get_backend_name() != "postgresql":
        return f"sqlite:///{tmp_path / 'copy.db'}"
    name = os.environ.get("ANONYMISE_TEST_DATABASE") or f"{url.database}_copy"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name)
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return target.render_as_string(hide_password=False)


def _add_source_people(db_session, world):
    """A resident with everything personal filled in, and the records that mention them."""
    from app.assessments.models import AssessmentRecord
    from app.billing.models import Payer, PayerKind
    from app.notifications.models import NotificationOutbox
    from app.residents.models import Contact, Resident, Sex
    from app.residents.services import check_resident
    from tests.factories import make_user

    home = world.home_a
    resident = Resident(home_id=home.id, first_name="Zebedee", last_name="Quartermaine", preferred_name="Thaddeus",
                        sex=Sex.male, date_of_birth=BORN, nhs_number=NHS, gp_practice="Clifton Village Surgery",
                        allergies="Penicillin: Zebedee had a rash", what_matters_to_me="Zebedee likes the garden")
    check_resident(resident, confirm_duplicate=True)
    db_session.add(resident)
    db_session.flush()
    db_session.add(Contact(home_id=home.id, resident_id=resident.id, name="Perpetua Ffoulkes",
                           relationship_to_resident="Daughter", phone=PHONES[0], email=EMAILS[0],
                           address="4 Royal York Crescent\nClifton\nBristol BS8 4QT", notes="Call Perpetua first"))
    db_session.add(Payer(home_id=home.id, name="Perpetua Ffoulkes", kind=PayerKind.third_party,
                         resident_id=resident.id, email=EMAILS[0], phone=PHONES[1],
                         address="4 Royal York Crescent, Bristol", postcode="BS8 4QT", account_reference="QFFOULK07"))
    db_session.add(AssessmentRecord(home_id=home.id, resident_id=resident.id, form_key="must", version=1,
                                    sha256="0" * 64, token="anonymise-test",
                                    answers={"notes": "Zebedee Quartermaine ate well", "count": 3}))
    user = make_user("quintrell", "Nurse", homes=[home])
    user.email = EMAILS[1]
    db_session.add(NotificationOutbox(user_id=user.id, home_id=home.id, kind="test", channel="in_app",
                                      subject="Zebedee Quartermaine: weight down", body="Tell Perpetua Ffoulkes"))
    db_session.commit()
    return resident, user


def _dump(url: str, ring: KeyRing) -> str:
    """Every value of every table of the copy as text, encrypted values opened as well."""
    engine = create_engine(url)
    parts = []
    sealed = re.compile(r"^[A-Za-z0-9_-]{1,20}:[A-Za-z0-9+/=]{20,}$")
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):  # noqa: S608 - our own table names
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("latin-1")
                    value = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
                    parts.append(value)
                    if sealed.match(value):
                        parts.append(ring.decrypt(value))
    engine.dispose()
    return "\n".join(parts)


OPEN_THE_COPY = textwrap.dedent("""
    import json, sys
    from app import create_app
    url, keys, index_key, username, password, resident_id = sys.argv[1:7]
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FIELD_ENCRYPTION_KEYS=keys,
                     FIELD_BLIND_INDEX_KEY=index_key, RATELIMIT_ENABLED=False)
    with app.app_context():
        from app.audit import verify_chain
        from app.extensions import db
        from app.residents.models import Resident
        resident = db.session.get(Resident, int(resident_id))
        fake_nhs, born, name = resident.nhs_number, resident.date_of_birth.isoformat(), resident.full_name
        chain = verify_chain(db.session)
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})
    token = (login.get_json() or {}).get("access_token")
    found = client.post("/api/v1/residents/search", json={"q": fake_nhs},
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    page = client.post("/login/", data={"username": username, "password": password})
    print(json.dumps({"nhs": fake_nhs, "born": born, "name": name, "login": login.status_code,
                      "found": found, "chain_ok": bool(chain), "events": chain.count,
                      "browser": page.status_code, "browser_to": page.headers.get("Location")}))
""")


def _run_copy(runner, target, keys_file):
    return runner.invoke(args=["data", "anonymise", target, "--secret", SECRET, "--password", COPY_PASSWORD,
                               "--keys-file", str(keys_file)])


def _row_counts(engine) -> dict:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in registry.all_tables()
                if t.name in present}


def test_the_copy_holds_nothing_of_the_source_and_works_in_the_app(app, runner, db_session, world, tmp_path):
    from app.extensions import db

    resident, user = _add_source_people(db_session, world)
    source_url = db.engine.url.render_as_string(hide_password=False)
    before = _row_counts(db.engine)
    source_hash = db_session.execute(text("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")).scalar()

    target = _target_url(source_url, tmp_path)
    keys_file = tmp_path / "copy.keys.env"
    result = _run_copy(runner, target, keys_file)
    assert result.exit_code == 0, result.output
    assert "Anonymised copy written" in result.output
    assert keys_file.exists() and oct(keys_file.stat().st_mode & 0o777) == "0o600"

    # the source is as it was
    assert _row_counts(db.engine) == before
    assert db_session.execute(text("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")).scalar() == source_hash

    keys = dict(line.split("=", 1) for line in keys_file.read_text().splitlines() if "=" in line and line[0] != "#")
    assert keys["FIELD_ENCRYPTION_KEYS"] != app.config["FIELD_ENCRYPTION_KEYS"]
    ring = KeyRing(keys["FIELD_ENCRYPTION_KEYS"])
    dump = _dump(target, ring)
    assert len(dump) > 10_000
    needles = NAMES + [NHS, f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}", BORN.isoformat(), BORN.strftime("%d/%m/%Y")] + \
        POSTCODES + PHONES + EMAILS + ["9434765919", "9434765870", "Clifton Village Surgery", "Royal York", "QFFOULK07"]
    found = [n for n in needles if n.casefold() in dump.casefold()]
    assert found == [], f"source values in the copy: {found}"

    engine = create_engine(target)
    with engine.connect() as conn:
        for name in registry.DROPPED_TABLES:
            if name in inspect(engine).get_table_names():
                assert conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() == 0, name  # noqa: S608
        username = conn.execute(text("SELECT username FROM ab_user WHERE id = :i"), {"i": user.id}).scalar()
        copied = conn.execute(text("SELECT count(*) FROM resident")).scalar()
    engine.dispose()
    assert username and username != "quintrell"
    assert copied == before["resident"]

    done = subprocess.run(  # noqa: S603 - the copy opened by the app, in a process of its own
        [sys.executable, "-c", OPEN_THE_COPY, target, keys["FIELD_ENCRYPTION_KEYS"], keys["FIELD_BLIND_INDEX_KEY"],
         username, COPY_PASSWORD, str(resident.id)],
        capture_output=True, text=True, timeout=300, cwd=app.root_path + "/..")
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert nhs_number_is_valid(seen["nhs"]) and seen["nhs"] != NHS
    assert seen["born"] != BORN.isoformat()
    assert abs((dt.date.fromisoformat(seen["born"]) - BORN).days) <= 365
    assert "Zebedee" not in seen["name"]
    assert seen["login"] == 200, seen
    assert [r["id"] for r in seen["found"]["result"]] == [resident.id], seen
    assert seen["found"]["result"][0]["name"] == seen["name"]
    assert seen["chain_ok"] and seen["events"] > 0
    assert seen["browser"] == 302 and "/login" not in (seen["browser_to"] or ""), seen


def test_it_refuses_to_write_into_the_source_or_a_database_in_use(app, runner, db_session, tmp_path):
    from app.extensions import db

    before = _row_counts(db.engine)
    source_url = db.engine.url.render_as_string(hide_password=False)
    result = _run_copy(runner, source_url, tmp_path / "k.env")
    assert result.exit_code != 0
    assert "The target is the source database" in result.output
    used = tmp_path / "used.db"
    engine = create_engine(f"sqlite:///{used}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE something (id integer)"))
    engine.dispose()
    result = _run_copy(runner, f"sqlite:///{used}", tmp_path / "k2.env")
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert _row_counts(db.engine) == before
    assert not (tmp_path / "k.env").exists()
