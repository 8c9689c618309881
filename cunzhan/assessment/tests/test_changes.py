"""Versions that say what changed: records entered into a published half-year are accepted and marked 补录,
never touch the published version, and appear in the next correction beside the facts they moved; an
inspection's correction appears with its reason; the public page says a correction was made, when and why."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.assessment import services
from cunzhan.assessment.tests.test_services import certify, inspect, purchases, result_of
from cunzhan.ledgers import services as ledgers
from cunzhan.supervision import services as supervision

TZ = timezone.get_default_timezone()


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def published(world, monkeypatch):
    """佳县 2025 H1 published on 10 July: 高家坬村站 with 137 proxy purchases (its half-year target is 200),
    刘家坪村站 with none; both fully rated."""
    monkeypatch.setattr("cunzhan.assessment.evidence.report_lapses", lambda *args, **kwargs: {})
    User.objects.filter(username="keeper").update(display_name="张三")
    User.objects.filter(username="other_supervisor").update(display_name="李四")
    for station in (world.station_keng, world.station_dian):
        certify(station)
    inspect(world.station_keng, world.supervisor)
    inspect(world.station_dian, world.other_supervisor)
    with time_machine.travel(at(2025, 7, 2, 9), tick=False):
        purchases(world.station_keng, 137, day=date(2025, 4, 1))
    county = world.regions["610828"]
    with time_machine.travel(at(2025, 7, 8, 9), tick=False):
        first = services.assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
        services.assessment_submit_review(acting_user=world.county, assessment=first)
    with time_machine.travel(at(2025, 7, 10, 9), tick=False):
        services.assessment_publish(acting_user=world.county, assessment=first)
    return first


def test_a_correction_after_a_late_ledger_row_and_an_inspection_edit_says_what_changed(world, published, client):
    w = world
    with time_machine.travel(at(2025, 8, 3, 15), tick=False):  # the keeper records a May purchase late
        row = ledgers.entry_create(
            acting_user=w.keeper,
            kind="purchase",
            station=w.station_keng,
            occurred_on=date(2025, 5, 20),
            product_name="化肥",
            quantity=D(1),
            amount=D("80.00"),
            platform="拼多多",
        )
    inspection = w.station_dian.inspections.get(year=2025, half="H1")
    with time_machine.travel(at(2025, 8, 4, 10), tick=False):
        supervision.inspection_correct(
            acting_user=w.other_supervisor,
            inspection=inspection,
            reason="复核照片，公共设施不整洁",
            ratings={"item2_public_facilities": ("1", "地面有垃圾")},
        )
    published.refresh_from_db()
    assert result_of(published, "JX-0001").total == D("86.85")  # the published version is a snapshot
    with time_machine.travel(at(2025, 8, 5, 9), tick=False):
        correction = services.assessment_correct(
            acting_user=w.county, assessment=published, reason="补录代购台账；更正店镇实地察看评分"
        )
    keng, dian = result_of(correction, "JX-0001"), result_of(correction, "JX-0002")
    assert [c["text"] for c in keng.changes] == [
        "总分 86.85 → 86.90（+0.05）",
        "代购单数 137 → 138（+0.05），补录 1 条，2025-08-03 张三",
    ]
    assert keng.changes[1]["entries"] == [
        {
            "kind": "ledgers.ProxyPurchase",
            "id": row.pk,
            "day": "2025-05-20",
            "at": "2025-08-03T15:00:00+08:00",
            "by": "张三",
            "late": True,
        }
    ]
    assert [c["text"] for c in dian.changes] == [
        "总分 80.00 → 78.00（-2.00）",
        "“公共设施干净整洁”评分 3.00 → 1.00（-2.00），实地察看更正：复核照片，公共设施不整洁（2025-08-04 李四）",
    ]
    assert (dian.changes[1]["item"], dian.changes[1]["points"]) == (2, "-2.00")

    # the pages: the correction's detail lists each station's changes; the keeper reads his own
    client.force_login(w.county)
    page = client.get(f"/assessment/{correction.pk}/").content.decode()
    assert "与第 1 版相比的变化" in page and "代购单数 137 → 138（+0.05），补录 1 条，2025-08-03 张三" in page
    assert "实地察看更正：复核照片，公共设施不整洁（2025-08-04 李四）" in page
    # the ledger list marks the row entered late
    client.force_login(w.keeper)
    listing = client.get("/ledgers/purchase/?station=JX-0001&from=2025-05-20&to=2025-05-20").content.decode()
    assert "补录：张三 于 2025-08-03 15:00 登记" in listing

    # the public page says a correction was made, when and why, once it is published — without names
    client.logout()
    assert "本结果已更正" not in client.get("/public/assessments/610828/2025/H1/").content.decode()
    services.assessment_submit_review(acting_user=w.county, assessment=correction)
    with time_machine.travel(at(2025, 8, 6, 9), tick=False):
        services.assessment_publish(acting_user=w.county, assessment=correction)
    public = client.get("/public/assessments/610828/2025/H1/").content.decode()
    assert "本结果已更正：现为第 2 版，于 2025-08-06 09:00 发布，替代此前公布的结果。" in public
    assert "更正理由：补录代购台账；更正店镇实地察看评分" in public and "第 1 版 2025-07-10 09:00 发布" in public
    assert "高家坬村站 86.85 → 86.90" in public and "刘家坪村站 80.00 → 78.00" in public
    assert "张三" not in public and "李四" not in public
    # a station's published lines, each with the records behind it named, linked nowhere, no one's name
    station = client.get("/public/assessments/610828/2025/H1/JX-0002/").content.decode()
    assert "“公共设施干净整洁”实地察看评分 1/3" in station and "2025-06-20 实地察看记录" in station
    assert '<span class="ref">' in station and '<a class="ref"' not in station and "李四" not in station
    client.force_login(w.keeper)  # the keeper reads his own station's changes once they are published
    mine = client.get(f"/assessment/results/{keng.pk}/").content.decode()
    assert "与第 1 版相比" in mine and "代购单数 137 → 138（+0.05），补录 1 条，2025-08-03 张三" in mine
    links = re.findall(r'<a class="ref" href="([^"]+)"', mine)  # the inspection, the ledger: his own, they open
    assert len(links) >= 2 and all(client.get(html.unescape(link)).status_code == 200 for link in links)


def test_a_late_entry_never_touches_the_published_version_and_an_unchanged_correction_says_so(world, published):
    w = world
    with time_machine.travel(at(2025, 8, 3, 15), tick=False):
        ledgers.entry_create(
            acting_user=w.keeper,
            kind="parcel",
            station=w.station_keng,
            carrier="邮政",
            tracking_no="9800001",
            arrived_at=at(2025, 6, 1, 10),
            handed_over_at=at(2025, 6, 1, 16),
        )
    with time_machine.travel(at(2025, 8, 5, 9), tick=False):
        correction = services.assessment_correct(acting_user=w.county, assessment=published, reason="复核")
    keng, dian = result_of(correction, "JX-0001"), result_of(correction, "JX-0002")
    assert [c["text"] for c in keng.changes] == ["快递收发台账补录 1 条，2025-08-03 张三（未改变本期得分）"]
    assert dian.changes == []
    assert result_of(published, "JX-0001").changes == []  # version 1 has nothing before it


def test_records_of_a_published_half_year_are_accepted_and_marked(world, published, client):
    """A report, attendance and a ledger row entered after publication: accepted, marked 补录 on their pages
    with who and when; the same kinds in a half-year not yet published are not marked."""
    from cunzhan.activities import services as activities
    from cunzhan.core.late_entries import late_marks
    from cunzhan.reports import services as reports
    from cunzhan.reports.models import ReportSettings
    from cunzhan.reports.status import monthly_period

    w = world
    from cunzhan.activities.models import Training

    training = Training.objects.create(  # organised in March, before the half-year was published
        county=w.regions["610828"],
        operating_unit=w.unit,
        organiser="运营单位",
        topic="直播带货",
        start_date=date(2025, 3, 10),
        created_by=w.operator,
    )
    training.required_stations.set([w.station_keng])
    with time_machine.travel(at(2025, 8, 3, 15), tick=False):
        [attendance] = activities.attendance_record(
            acting_user=w.operator,
            training=training,
            lines=[activities.AttendanceLine(station=w.station_keng, person_name="张三", status="late")],
        )
        may = monthly_period(ReportSettings.for_county("610828"), 2025, 5)  # due 5 June: H1
        report = reports.report_obtain(station=w.station_keng, period=may)
        reports.report_submit(acting_user=w.keeper, report=report, revision=report.revision)
        report.refresh_from_db()
        july = monthly_period(ReportSettings.for_county("610828"), 2025, 7)  # due 5 August: H2, not published
        open_half = reports.report_obtain(station=w.station_keng, period=july)
    with time_machine.travel(at(2025, 8, 6, 9), tick=False):
        reports.report_submit(acting_user=w.keeper, report=open_half, revision=open_half.revision)
    marks = late_marks([attendance, report, open_half])
    assert attendance in marks and report in marks and open_half not in marks
    assert marks.title(report) == "补录：张三 于 2025-08-03 15:00 登记（该半年考核已发布，计入下次更正）"
    client.force_login(w.keeper)
    page = client.get("/reports/JX-0001/monthly/2025-05/").content.decode()
    assert "补录：张三 于 2025-08-03 15:00 登记" in page
    client.force_login(w.operator)
    page = client.get(f"/activities/trainings/{training.pk}/").content.decode()
    assert "补录：operator 于 2025-08-03 15:00 登记" in page and "新登记的出勤为补录" in page


def test_a_correction_of_the_annual_composite_names_the_events_behind_it(world, published):
    """A daily-supervision event verified after the composite was published: its correction says the
    deductions, the count of that kind of event and the total moved."""
    from cunzhan.supervision.models import SupervisionEvent

    w = world
    county = w.regions["610828"]
    with time_machine.travel(at(2026, 1, 10, 9), tick=False):
        inspect(w.station_keng, w.supervisor, half="H2")
        inspect(w.station_dian, w.other_supervisor, half="H2")
        for period in ("H2", "annual"):
            a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period=period)
            services.assessment_submit_review(acting_user=w.county, assessment=a)
            services.assessment_publish(acting_user=w.county, assessment=a)
    SupervisionEvent.objects.create(
        station=w.station_dian,
        kind="not_cooperating",
        occurred_on=date(2025, 11, 3),
        description="拒绝配合检查",
        status="verified",
        recorded_by=w.supervisor,
        recorded_at=at(2026, 1, 12, 9),
    )
    with time_machine.travel(at(2026, 1, 15, 9), tick=False):
        correction = services.assessment_correct(acting_user=w.county, assessment=a, reason="补记日常督查")
    assert [c["text"] for c in result_of(correction, "JX-0002").changes] == [
        "总分 80.00 → 70.00（-10.00）",
        "不配合日常督查次数 0 → 1",
        "日常督查扣分 0.00 → 10.00",
    ]
    assert result_of(correction, "JX-0001").changes == []


def test_a_training_and_an_activity_organised_in_a_published_half_year_are_accepted_marked_and_corrected(
    world, published, client
):
    """A training and a marketing activity of May registered in August, after H1 was published: accepted
    (not refused as frozen), marked 补录 on their pages; the published version keeps its points, the next
    correction counts the training the station was required to attend and missed."""
    from cunzhan.activities import services as activities

    w = world
    county = w.regions["610828"]
    before = result_of(published, "JX-0001").total
    with time_machine.travel(at(2025, 8, 3, 15), tick=False):
        training = activities.training_create(
            acting_user=w.county, county=county, topic="农产品上行", start_date=date(2025, 5, 12), days=D(1),
            required_stations=[w.station_keng],
        )  # fmt: skip
        activity = activities.activity_create(
            acting_user=w.county, county=county, title="端午促销", start_date=date(2025, 5, 28),
            end_date=date(2025, 5, 31), report_due_at=at(2025, 6, 5, 18),
        )  # fmt: skip
    client.force_login(w.county)
    stamp = "补录：" + (w.county.display_name or w.county.username) + " 于 2025-08-03 15:00 登记"
    assert stamp in client.get(f"/activities/trainings/{training.pk}/").content.decode()
    assert stamp in client.get(f"/activities/marketing/{activity.pk}/").content.decode()
    assert result_of(published, "JX-0001").total == before  # the published version is a snapshot
    with time_machine.travel(at(2025, 8, 5, 9), tick=False):
        correction = services.assessment_correct(acting_user=w.county, assessment=published, reason="补录培训")
    assert result_of(correction, "JX-0001").total < before
    assert result_of(correction, "JX-0002").total == result_of(published, "JX-0002").total
