from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db.models import Sum

from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.reports import drafts, selectors, services
from cunzhan.reports.models import ReportSettings
from cunzhan.reports.status import ReportStatus, monthly_period
from cunzhan.reports.tests.conftest import at, parcel, purchase, sale, service


def january(world):
    return monthly_period(ReportSettings.for_county("610828"), 2025, 1)


def submit(world, keeper=None, station=None, period=None, **kwargs):
    period = period or january(world)
    report = services.report_obtain(station=station or world.station_keng, period=period)
    return services.report_submit(acting_user=keeper or world.keeper, report=report, revision=report.revision, **kwargs)


@pytest.mark.django_db
def test_a_report_submitted_at_235959_on_the_5th_is_on_time(world):
    with time_machine.travel(at(2025, 2, 5, 23, 59, 59), tick=False):
        report = submit(world)
    assert report.first_submitted_at == at(2025, 2, 5, 23, 59, 59)
    assert selectors.report_status_now(report, january(world).opens_at) == ReportStatus.ON_TIME


@pytest.mark.django_db
def test_a_report_submitted_at_midnight_on_the_6th_is_late(world):
    with time_machine.travel(at(2025, 2, 6, 0, 0, 0), tick=False):
        report = submit(world)
    assert selectors.report_status_now(report, january(world).opens_at) == ReportStatus.LATE


@pytest.mark.django_db
def test_on_the_6th_the_operating_unit_sees_exactly_which_stations_are_late(world):
    with time_machine.travel(at(2025, 2, 3, 10, 0), tick=False):
        submit(world)  # 坑镇 on time
    with time_machine.travel(at(2025, 2, 6, 9, 0), tick=False):
        rows = {r.code: r.status for r in selectors.period_board(world.operator, "610828", january(world))}
    assert rows == {"JX-0001": ReportStatus.ON_TIME, "JX-0002": ReportStatus.PENDING}


@pytest.mark.django_db
def test_a_keeper_who_submits_on_the_7th_is_late_and_one_who_never_does_is_missed_after_the_grace(world):
    other = world.users["keeper"].__class__.objects.create(
        username="dian_keeper", role="keeper", station=world.station_dian, region=world.station_dian.region
    )
    with time_machine.travel(at(2025, 2, 7, 8, 0), tick=False):
        submit(world)
    with time_machine.travel(at(2025, 2, 28, 23, 59, 59), tick=False):
        rows = {r.code: r.status for r in selectors.period_board(world.county, "610828", january(world))}
        assert rows == {"JX-0001": ReportStatus.LATE, "JX-0002": ReportStatus.PENDING}
    with time_machine.travel(at(2025, 3, 1, 0, 0, 0), tick=False):
        rows = {r.code: r.status for r in selectors.period_board(world.county, "610828", january(world))}
        assert rows == {"JX-0001": ReportStatus.LATE, "JX-0002": ReportStatus.MISSED}
        # submitting after the grace window does not turn a missed report into a late one
        submit(world, keeper=other, station=world.station_dian)
        rows = {r.code: r.status for r in selectors.period_board(world.county, "610828", january(world))}
        assert rows["JX-0002"] == ReportStatus.MISSED


@pytest.mark.django_db
def test_the_december_report_is_due_on_the_5th_of_january(world):
    december = monthly_period(ReportSettings.for_county("610828"), 2025, 12)
    with time_machine.travel(at(2026, 1, 5, 23, 59, 59), tick=False):
        on_time = submit(world, period=december)
    assert selectors.report_status_now(on_time, december.opens_at) == ReportStatus.ON_TIME
    with time_machine.travel(at(2026, 1, 6, 0, 0, 0), tick=False):
        rows = {r.code: r.status for r in selectors.period_board(world.county, "610828", december)}
    assert rows == {"JX-0001": ReportStatus.ON_TIME, "JX-0002": ReportStatus.PENDING}


@pytest.mark.django_db
def test_a_report_cannot_be_submitted_before_its_period_ends(world):
    with time_machine.travel(at(2025, 1, 31, 23, 59, 59), tick=False), pytest.raises(ValidationError):
        submit(world)


@pytest.mark.django_db
def test_a_submitted_report_is_frozen_and_cannot_be_submitted_twice(world):
    with time_machine.travel(at(2025, 2, 3), tick=False):
        report = submit(world)
        purchase(world.station_keng, date(2025, 1, 20), amount="99.99")  # recorded afterwards
        with pytest.raises(ValidationError, match="不能重复提交"):
            services.report_submit(acting_user=world.keeper, report=report, revision=report.revision)
    assert report.versions.get().data["totals"]["purchase"]["count"] == 0


