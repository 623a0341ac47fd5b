"""Every role walks the site from `/` with GETs only, following same-site links breadth first, and no
page answers with a server error or shows a traceback; no GET signs the user out.

benchmarks/crawl_routes.py does the same on the demo data over real HTTP, PostgreSQL and Redis.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import defaultdict, deque
from html.parser import HTMLParser

import pytest

from tests.factories import ROLE_USERS
from tests.integration.assessments.helpers import example, fill
from tests.integration.jobs.conftest import files_dir, inline  # noqa: F401

MAX_PAGES = 50
QUERY_SAMPLES_PER_PATH = 3
SKIP_PREFIXES = ("/logout", "/lang/", "/static/", "/appbuilder/", "/swagger", "/api/")
DESTRUCTIVE = re.compile(r"/(delete|remove|revoke|cancel|archive|purge|reset|logout)(/|$|\?)", re.I)
SAMPLED_QUERY = re.compile(r"(^|&)(_flt_|_oc_|_od_|psort_|page_|psize_|_rl_)")
USERNAMES = sorted(ROLE_USERS.values())


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.links.append(attrs.get("action") or "")


def same_site(link: str, current: str) -> str | None:
    link = link.strip()
    if not link or link.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urllib.parse.urlsplit(urllib.parse.urljoin("http://localhost" + current, link))
    if parts.netloc != "localhost":
        return None
    path = parts.path or "/"
    if path.startswith(SKIP_PREFIXES) or DESTRUCTIVE.search(path):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return bool(session.get("_user_id"))


def crawl(client, max_pages: int = MAX_PAGES) -> tuple[int, list]:
    """(pages visited, problems) from `/`, in a deterministic order."""
    queue, seen = deque(["/"]), {"/"}
    samples: dict[str, int] = defaultdict(int)
    problems, visited = [], 0
    while queue and visited < max_pages:
        path = queue.popleft()
        response = client.get(path)
        visited += 1
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
        if response.status_code >= 500 or "Traceback (most recent call last)" in body:
            problems.append((path, response.status_code))
        if not signed_in(client):
            problems.append((path, "signed out"))
            break
        links = [response.headers["Location"]] if response.headers.get("Location") else []
        if response.mimetype == "text/html":
            parser = LinkParser()
            parser.feed(body)
            links += parser.links
        for link in links:
            target = same_site(link, path)
            if not target or target in seen:
                continue
            base, _, query = target.partition("?")
            if query and SAMPLED_QUERY.search(query):
                if samples[base] >= QUERY_SAMPLES_PER_PATH:
                    continue
                samples[base] += 1
            seen.add(target)
            queue.append(target)
    return visited, problems


@pytest.fixture()
def records(client, auth, world, inline, db_session):  # noqa: F811
    """What the seed lacks and has pages of its own: a submitted assessment, a finished document (jobs
    run inline) and a notification for everyone."""
    from app.audit import acting_as
    from app.notifications.services import notify
    from app.security import CareUser

    auth.login("manager")
    assert fill(client, world.resident_a.id, "barthel", example("barthel")["answers"]).status_code == 302
    assert client.post("/documents/transfer-summary", data={"resident_id": world.resident_a.id}).status_code == 302
    auth.logout()
    with acting_as(None, "crawl test"):
        users = db_session.query(CareUser.id).all()
        notify([u.id for u in users], "job_finished", "Crawl test notice", "A body", link="/documents/")
        db_session.commit()


@pytest.mark.parametrize("username", USERNAMES)
def test_every_role_crawls_the_site_without_a_server_error(client, auth, records, username):
    auth.login(username)
    visited, problems = crawl(client)
    assert visited > 1
    assert problems == []
