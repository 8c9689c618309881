from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from python_calamine import CalamineWorkbook

from cunzhan.ledgers.models import ImportBatch, ProxyPurchase
from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, purchase_rows, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_import_ledger_prints_a_summary_and_fails_with_the_error_report(world, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", PURCHASE_HEADER, purchase_rows())
    out = io.StringIO()
    call_command("import_ledger", "purchase", str(good), "--user", "keeper", stdout=out)
    assert "读取 4 行，新增 4 行，已存在而跳过 0 行" in out.getvalue()
    rows = purchase_rows()
    rows[2][4] = -3
    bad = write_csv(tmp_path / "bad.csv", PURCHASE_HEADER, rows)
    with pytest.raises(CommandError) as caught:
        call_command("import_ledger", "purchase", str(bad), "--user", "keeper")
    assert "未写入任何数据" in str(caught.value)
    assert "第 4 行“金额（元）”列：金额不能为负数" in str(caught.value)
    assert ProxyPurchase.objects.count() == 4


@pytest.mark.django_db
def test_export_ledger_writes_masked_xlsx_and_csv(world, tmp_path):
    call_command(
        "import_ledger", "purchase", str(write_csv(tmp_path / "a.csv", PURCHASE_HEADER, purchase_rows())),
        "--user", "keeper", stdout=io.StringIO(),
    )  # fmt: skip
    target = tmp_path / "out.xlsx"
    call_command("export_ledger", "purchase", "-o", str(target), "--user", "county", stderr=io.StringIO())
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert len(rows) == 5 and rows[1][7] == "138****1234"
    with pytest.raises(CommandError, match="理由"):
        call_command("export_ledger", "purchase", "-o", str(tmp_path / "x.csv"), "--user", "county", "--unmasked")
    call_command(
        "export_ledger", "purchase", "-o", str(tmp_path / "y.csv"), "--user", "keeper", "--unmasked",
        stderr=io.StringIO(),
    )  # fmt: skip
    assert "13800001234" in (tmp_path / "y.csv").read_text(encoding="utf-8-sig")


def _run_and_kill(args: list[str], env: dict[str, str]) -> None:
    """Start the import, wait until every row is written inside its transaction, kill -9 it."""
    child = subprocess.Popen(
        [sys.executable, "-m", "cunzhan.ledgers.tests.killed_child", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if "NOT COMMITTED" in line or child.poll() is not None:
                break
        assert "NOT COMMITTED" in line, child.stderr.read() if child.poll() is not None else "timed out"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()


def _rows(count: int) -> list[list]:
    base = purchase_rows()
    return [[*base[i % 4][:2], f"商品{i}", *base[i % 4][3:]] for i in range(count)]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite variant")
def test_a_killed_import_leaves_nothing_behind_on_sqlite(tmp_path):
    database = tmp_path / "killed.sqlite3"
    path = write_csv(tmp_path / "big.csv", PURCHASE_HEADER, _rows(30_000))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "cunzhan.settings_test"}
    _run_and_kill(["--setup", str(path)], env)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM stations_station").fetchone()[0] == 3  # the setup committed
        assert db.execute("SELECT count(*) FROM ledgers_proxypurchase").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM ledgers_importbatch").fetchone()[0] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL (COPY) variant")
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_nothing_behind_on_postgresql(world, tmp_path):
    path = write_csv(tmp_path / "big.csv", PURCHASE_HEADER, _rows(30_000))
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "cunzhan.settings_test"}
    _run_and_kill([str(path)], env)
    assert ProxyPurchase.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    # and the same file imports completely afterwards: the killed one held no key
    call_command("import_ledger", "purchase", str(path), "--user", "admin", stdout=io.StringIO())
    assert ProxyPurchase.objects.count() == 30_000
