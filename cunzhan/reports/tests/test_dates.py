from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cunzhan.core import dates
from cunzhan.reports.status import ReportStatus, status_of
from cunzhan.reports.tests.conftest import at


def test_monthly_due_is_the_end_of_the_5th_of_the_next_month():
    assert dates.monthly_due(2025, 1) == at(2025, 2, 5, 23, 59, 59, 999999)
    assert dates.monthly_grace_end(2025, 1) == at(2025, 2, 28, 23, 59, 59, 999999)


def test_the_december_report_is_due_on_5_january_of_the_next_year():
    assert dates.monthly_due(2025, 12) == at(2026, 1, 5, 23, 59, 59, 999999)
    assert dates.monthly_grace_end(2025, 12) == at(2026, 1, 31, 23, 59, 59, 999999)
    assert dates.monthly_grace_end(2024, 1) == at(2024, 2, 29, 23, 59, 59, 999999)  # leap year


def test_weekly_due_is_the_end_of_monday_after_the_iso_week():
    # ISO week 1 of 2025 runs Mon 30 Dec 2024 – Sun 5 Jan 2025
    assert dates.week_monday(2025, 1) == date(2024, 12, 30)
    assert dates.weekly_due(2025, 1) == at(2025, 1, 6, 23, 59, 59, 999999)
    assert dates.weekly_grace_end(2025, 1) == at(2025, 1, 12, 23, 59, 59, 999999)


def test_week_53_exists_only_in_long_years():
    assert dates.parse_week("2020-W53") == (2020, 53)
    assert dates.weekly_due(2020, 53) == at(2021, 1, 4, 23, 59, 59, 999999)
    assert dates.weekly_due(2024, 52) == at(2024, 12, 30, 23, 59, 59, 999999)
    with pytest.raises(ValueError):
        dates.parse_week("2021-W53")


def test_weeks_and_months_between():
    assert dates.weeks_between(date(2024, 12, 29), date(2025, 1, 6)) == [(2025, 1), (2025, 2)]
    assert dates.months_between(date(2024, 11, 15), date(2025, 1, 1)) == [(2024, 11), (2024, 12), (2025, 1)]


def _status(now, submitted=None):
    return status_of(
        opens_at=at(2025, 2, 1),
        due_at=dates.monthly_due(2025, 1),
        grace_end=dates.monthly_grace_end(2025, 1),
        first_submitted_at=submitted,
        now=now,
    )


def test_status_at_the_boundaries_in_shanghai():
    assert _status(at(2025, 1, 31, 23, 59, 59)) == ReportStatus.NOT_DUE
    assert _status(at(2025, 2, 5, 23, 59, 59)) == ReportStatus.DUE_OPEN
    assert _status(at(2025, 2, 6, 0, 0, 0)) == ReportStatus.PENDING
    assert _status(at(2025, 2, 28, 23, 59, 59)) == ReportStatus.PENDING
    assert _status(at(2025, 3, 1, 0, 0, 0)) == ReportStatus.MISSED
    assert _status(at(2025, 3, 9), submitted=at(2025, 2, 5, 23, 59, 59)) == ReportStatus.ON_TIME
    assert _status(at(2025, 3, 9), submitted=at(2025, 2, 6, 0, 0, 0)) == ReportStatus.LATE
    assert _status(at(2025, 3, 9), submitted=at(2025, 3, 1, 0, 0, 0)) == ReportStatus.MISSED


def test_status_with_utc_clock_values():
    # 23:59:59 Shanghai on the 5th is 15:59:59 UTC; 00:00:00 on the 6th is 16:00:00 UTC
    assert _status(datetime(2025, 2, 5, 15, 59, 59, tzinfo=UTC)) == ReportStatus.DUE_OPEN
    assert _status(datetime(2025, 2, 5, 16, 0, 0, tzinfo=UTC)) == ReportStatus.PENDING
    on_time = datetime(2025, 2, 5, 15, 59, 59, tzinfo=UTC)
    late = datetime(2025, 2, 5, 16, 0, 0, tzinfo=UTC)
    assert _status(late, submitted=on_time) == ReportStatus.ON_TIME
    assert _status(late, submitted=late) == ReportStatus.LATE
