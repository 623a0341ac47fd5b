"""Every role signs in and opens every link of its own navigation bar: the menus, the user menu
(Profile, change password) and the home switcher. Each answers 200 for that user, not a 403, a
sign-in page or an error: a crawl that only looks for 5xx misses a 403 on the user's own menu."""

from __future__ import annotations

import urllib.parse
from html.parser import HTMLParser

import pytest

from tests.factories import ROLE_USERS

SKIP = ("/logout", "/lang/", "/static/")


class NavbarLinks(HTMLParser):
    """The links inside the page's header (Flask-AppBuilder's navigation bar)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "header":
            self.depth += 1
        elif tag == "a" and self.depth and attrs.get("href"):
            self._href, self._text = attrs["href"], []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "header" and self.depth:
            self.depth -= 1
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def navbar_links(html: str) -> list[tuple[str, str]]:
    parser = NavbarLinks()
    parser.feed(html)
    wanted = []
    for href, text in parser.links:
        parts = urllib.parse.urlsplit(href)
        if parts.netloc or not parts.path or parts.path.startswith(SKIP) or href.startswith("#"):
            continue
        link = parts.path + (f"?{parts.query}" if parts.query else "")
        if (link, text) not in wanted:
            wanted.append((link, text))
    return wanted


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_every_link_of_a_roles_own_menus_opens(client, auth, role):
    username = ROLE_USERS[role]
    assert auth.login(username).status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    links = navbar_links(home.get_data(as_text=True))
    paths = [link for link, _ in links]
    # Everyone has a profile and can change their own password from the user menu.
    assert any(path.startswith("/users/userinfo") for path in paths), links
    for extra in ("/resetmypassword/form", "/userinfoeditview/form"):
        if extra not in paths:
            links.append((extra, extra))
    failures = []
    for link, text in links:
        response = client.get(link, follow_redirects=True)
        body = response.get_data(as_text=True)
        if response.status_code != 200 or 'name="password"' in body and "/login" in response.request.path:
            failures.append(f"{text or link} ({link}): {response.status_code} at {response.request.path}")
    assert not failures, f"{role}: " + "; ".join(failures)


def test_the_browser_tab_has_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
