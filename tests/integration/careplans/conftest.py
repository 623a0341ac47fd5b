"""Care-plan tests run their document jobs inline unless a test asks for the real queue."""

from __future__ import annotations

from tests.integration.jobs.conftest import drain, files_dir, inline, rq  # noqa: F401
