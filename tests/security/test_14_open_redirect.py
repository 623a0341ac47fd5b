"""Finding 14: a `next` address on a POST form never sends the user to another site.

Browsers drop tabs and newlines from a URL and read a backslash as a slash, so `/\t/evil.example/`
or `/\\evil.example/` leave the site although they start with one slash. Every form that takes a
`next` (the home switcher, marking a notification read, asking for a document) sends such a
target to its own page instead.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

HOSTILE = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\x0b/evil.example/",
    "/%09/evil.example/",
]


def where_a_browser_goes(location: str) -> str:
    """The host a browser would go to for this Location (WHATWG URL parsing, simplified)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
                                                        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b"
                                                        "\x1c\x1d\x1e\x1f ")
    cleaned = cleaned.replace("\\", "/")
    return urlsplit(urljoin("http://localhost/somewhere/", cleaned)).netloc


def _forms(world):
    return [
        ("/home/switch", {"home_id": "all"}),
        ("/documents/transfer-summary", {"resident_id": str(world.resident_a.id)}),
    ]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_stays_on_the_site(client, auth, world, target):
    auth.login("manager")
    forms = [*_forms(world), ("/notifications/read/1", {})]  # marking read needs only an id
    for url, data in forms:
        response = client.post(url, data={**data, "next": target})
        assert response.status_code in (302, 303), (url, response.status_code)
        location = response.headers["Location"]
        assert where_a_browser_goes(location) in ("", "localhost"), (url, target, location)


def test_a_local_next_is_still_followed(client, auth, world):
    auth.login("manager")
    response = client.post("/home/switch", data={"home_id": "all", "next": "/residentview/list/?page_ResidentView=0"})
    assert response.headers["Location"].endswith("/residentview/list/?page_ResidentView=0")


def test_the_safe_redirect_helper():
    from app.guards import safe_next

    for target in HOSTILE:
        assert safe_next(target, "/fallback") == "/fallback", target
    assert safe_next("/residents/5/", "/fallback") == "/residents/5/"
    assert safe_next("", "/fallback") == "/fallback"
    assert safe_next(None, "/fallback") == "/fallback"
