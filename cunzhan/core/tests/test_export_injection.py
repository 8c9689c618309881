"""Formula injection: a text that a keeper or clerk typed reaches every export as text, never as a
formula Excel would run. Each export of the product is opened here as a county office would open it:
the .xlsx's sheets must hold no formula (``<f>``), the hostile text must be there as a string, numbers
must stay numbers; in a CSV a cell that starts with = + - @ tab or carriage return is neutralised with
a leading apostrophe (OWASP, "CSV Injection")."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cunzhan.assessment import services as assessment_services
from cunzhan.ledgers import services as ledger_services
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.stations.models import Station

HOSTILE = "=cmd|'/C calc'!A0"
HOSTILE_TEXTS = [HOSTILE, "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTAB", "\r=1+1", '=HYPERLINK("http://evil","点我")']
TZ = timezone.get_default_timezone()


def formulas(xlsx: bytes) -> list[str]:
    """The worksheets of an .xlsx that hold a formula."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return [n for n in book.namelist() if n.startswith("xl/worksheets/") and b"<f>" in book.read(n)]


def cells(xlsx: bytes) -> list:
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
    return [v for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for v in row]


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def hostile_world(world):
    """Station names and a ledger row's product name that a hostile keeper or clerk typed."""
    Station.objects.filter(pk=world.station_keng.pk).update(
        name=HOSTILE, certified_at=datetime(2023, 6, 1, 10, tzinfo=TZ), resident_population=800
    )
    Station.objects.filter(pk=world.station_dian.pk).update(name="+SUM(1,2)")
    for text in HOSTILE_TEXTS:
        ledger_services.entry_create(
            acting_user=world.keeper,
            kind="purchase",
            station=world.station_keng,
            occurred_on=date(2025, 3, 1),
            product_name=text,
            quantity=1,
            amount="12.50",
            platform="淘宝",
        )
    return world


def test_ledger_xlsx_export_writes_text_not_formulas(hostile_world, client):
    client.force_login(hostile_world.county)
    data = body(client.get("/api/v1/ledgers/purchase/export?fmt=xlsx"))
    assert formulas(data) == []
    values = cells(data)
    for text in ProxyPurchase.objects.values_list("product_name", flat=True):
        assert text in values
    assert 12.5 in values  # the amount is still a number


def test_ledger_csv_export_neutralises_a_leading_formula_character(hostile_world, client):
    client.force_login(hostile_world.county)
    text = body(client.get("/api/v1/ledgers/purchase/export?fmt=csv")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    stored = set(ProxyPurchase.objects.values_list("product_name", flat=True))  # typed text is stripped
    assert {row[2] for row in rows[1:]} == {("'" + t if t[0] in "=+-@" else t) for t in stored}
    assert {row[4] for row in rows[1:]} == {"12.5"}  # numbers are left alone


def test_ledger_export_command_csv_and_xlsx(hostile_world, tmp_path):
    out = tmp_path / "purchase.xlsx"
    call_command("export_ledger", "purchase", "--user", "county", "-o", str(out))
    assert formulas(out.read_bytes()) == []
    out_csv = tmp_path / "purchase.csv"
    call_command("export_ledger", "purchase", "--user", "county", "-o", str(out_csv))
    assert f"'{HOSTILE}" in out_csv.read_text(encoding="utf-8-sig")
    assert ProxyPurchase.objects.count() == len(HOSTILE_TEXTS)


def test_station_register_and_certified_exports(hostile_world, client):
    client.force_login(hostile_world.county)
    for url in ("/stations/export/register.xlsx", "/stations/export/certified.xlsx"):
        data = body(client.get(url))
        assert formulas(data) == [], url
        assert HOSTILE in cells(data), url


def test_dashboard_chart_export(hostile_world, client):
    client.force_login(hostile_world.county)
    data = body(client.get("/dashboards/charts/stations.xlsx?county=610828&month=2025-03"))
    assert formulas(data) == []
    assert HOSTILE in cells(data)


def test_statistics_exports(hostile_world, client):
    client.force_login(hostile_world.operator)
    data = body(client.get("/reports/consolidated.xlsx?county=610828&month=2025-03"))
    assert formulas(data) == []
    assert HOSTILE in cells(data)
    client.force_login(hostile_world.county)
    data = body(client.get("/reports/statistics.xlsx?county=610828&month=2025-03"))
    assert formulas(data) == []


def test_assessment_export(hostile_world, client):
    w = hostile_world
    assessment = assessment_services.assessment_compute(
        acting_user=w.county, county=w.regions["610828"], year=2025, period="H1"
    )
    client.force_login(w.county)
    data = body(client.get(f"/assessment/{assessment.pk}/export.xlsx"))
    assert formulas(data) == []
    assert HOSTILE in cells(data)


def test_the_csv_writer_neutralises_every_formula_start_and_keeps_numbers():
    from decimal import Decimal

    from cunzhan.core.tabular import write_csv

    buffer = io.StringIO()
    texts = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "普通文字", "a=b"]
    write_csv(buffer, ["文字", "数量"], [[t, Decimal("-5.00")] for t in texts])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))[1:]
    assert [r[0] for r in rows] == ["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "'\r=1", "普通文字", "a=b"]
    assert {r[1] for r in rows} == {"-5.00"}