@pytest.mark.django_db
def test_the_draft_matches_the_ledgers_to_the_fen(world):
    amounts = ["0.01", "0.10", "33.33", "33.33", "33.34", "1999.99", "0.07"]
    for i, amount in enumerate(amounts):
        purchase(world.station_keng, date(2025, 1, 1 + i), name="化肥" if i % 2 else "手机", amount=amount)
    purchase(world.station_keng, date(2025, 2, 1), amount="5.00")  # next month: not in the draft
    purchase(world.station_dian, date(2025, 1, 5), amount="7.00")  # another station
    sale(world.station_keng, date(2025, 1, 3), amount="12.34", quantity="2.5")
    sale(world.station_keng, date(2025, 1, 31), name="小米", amount="0.66", farm=True)
    parcel(world.station_keng, date(2025, 1, 2), "in")
    parcel(world.station_keng, date(2025, 1, 2), "in")
    parcel(world.station_keng, date(2025, 1, 9), "out")
    service(world.station_keng, date(2025, 1, 9), "payment", "100.50")
    service(world.station_keng, date(2025, 1, 10), "ticket")
    lines = drafts.build_lines(world.station_keng.pk, date(2025, 1, 1), date(2025, 1, 31))
    totals = drafts.totals(lines)
    ledger = ProxyPurchase.objects.filter(
        station=world.station_keng, occurred_on__range=(date(2025, 1, 1), date(2025, 1, 31))
    ).aggregate(s=Sum("amount"))["s"]
    assert Decimal(totals["purchase"]["amount"]) == ledger == sum(Decimal(a) for a in amounts)
    assert totals["purchase"]["amount"] == "2100.17"
    assert totals["sale"] == {"count": 2, "amount": "13.00"}
    assert totals["parcel"] == {"count": 3, "in": 2, "out": 1}
    assert totals["service"] == {"count": 2, "amount": "100.50"}
    by_key = {line["key"]: line for line in lines}
    assert by_key["purchase|手机|拼多多"]["amount"] == "66.75"
    assert by_key["sale|红枣|淘宝|0|1"]["quantity"] == "2.500"


@pytest.mark.django_db
def test_corrections_keep_the_draft_and_the_reason(world):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    with time_machine.travel(at(2025, 2, 2), tick=False):
        report = services.report_obtain(station=world.station_keng, period=january(world))
        with pytest.raises(ValidationError):
            services.report_correct(
                acting_user=world.keeper,
                report=report,
                revision=0,
                corrections={"purchase|化肥|拼多多": {"count": 2}},
            )
        report = services.report_correct(
            acting_user=world.keeper,
            report=report,
            revision=0,
            corrections={"purchase|化肥|拼多多": {"count": 2, "amount": "25.50", "reason": "漏记一单"}},
        )
        report = services.report_submit(acting_user=world.keeper, report=report, revision=report.revision)
    line = next(line for line in report.versions.get(number=1).data["lines"] if line["section"] == "purchase")
    assert line["count"] == 2 and line["amount"] == "25.50" and line["reason"] == "漏记一单"
    assert line["draft"] == {"count": 1, "quantity": "1.000", "amount": "10.00"}


@pytest.mark.django_db
def test_a_corrected_amount_is_rounded_half_up_to_the_fen(world):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    with time_machine.travel(at(2025, 2, 2), tick=False):
        report = services.report_obtain(station=world.station_keng, period=january(world))
        report = services.report_correct(
            acting_user=world.keeper,
            report=report,
            revision=0,
            corrections={"purchase|化肥|拼多多": {"count": 1, "amount": "2.675", "reason": "金额填错"}},
        )
        report = services.report_submit(acting_user=world.keeper, report=report, revision=report.revision)
    line = next(line for line in report.versions.get(number=1).data["lines"] if line["section"] == "purchase")
    assert line["amount"] == "2.68"


