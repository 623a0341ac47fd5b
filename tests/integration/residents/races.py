"""Run the same service call from several threads at the same moment, each with its own app context
and database session (as several gunicorn workers would), and collect what each one got back.

Used by tests/integration/residents/test_bed_races.py (the suite's PostgreSQL) and
tests/faults/test_concurrent_admissions.py (the fault suite's private PostgreSQL)."""

from __future__ import annotations

import dataclasses
import threading
import traceback
from collections.abc import Callable

from app.audit import acting_as
from app.exceptions import DomainError
from app.extensions import db

JOIN_TIMEOUT = 60  # seconds for every thread to finish: a lock wait that never ends fails the test


@dataclasses.dataclass
class Outcome:
    ok: bool
    result: object = None
    error: DomainError | None = None  # the refusal a user would read
    crash: BaseException | None = None  # anything else: what would have been a 500

    @property
    def messages(self) -> dict[str, list[str]]:
        return self.error.errors if self.error is not None else {}


def at_once(app, calls: list[Callable[[], object]]) -> list[Outcome]:
    """Each call runs in its own thread and app context; all start together (a barrier) and
    commit as a view would. Returns one Outcome per call, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome | None] = [None] * len(calls)

    def run(index: int, call) -> None:
        with app.app_context(), acting_as(None, "race test"):
            try:
                barrier.wait(timeout=JOIN_TIMEOUT)
                result = call()
                db.session.commit()
                outcomes[index] = Outcome(True, result=getattr(result, "id", result))
            except DomainError as error:
                db.session.rollback()
                outcomes[index] = Outcome(False, error=error)
            except BaseException:  # noqa: BLE001 - reported by the test, never swallowed
                db.session.rollback()
                outcomes[index] = Outcome(False, crash=RuntimeError(traceback.format_exc()))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    stuck = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"calls {stuck} did not finish within {JOIN_TIMEOUT}s (a lock wait that never ended?)"
    return outcomes  # type: ignore[return-value]


def http_at_once(app, requests: list[Callable[[object], object]]) -> list[object]:
    """Each request function gets its own test client (its own cookies); all are sent together."""
    barrier = threading.Barrier(len(requests))
    responses: list[object] = [None] * len(requests)

    def run(index: int, send) -> None:
        from flask.testing import FlaskClient

        client = FlaskClient(app, app.response_class, use_cookies=True)
        prepare = getattr(send, "prepare", None)
        try:
            if prepare is not None:
                prepare(client)
        finally:
            barrier.wait(timeout=JOIN_TIMEOUT)
        try:
            responses[index] = send(client)
        except BaseException:  # noqa: BLE001
            responses[index] = RuntimeError(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(i, send), daemon=True) for i, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request did not finish in time"
    return responses


def assert_no_crash(outcomes) -> None:
    """No call raised anything but a refusal a user can read (no response was a server error)."""
    crashes = [getattr(o, "crash", o) for o in outcomes]
    crashes = [c for c in crashes if isinstance(c, BaseException)]
    assert not crashes, f"{len(crashes)} crashed; the first:\n{crashes[0]}"
    codes = [o.status_code for o in outcomes if hasattr(o, "status_code")]
    assert all(code < 500 for code in codes), codes
