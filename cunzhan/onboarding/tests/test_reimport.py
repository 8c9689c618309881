"""Importing history again changes nothing, for every kind of record: the same file is recognised by its
SHA-256 and said to be imported already; the same rows in another file (saved again, as .xlsx instead
of .csv) are each found held, skipped, and said so. (Reports and inspections: test_services.py.)"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cunzhan.activities import services as activity_services
from cunzhan.activities.models import ActivityReport, Attendance, Participation, Training
from cunzhan.onboarding.models import HistoryImport, ImportedRecord
from cunzhan.onboarding.services import history_import
from cunzhan.onboarding.tests.conftest import ATTENDANCE, FAULTS, PARTICIPATION, SH, table
from cunzhan.stations.models import FaultReport, PublicAsset


def held() -> dict[str, int]:
    models = (Training, Attendance, Participation, ActivityReport, PublicAsset, FaultReport)
    counts = {model.__name__: model.objects.count() for model in models}
    return {**counts, "imports": HistoryImport.objects.count(), "marks": ImportedRecord.objects.count()}


def attendance_rows(world) -> list[list]:
    return [
        ["", "电商实操培训", "2025-03-12", "2", "是", "JX-0001", "张三", "13800000000", "出勤", "合格"],
        ["", "电商实操培训", "2025-03-12", "", "", "JX-0002", "李四", "", "迟到", "不合格"],
        ["", "直播带货", "2025-04-02", "1", "否", "JX-0001", "张三", "13800000000", "请假", ""],
    ]


def participation_rows(world) -> list[list]:
    activity = activity_services.activity_create(
        acting_user=world.county,
        county=world.regions["610828"],
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, 23, 59, tzinfo=SH),
        required_stations=[world.station_keng, world.station_dian],
    )
    return [
        [str(activity.pk), "JX-0001", "是", "2025-01-24 18:00", "12", "1580.50"],
        [str(activity.pk), "JX-0002", "否", "", "", ""],
    ]


def fault_rows(world) -> list[list]:
    return [
        ["JX-0001", "电脑", "无法开机", "是", "2025-03-02 09:00", "2025-03-20 16:00", "更换电源"],
        ["JX-0002", "路由器", "网络时断时续", "否", "2025-04-11 10:00", "", ""],
    ]


KINDS = {
    "attendance": (ATTENDANCE, attendance_rows),
    "participation": (PARTICIPATION, participation_rows),
    "faults": (FAULTS, fault_rows),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_same_file_again_changes_nothing_and_says_so(certified, kind):
    header, rows = KINDS[kind]
    rows = rows(certified)
    first = history_import(acting_user=certified.county, kind=kind, source=table(header, rows))
    assert first.created == len(rows)
    before = held()
    again = history_import(acting_user=certified.county, kind=kind, source=table(header, rows, "改了名字.csv"))
    assert again.earlier == first.history and again.history is None and again.created == 0
    assert "已于" in again.describe() and "未做任何修改" in again.describe()
    assert held() == before


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_same_rows_in_another_file_are_each_found_held_and_skipped(certified, kind):
    header, rows = KINDS[kind]
    rows = rows(certified)
    history_import(acting_user=certified.county, kind=kind, source=table(header, rows))
    before = held()
    again = history_import(acting_user=certified.county, kind=kind, source=table(header, rows, "另存为.xlsx"))
    assert again.earlier is None and again.history is None  # another file: its rows are looked up one by one
    assert (again.rows, again.created, again.skipped) == (len(rows), 0, len(rows))
    assert f"文件中的 {len(rows)} 行都已导入过，本次未做任何修改" in again.describe()
    assert held() == before
