"""History imports through the service: each kind of record with its real dates, checked whole, saved
through the apps' services, marked 历史导入, and never twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunzhan.activities import services as activity_services
from cunzhan.activities.models import ActivityReport, Attendance, Participation, Training
from cunzhan.core.models import PublishedPeriod
from cunzhan.core.scoping import OutOfScope
from cunzhan.core.tabular import ImportRejected
from cunzhan.onboarding.models import HistoryImport, ImportedRecord
from cunzhan.onboarding.selectors import imported_marks
from cunzhan.onboarding.services import history_import
from cunzhan.onboarding.tests.conftest import (
    ATTENDANCE,
    FAULTS,
    PARTICIPATION,
    REPORTS,
    SH,
    inspection_header,
    inspection_row,
    table,
)
from cunzhan.reports.models import Report
from cunzhan.reports.status import ReportStatus, status_of
from cunzhan.stations import assets
from cunzhan.stations.models import AssetKind, FaultReport, PublicAsset
from cunzhan.supervision.models import Inspection


def run(world, kind, header, rows, user=None, name="历史.csv", **kw):
    return history_import(acting_user=user or world.county, kind=kind, source=table(header, rows, name), **kw)


def rejected(world, kind, header, rows, user=None):
    with pytest.raises(ImportRejected) as exc:
        run(world, kind, header, rows, user=user)
    return [str(e) for e in exc.value.errors]


# -- reports -----------------------------------------------------------------------------------


def test_report_submissions_are_imported_with_their_real_times_and_statuses(certified):
    w = certified
    outcome = run(
        w,
        "reports",
        REPORTS,
        [
            ["JX-0001", "月报", "2025-03", "2025-04-03 10:30"],
            ["JX-0002", "月报", "2025-03", "2025-04-08 09:00"],
            ["JX-0001", "周报", "2025-W10", "2025-03-10 16:00"],
        ],
    )
    assert (outcome.rows, outcome.created, outcome.skipped) == (3, 3, 0)
    on_time = Report.objects.get(station=w.station_keng, kind="monthly")
    late = Report.objects.get(station=w.station_dian, kind="monthly")
    assert on_time.first_submitted_at == datetime(2025, 4, 3, 10, 30, tzinfo=SH)
    assert on_time.first_submitted_by == w.county and on_time.version == 1
    assert on_time.versions.get().created_at == on_time.first_submitted_at

    def status(report):
        return status_of(
            opens_at=on_time.due_at,
            due_at=report.due_at,
            grace_end=report.grace_end,
            first_submitted_at=report.first_submitted_at,
            now=timezone.now(),
        )

    assert (status(on_time), status(late)) == (ReportStatus.ON_TIME, ReportStatus.LATE)
    history = HistoryImport.objects.get()
    assert (history.imported_by, history.file_name, history.kind, history.rows) == (w.county, "历史.csv", "reports", 3)
    assert len(history.digest) == 64 and history.records.count() == 3
    assert on_time in imported_marks([on_time, late])


def test_a_submission_before_the_period_ended_or_in_the_future_is_refused_and_nothing_is_saved(certified):
    future = (timezone.localtime(timezone.now(), SH) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    errors = rejected(
        certified,
        "reports",
        REPORTS,
        [
            ["JX-0001", "月报", "2025-03", "2025-04-03 10:30"],
            ["JX-0002", "月报", "2025-03", "2025-03-30 10:00"],
            ["JX-0002", "周报", "2025-W10", future],
            ["XW-0001", "月报", "2025-03", "2025-04-03 10:30"],
            ["JX-0001", "季报", "2025-3", "昨天"],
        ],
    )
    assert errors == [
        "第 3 行“提交时间”列：提交时间 2025-03-30 10:00 早于统计期结束（2025-03-31）：报表只能在统计期结束后提交",
        f"第 4 行“提交时间”列：时间 {future} 晚于现在",
        "第 5 行“站点编码”列：服务站“XW-0001”不存在或不是佳县的服务站",
        "第 6 行“报表类型”列：“季报”不是可选值，可填：月报、周报",
        "第 6 行“提交时间”列：“昨天”不是日期时间，请写成 2025-03-01 14:30",
    ]
    assert not Report.objects.exists() and not HistoryImport.objects.exists()


def test_a_report_counted_in_a_published_half_year_is_refused_naming_it(certified):
    PublishedPeriod.objects.create(county_code="610828", year=2025, half="H1", published_at=timezone.now())
    errors = rejected(
        certified,
        "reports",
        REPORTS,
        [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"], ["JX-0001", "月报", "2025-06", "2025-07-03 10:30"]],
    )
    # June's report is due on 5 July: the second half-year counts it, and that one is not published
    assert errors == ["第 2 行“统计期”列：2025年上半年的考核结果已发布，不能再导入该期的历史记录"]


def test_the_same_file_again_changes_nothing_and_says_so(certified):
    rows = [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"]]
    first = run(certified, "reports", REPORTS, rows)
    again = run(certified, "reports", REPORTS, rows)
    assert again.earlier == first.history and again.history is None
    assert "已于" in again.describe() and "未做任何修改" in again.describe()
    assert HistoryImport.objects.count() == 1 and Report.objects.count() == 1


def test_another_file_with_rows_already_imported_skips_them_and_refuses_a_different_time(certified):
    w = certified
    run(w, "reports", REPORTS, [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"]])
    outcome = run(
        w,
        "reports",
        REPORTS,
        [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"], ["JX-0001", "月报", "2025-04", "2025-05-02 08:00"]],
        name="历史（补充）.csv",
    )
    assert (outcome.created, outcome.skipped) == (1, 1) and "已跳过" in outcome.describe()
    all_present = run(w, "reports", REPORTS, [["JX-0001", "月报", "2025-04", "2025-05-02 08:00"]], name="再来.csv")
    assert all_present.history is None and all_present.skipped == 1
    errors = rejected(w, "reports", REPORTS, [["JX-0001", "月报", "2025-03", "2025-04-09 10:30"]])
    assert errors == [
        "第 2 行“提交时间”列：该报表已于 2025-04-03 10:30 首次提交，与本行的时间不同；首次提交时间不能修改"
    ]


def test_only_the_county_office_and_the_administrator_import_history(certified):
    w = certified
    rows = [["JX-0001", "月报", "2025-03", "2025-04-03 10:30"]]
    for persona in ("keeper", "operator", "supervisor", "city"):
        with pytest.raises(PermissionDenied):
            run(w, "reports", REPORTS, rows, user=w.users[persona])
    with pytest.raises(OutOfScope):
        run(w, "reports", REPORTS, rows, user=w.other_county, county=w.regions["610828"])
    outcome = run(w, "reports", REPORTS, rows, user=w.admin, county=w.regions["610828"])
    assert outcome.created == 1


# -- inspections -------------------------------------------------------------------------------


def test_inspections_are_imported_with_their_inspector_date_and_ratings(certified):
    w = certified
    outcome = run(
        w,
        "inspections",
        inspection_header(),
        [
            inspection_row("JX-0001", "supervisor", scores={"item2_public_facilities": ("2", "地面有杂物")}),
            inspection_row("JX-0002", "county", half="下半年", at="2025-12-18 15:00"),
        ],
        name="察看.xlsx",
    )
    assert outcome.created == 2
    keng = Inspection.objects.get(station=w.station_keng)
    assert (keng.inspector, keng.year, keng.half) == (w.supervisor, 2025, "H1")
    assert keng.inspected_at == datetime(2025, 6, 20, 10, 30, tzinfo=SH)
    assert keng.ratings.count() == 12
    assert keng.ratings.get(key="item2_public_facilities").score == Decimal("2.00")
    assert Inspection.objects.get(station=w.station_dian).inspector == w.county


def test_an_inspection_s_ratings_and_inspector_are_checked_as_on_site(certified):
    errors = rejected(
        certified,
        "inspections",
        inspection_header(),
        [
            inspection_row("JX-0001", "supervisor", scores={"item2_public_facilities": ("3.5", "x")}),
            inspection_row("JX-0001", "supervisor", scores={"item9_no_delay": ("8", "")}, at="2025-06-21 10:00"),
            inspection_row("JX-0002", "supervisor", at="2025-06-22 10:00"),
            inspection_row("JX-0002", "keeper", at="2025-06-23 10:00"),
            inspection_row("JX-0002", "other_supervisor", half="下半年", at="2025-05-01 10:00"),
        ],
    )
    assert errors == [
        "第 2 行“公共设施干净整洁（3分）”列：“公共设施干净整洁”最高 3 分，不能填 3.5",
        "第 3 行“收寄物品不延后、不积压（10分）”列：“收寄物品不延后、不积压”扣了分（8 / 10），请填写扣分说明",
        "第 4 行“察看人账号”列：supervisor 不负责服务站 JX-0002 所在的乡镇",
        "第 5 行“察看人账号”列：账号“keeper”不存在、已停用，或不是本县的督查员或电商办账号",
        "第 6 行“察看时间”列：察看时间早于2025年下半年，请检查考核期",
    ]
    assert not Inspection.objects.exists()


def test_an_inspection_of_a_published_half_year_is_refused(certified):
    PublishedPeriod.objects.create(county_code="610828", year=2025, half="H1", published_at=timezone.now())
    errors = rejected(certified, "inspections", inspection_header(), [inspection_row("JX-0001", "supervisor")])
    assert errors == ["第 2 行“考核期”列：2025年上半年的考核结果已发布，不能再导入该期的历史记录"]


def test_an_inspection_already_held_is_skipped_and_a_different_one_at_the_same_time_refused(certified):
    w = certified
    run(w, "inspections", inspection_header(), [inspection_row("JX-0001", "supervisor")])
    again = run(w, "inspections", inspection_header(), [inspection_row("JX-0001", "supervisor", note="同一次")])
    assert again.history is None and again.skipped == 1
    lowered = inspection_row("JX-0001", "supervisor", scores={"item1_facilities": ("4", "门头破损")})
    errors = rejected(w, "inspections", inspection_header(), [lowered])
    assert len(errors) == 1 and "已有一次察看记录" in errors[0]
    assert Inspection.objects.count() == 1


# -- attendance --------------------------------------------------------------------------------


def test_attendance_creates_the_training_it_names_once_and_uses_a_training_already_there(certified):
    w = certified
    existing = activity_services.training_create(
        acting_user=w.operator,
        county=w.regions["610828"],
        topic="直播带货",
        start_date=date(2025, 4, 2),
        days=Decimal(1),
        required_stations=[w.station_keng],
    )
    outcome = run(
        w,
        "attendance",
        ATTENDANCE,
        [
            ["", "电商实操培训", "2025-03-12", "2", "是", "JX-0001", "张三", "13800000000", "出勤", "合格"],
            ["", "电商实操培训", "2025-03-12", "", "", "JX-0002", "李四", "", "迟到", "不合格"],
            [str(existing.pk), "", "", "", "", "JX-0001", "张三", "13800000000", "请假", ""],
        ],
    )
    assert outcome.created == 3
    created = Training.objects.get(topic="电商实操培训")
    assert (created.start_date, created.days, created.is_pre_job, created.created_by) == (
        date(2025, 3, 12),
        Decimal(2),
        True,
        w.county,
    )
    assert set(created.required_stations.all()) == {w.station_keng, w.station_dian}
    assert Attendance.objects.get(training=created, person_name="李四").status == "late"
    assert Attendance.objects.get(training=existing).status == "leave"
    marks = imported_marks([created, existing], Attendance.objects.all())
    assert created in marks and existing not in marks and len(marks) == 4


def test_attendance_rows_are_checked_whole(certified):
    w = certified
    errors = rejected(
        w,
        "attendance",
        ATTENDANCE,
        [
            ["", "", "2025-03-12", "", "", "JX-0001", "张三", "", "出勤", ""],
            ["999", "", "", "", "", "JX-0001", "张三", "", "出勤", ""],
            ["", "培训", "2025-03-12", "", "", "JX-0001", "王五", "123", "请假", "合格"],
            ["", "培训", "2025-03-12", "", "", "JX-0001", "赵六", "", "到了", ""],
            ["", "培训", "2025-03-12", "3", "", "JX-0002", "钱七", "", "出勤", ""],
        ],
    )
    assert errors == [
        "第 2 行“培训主题”列：请填培训编号，或填培训主题和培训日期",
        "第 3 行“培训编号”列：本县没有编号为“999”的培训",
        "第 4 行“手机号”列：“123”不是 11 位手机号",
        "第 5 行“出勤情况”列：“到了”不是可选值，可填：出勤、请假、旷课、迟到、早退",
        "第 6 行“培训天数”列：同一次培训的天数和岗前培训须与第 4 行一致",
    ]
    assert not Training.objects.exists()


# -- participation -----------------------------------------------------------------------------


@pytest.fixture
def activity(certified):
    w = certified
    return activity_services.activity_create(
        acting_user=w.county,
        county=w.regions["610828"],
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, 23, 59, tzinfo=SH),
        required_stations=[w.station_keng, w.station_dian],
    )


def test_participation_and_the_data_report_are_imported_with_the_filing_time(certified, activity):
    w = certified
    outcome = run(
        w,
        "participation",
        PARTICIPATION,
        [
            [str(activity.pk), "JX-0001", "是", "2025-01-24 18:00", "12", "1580.50"],
            [str(activity.pk), "JX-0002", "否", "", "", ""],
        ],
    )
    assert outcome.created == 2
    assert Participation.objects.get(station=w.station_keng).participated
    assert not Participation.objects.get(station=w.station_dian).participated
    report = ActivityReport.objects.get()
    assert report.submitted_at == datetime(2025, 1, 24, 18, tzinfo=SH)
    assert (report.orders, report.sales_amount, report.submitted_by) == (12, Decimal("1580.50"), w.county)
    assert ImportedRecord.objects.count() == 3


def test_a_station_that_did_not_take_part_owes_no_report_and_must_be_required(certified, activity):
    errors = rejected(
        certified,
        "participation",
        PARTICIPATION,
        [
            [str(activity.pk), "JX-0002", "否", "2025-01-24 18:00", "", ""],
            [str(activity.pk), "XW-0001", "是", "", "", ""],
            [str(activity.pk), "JX-0001", "是", "2025-01-05 18:00", "", ""],
            [str(activity.pk + 1), "JX-0001", "是", "", "3", ""],
        ],
    )
    assert errors == [
        "第 2 行“数据上报时间”列：未参加的活动无须上报数据，请删去上报时间或改为“是”",
        "第 3 行“站点编码”列：服务站“XW-0001”不存在或不是佳县的服务站",
        "第 4 行“数据上报时间”列：上报时间早于活动开始日期 2025-01-10",
        f"第 5 行“活动编号”列：本县没有编号为“{activity.pk + 1}”的营销活动",
        "第 5 行“数据上报时间”列：填了订单数或销售额，请同时填写数据上报时间",
    ]


# -- faults ------------------------------------------------------------------------------------


def test_faults_are_imported_with_their_times_and_a_missing_asset_is_registered(certified):
    w = certified
    router = assets.asset_add(acting_user=w.county, station=w.station_keng, kind=AssetKind.ROUTER, serial_no="LY-01")
    outcome = run(
        w,
        "faults",
        FAULTS,
        [
            ["JX-0001", "电脑", "无法开机", "是", "2025-03-02 09:00", "2025-03-20 16:00", "更换电源"],
            ["JX-0001", "LY-01", "网络时断时续", "否", "2025-04-11 10:00", "2025-04-12 11:00", ""],
            ["JX-0001", "电脑", "屏幕不亮", "是", "2025-05-02 09:00", "", ""],
        ],
    )
    assert outcome.created == 3
    computer = PublicAsset.objects.get(station=w.station_keng, kind=AssetKind.COMPUTER)
    first, second = FaultReport.objects.filter(asset=computer).order_by("reported_at")
    assert (first.reported_at, first.repaired_at) == (
        datetime(2025, 3, 2, 9, tzinfo=SH),
        datetime(2025, 3, 20, 16, tzinfo=SH),
    )
    assert first.stops_operation and first.reported_by is None and first.repaired_by == w.county
    assert second.is_open and computer.condition == "faulty"
    assert FaultReport.objects.get(asset=router).repair_note == ""
    marks = imported_marks([computer, router], FaultReport.objects.all())
    assert computer in marks and router not in marks and len(marks) == 4


def test_a_fault_is_checked_against_its_own_times_and_the_asset_s_other_faults(certified):
    w = certified
    PublishedPeriod.objects.create(county_code="610828", year=2024, half="H2", published_at=timezone.now())
    errors = rejected(
        w,
        "faults",
        FAULTS,
        [
            ["JX-0001", "电脑", "无法开机", "是", "2025-03-02 09:00", "2025-03-01 16:00", ""],
            ["JX-0001", "电脑", "无法开机", "是", "2024-12-30 09:00", "2025-01-02 16:00", ""],
            ["JX-0002", "电脑", "坏了", "是", "2025-03-02 09:00", "", ""],
            ["JX-0002", "电脑", "又坏了", "是", "2025-04-02 09:00", "2025-04-03 09:00", ""],
            ["JX-0002", "保险柜", "打不开", "否", "2025-04-02 09:00", "", ""],
        ],
    )
    assert errors == [
        "第 2 行“修复时间”列：修复时间 2025-03-01 16:00 早于报修时间 2025-03-02 09:00",
        "第 3 行“报修时间”列：2024年下半年的考核结果已发布，不能再导入该期的历史记录",
        "第 5 行“报修时间”列：与第 4 行同一资产的报修时间重叠：上一次修复后才能再报修",
        "第 6 行“资产”列：“保险柜”不是服务站 JX-0002 的资产编号，也不是资产类别（见“参考”工作表）",
    ]
    assert not PublicAsset.objects.exists()


def test_a_refusal_by_an_app_s_service_is_put_on_its_row_and_nothing_stays(certified, monkeypatch):
    """What the checks cannot foresee, the services still refuse; the rows written before are undone."""
    w = certified
    real = assets.fault_report

    def refuse_the_second(**kwargs):
        if kwargs["description"] == "二":
            from django.core.exceptions import ValidationError

            raise ValidationError({"description": "服务拒绝"})
        return real(**kwargs)

    monkeypatch.setattr(assets, "fault_report", refuse_the_second)
    errors = rejected(
        w,
        "faults",
        FAULTS,
        [
            ["JX-0001", "电脑", "一", "否", "2025-03-02 09:00", "", ""],
            ["JX-0002", "电脑", "二", "否", "2025-03-02 09:00", "", ""],
        ],
    )
    assert errors == ["第 3 行“故障描述”列：服务拒绝"]
    assert not FaultReport.objects.exists() and not PublicAsset.objects.exists() and not HistoryImport.objects.exists()
