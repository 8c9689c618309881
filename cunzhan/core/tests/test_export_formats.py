"""Amounts in every Excel export are numbers a county office can add up, shown as the pages show them:
the number format ``#,##0.00`` (thousands separators, two decimals). Each export is read back with
openpyxl, which sees the cell's type and its number format as Excel does."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

from openpyxl import load_workbook

from cunzhan.assessment import services as assessment_services
from cunzhan.assessment.tests.test_services import certify, inspect
from cunzhan.core.money import round_money
from cunzhan.core.tabular import MONEY_FORMAT, write_xlsx
from cunzhan.ledgers import services as ledgers


def column(xlsx: bytes, title: str, sheet: str | None = None) -> list:
    """The cells under the header cell ``title`` (searched in the first rows: a printed table has a
    title and a subtitle above its header), up to the first empty one."""
    book = load_workbook(io.BytesIO(xlsx))
    ws = book[sheet] if sheet else book.worksheets[0]
    for row in ws.iter_rows(min_row=1, max_row=6):
        for cell in row:
            if cell.value == title:
                below = ws.iter_rows(min_row=cell.row + 1, min_col=cell.column, max_col=cell.column)
                cells = [r[0] for r in below]
                return cells[: next((i for i, c in enumerate(cells) if c.value is None), len(cells))]
    raise AssertionError(f"no column {title!r} in {[c.value for c in next(ws.iter_rows(max_row=1))]}")


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_amounts(cells: list, *values: D) -> None:
    assert cells, "no amounts"
    assert [c.data_type for c in cells] == ["n"] * len(cells)  # numbers, not text
    assert {c.number_format for c in cells} == {MONEY_FORMAT}
    if values:
        assert [round_money(D(str(c.value))) for c in cells] == list(values)


def test_the_writer_formats_the_columns_of_amounts_and_leaves_the_others():
    buffer = io.BytesIO()
    rows = [["JX-0001", D("12345.5"), D("2.125"), "备注"], ["JX-0002", 0, 3, None]]
    write_xlsx(buffer, ["站点编码", "金额（元）", "数量", "备注"], rows)
    data = buffer.getvalue()
    assert_amounts(column(data, "金额（元）"), D("12345.50"), D("0.00"))
    quantities = column(data, "数量")
    assert [c.value for c in quantities] == [2.125, 3] and {c.number_format for c in quantities} == {"General"}
    assert [c.value for c in column(data, "站点编码")] == ["JX-0001", "JX-0002"]


def _purchases(world) -> None:
    for day, amount in ((2, "1236.50"), (3, "80")):
        ledgers.entry_create(
            acting_user=world.keeper, kind="purchase", station=world.station_keng, occurred_on=date(2025, 3, day),
            product_name="复合肥", quantity=2, amount=amount, platform="拼多多",
        )  # fmt: skip


def test_a_ledger_export_writes_its_amounts_as_money(world, client):
    _purchases(world)
    client.force_login(world.county)
    data = body(client.get("/ledgers/purchase/export/?fmt=xlsx"))
    assert_amounts(column(data, "金额（元）"), D("1236.50"), D("80.00"))


def test_the_dashboards_tables_write_their_amounts_as_money(world, client):
    _purchases(world)
    client.force_login(world.county)
    data = body(client.get("/dashboards/charts/trend.xlsx?county=610828&month=2025-03"))
    cells = column(data, "代购金额")
    assert_amounts(cells)
    assert D("1316.50") in {round_money(D(str(c.value))) for c in cells}


def test_the_assessment_export_writes_the_subsidy_as_money(world, client):
    county = world.regions["610828"]
    assessment_services.subsidy_rules_set(
        acting_user=world.county, county=county, amounts={("合格", "village"): D(1500), ("优秀", "village"): D(3000)}
    )
    for station in (world.station_keng, world.station_dian):
        certify(station)
        inspect(station, world.supervisor)
    a = assessment_services.assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
    client.force_login(world.county)
    subsidies = column(body(client.get(f"/assessment/{a.pk}/export.xlsx")), "补贴（元）")
    assert_amounts(subsidies)
    assert len(subsidies) == 2


def test_the_printed_statistics_write_their_amounts_as_money(world, client):
    _purchases(world)
    client.force_login(world.operator)
    data = body(client.get("/reports/consolidated.xlsx?county=610828&month=2025-03"))
    book = load_workbook(io.BytesIO(data))
    header = [c.value for c in book.worksheets[0][4]]
    title = next(t for t in header if t and "代购" in t and "金额" in t)
    cells = column(data, title)
    assert_amounts(cells)
    assert D("1316.50") in {round_money(D(str(c.value))) for c in cells}
