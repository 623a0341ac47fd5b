"""The working day load.py replays (run by locust, headless; never points anywhere but 127.0.0.1).

Signed-in staff of each role, each in their own home, with a realistic mix (weights below): the
resident list and search, a resident's profile, assessments tab and a form to fill, the due list,
tasks, occupancy, care plans, documents, and the REST API with a JWT. Alongside them, in the same
run, a few users of the baselines (benchmarks/stock_app.py): a stock Flask-AppBuilder list, show and
REST list over the same residents, and a bare Flask JSON endpoint.

Settings come from the environment load.py sets: LOAD_PLAN (a JSON file: users by role with their
residents, the password, the stock app's address) and LOAD_MAX_REQUESTS.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time

from locust import HttpUser, between, events, task

PLAN = json.load(open(os.environ["LOAD_PLAN"]))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_accounts = itertools.cycle(PLAN["accounts"])
_lock = threading.Lock()
_sent = [0]


_runner = [None]
_samples: list = []


@events.request.add_listener
def _record(name, response_time, exception=None, response=None, **_kwargs):
    """Keep every response time (load.py works out the percentiles), and stop the whole run once
    the request budget is spent (as well as at --run-time)."""
    status = getattr(response, "status_code", 0) if response is not None else 0
    _samples.append((name, round(response_time, 2), exception is None, status, round(time.time(), 3)))
    _sent[0] += 1
    if MAX_REQUESTS and _sent[0] == MAX_REQUESTS and _runner[0] is not None:
        _runner[0].quit()


@events.quitting.add_listener
def _dump(environment, **_kwargs):
    with open(os.environ["LOAD_SAMPLES"], "w") as out:
        json.dump(_samples, out)


@events.init.add_listener
def _keep_runner(environment, **_kwargs):
    _runner[0] = environment.runner
    for host in (environment.host, PLAN["stock_host"]):
        assert host.startswith("http://127.0.0.1:"), "load.py only sends traffic to 127.0.0.1"


def _sign_in(client, username: str, password: str, name: str) -> bool:
    page = client.get("/login/", name=f"{name} (form)")
    token = CSRF.search(page.text or "")
    with client.post("/login/", data={"username": username, "password": password,
                                      "csrf_token": token.group(1) if token else ""},
                     name=name, allow_redirects=False, catch_response=True) as response:
        if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
            response.failure(f"sign-in refused ({response.status_code})")
            return False
        response.success()
    return True


class Staff(HttpUser):
    """A member of staff in one home (carers, seniors, nurses, managers) or group-wide."""

    weight = 10
    wait_time = between(0.5, 2.0)

    def on_start(self):
        with _lock:
            self.account = next(_accounts)
        self.residents = self.account["residents"]
        self.role = self.account["role"]
        self.refused: set[str] = set()
        _sign_in(self.client, self.account["username"], PLAN["password"], "sign in")

    def _get(self, url: str, name: str) -> None:
        """A page; one the role is refused (403, as the permission matrix says) is not asked again."""
        if name in self.refused:
            return
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code == 403:
                self.refused.add(name)
                response.success()

    def _resident(self) -> int:
        return random.choice(self.residents)

    @task(10)
    def resident_list(self):
        self._get("/residentview/list/", "resident list")

    @task(4)
    def resident_search(self):
        self.client.get("/residents/search?q=" + random.choice(["Jones", "Evans", "Williams", "Davies", "Ann"]),
                        name="resident search")

    @task(12)
    def profile(self):
        self._get(f"/residents/{self._resident()}/", "resident profile")

    @task(8)
    def assessments_tab(self):
        self._get(f"/assessments/resident/{self._resident()}/", "assessments tab")

    @task(4)
    def assessment_fill_and_submit(self):
        """Open a MUST form and submit it (roles that may fill assessments)."""
        if self.role not in ("Nurse", "Senior Carer", "Home Manager"):
            return
        resident = self._resident()
        url = f"/assessments/resident/{resident}/fill/must"
        page = self.client.get(url, name="assessment form")
        hidden = dict(re.findall(r'<input[^>]*name="(_version|_sha256|_token|csrf_token)"[^>]*value="([^"]*)"',
                                 page.text or ""))
        if page.status_code != 200 or "_token" not in hidden:
            return
        answers = {"bmi_kg_m2": f"{random.uniform(17, 30):.1f}",
                   "unplanned_weight_loss_percent_past_3_6_months": f"{random.uniform(0, 8):.1f}",
                   "acutely_ill_and_no_nutritional_intake_over_5_days": random.choice(["true", "false"])}
        with self.client.post(url, data={**hidden, **answers}, name="assessment submit", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"not submitted ({response.status_code})")

    @task(6)
    def due_list(self):
        self._get("/assessments/due/", "due list")

    @task(5)
    def task_list(self):
        self._get("/taskview/list/", "tasks")

    @task(3)
    def occupancy(self):
        self._get("/occupancy/", "occupancy")

    @task(5)
    def care_plans(self):
        self._get(f"/careplans/resident/{self._resident()}/", "care plans")

    @task(2)
    def documents(self):
        self._get("/documents/", "documents")

    @task(1)
    def sign_in_again(self):
        self.client.get("/logout/", name="sign out")
        _sign_in(self.client, self.account["username"], PLAN["password"], "sign in")


class ApiClient(HttpUser):
    """An integration (a tablet app, the family portal, a reporting tool) using the REST API with a JWT."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self):
        with _lock:
            account = next(_accounts)
        self.residents = account["residents"]
        response = self.client.post("/api/v1/security/login", name="API sign in (JWT)",
                                    json={"username": account["username"], "password": PLAN["password"],
                                          "provider": "db"})
        self.jwt = {"Authorization": "Bearer " + (response.json() or {}).get("access_token", "")} \
            if response.status_code == 200 else {}

    @task(1)
    def api_list(self):
        self.client.get("/api/v1/residents/?q=(page_size:25)", headers=self.jwt, name="REST list")

    @task(1)
    def api_show(self):
        self.client.get(f"/api/v1/residents/{random.choice(self.residents)}", headers=self.jwt, name="REST show")


class StockBaseline(HttpUser):
    """The baselines, measured under the same load on the same machine."""

    weight = 2
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.host = PLAN["stock_host"]
        self.client.base_url = PLAN["stock_host"]
        _sign_in(self.client, PLAN["stock_user"], PLAN["stock_password"], "stock: sign in")
        response = self.client.post("/api/v1/security/login", name="stock: API sign in",
                                    json={"username": PLAN["stock_user"], "password": PLAN["stock_password"],
                                          "provider": "db"})
        self.jwt = {"Authorization": "Bearer " + response.json()["access_token"]} \
            if response.status_code == 200 else {}
        self.residents = PLAN["all_residents"]

    @task(4)
    def stock_list(self):
        self.client.get("/stockresidentview/list/", name="stock: ModelView list")

    @task(4)
    def stock_show(self):
        self.client.get(f"/stockresidentview/show/{random.choice(self.residents)}", name="stock: ModelView show")

    @task(4)
    def stock_api_list(self):
        self.client.get("/api/v1/stockresident/?q=(page_size:25)", headers=self.jwt, name="stock: REST list")

    @task(2)
    def bare(self):
        self.client.get("/bare", name="bare Flask JSON")
