"""Ledger import benchmark (issues 4, 26): this importer against its floors, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cunzhan_bench .venv/bin/python benchmarks/bench_ledger_import.py

Creates (if needed) and migrates its own PostgreSQL database, generates a ``--rows`` (200,000) row
proxy-purchase file as .xlsx and .csv (cached under var/bench/), then, ``--repeat`` (5) rounds, each
round alternating (the importers start from an empty table each time):

* the bare read: ``CalamineWorkbook.from_path(f).get_sheet_by_index(0).to_python()`` — the .xlsx floor;
* the database floor: a server-side ``COPY ledgers_proxypurchase (…) FROM '<file>'`` of the very rows
  this importer stores (dumped once, server-side, after a first import), into the same partitioned
  table, with the same columns — PostgreSQL storing them with no Python at all;
* this importer (``cunzhan.ledgers.importers.import_ledger``), from .xlsx and from .csv, and the .csv
  again over the rows just stored (every row skipped);
* django-import-export in its fastest configuration (``use_bulk``, ``skip_diff``,
  ``force_init_instance``, no instance validation, a cached station lookup), from the .csv and from
  the .xlsx (tablib reads it through openpyxl) — as many runs as this importer.

Every figure is the median of its runs (all runs printed). Each import is compared with the floors and
with django-import-export reading the same format. The load average is printed before and after; a
target reads NOISY instead of OK/MISSED when it was above 2. Options: ``--rows N``, ``--repeat N``,
``--skip-die``, ``--skip-die-xlsx``. A small check: ``--rows 20000 --repeat 3``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import LoadGuard, ensure_database, setup_django  # noqa: E402  (benchmarks/ is on sys.path)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cunzhan_bench"
HEADERS = ["站点编码", "日期", "商品名称", "数量", "金额（元）", "网店/平台", "顾客姓名", "顾客手机号", "顾客身份证号"]
STATIONS = 40
PRODUCTS = ["复合肥", "玉米种子", "手机", "洗衣粉", "电饭煲", "农药", "猪饲料", "棉衣", "胶鞋", "奶粉", "电动车电池"]
PLATFORMS = ["淘宝", "拼多多", "京东", "抖音", "快手"]
SURNAMES = "王李张刘陈杨赵黄周吴高郭"


def ensure_world():
    from cunzhan.accounts.models import User
    from cunzhan.core.roles import Role
    from cunzhan.regions.models import Region, level_of, parent_code
    from cunzhan.stations.models import OperatingUnit, Station, Status, Tier

    for code, name in [("61", "陕西省"), ("6108", "榆林市"), ("610828", "佳县"), ("610828101", "坑镇")]:
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level_of(code), "parent_id": parent_code(code)}
        )
    town = Region.objects.get(code="610828101")
    unit, _ = OperatingUnit.objects.get_or_create(name="基准测试运营公司", county_id="610828")
    for n in range(1, STATIONS + 1):
        Station.objects.get_or_create(
            code=f"BJ-{n:04d}",
            defaults={
                "name": f"基准站{n}",
                "tier": Tier.VILLAGE,
                "region": town,
                "county_code": "610828",
                "operating_unit": unit,
                "status": Status.OPERATING,
            },
        )
    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User(username="bench", role=Role.ADMIN, is_superuser=True, must_change_password=False)
        user.set_unusable_password()
        user.save()
    return user


def _id_number(rng: random.Random) -> str:
    from cunzhan.core.privacy import id_check_character

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    first17 = f"610828{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_character(first17)


def generate(rows: int, folder: Path) -> tuple[Path, Path]:
    """A plausible purchase ledger: every row has a phone, one in ten an ID number."""
    import xlsxwriter

    xlsx, csv_path = folder / f"purchase_{rows}.xlsx", folder / f"purchase_{rows}.csv"
    if xlsx.exists() and csv_path.exists():
        return xlsx, csv_path
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20260401)
    book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    sheet = book.add_worksheet("代购台账")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    first = date(2025, 1, 1)
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for r in range(1, rows + 1):
            day = first + timedelta(days=rng.randrange(450))
            row = [
                f"BJ-{rng.randrange(1, STATIONS + 1):04d}",
                day,
                f"{rng.choice(PRODUCTS)} {rng.randrange(1, 60)}号",
                rng.randrange(1, 10),
                rng.randrange(100, 300000) / 100,
                rng.choice(PLATFORMS),
                rng.choice(SURNAMES) + rng.choice(["伟", "芳", "娜", "军", "强", "梅"]),
                f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                _id_number(rng) if rng.random() < 0.1 else "",
            ]
            sheet.write_string(r, 0, row[0])
            sheet.write_datetime(r, 1, datetime.combine(day, datetime.min.time()), date_format)
            sheet.write_string(r, 2, row[2])
            sheet.write_number(r, 3, row[3])
            sheet.write_number(r, 4, row[4])
            for c in (5, 6, 7, 8):
                sheet.write_string(r, c, row[c])
            writer.writerow([*row[:1], day.isoformat(), *row[2:4], f"{row[4]:.2f}", *row[5:]])
    book.close()
    return xlsx, csv_path


def truncate() -> None:
    from django.db import connection

    from cunzhan.ledgers.models import ImportBatch, ProxyPurchase

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ProxyPurchase._meta.db_table}, {ImportBatch._meta.db_table} CASCADE")
        cursor.execute("VACUUM ANALYZE")


def timed_once(func, *, reset: bool = True) -> float:
    """Seconds of one call of ``func``, from an empty table unless ``reset`` is False."""
    if reset:
        truncate()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


class Floor:
    """The rows this importer stored, dumped by the server to a file it can COPY from again: the database's
    share of an import with nothing else."""

    def __init__(self) -> None:
        from django.db import connection

        from cunzhan.ledgers.models import ProxyPurchase

        self.table = ProxyPurchase._meta.db_table
        self.path = f"/tmp/{connection.settings_dict['NAME']}_floor.copy"  # noqa: S108  (the server's own file)
        self.columns = ""

    def dump(self, columns: list[str]) -> int:
        """Write the table's rows (``columns``, as the importer's COPY names them) to the server-side file."""
        from django.db import connection

        self.columns = ", ".join(columns)
        with connection.cursor() as cursor:
            cursor.execute(f"COPY (SELECT {self.columns} FROM {self.table}) TO '{self.path}'")  # noqa: S608
            return cursor.rowcount

    def copy(self, expect: int) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"COPY {self.table} ({self.columns}) FROM '{self.path}'")
            assert cursor.rowcount == expect, (cursor.rowcount, expect)

    def remove(self) -> None:
        """Empty the file (SQL cannot remove a server-side file; an empty one is left)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"COPY (SELECT 1 WHERE false) TO '{self.path}'")


