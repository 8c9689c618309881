"""Importing the stations' public assets: every bad cell named, nothing saved unless the whole file is good,
an asset already registered never registered twice; the page, the command line and the API alike."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
import time_machine
import xlsxwriter
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from cunzhan.core.tabular import EXPLANATION_MARK, ImportRejected
from cunzhan.stations.asset_import import HEADERS, import_assets
from cunzhan.stations.models import AssetCondition, PublicAsset

GOOD = [
    ["JX-0001", "电脑", "联想 启天 M430", "JX-ZC-01", "1", "2024-05-10", ""],
    ["JX-0001", "形象背景墙", "", "", "", "2024-05-10", "门厅"],
    ["JX-0002", "办公桌椅", "桌椅（套）", "", "2", "", ""],
]


def csv(rows: list[list], header=HEADERS) -> io.BytesIO:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    buffer = io.BytesIO("\r\n".join(lines).encode("utf-8"))
    buffer.name = "资产.csv"
    return buffer


def errors_of(source, user) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as info:
        import_assets(source, acting_user=user, name="资产.csv")
    return [(e.row, e.column, e.message) for e in info.value.errors]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2026, 1, 10), tick=False):
        yield


def test_a_good_file_registers_every_asset_at_its_station(world):
    summary = import_assets(csv(GOOD), acting_user=world.county, name="资产.csv")
    assert (summary.created, summary.stations) == (3, 2)
    computer = PublicAsset.objects.get(serial_no="JX-ZC-01")
    assert (computer.station, computer.kind, computer.name, computer.quantity) == (
        world.station_keng,
        "computer",
        "联想 启天 M430",
        1,
    )
    assert computer.acquired_on == date(2024, 5, 10) and computer.condition == AssetCondition.GOOD and computer.movable
    wall = PublicAsset.objects.get(kind="background_wall")
    assert not wall.movable and wall.note == "门厅"  # fixed to the building: not carried back on revocation
    assert PublicAsset.objects.get(kind="desks_chairs").quantity == 2
    entry = LogEntry.objects.filter(additional_data__event="asset import").get()
    assert entry.actor == world.county and entry.additional_data["assets"] == 3


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({0: ""}, "站点编码", "不能为空"),
        ({0: "XW-0001"}, "站点编码", "不存在或不在您的管辖范围内"),
        ({0: "NOPE-1"}, "站点编码", "不存在或不在您的管辖范围内"),
        ({1: "冰箱"}, "资产类别", "应为 电脑、显示屏"),
        ({1: ""}, "资产类别", "不能为空"),
        ({4: "0"}, "数量", "应为 1 到 999 的整数"),
        ({4: "1.5"}, "数量", "应为 1 到 999 的整数"),
        ({5: "2026-01-11"}, "配发日期", "晚于今天"),
        ({5: "去年"}, "配发日期", "不是日期"),
        ({3: "JX-ZC-01"}, "资产编号", "与第 2 行的资产编号重复"),
        ({2: "长" * 129}, "名称/型号", "不能超过 128 个字"),
    ],
)
def test_each_bad_cell_is_named_and_nothing_is_saved(world, cells, column, fragment):
    rows = [list(r) for r in GOOD]
    for index, value in cells.items():
        rows[1][index] = value
    errors = errors_of(csv(rows), world.county)
    assert len(errors) == 1, errors
    assert errors[0][:2] == (3, column) and fragment in errors[0][2], errors
    assert not PublicAsset.objects.exists()


def test_a_repeated_row_asks_for_the_quantity(world):
    errors = errors_of(csv([GOOD[2], GOOD[2]]), world.county)
    assert errors == [(3, "", "与第 2 行相同（同类资产有多件请填写数量）")]


def test_an_operator_imports_only_at_its_own_units_stations_and_a_keeper_not_at_all(world):
    from django.core.exceptions import PermissionDenied

    from cunzhan.stations.models import OperatingUnit, Station

    rival = OperatingUnit.objects.create(name="另一家", county=world.regions["610828"])
    Station.objects.filter(pk=world.station_dian.pk).update(operating_unit=rival)
    errors = errors_of(csv(GOOD), world.operator)
    assert errors == [(4, "站点编码", "服务站 JX-0002 不存在或不在您的管辖范围内")]
    with pytest.raises(PermissionDenied):
        import_assets(csv(GOOD), acting_user=world.keeper, name="资产.csv")


def test_a_second_import_of_the_same_file_changes_nothing_and_says_so(world):
    import_assets(csv(GOOD), acting_user=world.county, name="资产.csv")
    errors = errors_of(csv(GOOD), world.county)
    assert errors == [(0, "", "文件中的 3 项资产均已登记（此文件可能已导入过），未做任何修改。")]
    # with one new row among them, the repeated ones are named and still nothing is saved
    errors = errors_of(csv([*GOOD, ["JX-0002", "路由器", "", "", "", "", ""]]), world.county)
    assert [line for line, _c, _m in errors] == [2, 3, 4] and "已登记相同的资产" in errors[0][2]
    assert PublicAsset.objects.count() == 3


def test_a_serial_number_the_station_has_already_is_refused(world):
    import_assets(csv(GOOD[:1]), acting_user=world.county, name="资产.csv")
    other = ["JX-0001", "显示屏", "", "JX-ZC-01", "", "", ""]
    assert errors_of(csv([other]), world.county) == [(2, "资产编号", "资产编号 JX-ZC-01 已登记在该站点")]


def test_a_missing_column_and_an_empty_file_are_refused(world):
    assert errors_of(csv([GOOD[0][1:]], header=HEADERS[1:]), world.county) == [
        (1, "站点编码", "缺少此列，请使用下载的模板")
    ]
    assert "没有数据行" in errors_of(csv([]), world.county)[0][2]


def test_the_page_and_the_template_made_for_the_user(world, client):
    client.force_login(world.operator)
    assert "导入公共资产" in client.get("/stations/").content.decode()
    data = b"".join(client.get("/stations/import/assets/template.xlsx").streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    main = book.get_sheet_by_name("公共资产").to_python()
    reference = book.get_sheet_by_name("参考").to_python()
    assert tuple(main[0]) == HEADERS and main[1][0].startswith(EXPLANATION_MARK)
    assert [r[0] for r in main[2:]] == ["JX-0001", "JX-0001"]  # the operator's own station
    assert [r[0] for r in reference[1:3]] == ["JX-0001", "JX-0002"] and "XW-0001" not in str(reference)
    assert "形象背景墙" in str(reference)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert len(re.findall(r'<dataValidation type="list"', xml)) == 2  # the station and the kind
    upload = io.BytesIO(data)
    upload.name = "模板.xlsx"
    answer = client.post("/stations/import/assets/", {"file": upload}, follow=True)
    assert "已导入 2 项公共资产，涉及 1 个服务站" in answer.content.decode()
    answer = client.post("/stations/import/assets/", {"file": csv([["JX-0001", "冰箱", "", "", "", "", ""]])})
    assert answer.status_code == 200 and "第 2 行“资产类别”列" in answer.content.decode()
    client.force_login(world.keeper)
    assert client.get("/stations/import/assets/").status_code == 403


def test_the_command_line_names_every_error_and_imports_a_good_file(world, tmp_path):
    path = tmp_path / "资产.csv"
    path.write_bytes(csv([["JX-0001", "冰箱", "", "", "", "", ""]]).getvalue())
    with pytest.raises(CommandError, match="第 2 行“资产类别”列"):
        call_command("import_assets", str(path), "--as", "county")
    path.write_bytes(csv(GOOD).getvalue())
    out = io.StringIO()
    call_command("import_assets", str(path), "--as", "county", stdout=out)
    assert "已导入 3 项公共资产" in out.getvalue()
    with pytest.raises(CommandError, match="无权"):
        call_command("import_assets", str(path), "--as", "keeper")


def test_the_api_imports_and_refuses_with_the_rows_named(world, client):
    client.force_login(world.county)
    answer = client.post("/api/v1/stations/import/assets", {"file": csv(GOOD)})
    assert answer.status_code == 200 and answer.json()["created"] == 3
    again = client.post("/api/v1/stations/import/assets", {"file": csv(GOOD)})
    assert again.status_code == 422 and "均已登记" in again.json()["errors"][0]["message"]


def test_an_excel_date_cell_is_read_as_a_date(world):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    sheet.write_row(1, 0, ["JX-0001", "路由器", "TP-Link", "R-1", 1])
    sheet.write_datetime(1, 5, date(2025, 3, 1), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    buffer.seek(0)
    buffer.name = "资产.xlsx"
    import_assets(buffer, acting_user=world.county, name="资产.xlsx")
    assert PublicAsset.objects.get(serial_no="R-1").acquired_on == date(2025, 3, 1)