@pytest.mark.django_db
def test_a_correction_after_submission_is_a_new_version_and_keeps_the_first_submission_time(world):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    with time_machine.travel(at(2025, 2, 4, 9, 0), tick=False):
        report = submit(world)
    with time_machine.travel(at(2025, 2, 20, 9, 0), tick=False):
        with pytest.raises(ValidationError):
            services.report_correct(
                acting_user=world.keeper,
                report=report,
                revision=report.revision,
                corrections={"parcel|in": {"count": 3, "reason": ""}},
            )
        report = services.report_correct(
            acting_user=world.keeper,
            report=report,
            revision=report.revision,
            corrections={"parcel|in": {"count": 3, "reason": "补录快递"}},
        )
    report.refresh_from_db()
    assert report.version == 2
    assert report.first_submitted_at == at(2025, 2, 4, 9, 0)
    v1, v2 = report.versions.order_by("number")
    assert v2.reason == "补录快递"
    assert v1.data["totals"]["parcel"]["in"] == 0 and v2.data["totals"]["parcel"]["in"] == 3
    with time_machine.travel(at(2025, 3, 2), tick=False):
        assert selectors.report_status_now(report, january(world).opens_at) == ReportStatus.ON_TIME


@pytest.mark.django_db
def test_only_the_keeper_of_the_station_submits(world):
    with time_machine.travel(at(2025, 2, 3), tick=False):
        report = services.report_obtain(station=world.station_keng, period=january(world))
        with pytest.raises(Exception) as denied:
            services.report_submit(acting_user=world.operator, report=report, revision=0)
        assert denied.typename == "PermissionDenied"
        dian = services.report_obtain(station=world.station_dian, period=january(world))
        with pytest.raises(Exception) as hidden:
            services.report_submit(acting_user=world.keeper, report=dian, revision=0)
        assert hidden.typename == "OutOfScope"  # a 404: another station's report does not exist for them


@pytest.mark.django_db
def test_the_board_is_one_query_whatever_the_number_of_stations(world, django_assert_max_num_queries):
    from cunzhan.stations.models import Station, Status, Tier

    Station.objects.bulk_create(
        Station(
            code=f"JX-{i:04d}",
            name=f"站{i}",
            tier=Tier.VILLAGE,
            region=world.regions["610828102201"],
            county_code="610828",
            operating_unit=world.unit,
            status=Status.OPERATING,
        )
        for i in range(100, 160)
    )
    period = january(world)
    with django_assert_max_num_queries(1):
        rows = selectors.period_board(world.admin, "610828", period, now=at(2025, 3, 1))
    assert len(rows) == 62 and {r.status for r in rows} == {ReportStatus.MISSED}


@pytest.mark.django_db
def test_ad_hoc_requests_count_the_same_way(world):
    with time_machine.travel(at(2025, 3, 1, 9, 0), tick=False):
        adhoc = services.adhoc_request_create(
            acting_user=world.county,
            county=world.regions["610828"],
            title="春耕物资需求统计",
            due_at=at(2025, 3, 10, 23, 59, 59),
            grace_end=at(2025, 3, 15, 23, 59, 59),
            stations=[world.station_keng, world.station_dian, world.station_xunwu],
        )
        assert adhoc.reports.count() == 2  # 寻乌 is not the county office's
        with pytest.raises(Exception) as denied:
            services.adhoc_request_create(
                acting_user=world.operator,
                county=world.regions["610828"],
                title="x",
                due_at=at(2025, 3, 10),
                stations=[world.station_keng],
            )
        assert denied.typename == "PermissionDenied"
    report = adhoc.reports.get(station=world.station_keng)
    with time_machine.travel(at(2025, 3, 11, 0, 0, 0), tick=False):
        services.report_submit(acting_user=world.keeper, report=report, revision=0, text="化肥 20 吨")
    with time_machine.travel(at(2025, 3, 16), tick=False):
        rows = {r.code: r.status for r in selectors.adhoc_board(world.county, adhoc)}
    assert rows == {"JX-0001": ReportStatus.LATE, "JX-0002": ReportStatus.MISSED}


@pytest.mark.django_db
def test_a_keeper_saving_from_an_older_window_is_told_it_was_their_own_save(world):
    from cunzhan.core.concurrency import EditConflict

    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    fix = {"purchase|化肥|拼多多": {"count": 2, "reason": "漏记一单"}}
    with time_machine.travel(at(2025, 2, 2, 8, 30), tick=False):
        report = services.report_obtain(station=world.station_keng, period=january(world))
        services.report_correct(acting_user=world.keeper, report=report, revision=0, corrections=fix)
        with pytest.raises(EditConflict, match="该报表已在其他页面被您修改（08:30），请刷新后重新编辑"):
            services.report_submit(acting_user=world.keeper, report=report, revision=0)
    report.refresh_from_db()
    assert report.revision == 1 and not report.is_submitted