def bare_read(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def ours(user, path: Path, expect: int) -> None:
    from cunzhan.ledgers.importers import import_ledger

    result = import_ledger(acting_user=user, kind="purchase", source=path)
    assert result.rows_created == expect, (result.rows_created, expect)


def django_import_export(user, path: Path, expect: int) -> None:
    import tablib
    from import_export import fields, resources, widgets

    from cunzhan.ledgers.models import ProxyPurchase
    from cunzhan.stations.models import Station

    stations = {code: (pk, county) for code, pk, county in Station.objects.values_list("code", "pk", "county_code")}

    class StationWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return stations[value][0]

    class PurchaseResource(resources.ModelResource):
        station_id = fields.Field(attribute="station_id", column_name="站点编码", widget=StationWidget())
        occurred_on = fields.Field(attribute="occurred_on", column_name="日期", widget=widgets.DateWidget("%Y-%m-%d"))
        product_name = fields.Field(attribute="product_name", column_name="商品名称")
        quantity = fields.Field(attribute="quantity", column_name="数量", widget=widgets.DecimalWidget())
        amount = fields.Field(attribute="amount", column_name="金额（元）", widget=widgets.DecimalWidget())
        platform = fields.Field(attribute="platform", column_name="网店/平台")
        customer_name = fields.Field(attribute="customer_name", column_name="顾客姓名")
        customer_phone = fields.Field(attribute="customer_phone", column_name="顾客手机号")
        customer_id_number = fields.Field(attribute="customer_id_number", column_name="顾客身份证号")

        class Meta:
            model = ProxyPurchase
            fields = (
                "station_id", "occurred_on", "product_name", "quantity", "amount", "platform",
                "customer_name", "customer_phone", "customer_id_number",
            )  # fmt: skip
            import_id_fields = ()
            use_bulk = True
            # below PostgreSQL's 65,535 parameters a statement (the settings bind them server-side)
            batch_size = min(5000, 65535 // len(ProxyPurchase._meta.concrete_fields))
            skip_diff = True
            skip_html_diff = True
            force_init_instance = True
            use_transactions = True
            clean_model_instances = False

        def before_save_instance(self, instance, row, **kwargs):
            instance.county_code = "610828"
            instance.row_key = ProxyPurchase.manual_key()
            instance.created_by_id = user.pk

    if path.suffix == ".xlsx":  # tablib reads it through openpyxl
        dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    else:
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    result = PurchaseResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    assert ProxyPurchase.objects.count() == expect, ProxyPurchase.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="rounds; every figure is the median of its runs")
    parser.add_argument("--skip-die", action="store_true", help="skip django-import-export (slow)")
    parser.add_argument("--skip-die-xlsx", action="store_true", help="django-import-export on the .csv only")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    guard = LoadGuard()
    ensure_database(url)
    setup_django(url)
    user = ensure_world()
    xlsx, csv_path = generate(args.rows, ROOT / "var" / "bench")
    n = args.rows
    sizes = f"{xlsx.stat().st_size / 1e6:.1f} MB / {csv_path.stat().st_size / 1e6:.1f} MB"
    print(f"文件：{xlsx.name}、{csv_path.name}（{sizes}），{n:,} 行")

    from cunzhan.ledgers import importers

    # the columns of the importer's COPY, as it names them (recorded during a first, untimed import)
    named: list[list[str]] = []
    table_columns = importers._table_columns

    def recording(chunk):
        columns = table_columns(chunk)
        named.append(columns)
        return columns

    importers._table_columns = recording
    try:
        truncate()
        ours(user, csv_path, n)
    finally:
        importers._table_columns = table_columns
    floor = Floor()
    assert floor.dump(named[0]) == n
    print(f"floor: the {n:,} stored rows dumped server-side to {floor.path} ({floor.columns})")

    runs: dict[str, list[float]] = {}

    def measure(label: str, func, *, reset: bool = True) -> None:
        runs.setdefault(label, []).append(timed_once(func, reset=reset))

    BARE, COPY = "bare calamine read (.xlsx)", "server-side COPY of the same rows"
    OURS_X, OURS_C, AGAIN = "this importer, .xlsx", "this importer, .csv", "this importer, .csv again (all skipped)"
    DIE_C, DIE_X = "django-import-export, .csv", "django-import-export, .xlsx"

    def again() -> None:
        result = importers.import_ledger(acting_user=user, kind="purchase", source=csv_path)
        assert result.rows_created == 0, result

    try:
        for _ in range(args.repeat):  # alternating, so that a change of load falls on every method alike
            measure(BARE, lambda: bare_read(xlsx), reset=False)
            measure(COPY, lambda: floor.copy(n))
            measure(OURS_X, lambda: ours(user, xlsx, n))
            measure(OURS_C, lambda: ours(user, csv_path, n))
            measure(AGAIN, again, reset=False)  # the same file over the rows just stored
            if not args.skip_die:
                measure(DIE_C, lambda: django_import_export(user, csv_path, n))
                if not args.skip_die_xlsx:
                    measure(DIE_X, lambda: django_import_export(user, xlsx, n))
    finally:
        floor.remove()
        truncate()

    med = {label: statistics.median(times) for label, times in runs.items()}
    die = {suffix: med[label] for suffix, label in ((".csv", DIE_C), (".xlsx", DIE_X)) if label in med}
    print()
    print(f"median of {args.repeat} runs each, {n:,} rows")
    header = f"{'method':<42} {'seconds':>8} {'rows/s':>10} {'vs bare read':>13} {'vs COPY':>8} {'× d-i-e':>16}"
    print(header)
    for label, seconds in med.items():
        # like with like: each file against django-import-export reading the same format
        suffix = ".xlsx" if ".xlsx" in label else ".csv"
        vs_die = f"{die[suffix] / seconds:.1f}× ({suffix})" if suffix in die else "-"
        print(
            f"{label:<42} {seconds:>8.2f} {n / seconds:>10,.0f} {med[BARE] / seconds:>12.0%} "
            f"{med[COPY] / seconds:>8.0%} {vs_die:>16}"
        )
    print()
    for label, times in runs.items():
        print(f"  {label}: " + ", ".join(f"{t:.2f}" for t in times) + " s")
    print()
    xlsx_ratio = med[BARE] / med[OURS_X]
    csv_rate = n / med[OURS_C]
    csv_share = med[COPY] / med[OURS_C]
    guard.finish()
    guard.target(f".xlsx ≥ 80 % of the bare read: {xlsx_ratio:.0%}", xlsx_ratio >= 0.8)
    guard.target(f".csv ≥ 100,000 rows/s: {csv_rate:,.0f}", csv_rate >= 100_000)
    guard.target(f".csv ≥ 70 % of the same rows' server-side COPY: {csv_share:.0%}", csv_share >= 0.7)
    for suffix, seconds in die.items():
        ratio = seconds / med[OURS_X if suffix == ".xlsx" else OURS_C]
        guard.target(f"≥ 20× django-import-export, {suffix}: {ratio:.1f}×", ratio >= 20)


if __name__ == "__main__":
    main()
