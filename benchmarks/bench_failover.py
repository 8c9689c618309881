"""The failover drill (issue 25): kill the primary during the morning load, lose nothing acknowledged.

    .venv/bin/python benchmarks/bench_failover.py

(``apt-get install etcd-server patroni pgbackrest`` and ``pip install -e '.[bench]'`` first.) One command:

1. ``scripts/ha-cluster up``: three etcd members, Patroni with a primary and a synchronous standby on
   127.0.0.1, WAL archived by pgBackRest (var/ha; the machine's PostgreSQL on 5432 is not touched);
2. creates the database on the cluster through the multi-host URL the app uses
   (``target_session_attrs=read-write``; ``DATABASE_REPLICA_URL`` with ``prefer-standby``), migrates,
   loads the county demo (``cunzhan demo``) and prepares the morning's accounts (bench_load.py's);
3. takes a full pgBackRest backup (``cunzhan backup --pgbackrest --type full``'s code);
4. starts granian with production settings and locust with bench_load.py's mix; every acknowledged
   write's id and key, and every request's time and status, are recorded (locustfile.py, LOAD_ACKS);
5. ``kill -9`` of the primary's postmaster ``--kill-after`` seconds (20) into the load, which goes on
   ``--after`` seconds more (60);
6. checks every acknowledged write on the new primary, by its key: ``lost`` (not there) and
   ``duplicated`` (there twice); ``failover seconds``: from the kill to the first write sent after it
   that was acknowledged; the answers other than success during the switch, by status code;
7. restores the backup and the archived WAL to a moment ``--pitr-before`` seconds (5) before the kill
   into a scratch cluster and compares: every write acknowledged before that moment is there, none
   sent after it is;
8. prints the four lines a script reads, the errors, the load average before and after (NOISY when
   above 2: this 2-core machine is shared), stops the server and brings the cluster down
   (``--keep``: leaves it up).

Exit status 0 when nothing acknowledged was lost or doubled, the failover took less than 30 s and the
point-in-time copy matched.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_load import load_data, prepare_accounts, run_locust, start_server, stop  # noqa: E402

CLUSTER = ROOT / "scripts" / "ha-cluster"
HA_DIR = Path(os.environ.get("HA_DIR", ROOT / "var" / "ha")).resolve()
BENCH_DIR = ROOT / "var" / "bench"
DATABASE = "cunzhan_failover"
TARGET_FAILOVER_SECONDS = 30.0
NOISY_LOAD = 2.0
# Patroni logs in the machine's local time; Django's setup later sets TZ to Asia/Shanghai in this process
MACHINE_UTC_OFFSET = time.localtime().tm_gmtoff


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kill-after", type=int, default=20, help="seconds of load before the kill")
    parser.add_argument("--after", type=int, default=60, help="seconds of load after the kill")
    parser.add_argument("--pitr-before", type=float, default=5.0, help="restore to this many seconds before the kill")
    parser.add_argument("--keepers", type=int, default=200)
    parser.add_argument("--supervisors", type=int, default=20)
    parser.add_argument("--users", default="keeper=40,supervisor=10,office=4", help="locust users per role")
    parser.add_argument("--write-rate", type=float, default=100.0, help="writes per second, all users")
    parser.add_argument("--read-rate", type=float, default=100.0, help="reads per second, all users")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--keep", action="store_true", help="leave the cluster up afterwards")
    parser.add_argument(
        "--async", dest="async_standby", action="store_true", help="a third, asynchronous node (ha-cluster up --async)"
    )
    args = parser.parse_args()
    # what bench_load's start_server and run_locust read
    args.server, args.warmup, args.run_time = "granian", 0, args.kill_after + args.after
    return args


def cluster(*command: str, check: bool = True) -> str:
    result = subprocess.run([str(CLUSTER), *command], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise SystemExit(f"scripts/ha-cluster {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def primary() -> tuple[str, int, Path]:
    name, port, data = cluster("primary").split()
    return name, int(port), Path(data)


def urls(ports: list[int]) -> tuple[str, str]:
    hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
    base = f"postgres://postgres@{hosts}/{DATABASE}"
    return f"{base}?target_session_attrs=read-write", f"{base}?target_session_attrs=prefer-standby"


def create_database(url: str) -> None:
    import psycopg

    admin = url.replace(f"/{DATABASE}?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def setup(url: str, replica_url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DATABASE_REPLICA_URL=replica_url,
        PGBACKREST_CONFIG=str(HA_DIR / "pgbackrest.conf"),
        SECRET_KEY=os.environ.get("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnop"),
        DJANGO_SETTINGS_MODULE="cunzhan.settings",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
    )
    os.environ.pop("DEBUG", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# -- what the database holds of the acknowledged writes ---------------------------------------------


def key_column(kind: str) -> tuple[str, str]:
    """(table, column) where a write's key lives (locustfile._mark)."""
    from cunzhan.ledgers.specs import spec_for

    table = spec_for(kind).model._meta.db_table
    if kind == "parcel":
        return table, "tracking_no"
    return table, "note" if kind == "service" else "product_name"


