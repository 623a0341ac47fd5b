"""Finding 15: a Content-Security-Policy on every page (scripts from this site or carrying the
response's nonce, no inline handlers), HSTS when configured (on in production), and no-store on
pages and API answers that carry personal data."""

from __future__ import annotations

import re

import pytest

SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _nonce(response) -> str:
    policy = response.headers.get("Content-Security-Policy", "")
    found = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", policy)
    assert found, policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    return found.group(1)


def _check_page(url, response):
    nonce = _nonce(response)
    html = response.get_data(as_text=True)
    problems = []
    for attributes in SCRIPT.findall(html):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        if f'nonce="{nonce}"' not in attributes:
            problems.append((url, "inline script without this response's nonce", attributes))
    for match in HANDLER.findall(html):
        problems.append((url, "inline event handler", match[:120]))
    if "javascript:" in html.replace("javascript:void", ""):
        problems.append((url, "javascript: URL", ""))
    assert response.headers.get("Cache-Control") == "no-store", url
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")
    return problems


def _menu_links(html: str) -> list[str]:
    links = re.findall(r'href="(/[^"#]*)"', html)
    return sorted({link for link in links if not link.startswith(("/static", "/logout", "/lang/"))})


@pytest.mark.parametrize("who", ["admin", "manager", "nurse"])
def test_every_menu_page_has_the_policy_and_no_inline_script_without_nonce(client, auth, who):
    auth.login(who)
    start = client.get("/")
    assert start.status_code == 200
    problems = _check_page("/", start)
    for url in _menu_links(start.get_data(as_text=True))[:60]:
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        problems += _check_page(url, response)
    assert problems == []


def test_the_nonce_changes_with_every_response(client, auth):
    auth.login("manager")
    assert _nonce(client.get("/")) != _nonce(client.get("/"))


def test_sign_in_page_and_api_answers_are_not_stored(client, auth, world):
    page = client.get("/login/")
    assert page.headers["Cache-Control"] == "no-store"
    _nonce(page)
    api = client.get(f"/api/v1/residents/{world.resident_a.id}", headers=auth.headers("manager"))
    assert api.status_code == 200
    assert api.headers["Cache-Control"] == "no-store"
    static = client.get("/static/img/writecarenotes.svg")
    assert "no-store" not in (static.headers.get("Cache-Control") or "")


def test_hsts_is_sent_when_configured_and_on_in_production(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login/").headers
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/login/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    from config import ProductionConfig

    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600
