"""Finding 10 in a real browser: the idle sign-out warns two minutes before, "Stay signed in" keeps
the session, and when the idle time has passed the page signs out and shows the sign-in page."""

from __future__ import annotations


def test_the_idle_warning_counts_down_and_stay_signed_in_keeps_the_session(app, users, screens, monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 2.2)  # counts down from 118 s: warns at once
    page = users.page("nurse")
    page.goto("/")
    warning = page.locator("#session-timeout-warning")
    expect(warning).to_be_visible(timeout=10_000)
    expect(warning).to_contain_text("You will be signed out in 1:5")
    screens.shot(page, "idle-warning")
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_have_count(0)
    assert page.goto("/").status == 200


def test_the_page_goes_to_sign_in_when_the_idle_time_has_passed(app, users, screens, monkeypatch):
    from playwright.sync_api import expect

    page = users.page("nurse")
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 0.15)  # 9 seconds (the page counts down 8)
    page.goto("/")
    expect(page.locator("#username")).to_have_count(0)  # still signed in when the page loads
    expect(page).to_have_url(__import__("re").compile(r"/login/"), timeout=15_000)
    screens.shot(page, "signed-out")
    page.goto("/unitview/list/")
    expect(page.locator("#username")).to_have_count(1)  # really signed out on the server