def count_keys(conn, acks: list[dict]) -> Counter:
    """How many rows hold each acknowledged key, per (kind, key)."""
    found: Counter = Counter()
    by_kind: dict[str, list[str]] = {}
    for ack in acks:
        by_kind.setdefault(ack["kind"], []).append(ack["key"])
    for kind, keys in by_kind.items():
        table, column = key_column(kind)
        if column == "product_name":  # "复合肥 50kg #<key>": the key is the name's last word
            expression = f"split_part({column}, ' #', 2)"
            keys = [k.removeprefix("#") for k in keys]
            prefix = "#"
        else:
            expression, prefix = column, ""
        rows = conn.execute(
            f"SELECT {expression}, count(*) FROM {table} WHERE {expression} = ANY(%s) GROUP BY 1",  # noqa: S608
            [keys],
        ).fetchall()
        for key, count in rows:
            found[(kind, prefix + key)] = count
    return found


def verify(url: str, acks: list[dict]) -> tuple[int, int, list[str]]:
    import psycopg

    with psycopg.connect(url) as conn:
        found = count_keys(conn, acks)
        ids_wrong = []
        for ack in acks:
            if ack["id"] is None or found[(ack["kind"], ack["key"])] != 1:
                continue
            table, column = key_column(ack["kind"])
            row = conn.execute(f"SELECT {column} FROM {table} WHERE id = %s", [ack["id"]]).fetchone()  # noqa: S608
            if row is None or not row[0].endswith(ack["key"]):
                ids_wrong.append(f"{ack['kind']} {ack['key']}: the answer's id {ack['id']} holds {row}")
    lost = sum(1 for a in acks if found[(a["kind"], a["key"])] == 0)
    duplicated = sum(1 for a in acks if found[(a["kind"], a["key"])] > 1)
    return lost, duplicated, ids_wrong


def promoted_at(name: str) -> float | None:
    """When Patroni on ``name`` logged taking the leader lock (its log's local time)."""
    try:
        lines = (HA_DIR / "log" / f"patroni-{name}.log").read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if "promoted self to leader" in line:
            logged = calendar.timegm(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) - MACHINE_UTC_OFFSET
            return logged + int(line[20:23]) / 1000
    return None


def pitr(acks: list[dict], moment: float, port: int) -> tuple[bool, str]:
    """Restore to ``moment`` into a scratch cluster: every write acknowledged before it there, none
    sent after it."""
    import psycopg

    from cunzhan.core import pgbackrest

    started = time.monotonic()
    pgbackrest.check()  # the new primary switches WAL segment and waits for it to be archived
    scratch = pgbackrest.restore_to_time(datetime.fromtimestamp(moment, tz=UTC), HA_DIR / "scratch", port=port)
    try:
        with psycopg.connect(scratch.url(DATABASE)) as conn:
            found = count_keys(conn, acks)
    finally:
        scratch.stop()
    before = [a for a in acks if a["acked"] < moment]
    after = [a for a in acks if a["sent"] > moment]
    missing = [a for a in before if found[(a["kind"], a["key"])] != 1]
    present = [a for a in after if found[(a["kind"], a["key"])] > 0]
    ok = bool(before) and not missing and not present
    return ok, (
        f"restored to {datetime.fromtimestamp(moment, tz=UTC):%H:%M:%S.%f} UTC in {time.monotonic() - started:.0f} s: "
        f"{len(before) - len(missing)} of {len(before)} writes acknowledged before it present, "
        f"{len(present)} of {len(after)} sent after it present"
    )


