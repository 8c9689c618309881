"""Report discipline on the dashboard: late, missed and overdue, from report rows and missing ones."""

from __future__ import annotations

from datetime import date, datetime

import time_machine
from django.utils import timezone

from cunzhan.core import dates
from cunzhan.reports.counts import report_counts, report_counts_by_window, report_counts_many
from cunzhan.reports.models import Report, ReportSettings


@time_machine.travel("2026-06-15 10:00:00+08:00", tick=False)
def test_late_missed_and_overdue_monthly_reports_are_counted_per_window(world):
    ReportSettings.objects.create(county=world.regions["610828"], weekly_enabled=False)
    Report.objects.create(
        station=world.station_keng,
        county_code="610828",
        kind="monthly",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        due_at=dates.monthly_due(2026, 1, 5),
        grace_end=dates.monthly_grace_end(2026, 1, 1),
        first_submitted_at=datetime(2026, 2, 10, 9, tzinfo=timezone.get_default_timezone()),
        version=1,
    )
    june, year = report_counts_by_window(
        world.county, "610828", [(date(2026, 6, 1), date(2026, 6, 30)), (date(2026, 1, 1), date(2026, 6, 30))]
    )
    # due in 2026 so far: the reports for Dec 2025 … May 2026, two stations each
    assert (year.late, year.missed, year.overdue) == (1, 9, 2)
    assert (june.late, june.missed, june.overdue) == (0, 0, 2)  # May's, still in its grace month
    (keng_only,) = report_counts_by_window(world.supervisor, "610828", [(date(2026, 1, 1), date(2026, 6, 30))])
    assert (keng_only.late, keng_only.missed, keng_only.overdue) == (1, 4, 1)


@time_machine.travel("2026-06-15 10:00:00+08:00", tick=False)
def test_a_roll_up_counts_each_county_as_the_county_itself_would(world):
    """Two counties with different report settings (weekly reports on in one), an ad-hoc request."""
    ReportSettings.objects.create(county=world.regions["610828"], weekly_enabled=False)
    Report.objects.create(
        station=world.station_keng,
        county_code="610828",
        kind="monthly",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        due_at=dates.monthly_due(2026, 1, 5),
        grace_end=dates.monthly_grace_end(2026, 1, 1),
        first_submitted_at=datetime(2026, 2, 10, 9, tzinfo=timezone.get_default_timezone()),
        version=1,
    )
    Report.objects.create(
        station=world.station_xunwu,
        county_code="360734",
        kind="adhoc",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        due_at=datetime(2026, 4, 10, 18, tzinfo=timezone.get_default_timezone()),
        grace_end=datetime(2026, 4, 20, 18, tzinfo=timezone.get_default_timezone()),
        version=0,
    )
    codes = ["610828", "360734"]
    for user in (world.admin, world.county, world.supervisor):
        for start, end in ((date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 6, 1), date(2026, 6, 30))):
            many = report_counts_many(user, codes, start, end)
            assert many == {code: report_counts(user, code, start, end) for code in codes}
    assert report_counts_many(world.admin, codes, date(2026, 1, 1), date(2026, 6, 30))["360734"].missed > 0
