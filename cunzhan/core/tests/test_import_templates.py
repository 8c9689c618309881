"""The import templates guide whoever fills them in: the downloading user's own stations in the
examples and on a 参考 sheet, a row saying each column's format, drop-down lists (data validation) on
every column with a fixed set of values — and a template filled in from its example imports as it is,
its explanation row skipped and the sheet's row numbers kept."""

from __future__ import annotations

import io
import re
import zipfile

from python_calamine import CalamineWorkbook

from cunzhan.core.tabular import EXPLANATION_MARK
from cunzhan.ledgers.models import Parcel, ProxyPurchase


def sheets(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def validations(data: bytes) -> list[str]:
    """The drop-down lists of the first sheet: each list's formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r'<dataValidation type="list"[^>]*>\s*<formula1>([^<]*)</formula1>', xml)


def test_a_ledger_template_is_made_for_the_downloading_keeper(world, client):
    client.force_login(world.keeper)
    data = client.get("/ledgers/parcel/template.xlsx").content
    book = sheets(data)
    main, reference = book["快递收发"], book["参考"]
    assert main[0][:3] == ["站点编码", "方向", "快递公司"]
    assert main[1][0].startswith(EXPLANATION_MARK) and "日期和时间" in " ".join(map(str, main[1]))
    assert main[2][0] == "JX-0001"  # the keeper's own station, not a made-up code
    assert reference[0][:2] == ["站点编码", "站点名称"] and reference[1][:2] == ["JX-0001", "高家坬村站"]
    lists = validations(data)
    assert "'参考'!$A$2:$A$2" in lists  # the station column: the keeper's one station
    assert any(f.startswith("'参考'!$D$2") for f in lists)  # the direction's list, beside the stations


def test_a_filled_in_template_imports_with_its_explanation_row_skipped(world, client):
    client.force_login(world.keeper)
    data = client.get("/ledgers/purchase/template.xlsx").content
    answer = client.post(
        "/api/v1/ledgers/purchase/import", {"file": _named(data, "代购模板.xlsx")}
    )  # the example row as downloaded
    assert answer.status_code == 200, answer.content
    assert answer.json()["rows_read"] == 1 and ProxyPurchase.objects.get().station == world.station_keng
    csv = client.get("/ledgers/purchase/template.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[1].startswith(EXPLANATION_MARK)
    again = client.post("/api/v1/ledgers/purchase/import", {"file": _named(csv.encode(), "代购模板.csv")})
    assert again.status_code == 200 and again.json()["rows_read"] == 1


def test_an_error_in_a_template_keeps_the_sheets_row_number(world, client):
    client.force_login(world.keeper)
    data = sheets(client.get("/ledgers/parcel/template.xlsx").content)["快递收发"]
    header, explanation, example = data[0], data[1], data[2]
    example[header.index("快递公司")] = ""
    lines = [",".join(map(str, row)) for row in (header, explanation, example)]
    answer = client.post("/api/v1/ledgers/parcel/import", {"file": _named("\r\n".join(lines).encode(), "a.csv")})
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["errors"]] == [(3, "快递公司")]
    assert not Parcel.objects.exists()


def test_the_attendance_template_lists_the_users_stations_and_the_attendance_values(world, client):
    client.force_login(world.operator)
    data = client.get("/activities/trainings/template.xlsx").content
    book = sheets(data)
    assert [row[0] for row in book["出勤登记"][2:]] == ["JX-0001", "JX-0002", "JX-0001"]
    reference = book["参考"]
    assert [row[0] for row in reference[1:3]] == ["JX-0001", "JX-0002"]
    assert "出勤" in [row[3] for row in reference[1:]] and "XW-0001" not in str(reference)
    assert len(validations(data)) == 3  # station, attendance, test result


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer
