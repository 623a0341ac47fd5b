"""Count the SQL statements a request sends (a count, never a time: speed is measured in benchmarks/)."""

from __future__ import annotations

import contextlib
import re

import pytest
from sqlalchemy import event


class Statements(list):
    def matching(self, pattern: str) -> list[str]:
        return [s for s in self if re.search(pattern, s, re.I | re.S)]


@contextlib.contextmanager
def counting(engine):
    seen = Statements()

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture()
def sql(app):
    from app.extensions import db

    return lambda: counting(db.engine)