# -- the drill ----------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()
    cluster("down", check=False)
    started = time.monotonic()
    print(cluster("up", *(["--async"] if args.async_standby else [])).rstrip())
    primary()  # the cluster answers
    ports = sorted(int(line.split()[3]) for line in cluster("status").splitlines() if line.startswith("n"))
    url, replica_url = urls(ports)
    create_database(url)
    setup(url, replica_url)
    load_data("county", reload=False, stations=None)
    accounts = prepare_accounts(args.keepers, args.supervisors)
    print(f"accounts: {len(accounts['keeper'])} keepers, {len(accounts['supervisor'])} supervisors")

    from django.db import connections

    from cunzhan.core import pgbackrest

    backup_started = time.monotonic()
    pgbackrest.backup("full")
    print(f"pgBackRest full backup in {time.monotonic() - backup_started:.0f} s")
    connections.close_all()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    users_file, result_file = BENCH_DIR / "failover_users.json", BENCH_DIR / "failover_result.json"
    acks_file = BENCH_DIR / "failover_acks.json"
    users_file.write_text(json.dumps(accounts, ensure_ascii=False))
    for file in (result_file, acks_file):
        file.unlink(missing_ok=True)
    os.environ["LOAD_ACKS"] = str(acks_file)
    print(f"granian: {args.workers} workers; DATABASE_URL={url}\nDATABASE_REPLICA_URL={replica_url}")
    server = start_server(args, url, BENCH_DIR / "failover-granian.log")
    print(f"set up in {time.monotonic() - started:.0f} s; load for {args.kill_after} s, kill, {args.after} s more")
    load_at_start = os.getloadavg()[0]
    killed: dict[str, float | str] = {}

    def kill_primary() -> None:
        name, _port, data = primary()
        postmaster = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(postmaster, signal.SIGKILL)
        killed.update(at=time.time(), name=name)
        print(f"kill -9 {postmaster} (the postmaster of {name}, the primary)", flush=True)

    timer = threading.Timer(args.kill_after, kill_primary)
    try:
        timer.start()
        run_locust(args, users_file, acks_file.with_suffix(".summary.json"))
    finally:
        timer.cancel()
        stop(server)
    load_after = os.getloadavg()[0]
    if "at" not in killed or not acks_file.exists():
        raise SystemExit("the drill did not run to its end (no kill or no record of the writes)")
    kill_at = float(killed["at"])
    record = json.loads(acks_file.read_text())
    acks, answers = record["acks"], record["answers"]

    new_primary = primary()[0]
    lost, duplicated, ids_wrong = verify(url, acks)
    after_kill = [a for a in acks if a["sent"] > kill_at]
    failover = min((a["acked"] for a in after_kill), default=None)
    failover_seconds = failover - kill_at if failover is not None else float("inf")
    # the answers and the acknowledgements carry the client's clock, which is the servers' (one machine)
    errors = [(t, n, s) for t, n, s in answers if not (200 <= s < 400)]
    switch = [(t, n, s) for t, n, s in errors if kill_at - 1 <= t <= kill_at + max(failover_seconds, 0) + 5]
    codes = Counter(str(s) for _t, _n, s in switch)
    all_codes = Counter(str(s) for _t, _n, s in errors)
    pitr_ok, pitr_detail = pitr(acks, kill_at - args.pitr_before, int(os.environ.get("HA_PORT_BASE", "5440")) + 9)

    print()
    promoted = promoted_at(new_primary)
    promotion = f", promoted by Patroni {promoted - kill_at:.1f} s after the kill" if promoted else ""
    print(f"primary {killed['name']} killed; new primary {new_primary}{promotion}")
    print(f"{len(acks)} writes acknowledged ({len(after_kill)} sent after the kill), {len(answers)} requests answered")
    print(f"errors during the switch (kill to first write + 5 s), by status: {dict(sorted(codes.items())) or 'none'}")
    print(f"errors in the whole run, by status: {dict(sorted(all_codes.items())) or 'none'}")
    for line in ids_wrong[:5]:
        print("  id mismatch:", line)
    print(f"PITR: {pitr_detail}")
    noisy = max(load_before[0], load_at_start, load_after) > NOISY_LOAD
    print(
        f"load average {load_before[0]:.1f} before, {load_at_start:.1f} at the start of the load, "
        f"{load_after:.1f} after{' — NOISY' if noisy else ''}"
    )
    print()
    print(f"acknowledged writes lost: {lost}")
    print(f"duplicated: {duplicated}")
    print(f"failover seconds: {failover_seconds:.1f}")
    print(f"PITR: {'OK' if pitr_ok else 'MISMATCH'}")
    if not args.keep:
        connections.close_all()
        cluster("down", check=False)
    ok = lost == 0 and duplicated == 0 and not ids_wrong and failover_seconds < TARGET_FAILOVER_SECONDS and pitr_ok
    ok = ok and "500" not in all_codes
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
