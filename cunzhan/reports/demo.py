"""Demo reports: monthly reports for 2025 and 2026-to-date for the demo stations, drafted from the
demo ledgers. Most on time, a few late, a few missed, one corrected. Idempotent."""

from __future__ import annotations

import zlib
from datetime import datetime, time, timedelta

from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.core import dates
from cunzhan.core.roles import Role
from cunzhan.reports import drafts
from cunzhan.reports.models import Kind, Report, ReportSettings, ReportVersion
from cunzhan.reports.status import monthly_period, weekly_period
from cunzhan.stations.models import CERTIFIED_STATUSES, Station


def _submitted_at(code: str, year: int, month: int) -> datetime | None:
    """Deterministic: about 1 in 12 missed, 1 in 8 late, the rest on time."""
    roll = zlib.crc32(f"{code}{year}{month}".encode()) % 24
    next_year, next_month = dates.add_months(year, month, 1)
    if roll < 2:
        return None
    day = 8 if roll < 5 else 3
    return datetime.combine(
        dates.month_first(next_year, next_month) + timedelta(days=day - 1), time(18, 0), dates.SHANGHAI
    )


def load_reports(ctx) -> None:
    if Report.objects.filter(station__is_demo=True).exists():
        ctx.write("报表：演示数据已存在")
        return
    now = timezone.now()
    this_year, this_month = dates.local_now().year, dates.local_now().month
    stations = list(Station.objects.filter(is_demo=True, status__in=CERTIFIED_STATUSES).order_by("code"))
    keepers = {u.station_id: u for u in User.objects.filter(role=Role.KEEPER, station__in=stations)}
    offices = {u.region_id: u for u in User.objects.filter(role=Role.COUNTY_OFFICE, is_demo=True)}
    fallback = User.objects.filter(role=Role.ADMIN).first() or next(iter(offices.values()), None)
    if fallback is None and not keepers:
        ctx.write("报表：没有可用的演示账号，跳过")
        return
    created = corrected = 0
    for station in stations:
        settings = ReportSettings.for_county(station.county_code)
        author = keepers.get(station.pk) or offices.get(station.county_code) or fallback
        year, month = 2025, 1
        while (year, month) < (this_year, this_month):
            period = monthly_period(settings, year, month)
            submitted = _submitted_at(station.code, year, month)
            owed = station.certified_at is None or station.certified_at < period.opens_at
            if owed and submitted is not None and submitted <= now:
                lines = drafts.build_lines(station.pk, period.start, period.end)
                report = Report.objects.create(
                    station=station,
                    county_code=station.county_code,
                    kind=Kind.MONTHLY,
                    period_start=period.start,
                    period_end=period.end,
                    due_at=period.due_at,
                    grace_end=period.grace_end,
                    first_submitted_at=submitted,
                    first_submitted_by=author,
                    version=1,
                    updated_at=submitted,
                )
                data = drafts.document(
                    station_code=station.code, kind=Kind.MONTHLY, start=period.start, end=period.end, lines=lines
                )
                ReportVersion.objects.create(
                    report=report, number=1, data=data, created_by=author, created_at=submitted
                )
                created += 1
                if not corrected and station.pk in keepers:
                    parcels_in = next(line["count"] for line in lines if line["key"] == "parcel|in")
                    fixed = drafts.apply_corrections(
                        lines, {"parcel|in": {"count": parcels_in + 3, "reason": "三件快递当日未登记，补录"}}
                    )
                    ReportVersion.objects.create(
                        report=report,
                        number=2,
                        data={**data, "lines": fixed, "totals": drafts.totals(fixed)},
                        reason="三件快递当日未登记，补录",
                        created_by=author,
                        created_at=submitted + timedelta(days=2),
                    )
                    report.version = 2
                    report.save(update_fields=["version"])
                    corrected += 1
            year, month = dates.add_months(year, month, 1)
    weekly = _load_weekly(stations, keepers, offices, fallback, now)
    ctx.write(f"报表：{created} 份月报（含 {corrected} 份更正），{weekly} 份周报")


def _weekly_submitted_at(code: str, period) -> datetime | None:
    """Deterministic: about 1 in 50 missed, 1 in 15 late (within the grace week), the rest on time."""
    roll = zlib.crc32(f"{code}{period.start}".encode()) % 150
    if roll < 3:
        return None
    monday = datetime.combine(period.end + timedelta(days=1), time(17, 0), dates.SHANGHAI)
    return monday + timedelta(days=2) if roll < 13 else monday


def _load_weekly(stations, keepers, offices, fallback, now) -> int:
    """Weekly reports since 2025, in bulk. Their documents carry the week's totals only as text:
    drafting each week from the ledgers would make the demo several times slower."""
    reports, versions = [], []
    today = dates.local_now().date()
    for station in stations:
        settings = ReportSettings.for_county(station.county_code)
        if not settings.weekly_enabled:
            continue
        author = keepers.get(station.pk) or offices.get(station.county_code) or fallback
        monday = dates.week_monday(2025, 1)
        while monday + timedelta(days=7) <= today:
            year, week, _day = monday.isocalendar()
            period = weekly_period(settings, year, week)
            monday += timedelta(days=7)
            submitted = _weekly_submitted_at(station.code, period)
            owed = station.certified_at is None or station.certified_at < period.opens_at
            if not owed or submitted is None or submitted > now:
                continue
            report = Report(
                station=station,
                county_code=station.county_code,
                kind=Kind.WEEKLY,
                period_start=period.start,
                period_end=period.end,
                due_at=period.due_at,
                grace_end=period.grace_end,
                first_submitted_at=submitted,
                first_submitted_by=author,
                version=1,
                updated_at=submitted,
            )
            reports.append(report)
            data = drafts.document(
                station_code=station.code,
                kind=Kind.WEEKLY,
                start=period.start,
                end=period.end,
                lines=[],
                text="本周台账已按时登记，详见各台账（演示数据）。",
            )
            versions.append((report, data, author, submitted))
    Report.objects.bulk_create(reports, batch_size=1000)
    ReportVersion.objects.bulk_create(
        [ReportVersion(report=r, number=1, data=d, created_by=a, created_at=t) for r, d, a, t in versions],
        batch_size=1000,
    )
    return len(reports)
