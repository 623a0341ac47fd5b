"""Job functions used only by the tests (importable by dotted name, as RQ needs)."""

from __future__ import annotations

from pathlib import Path

from app.jobs import set_progress


def fails_first_time(marker: str) -> None:
    """Fails on the first attempt (leaving a marker file), succeeds on the next."""
    path = Path(marker)
    if not path.exists():
        path.write_text("tried once")
        raise RuntimeError("the printer was on fire")
    set_progress(1, 2)


def always_fails(reason: str) -> None:
    raise RuntimeError(reason)
