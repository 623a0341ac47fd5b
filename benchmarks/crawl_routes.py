"""Crawl every page of the app as every demo user and the administrator, GET only, and report any
server error (HTTP 5xx, or a page showing a Python traceback or "Internal Server Error") and any page
slower than 2 s.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/crawl_check REDIS_URL=redis://127.0.0.1:6379/12 \\
        python benchmarks/crawl_routes.py [--pages 1500] [--minutes 10] [--users manager.willow,admin]

It empties the database named in DATABASE_URL (its public schema) and the Redis database in REDIS_URL
first, so point both at ones kept for this check. It starts `python run.py` (the development setup:
migrations, demo data) on a spare port (CHECK_PORT, default 5078) and one `flask worker --no-cron`,
then, for each user in app/demo.py USERS and `admin`, signs in with the password the setup printed
and walks the site breadth-first from `/`:

- every same-site `href`, and the `action` of every form whose method is GET;
- every URL rule without arguments in the app's url_map;
- every rule with arguments, filled with values seen for the same argument names in links that
  matched other rules under the same first path segment (so /x/edit/<pk> is tried with the pk of a
  /x/show/<pk> link);
- FAB list pages with `_flt_`, `psort_`, `page_` query strings are followed only for a sample (a few
  per path).

It skips /logout, /lang/, static files and links whose path names a state-changing action (delete,
remove, ...): a GET is never supposed to change state, so any that does is a bug on its own.
Each user is capped at --pages pages and its share of --minutes. The server's output goes to
/tmp/wcn-crawl-<port>/server.log (tracebacks are there). Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("CHECK_PORT", "5078"))
BASE = f"http://127.0.0.1:{PORT}"
WORKDIR = Path("/tmp") / f"wcn-crawl-{PORT}"
SLOW_SECONDS = 2.0
SKIP_PREFIXES = ("/logout", "/lang/", "/static/", "/appbuilder/", "/swagger", "/api/v1/_openapi")
DESTRUCTIVE = re.compile(r"/(delete|remove|revoke|cancel|archive|purge|reset|logout)(/|$|\?)", re.I)
SAMPLED_QUERY = re.compile(r"(^|&)(_flt_|_oc_|_od_|psort_|page_|psize_|_rl_)")
QUERY_SAMPLES_PER_PATH = 4
sys.path.insert(0, str(ROOT))

from benchmarks.live import fail, reset_services, start_app, start_worker, stop  # noqa: E402


class LinkParser(HTMLParser):
    """The hrefs, and the actions of forms sent with GET, of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.links.append(attrs.get("action") or "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A signed-in session: cookies, and the CSRF token of the last page read. Redirects are not
    followed, so each one is seen (and queued) like a link."""

    def __init__(self):
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        self.csrf = ""

    def get(self, path: str) -> tuple[int, str, str, float]:
        """(status, body, location, seconds)."""
        started = time.perf_counter()
        try:
            with self.opener.open(BASE + path, timeout=120) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        seconds = time.perf_counter() - started
        kind = headers.get("Content-Type", "")
        text = body.decode("utf-8", "replace") if ("text" in kind or "json" in kind) else ""
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return status, text, headers.get("Location", "") or "", seconds

    def post(self, path: str, data: dict) -> int:
        payload = urllib.parse.urlencode({"csrf_token": self.csrf, **data}).encode()
        try:
            with self.opener.open(BASE + path, data=payload, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def url_rules():
    """(no-argument paths, rules with arguments) from the app's url_map, GET rules only."""
    from app import create_app

    app = create_app()
    plain, with_args = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if rule.arguments:
            with_args.append(rule)
        else:
            plain.append(rule.rule)
    return app, sorted(plain), with_args


def missing_value(rule, name: str):
    """A value of the argument's type that names no record."""
    converter = type(rule._converters.get(name)).__name__
    if converter in ("IntegerConverter", "NumberConverter"):
        return 999999
    if converter == "UUIDConverter":
        return "00000000-0000-0000-0000-000000000000"
    return "no-such-thing"


def normalise(link: str, current: str) -> str | None:
    """The same-site path (with query) a link points to, or None to skip it."""
    link = link.strip()
    if not link or link.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urllib.parse.urljoin(BASE + current, link)
    parts = urllib.parse.urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != BASE:
        return None
    path = parts.path or "/"
    if path.startswith(SKIP_PREFIXES) or DESTRUCTIVE.search(path):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def forget_sign_in_limits() -> None:
    """The sign-in rate limit (per address) would stop the crawl's dozen sign-ins: clear its counters
    in the crawl's own Redis database."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter("LIMIT*"):
        client.delete(key)


def crawl_user(username: str, password: str, app, plain: list[str], with_args: list, max_pages: int,
               deadline: tuple[float, float]) -> dict:
    deadline = min(deadline[0], time.time() + deadline[1])
    browser = Browser()
    forget_sign_in_limits()
    browser.get("/login/")
    status = browser.post("/login/", {"username": username, "password": password})
    _, home, _, _ = browser.get("/")
    if status not in (302, 303) or "/logout" not in home:
        return {"user": username, "error": f"could not sign in (status {status})", "visited": 0}
    adapter = app.url_map.bind("127.0.0.1")
    queue: deque[str] = deque(["/"] + [p for p in plain if normalise(p, "/") == p and p != "/"])
    seen: set[str] = set(queue)
    query_samples: dict[str, int] = defaultdict(int)
    values: dict[tuple[str, str], set] = defaultdict(set)  # (first segment, argument) -> values seen
    anywhere: dict[str, set] = defaultdict(set)  # argument -> values seen under any segment
    tried_rules: set[str] = set()  # rules with arguments visited
    filled: set[str] = set()  # rules with arguments filled in from values seen
    failures, slow, statuses = [], [], defaultdict(int)
    visited = 0
    previous, signed_out = "/", False
    started = time.perf_counter()

    def enqueue(path: str) -> None:
        if path in seen:
            return
        base, _, query = path.partition("?")
        if query and SAMPLED_QUERY.search(query):
            if query_samples[base] >= QUERY_SAMPLES_PER_PATH:
                return
            query_samples[base] += 1
        seen.add(path)
        queue.append(path)

    def learn(path: str) -> None:
        try:
            rule, args = adapter.match(path.partition("?")[0], method="GET", return_rule=True)
        except Exception:  # noqa: BLE001 - not a route, or a redirect
            return
        segment = rule.rule.strip("/").split("/")[0]
        tried_rules.add(rule.rule)
        for name, value in args.items():
            values[(segment, name)].add(value)
            anywhere[name].add(value)

    def fill_rules() -> None:
        for rule in with_args:
            if rule.rule in filled:
                continue
            segment = rule.rule.strip("/").split("/")[0]
            options = {name: sorted(values.get((segment, name)) or anywhere.get(name, ()), key=str)[:2]
                       for name in rule.arguments}
            if not all(options.values()):
                continue
            filled.add(rule.rule)
            choices = [{name: v[min(index, len(v) - 1)] for name, v in options.items()}
                       for index in range(max(len(v) for v in options.values()))]
            # and the same with each argument replaced by one that names nothing
            for name in rule.arguments:
                choices.append({**choices[0], name: missing_value(rule, name)})
            for args in choices:
                try:
                    path = adapter.build(rule.endpoint, args, method="GET")
                except Exception:  # noqa: BLE001 - arguments of another kind
                    continue
                path = normalise(path, "/")
                if path:
                    enqueue(path)

    while visited < max_pages and time.time() < deadline:
        if not queue:
            fill_rules()
            if not queue:
                break
        path = queue.popleft()
        try:
            status, body, location, seconds = browser.get(path)
        except Exception as error:  # noqa: BLE001 - a timeout or a dropped connection is a failure too
            failures.append((path, "no answer", str(error)[:200]))
            visited += 1
            continue
        visited += 1
        statuses[status // 100 * 100] += 1
        learn(path)
        if status >= 500 or "Traceback (most recent call last)" in body or "Internal Server Error" in body:
            title = re.search(r"<title>(.*?)</title>", body, re.S)
            failures.append((path, status, (title.group(1).strip() if title else body[:200]).replace("\n", " ")))
        if status == 200 and "<html" in body[:1000].lower():
            if "/logout" in body:
                previous = path
            elif path.startswith("/login") and not signed_out:
                signed_out = True
                failures.append((path, "signed out", f"no longer signed in; the page before was {previous}"))
        if seconds > SLOW_SECONDS:
            slow.append((path, round(seconds, 2)))
        if location:
            target = normalise(location, path)
            if target:
                enqueue(target)
        if body and "html" in body[:500].lower():
            parser = LinkParser()
            try:
                parser.feed(body)
            except Exception:  # noqa: BLE001 - broken HTML is not this crawler's business
                pass
            for link in parser.links:
                target = normalise(link, path)
                if target:
                    enqueue(target)
    _, home, _, _ = browser.get("/")
    if "/logout" not in home:
        failures.append(("/", "signed out", "the session ended during the crawl (a GET signed the user out?)"))
    return {"user": username, "visited": visited, "rules": tried_rules, "queued_left": len(queue),
            "failures": failures, "slow": slow, "statuses": dict(statuses),
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1500, help="pages per user")
    parser.add_argument("--minutes", type=float, default=10, help="whole crawl")
    parser.add_argument("--users", default="", help="comma-separated usernames (default: all demo users and admin)")
    parser.add_argument("--parallel", type=int, default=4)
    options = parser.parse_args()
    env = dict(os.environ)
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        fail("set DATABASE_URL (PostgreSQL) and REDIS_URL to a database and Redis db kept for this check")
    WORKDIR.mkdir(parents=True, exist_ok=True)
    env.update(WCN_ENV="development", PORT=str(PORT), FILES_DIR=str(WORKDIR / "files"))
    os.environ.update(env)
    reset_services(env["DATABASE_URL"], env["REDIS_URL"])
    started = time.perf_counter()
    server, worker = None, None
    try:
        server, passwords = start_app(env, WORKDIR)
        print(f"app up with demo data on PostgreSQL in {time.perf_counter() - started:.1f} s; "
              f"log: {WORKDIR / 'server.log'}")
        worker = start_worker(env, WORKDIR)
        from app.demo import USERS

        app, plain, with_args = url_rules()
        users = [(u[0], passwords["demo"]) for u in USERS] + [("admin", passwords["admin"])]
        if options.users:
            wanted = set(options.users.split(","))
            users = [u for u in users if u[0] in wanted]
        # the whole crawl's end, and each user's share of it
        deadline = (time.time() + options.minutes * 60,
                    options.minutes * 60 * min(options.parallel, len(users)) / max(len(users), 1))
        print(f"{len(plain)} rules without arguments, {len(with_args)} with; {len(users)} users")
        with ThreadPoolExecutor(options.parallel) as pool:
            results = list(pool.map(
                lambda u: crawl_user(u[0], u[1], app, plain, with_args, options.pages, deadline), users))
        bad = False
        for result in results:
            if result.get("error"):
                bad = True
                print(f"{result['user']}: {result['error']}")
                continue
            print(f"{result['user']}: {result['visited']} pages in {result['seconds']} s "
                  f"({result['queued_left']} left in the queue), statuses {result['statuses']}")
            for path, status, what in result["failures"]:
                bad = True
                print(f"  FAIL {status} {path}  {what[:160]}")
            for path, seconds in result["slow"]:
                print(f"  slow {seconds} s {path}")
        reached = set().union(*(r.get("rules", set()) for r in results))
        never = sorted(r.rule for r in with_args if r.rule not in reached)
        print(f"rules with arguments never reached ({len(never)}): {' '.join(never)}")
        print(f"total {time.perf_counter() - started:.0f} s")
        print("FAILED" if bad else "OK")
        raise SystemExit(1 if bad else 0)
    finally:
        stop(worker, server)


if __name__ == "__main__":
    main()
