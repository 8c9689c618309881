from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from cunzhan.reports import services
from cunzhan.reports.facts import report_facts
from cunzhan.reports.models import ReportSettings
from cunzhan.reports.status import monthly_period, weekly_period
from cunzhan.reports.tests.conftest import at


def _submit(world, station, keeper, period, when):
    with time_machine.travel(when, tick=False):
        report = services.report_obtain(station=station, period=period)
        services.report_submit(acting_user=keeper, report=report, revision=0)


@pytest.mark.django_db
def test_monthly_late_and_missed_per_station(world, monthly_only, django_assert_max_num_queries):
    settings = ReportSettings.for_county("610828")
    jan, feb = monthly_period(settings, 2025, 1), monthly_period(settings, 2025, 2)
    _submit(world, world.station_keng, world.keeper, jan, at(2025, 2, 5, 23, 59, 59))
    _submit(world, world.station_keng, world.keeper, feb, at(2025, 3, 6, 0, 0, 0))
    with django_assert_max_num_queries(4):
        facts = report_facts("610828", date(2025, 1, 1), date(2025, 6, 30), at(2025, 4, 1))
    keng, dian = world.station_keng.pk, world.station_dian.pk
    # due in H1 2025: Dec 2024 (5 Jan) … May 2025 (5 Jun); closed by 1 April: Dec, Jan, Feb
    assert facts[keng] == {"late": 1, "missed": 1}  # December never submitted
    assert facts[dian] == {"late": 0, "missed": 3}
    assert world.station_xunwu.pk not in facts


@pytest.mark.django_db
def test_the_due_date_decides_the_range_and_the_grace_end_decides_missed(world, monthly_only):
    # only the December report is due in [2026-01-01, 2026-01-31]; its grace ends 31 January
    assert report_facts("610828", date(2026, 1, 1), date(2026, 1, 31), at(2026, 1, 31, 23, 59, 59)) == {
        world.station_keng.pk: {"late": 0, "missed": 0},
        world.station_dian.pk: {"late": 0, "missed": 0},
    }
    utc_now = datetime(2026, 1, 31, 16, 0, 0, tzinfo=UTC)  # 00:00:00 on 1 February in Shanghai
    facts = report_facts("610828", date(2026, 1, 1), date(2026, 1, 31), utc_now)
    assert facts[world.station_keng.pk] == {"late": 0, "missed": 1}


@pytest.mark.django_db
def test_weekly_and_ad_hoc_reports_count_too(world):
    settings = ReportSettings.for_county("610828")
    week = weekly_period(settings, 2025, 2)  # 6–12 Jan 2025, due Mon 13 Jan
    _submit(world, world.station_keng, world.keeper, week, at(2025, 1, 14, 8, 0))
    with time_machine.travel(at(2025, 1, 2), tick=False):
        services.adhoc_request_create(
            acting_user=world.county,
            county=world.regions["610828"],
            title="年货节",
            due_at=at(2025, 1, 15, 23, 59, 59),
            grace_end=at(2025, 1, 20, 23, 59, 59),
            stations=[world.station_keng],
        )
    facts = report_facts("610828", date(2025, 1, 13), date(2025, 1, 19), at(2025, 3, 1))
    # weeks due 13 Jan (W2) and no other Monday in range; the ad-hoc one due 15 Jan
    assert facts[world.station_keng.pk] == {"late": 1, "missed": 1}
    assert facts[world.station_dian.pk] == {"late": 0, "missed": 1}


@pytest.mark.django_db
def test_a_station_certified_later_owes_nothing_for_earlier_months(world, monthly_only):
    world.station_dian.certified_at = at(2025, 2, 10)
    world.station_dian.save()
    facts = report_facts("610828", date(2025, 2, 1), date(2025, 3, 31), at(2025, 6, 1))
    assert facts[world.station_dian.pk]["missed"] == 1  # February only (due 5 March)
    assert facts[world.station_keng.pk]["missed"] == 2


@pytest.mark.django_db
def test_each_lapse_says_its_period_due_time_and_submission(world, monthly_only):
    """What an assessment line links to: the late report with both times; a report submitted after the grace
    end, missed, with its row and time; one never opened, missed, with no row."""
    from cunzhan.reports.facts import report_lapses_many

    settings = ReportSettings.for_county("610828")
    jan, feb = monthly_period(settings, 2025, 1), monthly_period(settings, 2025, 2)
    _submit(world, world.station_keng, world.keeper, jan, at(2025, 2, 7, 10))
    _submit(world, world.station_keng, world.keeper, feb, at(2025, 4, 2, 10))  # grace ended 31 March
    lapses = report_lapses_many(["610828"], date(2025, 2, 1), date(2025, 3, 31), at(2025, 5, 1))
    keng = [
        (x.slug, x.status, x.due_at, x.submitted_at, x.report_id is not None) for x in lapses[world.station_keng.pk]
    ]
    assert keng == [
        ("2025-01", "late", jan.due_at, at(2025, 2, 7, 10), True),
        ("2025-02", "missed", feb.due_at, at(2025, 4, 2, 10), True),
    ]
    dian = [(x.slug, x.status, x.submitted_at, x.report_id) for x in lapses[world.station_dian.pk]]
    assert dian == [("2025-01", "missed", None, None), ("2025-02", "missed", None, None)]
