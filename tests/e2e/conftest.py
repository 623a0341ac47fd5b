"""Real-browser tests: Playwright driving Debian's Chromium against the real app on a local port.

The app is the session `app` fixture (migrations and seed, CSRF off) served by werkzeug in a
thread; every request gets its own app context, as in production. Each test uses `db_session`, so
the tables are put back as the seed left them afterwards. Screenshots go to test-artifacts/e2e/.

Without /usr/bin/chromium (a developer machine) these tests are skipped; CI installs it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    skip = None
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(reason=f"real-browser test: {CHROMIUM} is not installed (apt-get install chromium)")
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            skip = pytest.mark.skip(reason="real-browser test: the playwright package is not installed")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if skip is not None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(app):
    """The app on 127.0.0.1 with a free port, one thread per request."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Screens:
    """Numbered screenshots of one test, in test-artifacts/e2e/<test>/."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.paths: list[Path] = []

    def shot(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.paths.append(path)
        print(f"screenshot: {path}")
        return path


@pytest.fixture()
def screens(request):
    return Screens(request.node.name)


class Users:
    """A browser context per user, each signed in through the login page."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []

    def page(self, username: str):
        from playwright.sync_api import expect

        context = self.browser.new_context(base_url=self.base_url, viewport={"width": 1280, "height": 900},
                                           locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.locator("form [type=submit]").first.click()
        expect(page.locator("#username")).to_have_count(0)
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture()
def users(browser, live_server, db_session):
    """Signed-in pages; closed before `db_session` puts the tables back."""
    signed_in = Users(browser, live_server)
    try:
        yield signed_in
    finally:
        signed_in.close()
