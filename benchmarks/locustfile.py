"""A province's morning (issue 9), for ``benchmarks/bench_load.py``: keepers recording ledger entries
(the API, as the phone app does, and the phone page's form) and reading their lists; supervisors
opening inspection pages and saving ratings; county offices opening the dashboard and statistics.

Run by ``bench_load.py``, which prepares the accounts and writes them to the file named by
``LOAD_USERS`` (API tokens and session cookies made in advance: each account has logged in once this
morning, so no request pays for password hashing). Rates come from the environment:
``LOAD_WRITE_RATE`` and ``LOAD_READ_RATE`` requests per second in total, shared between the roles as
in ``WRITE_SHARE`` / ``READ_SHARE``; each user is paced with ``constant_throughput``.

Every request is named ``W …`` (a write) or ``R …`` (a read). Requests in the first ``LOAD_WARMUP``
seconds are not counted; the rest are summarised into ``LOAD_RESULT`` (JSON) when the run stops.

With ``LOAD_ACKS`` naming a file (the failover drill, ``bench_failover.py``), every ledger entry gets a
key of its own (the parcel's tracking number; a ``#…`` mark in a purchase's or sale's product name or a
service's note), and each write the server acknowledged — its kind, id (the API's answer; a page's
redirect gives none), key, and when it was sent and answered — is written there with every request's
time and status code when the run stops.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import string
import time
import uuid
from urllib.parse import urlencode

from locust import FastHttpUser, constant_throughput, events, task

with open(os.environ["LOAD_USERS"], encoding="utf-8") as handle:
    ACCOUNTS = json.load(handle)

WRITE_RATE = float(os.environ.get("LOAD_WRITE_RATE", "100"))
READ_RATE = float(os.environ.get("LOAD_READ_RATE", "100"))
WARMUP = float(os.environ.get("LOAD_WARMUP", "15"))
USERS = json.loads(os.environ.get("LOAD_USER_COUNTS", '{"keeper": 40, "supervisor": 10, "office": 4}'))

# who makes the writes and the reads of the morning
WRITE_SHARE = {"keeper": 0.92, "supervisor": 0.08, "office": 0.0}
READ_SHARE = {"keeper": 0.60, "supervisor": 0.25, "office": 0.15}
PAGE_WRITES = 0.2  # share of the keepers' writes made on the phone page (form GET + POST) rather than the API
LEDGER_MIX = {"parcel": 0.55, "purchase": 0.25, "service": 0.12, "sale": 0.08}


def _pace(role: str, writes: float, reads: float) -> float:
    """Task executions per second for each user of the role."""
    return max((writes + reads) / max(USERS[role], 1), 0.001)


_taken: dict[str, int] = {}

ACKS_FILE = os.environ.get("LOAD_ACKS", "")
_acks: list[dict] = []
_answers: list[tuple[float, str, int]] = []


def _mark(kind: str, body: dict) -> str:
    """With LOAD_ACKS, a key of this entry's own, put where the database keeps it."""
    if kind == "parcel":
        return body["tracking_no"]
    key = "#" + uuid.uuid4().hex[:16]
    if not ACKS_FILE:
        return key
    if kind == "service":
        body["note"] = key
    else:
        body["product_name"] = f"{body['product_name']} {key}"
    return key


def _acknowledged(kind: str, key: str, sent: float, entry_id: int | None) -> None:
    if ACKS_FILE:
        _acks.append({"kind": kind, "key": key, "id": entry_id, "sent": sent, "acked": time.time()})


def next_account(role: str) -> dict:
    """The prepared accounts of the role in turn, one per locust user (shared when users outnumber them)."""
    pool = ACCOUNTS[role]
    taken = _taken.get(role, 0)
    _taken[role] = taken + 1
    return pool[taken % len(pool)]


