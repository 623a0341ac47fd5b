"""In a real browser: a home's administrator (a Home Manager) makes the role "Activities coordinator" by
copying Carer, grants it Read on Residents only, invites someone with it on the users page with a
temporary password, and that person, made to choose their own password first, sees exactly that menu."""

from __future__ import annotations

import urllib.parse

from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS

TEMPORARY = "Temporary-PW-42x!"
THEIR_OWN = "Activities-Own-73q!"


def _menu_links(page) -> list[str]:
    """The navigation bar's links, but the user menu, language and home switcher."""
    links = []
    for href in page.locator("header a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        path = urllib.parse.urlsplit(href).path
        user_menu = ("/lang/", "/logout", "/users/", "/resetmypassword", "/userinfoedit", "/account/", "/notifications")
        if not path or path == "/" or href.startswith("#") or path.startswith(user_menu):
            continue
        if path not in links:
            links.append(path)
    return links


def test_home_manager_makes_a_role_and_a_user_who_sees_exactly_that_menu(users, browser, live_server, screens):
    page = users.page("manager")
    page.goto("/roles/")
    page.get_by_role("link", name="New role").click()
    page.select_option("#copy", label="Carer")
    page.fill("#name", "Activities coordinator")
    page.get_by_role("button", name="Make the role").click()
    expect(page.locator("h1")).to_have_text("Activities coordinator")
    expect(page.locator('input[name="Assessments:r"]')).to_be_checked()  # a copy of Carer
    ticked = page.locator("#role-permissions input[type=checkbox]:checked")
    while ticked.count():
        ticked.first.uncheck()
    page.check('input[name="Residents:r"]')
    screens.shot(page, "role-read-on-residents-only")
    page.locator("#role-permissions").get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Saved what Activities coordinator may do")
    expect(page.locator('input[name="Residents:r"]')).to_be_checked()
    expect(page.locator('input[name="Residents:w"]')).not_to_be_checked()
    expect(page.locator('input[name="Assessments:r"]')).not_to_be_checked()

    expect(page.locator('header a[href="/people/"]')).to_have_count(1)  # People and roles > Users
    page.goto("/people/")
    expect(page.locator("#people-table")).to_be_visible()
    page.get_by_role("link", name="Invite someone").click()
    page.fill("#first_name", "Elin")
    page.fill("#last_name", "Parry")
    page.fill("#username", "elin.parry")
    page.fill("#email", "elin.parry@test.example")
    page.locator("#homes").get_by_label("Alder House").check()
    page.locator("#roles").get_by_label("Activities coordinator").check()
    page.check('input[name="how"][value="password"]')
    page.fill("#password", TEMPORARY)
    screens.shot(page, "invite")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".alert-success")).to_contain_text("Elin Parry can now sign in")
    expect(page.locator("#person-status")).to_contain_text("New password due")
    screens.shot(page, "invited")

    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    users.contexts.append(context)
    elin = context.new_page()
    elin.goto("/login/")
    elin.fill("#username", "elin.parry")
    elin.fill("#password", TEMPORARY)
    elin.locator("form [type=submit]").first.click()
    expect(elin.locator("h1")).to_have_text("Choose your password")
    elin.goto("/residentview/list/")  # every page asks first
    expect(elin.locator("h1")).to_have_text("Choose your password")
    elin.fill("#password", THEIR_OWN)
    elin.fill("#conf_password", THEIR_OWN)
    elin.get_by_role("button", name="Save my password").click()
    expect(elin.locator(".alert-success")).to_contain_text("Your new password is set")
    screens.shot(elin, "their-menu")
    assert _menu_links(elin) == ["/residentview/list/"], _menu_links(elin)
    elin.goto("/residentview/list/")
    expect(elin.locator("h1, .panel-title").first).to_be_visible()
    for other in ("Assessments", "Care plans", "Homes", "Roles", "Users", "Billing"):
        expect(elin.locator("header")).not_to_contain_text(other)
