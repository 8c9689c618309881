from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from cunzhan.core.dates import SHANGHAI as SH
from cunzhan.stations.models import Station

REPORTS = ["站点编码", "报表类型", "统计期", "提交时间"]
FAULTS = ["站点编码", "资产", "故障描述", "影响正常营业", "报修时间", "修复时间", "维修说明"]
ATTENDANCE = [
    "培训编号",
    "培训主题",
    "培训日期",
    "培训天数",
    "岗前培训",
    "站点编码",
    "姓名",
    "手机号",
    "出勤情况",
    "测试结果",
]
PARTICIPATION = ["活动编号", "站点编码", "是否参加", "数据上报时间", "订单数", "销售额（元）"]


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def table(header: list[str], rows: list[list], name: str = "历史.csv") -> io.BytesIO:
    """A file of the rows as a clerk would upload it (CSV unless the name says .xlsx)."""
    if name.endswith(".xlsx"):
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer)
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, header)
        for r, values in enumerate(rows, start=1):
            sheet.write_row(r, 0, values)
        book.close()
        data = buffer.getvalue()
    else:
        data = csv_bytes(header, rows)
    source = io.BytesIO(data)
    source.name = name
    return source


def upload(header: list[str], rows: list[list], name: str = "历史.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, table(header, rows, name).getvalue(), content_type="application/octet-stream")


def inspection_header() -> list[str]:
    from cunzhan.onboarding.kinds.inspections import InspectionsImporter

    return InspectionsImporter().headers()


def inspection_row(code: str, inspector: str, *, year=2025, half="上半年", at="2025-06-20 10:30", scores=None, note=""):
    """A row rating every sub-item at its maximum unless ``scores`` says otherwise ({key: (score, comment)})."""
    from cunzhan.supervision.rating_items import RATING_ITEMS

    scores = scores or {}
    cells: list = [code, year, half, at, inspector]
    for item in RATING_ITEMS:
        score, comment = scores.get(item.key, (str(item.max), ""))
        cells += [score, comment]
    return [*cells, "", note]


@pytest.fixture
def certified(world):
    """The personas' stations, certified long before 2025."""
    Station.objects.update(certified_at=datetime(2024, 1, 10, 10, tzinfo=SH), resident_population=800)
    for station in (world.station_keng, world.station_dian, world.station_xunwu):
        station.refresh_from_db()
    return world