class BenchUser(FastHttpUser):
    abstract = True
    role = ""

    def on_start(self):
        self.account = next_account(self.role)
        # The phone app sends its token and no cookie; the browser its session cookie and a CSRF
        # secret of its own (Django accepts any well-formed one, echoed in the form). Cookies are
        # set here, not kept from responses, so that API requests carry none.
        self.client.client.cookiejar = None
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.api_headers = {"Authorization": f"Bearer {self.account['token']}"}
        self.page_headers = {"Cookie": f"sessionid={self.account['session']}; csrftoken={self.csrf}"}

    def api_get(self, path: str, name: str) -> None:
        self._get(path, name, self.api_headers)

    def page(self, path: str, name: str) -> None:
        self._get(path, name, self.page_headers)

    def _get(self, path: str, name: str, headers: dict) -> None:
        # a redirect (to the login or password page) is a failure, not a page
        with self.client.get(path, headers=headers, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")


def _today() -> str:
    return time.strftime("%Y-%m-%d")


def _ledger_body(kind: str, station: str) -> dict:
    today = _today()
    if kind == "parcel":
        return {
            "station": station,
            "direction": random.choice(["in", "in", "in", "out"]),
            "carrier": random.choice(["中通", "圆通", "邮政", "韵达", "极兔"]),
            "tracking_no": "LT" + uuid.uuid4().hex[:18].upper(),
            "arrived_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "recipient_phone": f"138{random.randint(0, 99999999):08d}",
        }
    if kind == "purchase":
        return {
            "station": station,
            "occurred_on": today,
            "product_name": random.choice(["复合肥 50kg", "玉米种子", "洗衣液", "电饭煲", "手机壳"]),
            "quantity": str(random.randint(1, 5)),
            "amount": f"{random.randint(500, 30000) / 100:.2f}",
            "platform": random.choice(["拼多多", "淘宝", "京东"]),
        }
    if kind == "sale":
        return {
            "station": station,
            "occurred_on": today,
            "product_name": random.choice(["佳县红枣 5kg", "小米 2kg", "苹果 10kg"]),
            "quantity": str(random.randint(1, 20)),
            "amount": f"{random.randint(2000, 90000) / 100:.2f}",
            "seller_household": random.choice(["李四", "王五", "赵六"]),
        }
    return {
        "station": station,
        "occurred_on": today,
        "service_kind": random.choice(["payment", "payment", "ticket", "information"]),
        "amount": f"{random.randint(0, 20000) / 100:.2f}",
    }


class Keeper(BenchUser):
    """A station keeper: records the morning's parcels and purchases and looks at the lists."""

    role = "keeper"
    fixed_count = USERS["keeper"]
    _writes = WRITE_RATE * WRITE_SHARE["keeper"]
    _reads = READ_RATE * READ_SHARE["keeper"]
    # a page write is a form GET (a read) and its POST (a write)
    _page, _api = _writes * PAGE_WRITES, _writes * (1 - PAGE_WRITES)
    wait_time = constant_throughput(_pace("keeper", _writes, _reads - _page))

    @task(max(1, round(_api * 100)))
    def record_via_api(self):
        kind = random.choices(list(LEDGER_MIX), weights=list(LEDGER_MIX.values()))[0]
        body = _ledger_body(kind, self.account["station"])
        key, sent = _mark(kind, body), time.time()
        with self.client.post(
            f"/api/v1/ledgers/{kind}",
            json=body,
            headers=self.api_headers,
            name=f"W api ledger {kind}",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            elif ACKS_FILE:
                _acknowledged(kind, key, sent, response.json().get("id"))

    @task(max(1, round(_page * 100)))
    def record_on_phone_page(self):
        kind = random.choice(["purchase", "service"])
        self.page(f"/ledgers/{kind}/new/", name=f"R page ledger {kind} form")
        body = _ledger_body(kind, self.account["station"])
        body.pop("station")
        body.update({"s-station": self.account["station_id"], "csrfmiddlewaretoken": self.csrf})
        key, sent = _mark(kind, body), time.time()
        with self.client.post(
            f"/ledgers/{kind}/new/",
            data=urlencode(body),
            headers={
                **self.page_headers,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.host}/ledgers/{kind}/new/",
            },
            allow_redirects=False,
            name=f"W page ledger {kind}",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}: form not accepted")
            else:
                _acknowledged(kind, key, sent, None)

    @task(max(1, round((_reads - _page) * 100)))
    def read(self):
        kind = random.choices(list(LEDGER_MIX), weights=list(LEDGER_MIX.values()))[0]
        station = self.account["station"]
        choice = random.random()
        if choice < 0.5:
            self.api_get(f"/api/v1/ledgers/{kind}?station={station}&limit=20", name="R api ledger list")
        elif choice < 0.8:
            self.page(f"/ledgers/{kind}/", name="R page ledger list")
        else:
            self.page("/ledgers/", name="R page ledgers home")


class Supervisor(BenchUser):
    """A township supervisor: opens inspection pages and saves ratings on the phone."""

    role = "supervisor"
    fixed_count = USERS["supervisor"]
    _writes = WRITE_RATE * WRITE_SHARE["supervisor"]
    _reads = READ_RATE * READ_SHARE["supervisor"]
    wait_time = constant_throughput(_pace("supervisor", _writes, _reads))

    @task(max(1, round(_writes * 100)))
    def save_ratings(self):
        inspection = random.choice(self.account["inspections"])
        ratings = {}
        for item in self.account["rating_items"]:
            full = random.random() < 0.8
            score = item["max"] if full else str(max(0, float(item["max"]) - 1))
            ratings[item["key"]] = {"score": score, "comment": "" if full else "现场检查发现不足"}
        with self.client.put(
            f"/api/v1/supervision/inspections/{inspection['id']}",
            json={**inspection["body"], "ratings": ratings},
            headers=self.api_headers,
            name="W api inspection ratings",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(max(1, round(_reads * 100)))
    def read(self):
        inspection = random.choice(self.account["inspections"])
        choice = random.random()
        if choice < 0.4:
            self.page(f"/supervision/inspections/{inspection['id']}/", name="R page inspection")
        elif choice < 0.7:
            self.page("/supervision/", name="R page inspection list")
        else:
            self.api_get("/api/v1/supervision/inspections?limit=20", name="R api inspection list")


class Office(BenchUser):
    """The county office (电商办): the dashboard, its charts and the statistics."""

    role = "office"
    fixed_count = USERS["office"]
    _reads = READ_RATE * READ_SHARE["office"]
    wait_time = constant_throughput(_pace("office", 0, _reads))

    @task
    def read(self):
        county, month = self.account["county"], self.account["month"]
        choice = random.random()
        if choice < 0.3:
            self.page(f"/dashboards/?county={county}", name="R page dashboard")
        elif choice < 0.55:
            chart = random.choice(["trend", "activity", "townships", "stations", "grades"])
            self.page(f"/dashboards/charts/{chart}.json?county={county}", name="R page dashboard chart")
        elif choice < 0.8:
            self.page(f"/reports/statistics/?county={county}&month={month}", name="R page statistics")
        else:
            self.api_get(f"/api/v1/dashboards/summary?county={county}", name="R api dashboard summary")


# -- measurement ----------------------------------------------------------------------------------

_samples: dict[str, list[tuple[str, float, bool]]] = {"W": [], "R": []}
_window: dict[str, float] = {}


@events.test_start.add_listener
def _started(environment, **_kwargs):
    _window["start"] = time.monotonic() + WARMUP


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, response=None, **_kwargs):
    if ACKS_FILE:
        status = getattr(response, "status_code", 0) or 0
        _answers.append((time.time(), name, status if exception is None or status >= 300 else 0))
    now = time.monotonic()
    if now < _window.get("start", float("inf")):
        return
    _window["end"] = now
    _samples[name[0]].append((name, response_time, exception is None))


def _summary(samples: list[tuple[str, float, bool]], seconds: float) -> dict:
    times = sorted(t for _name, t, _ok in samples)

    def pct(p: float) -> float | None:
        return round(times[min(len(times) - 1, int(p * len(times)))], 1) if times else None

    return {
        "requests": len(samples),
        "per_second": round(len(samples) / seconds, 1) if seconds else 0.0,
        "errors": sum(1 for _n, _t, ok in samples if not ok),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(times), 1) if times else None,
    }


@events.quitting.add_listener
def _write_result(environment, **_kwargs):
    seconds = max(0.0, _window.get("end", 0.0) - _window.get("start", 0.0))
    names = sorted({n for group in _samples.values() for n, _t, _ok in group})
    result = {
        "seconds": round(seconds, 1),
        "writes": _summary(_samples["W"], seconds),
        "reads": _summary(_samples["R"], seconds),
        "by_name": {
            n: _summary([s for group in _samples.values() for s in group if s[0] == n], seconds) for n in names
        },
        "errors_total": environment.stats.total.num_failures,
        "error_examples": [
            f"{e.method} {e.name}: {e.error}"[:300] for e in list(environment.stats.errors.values())[:10]
        ],
    }
    with open(os.environ["LOAD_RESULT"], "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=1)
    if ACKS_FILE:
        with open(ACKS_FILE, "w", encoding="utf-8") as handle:
            json.dump({"acks": _acks, "answers": _answers}, handle, ensure_ascii=False)
