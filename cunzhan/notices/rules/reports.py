"""Reminders of reports (DOMAIN.md "Reports"): before the due time to each keeper who has not submitted,
after it (逾期未报: submitting now counts as 迟报) to the keeper and, as a digest, to the operating unit and
the county office, and once the grace has ended (漏报) the same again.

The status of every station is the reports app's own rule (:func:`cunzhan.reports.selectors.with_report_status`,
a CASE over the timestamps), read for a whole county and period in one query: never a second copy of it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.db.models import FilteredRelation, Q
from django.urls import reverse

from cunzhan.core import dates
from cunzhan.core.roles import Role
from cunzhan.notices.models import NoticeKind
from cunzhan.notices.rules.common import Candidate, Moment, after, before_phase, keepers_of, offices_of, operators_of
from cunzhan.notices.rules.common import passed as has_passed
from cunzhan.regions.models import township_of
from cunzhan.reports.counts import SETTINGS_FIELDS
from cunzhan.reports.models import Kind, ReportSettings
from cunzhan.reports.selectors import adhoc_requests_due_between, adhoc_unsubmitted, owing_stations, with_report_status
from cunzhan.reports.status import ReportPeriod, ReportStatus, monthly_period, weekly_period
from cunzhan.stations.models import CERTIFIED_STATUSES, Station

# which status a phase tells about: a reminder only to those who have not submitted (never for a
# deadline already met), a notice of lateness only while nothing is submitted, and so on
WANTED = {"late": ReportStatus.PENDING, "missed": ReportStatus.MISSED}
DIGEST_ROWS = 5  # the units / townships furthest behind named in a digest
STATION = "~station~"  # stands for a station's code in a link reversed once for a whole period


def report_phase(period: ReportPeriod, moment: Moment, county_code: str) -> str | None:
    """Which notice of the period is due at the moment, if any: ``before-N``, ``late`` or ``missed``."""
    settings = moment.settings(county_code)
    now = moment.now
    if now > period.grace_end:
        return "missed" if has_passed(period.grace_end, settings.send_hour, now) else None
    if now > period.due_at:
        return "late" if now >= after(period.due_at, settings.send_hour) else None
    return before_phase(
        due_at=period.due_at, offsets=settings.offsets, hour=settings.send_hour, now=now, opens_at=period.opens_at
    )


def periods_around(settings: ReportSettings, moment: Moment) -> list[ReportPeriod]:
    """The monthly and weekly periods that may have a notice due: those still open or in their grace,
    and those whose grace ended within the last days."""
    today = moment.today
    months = [
        monthly_period(settings, *dates.add_months(today.year, today.month, -back))
        for back in range(1, settings.monthly_grace_months + 2)
    ]
    weeks = []
    if settings.weekly_enabled:
        weeks = [weekly_period(settings, *dates.iso_week_of(today - timedelta(weeks=back))) for back in range(0, 6)]
    return [p for p in months + weeks if p.opens_at <= moment.now]


def report_candidates(moment: Moment) -> list[Candidate]:
    """Counties with the same reporting and reminder settings (normally all of a province) are read
    together: one query per period and phase for all of them, whatever the number of stations."""
    counties = sorted(
        Station.objects.filter(status__in=CERTIFIED_STATUSES)
        .order_by()
        .values_list("county_code", flat=True)
        .distinct()
    )
    saved = {s.county_id: s for s in ReportSettings.objects.filter(county_id__in=counties)}
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for code in counties:
        settings = saved.get(code) or ReportSettings(county_id=code)
        reminders = moment.settings(code)
        key = (*(getattr(settings, f) for f in SETTINGS_FIELDS), tuple(reminders.offsets), reminders.send_hour)
        groups[key].append(code)
    found: list[Candidate] = []
    for codes in groups.values():
        settings = saved.get(codes[0]) or ReportSettings(county_id=codes[0])
        for period in periods_around(settings, moment):
            phase = report_phase(period, moment, codes[0])
            if phase is not None:
                found += _period_candidates(codes, period, phase, moment.now)
    found += adhoc_candidates(moment)
    return found


def _params(period: ReportPeriod, **more: Any) -> dict[str, Any]:
    return {
        "report": period.kind,
        "period": period.slug,
        "due": period.due_at.isoformat(),
        "grace": period.grace_end.isoformat(),
        **more,
    }


def _period_candidates(codes: list[str], period: ReportPeriod, phase: str, now: datetime) -> list[Candidate]:
    wanted = WANTED.get(phase, ReportStatus.DUE_OPEN)
    behind = with_report_status(owing_stations(codes, period.end), period, now=now).filter(report_status=wanted)
    # each station behind with its keepers, in the same query (a station without one: a row with None)
    rows = list(
        behind.annotate(
            keeper=FilteredRelation("keepers", condition=Q(keepers__role=Role.KEEPER, keepers__is_active=True))
        )
        .values(
            "pk",
            "code",
            "name",
            "county_code",
            "operating_unit_id",
            "operating_unit__name",
            "region_id",
            "region__name",
            "region__parent__name",
            "keeper__pk",
        )
        .order_by("code")
    )
    if not rows:
        return []
    kind = NoticeKind.REPORT_DUE if phase.startswith("before") else NoticeKind(f"report_{phase}")
    subject = f"{period.kind}:{period.slug}"
    found = []
    # the period's report page, reversed once: a province's deadline has some 60,000 stations behind
    page = reverse("reports:detail", args=[STATION, period.kind, period.slug])
    stations: dict[int, dict[str, Any]] = {}
    for row in rows:
        stations.setdefault(row["pk"], row)
        if row["keeper__pk"] is None:
            continue
        found.append(
            Candidate(
                recipient_id=row["keeper__pk"],
                kind=kind,
                subject=f"{subject}:{row['pk']}",
                phase=phase,
                county_code=row["county_code"],
                params=_params(period, station_name=row["name"]),
                link=page.replace(STATION, quote(row["code"])),
                station_id=row["pk"],
                due_at=period.due_at,
            )
        )
    if phase in WANTED:
        by_county: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in stations.values():
            by_county[row["county_code"]].append(row)
        units = operators_of({r["operating_unit_id"] for r in stations.values() if r["operating_unit_id"]})
        offices = offices_of(by_county)
        for code, county_rows in by_county.items():
            found += _digests(code, period, phase, county_rows, units, offices.get(code, []))
    return found


def _digests(
    code: str,
    period: ReportPeriod,
    phase: str,
    rows: list[dict[str, Any]],
    operators: dict[int, list[int]],
    offices: list[int],
) -> list[Candidate]:
    """The operating unit: how many of its stations are behind, by township; the county office: how many
    in all, by unit."""
    param = "week" if period.kind == Kind.WEEKLY else "month"
    board = f"{reverse('reports:board')}?county={code}&kind={period.kind}&{param}={period.slug}&only=outstanding"
    by_unit: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["operating_unit_id"]:
            by_unit[row["operating_unit_id"]].append(row)
    found = []
    subject = f"{period.kind}:{period.slug}"

    def digest(recipient: int, behind: Counter[str], count: int) -> Candidate:
        named = [{"name": name, "count": n} for name, n in behind.most_common(DIGEST_ROWS)]
        return Candidate(
            recipient_id=recipient,
            kind=NoticeKind.REPORT_DIGEST,
            subject=subject,
            phase=phase,
            county_code=code,
            params=_params(period, count=count, behind=named),
            link=board,
            due_at=period.due_at,
        )

    for unit, unit_rows in by_unit.items():
        townships = Counter(
            township_of(r["region_id"], r["region__name"], r["region__parent__name"]) or r["name"] for r in unit_rows
        )
        found += [digest(operator, townships, len(unit_rows)) for operator in operators.get(unit, [])]
    units = Counter(r["operating_unit__name"] or "—" for r in rows)
    found += [digest(office, units, len(rows)) for office in offices]
    return found


def adhoc_candidates(moment: Moment) -> list[Candidate]:
    """Ad-hoc requests (其它相关报表) with their own due time: the keepers of the stations asked who have
    not submitted."""
    now = moment.now
    found = []
    for request in adhoc_requests_due_between(now - timedelta(days=90), now + timedelta(days=31)):
        code = request.county_id
        settings = moment.settings(code)
        if now > request.grace_end:
            phase = "missed" if has_passed(request.grace_end, settings.send_hour, now) else None
        elif now > request.due_at:
            phase = "late" if now >= after(request.due_at, settings.send_hour) else None
        else:
            phase = before_phase(
                due_at=request.due_at,
                offsets=settings.offsets,
                hour=settings.send_hour,
                now=now,
                opens_at=request.created_at,
            )
        if phase is None:
            continue
        reports = adhoc_unsubmitted(request)
        keepers = keepers_of(reports.values("station_id"))
        kind = NoticeKind.REPORT_DUE if phase.startswith("before") else NoticeKind(f"report_{phase}")
        params = {
            "report": Kind.ADHOC,
            "title": request.title,
            "due": request.due_at.isoformat(),
            "grace": request.grace_end.isoformat(),
        }
        for report_id, station_id in reports.values_list("pk", "station_id"):
            for keeper in keepers.get(station_id, []):
                found.append(
                    Candidate(
                        recipient_id=keeper,
                        kind=kind,
                        subject=f"adhoc:{request.pk}:{station_id}",
                        phase=phase,
                        county_code=code,
                        params=params,
                        link=reverse("reports:adhoc_report", args=[report_id]),
                        station_id=station_id,
                        due_at=request.due_at,
                    )
                )
    return found
