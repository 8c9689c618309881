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
from cunzhan.reports.status import monthly_period
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
    ctx.write(f"报表：{created} 份月报（含 {corrected} 份更正）")
