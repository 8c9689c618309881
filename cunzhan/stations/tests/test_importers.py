"""Bulk import: every bad row reported by row and column, nothing saved unless the whole file is good."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from cunzhan.core.tabular import EXPLANATION_MARK, ImportRejected
from cunzhan.stations.import_template import EXAMPLE_ROW, template_bytes
from cunzhan.stations.importers import HEADERS, import_stations
from cunzhan.stations.models import ResponsiblePerson, Station, StationEvent, Status

COL = {h: i for i, h in enumerate(HEADERS)}


def row(code: str, **overrides) -> list:
    values = dict(zip(HEADERS, EXAMPLE_ROW, strict=True))
    values.update(
        {
            "站点编码": code,
            "服务区域代码": "610828101201",
            "运营单位": "佳县运营公司",
            "站点名称": f"{code}服务点",
        }
    )
    values.update({k.replace("_", ""): v for k, v in overrides.items()})
    return [values[h] for h in HEADERS]


def xlsx(rows: list[list], header=HEADERS) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for r, values in enumerate(rows, start=1):
        sheet.write_row(r, 0, values)
    book.close()
    buffer.seek(0)
    return buffer


def errors_of(source, user, name="stations.xlsx") -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as info:
        import_stations(source, acting_user=user, name=name)
    return [(e.row, e.column, e.message) for e in info.value.errors]


def test_a_good_file_imports_every_row_with_its_person_and_event(world):
    summary = import_stations(xlsx([row("IMP-001"), row("IMP-002")]), acting_user=world.county, name="a.xlsx")
    assert (summary.created, summary.people) == (2, 2)
    station = Station.objects.get(code="IMP-001")
    assert station.status == Status.APPLIED and station.county_code == "610828"
    assert station.operating_unit == world.unit and station.usable_area == Decimal("25.00")
    assert station.has_broadband and station.poor_share == Decimal("12.50")
    assert ResponsiblePerson.objects.get(station=station).pre_job_training_days == Decimal(3)
    assert StationEvent.objects.filter(station=station, to_status=Status.APPLIED).count() == 1


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"站点编码": "bad code!"}, "站点编码", "3–32 位"),
        ({"站点编码": "new"}, "站点编码", "保留字"),
        ({"站点编码": "JX-0001"}, "站点编码", "已存在"),
        ({"站点名称": ""}, "站点名称", "不能为空"),
        ({"层级": "村站"}, "层级", "应为"),
        ({"服务区域代码": "610828101299"}, "服务区域代码", "不存在"),
        ({"服务区域代码": "360734100201"}, "服务区域代码", "不在您的管辖范围"),
        ({"服务区域代码": "610828101"}, "服务区域代码", "须为村级区划"),
        ({"实际使用面积（㎡）": "十平米"}, "实际使用面积（㎡）", "不是数字"),
        ({"实际使用面积（㎡）": "-1"}, "实际使用面积（㎡）", "应在"),
        ({"贫困人口占比（%）": "120"}, "贫困人口占比（%）", "应在"),
        ({"服务常住人口": "300.5"}, "服务常住人口", "整数"),
        ({"宽带网络": "也许"}, "宽带网络", "“是”或“否”"),
        ({"运营单位": "不存在的公司"}, "运营单位", "没有名为"),
        ({"负责人姓名": ""}, "负责人姓名", "须同时填写负责人姓名"),
    ],
)
def test_each_bad_cell_is_reported_by_row_and_column(world, overrides, column, fragment):
    rows = [row("IMP-001"), row("IMP-002")]
    for header, value in overrides.items():
        rows[1][COL[header]] = value
    errors = errors_of(xlsx(rows), world.county)
    assert len(errors) == 1, errors
    line, col, message = errors[0]
    assert (line, col) == (3, column) and fragment in message
    assert not Station.objects.filter(code__startswith="IMP-").exists()


def test_a_duplicate_code_in_the_file_names_the_first_row(world):
    errors = errors_of(xlsx([row("IMP-001"), row("IMP-002"), row("IMP-001")]), world.county)
    assert errors == [(4, "站点编码", "与第 2 行的编码重复")]


def test_a_missing_column_is_reported_and_nothing_read(world):
    header = [h for h in HEADERS if h != "层级"]
    data = [[v for h, v in zip(HEADERS, row("IMP-001"), strict=True) if h != "层级"]]
    assert errors_of(xlsx(data, header), world.county) == [(1, "层级", "缺少此列，请使用下载的模板")]


def test_a_wrong_file_type_is_refused(world):
    errors = errors_of(io.BytesIO(b"%PDF-1.4"), world.county, name="stations.pdf")
    assert errors[0][0] == 0 and "不支持的文件类型" in errors[0][2]


def test_a_corrupt_spreadsheet_is_refused(world):
    errors = errors_of(io.BytesIO(b"not a zip"), world.county, name="stations.xlsx")
    assert "无法读取" in errors[0][2]


def test_a_file_without_data_rows_is_refused(world):
    assert "没有数据行" in errors_of(xlsx([]), world.county)[0][2]


def test_a_csv_saved_by_excel_in_gbk_imports(world):
    lines = [",".join(HEADERS), ",".join(str(v) for v in row("IMP-CSV"))]
    source = io.BytesIO("\n".join(lines).encode("gb18030"))
    assert import_stations(source, acting_user=world.county, name="s.csv").created == 1


def test_an_operator_imports_only_into_its_own_unit(world):
    from cunzhan.stations.models import OperatingUnit

    OperatingUnit.objects.create(name="另一家", county=world.regions["610828"])
    rows = [row("IMP-001", 运营单位=""), row("IMP-002", 运营单位="另一家")]
    assert errors_of(xlsx(rows), world.operator) == [(3, "运营单位", "运营单位账号只能登记本单位的服务站")]
    import_stations(xlsx(rows[:1]), acting_user=world.operator, name="a.xlsx")
    assert Station.objects.get(code="IMP-001").operating_unit == world.unit


def test_roles_without_registration_cannot_import(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_stations(xlsx([row("IMP-001")]), acting_user=world.supervisor, name="a.xlsx")


SPARSE = {
    "站点编码",
    "站点名称",
    "层级",
    "服务区域代码",
    "运营单位",
    "实际使用面积（㎡）",
    "服务常住人口",
    "负责人姓名",
}


def sparse_row(code: str) -> list:
    """A row with only the usual columns filled: keeps generating 5,000 rows quick."""
    return [v if h in SPARSE else None for h, v in zip(HEADERS, row(code), strict=True)]


def test_5000_rows_with_3_bad_report_exactly_those_and_the_corrected_file_imports(world):
    rows = [sparse_row(f"BULK-{n:05d}") for n in range(5000)]
    rows[10][COL["服务区域代码"]] = "999999999999"
    rows[2500][COL["实际使用面积（㎡）"]] = "abc"
    rows[4999][COL["站点编码"]] = "BULK-00001"
    errors = errors_of(xlsx(rows), world.county)
    assert [(r, c) for r, c, _m in errors] == [
        (12, "服务区域代码"),
        (2502, "实际使用面积（㎡）"),
        (5001, "站点编码"),
    ]
    assert not Station.objects.filter(code__startswith="BULK-").exists()

    rows[10][COL["服务区域代码"]] = "610828101201"
    rows[2500][COL["实际使用面积（㎡）"]] = "12.5"
    rows[4999][COL["站点编码"]] = "BULK-04999"
    summary = import_stations(xlsx(rows), acting_user=world.county, name="fixed.xlsx")
    assert summary.created == 5000
    assert Station.objects.filter(code__startswith="BULK-").count() == 5000
    assert StationEvent.objects.filter(station__code__startswith="BULK-").count() == 5000


def test_the_template_has_the_headers_and_one_example_row_that_validates(world):
    # the guided template (cunzhan.core.import_templates) puts its explanation row between the two
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(template_bytes())).get_sheet_by_index(0).to_python()
    assert tuple(sheet[0]) == HEADERS and len(sheet) == 3 and sheet[1][0].startswith(EXPLANATION_MARK)
