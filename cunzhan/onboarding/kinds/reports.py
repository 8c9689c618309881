"""Past report submissions (报表报送): which station first submitted which monthly or weekly report, and
when. What the assessment reads of a report is that time (item 6): on time, late or missed follow from
it and the county's deadlines as for any submission (:mod:`cunzhan.reports.status`). A report is
submitted through :func:`cunzhan.reports.services.report_submit` with its real time; its figures are
drafted from the ledgers as they stand, as for the keeper (empty when the county brings no ledgers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from cunzhan.core.dates import local_date
from cunzhan.core.import_templates import ReferenceList, TemplateColumn
from cunzhan.core.periods import period_of
from cunzhan.onboarding.importing import (
    COL_STATION,
    Check,
    HistoryImporter,
    Item,
    Row,
    example_codes,
    shown,
    station_column,
    station_list,
)
from cunzhan.onboarding.models import HistoryKind
from cunzhan.reports import services
from cunzhan.reports.models import Kind, Report, ReportSettings
from cunzhan.reports.status import ReportPeriod, period_from_slug
from cunzhan.stations.models import Station

COL_KIND, COL_PERIOD, COL_SUBMITTED = "报表类型", "统计期", "提交时间"
KINDS = (("monthly", "月报"), ("weekly", "周报"))


@dataclass(frozen=True)
class Submission(Item):
    station: Station
    period: ReportPeriod
    submitted_at: datetime


class ReportsImporter(HistoryImporter):
    kind = HistoryKind.REPORTS
    sheet = "报表报送"
    required = (COL_STATION, COL_KIND, COL_PERIOD, COL_SUBMITTED)
    fields = {"submitted_at": COL_SUBMITTED}

    def headers(self) -> list[str]:
        return list(self.required)

    def columns(self, check: Check) -> list[TemplateColumn]:
        return [
            station_column(),
            TemplateColumn(COL_KIND, _("月报或周报"), required=True, choices=COL_KIND),
            TemplateColumn(
                COL_PERIOD, _("月报填月份，如 2025-03；周报填年份和周次，如 2025-W10"), required=True, text=True
            ),
            TemplateColumn(
                COL_SUBMITTED,
                _("首次提交的日期和时间，如 2025-04-03 10:30；须在统计期结束之后"),
                required=True,
                width=20,
            ),
        ]

    def references(self, check: Check) -> list[ReferenceList]:
        return [station_list(check), ReferenceList(COL_KIND, [label for _code, label in KINDS])]

    def examples(self, check: Check) -> list[list[Any]]:
        year = check.today.year - 1
        a, b, c = example_codes(check, 3)
        return [
            [a, "月报", f"{year}-03", f"{year}-04-03 10:30"],
            [b, "月报", f"{year}-03", f"{year}-04-08 09:00"],
            [c, "周报", f"{year}-W10", f"{year}-03-10 16:00"],
        ]

    def plan(self, check: Check, rows: list[Row]) -> list[Any]:
        settings = ReportSettings.for_county(check.county.code)
        submitted = Report.objects.filter(
            county_code=check.county.code, request__isnull=True, first_submitted_at__isnull=False
        ).values_list("station_id", "kind", "period_start", "first_submitted_at")
        held = {(sid, kind, start): at for sid, kind, start, at in submitted}
        items: list[Submission] = []
        seen: dict[tuple[int, str, date], int] = {}
        for row in rows:
            station = check.station(row)
            kind = check.choice(row, COL_KIND, KINDS)
            period = _period(check, row, settings, kind)
            submitted_at = check.moment(row, COL_SUBMITTED)
            if station is None or period is None or submitted_at is None:
                continue
            if submitted_at < period.opens_at:
                check.error(
                    row,
                    COL_SUBMITTED,
                    _("提交时间 %(at)s 早于统计期结束（%(end)s）：报表只能在统计期结束后提交")
                    % {"at": shown(submitted_at), "end": period.end},
                )
                continue
            # the assessment counts a report in the half-year of its due date (cunzhan.reports.facts)
            if not check.unpublished(row, COL_PERIOD, [period_of(local_date(period.due_at))]):
                continue
            key = (station.pk, period.kind, period.start)
            if key in seen:
                check.error(row, COL_PERIOD, _("与第 %(line)d 行是同一份报表") % {"line": seen[key]})
                continue
            seen[key] = row.line
            if _already_held(check, row, held.get(key), submitted_at):
                continue
            items.append(Submission(line=row.line, station=station, period=period, submitted_at=submitted_at))
        return items

    def save(self, check: Check, item: Any) -> list[Model]:
        report = services.report_obtain(station=item.station, period=item.period)
        report = services.report_submit(
            acting_user=check.acting_user, report=report, revision=report.revision, submitted_at=item.submitted_at
        )
        return [report]


def _period(check: Check, row: Row, settings: ReportSettings, kind: str | None) -> ReportPeriod | None:
    raw = row.raw(COL_PERIOD)
    # Excel makes "2025-03" typed into a cell not kept as text a date: its month is meant
    text = f"{raw:%Y-%m}" if isinstance(raw, date) else row.text(COL_PERIOD)
    if not text:
        check.error(row, COL_PERIOD, _("必填"))
        return None
    if kind is None:
        return None
    if kind == Kind.WEEKLY and not settings.weekly_enabled:
        check.error(row, COL_KIND, _("本县未启用周报"))
        return None
    try:
        return period_from_slug(settings, kind, text)
    except ValueError:
        example = "2025-W10" if kind == Kind.WEEKLY else "2025-03"
        check.error(
            row, COL_PERIOD, _("“%(value)s”不是统计期，应写成 %(example)s") % {"value": text, "example": example}
        )
        return None


def _already_held(check: Check, row: Row, first: datetime | None, submitted_at: datetime) -> bool:
    """True when the report was submitted before (``first``): at this time (the row is present, skipped) or
    at another (an error: the first submission is what counts, and it is never moved)."""
    if first is None:
        return False
    if first == submitted_at:
        check.present += 1
    else:
        check.error(
            row,
            COL_SUBMITTED,
            _("该报表已于 %(at)s 首次提交，与本行的时间不同；首次提交时间不能修改") % {"at": shown(first)},
        )
    return True
