"""``bench_load.py --costs``: each request of the load test's mix in-process (Django's test client), its
queries, its Python and database CPU time and its function calls, weighed by the mix's rates."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def measure_costs(accounts: dict, runs: int = 30, profile_name: str | None = None) -> None:
    """Each request of the mix through the test client: queries, Python CPU and wall time (median), and
    the Python function calls it makes — a count that does not move with the machine's speed (this
    shared machine's varies by a third within minutes), for comparing code side by side."""
    import cProfile
    import pstats
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    keeper, supervisor, office = accounts["keeper"][0], accounts["supervisor"][0], accounts["office"][0]
    inspection = supervisor["inspections"][0]
    client = Client()

    def api(method: str, path: str, account: dict, body: dict | None = None):
        def call():
            client.cookies.clear()
            headers = {"Authorization": f"Bearer {account['token']}"}
            if body is None:
                return client.get(path, headers=headers)
            data = {k: (v() if callable(v) else v) for k, v in body.items()}
            return getattr(client, method)(path, json.dumps(data), content_type="application/json", headers=headers)

        return call

    def page(path: str, account: dict, form: dict | None = None):
        def call():
            client.cookies.clear()
            client.cookies["sessionid"] = account["session"]
            if form is None:
                return client.get(path)
            client.cookies["csrftoken"] = "c" * 32
            return client.post(path, {**form, "csrfmiddlewaretoken": "c" * 32})

        return call

    today = time.strftime("%Y-%m-%d")
    ratings = {i["key"]: {"score": i["max"], "comment": ""} for i in supervisor["rating_items"]}
    county, month = office["county"], office["month"]
    requests = {
        "W api ledger parcel": api(
            "post",
            "/api/v1/ledgers/parcel",
            keeper,
            {
                "station": keeper["station"],
                "direction": "in",
                "carrier": "中通",
                "tracking_no": lambda: os.urandom(9).hex(),
                "arrived_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            },
        ),
        "W page ledger purchase": page(
            "/ledgers/purchase/new/",
            keeper,
            {
                "s-station": keeper["station_id"],
                "occurred_on": today,
                "product_name": "化肥",
                "quantity": "1",
                "amount": "10.00",
                "platform": "淘宝",
            },
        ),
        "W api inspection ratings": api(
            "put",
            f"/api/v1/supervision/inspections/{inspection['id']}",
            supervisor,
            {**inspection["body"], "ratings": ratings},
        ),
        "R api ledger list": api("get", f"/api/v1/ledgers/parcel?station={keeper['station']}&limit=20", keeper),
        "R page ledgers home": page("/ledgers/", keeper),
        "R page ledger list": page("/ledgers/parcel/", keeper),
        "R page ledger form": page("/ledgers/purchase/new/", keeper),
        "R page inspection": page(f"/supervision/inspections/{inspection['id']}/", supervisor),
        "R page inspection list": page("/supervision/", supervisor),
        "R api inspection list": api("get", "/api/v1/supervision/inspections?limit=20", supervisor),
        "R page dashboard": page(f"/dashboards/?county={county}", office),
        "R page dashboard chart": page(f"/dashboards/charts/trend.json?county={county}", office),
        "R page statistics": page(f"/reports/statistics/?county={county}&month={month}", office),
        "R api dashboard summary": api("get", f"/api/v1/dashboards/summary?county={county}", office),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0] if connection.vendor == "postgresql" else None
    ticks = os.sysconf("SC_CLK_TCK")
    if profile_name and profile_name.startswith("sql:"):
        call = requests[profile_name[4:]]
        call()
        with CaptureQueriesContext(connection) as captured:
            call()
        for query in captured.captured_queries:
            print(f"{query['time']:>6} {query['sql'][:400]}")
        return
    if profile_name == "mix":
        print_mix_profile(requests)
        return
    if profile_name:
        call = requests[profile_name]
        call()
        profile = cProfile.Profile()
        for _ in range(10):
            profile.runcall(call)
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        return

    def backend_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL backend (same machine: /proc), 0 elsewhere."""
        try:
            fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    print(
        f"{'request':<28} {'status':>6} {'queries':>8} {'CPU ms':>8} {'DB CPU':>8} {'wall ms':>8} {'calls':>8}"
        f"   (median of {runs}; DB CPU: the PostgreSQL backend's, mean; calls: Python function calls)"
    )
    weighted = [0.0, 0.0, 0.0, 0.0]
    for name, call in requests.items():
        status = call().status_code
        cpu, wall, queries = [], [], 0
        db_started = backend_cpu()
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                call()
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            queries = len(captured.captured_queries)
        db_cpu = (backend_cpu() - db_started) * 1000 / runs
        profile = cProfile.Profile()
        for _ in range(5):
            profile.runcall(call)
        calls = pstats.Stats(profile).total_calls / 5
        print(
            f"{name:<28} {status:>6} {queries:>8} {statistics.median(cpu):>8.1f} {db_cpu:>8.1f} "
            f"{statistics.median(wall):>8.1f} {calls:>8.0f}"
        )
        rate = MIX_RATES.get(name, 0.0)
        costs = (1, statistics.median(cpu), db_cpu, calls)
        weighted = [total + rate * cost for total, cost in zip(weighted, costs, strict=True)]
    rate, app, db, calls = weighted
    print(
        f"{'mix (100 + 100/s), per s':<28} {rate:>6.0f} {'':>8} {app:>8.0f} {db:>8.0f} {'':>8} {calls / 1000:>7.0f}k"
        f"   ms of CPU per second of the target load: {(app + db) / 1000:.2f} cores"
    )


def print_mix_profile(requests: dict) -> None:
    """One second of the target load in-process under cProfile: its own time by where the code lives."""
    import cProfile
    import pstats
    from collections import Counter

    for call in requests.values():
        call()
    profile = cProfile.Profile()
    for name, call in requests.items():
        for _ in range(round(MIX_RATES.get(name, 0.0))):
            profile.runcall(call)
    where: Counter = Counter()
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(profile).stats.items():
        if "site-packages/" in filename:
            parts = filename.split("site-packages/", 1)[1].split("/")
            key = "/".join(parts[:3] if parts[0] == "django" else parts[:1])
        elif "/cunzhan/" in filename:
            key = "cunzhan/" + filename.split("/cunzhan/", 1)[1].split("/")[0]
        elif filename == "~":
            key = f"builtin {function}"[:60]
        else:
            key = filename.rsplit("/", 1)[-1]
        where[key] += tottime
    total = sum(where.values())
    for key, seconds in where.most_common(40):
        print(f"{key:<60} {seconds * 1000:8.0f} ms {seconds / total:6.1%}")
    print(f"{'total (profiled, slower than real)':<60} {total * 1000:8.0f} ms")


# requests per second of each kind at the target load, as benchmarks/locustfile.py shares it out
# (100 writes + 100 reads; the phone page's form GET is one of the reads); --costs weighs by these
MIX_RATES = {
    "W api ledger parcel": 73.6,  # the keepers' API writes, all four ledgers (parcels stand for them)
    "W page ledger purchase": 18.4,
    "W api inspection ratings": 8.0,
    "R page ledger form": 18.4,
    "R api ledger list": 20.8,
    "R page ledger list": 12.5,
    "R page ledgers home": 8.3,
    "R page inspection": 10.0,
    "R page inspection list": 7.5,
    "R api inspection list": 7.5,
    "R page dashboard": 4.5,
    "R page dashboard chart": 3.75,
    "R page statistics": 3.75,
    "R api dashboard summary": 3.0,
}
