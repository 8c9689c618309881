"""The other deadlines the rules hold, each read from its own app's set-based function:
rectification orders (assessment), the publicity (公示) window (stations), a fault unrepaired past its
county's N days (stations, N from the county's scheme), parcels waiting over 48 hours (ledgers), the
guidance visit owed each quarter (activities) and stations idle past their county's days (stations)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import partial

from django.urls import reverse

from cunzhan.activities.selectors import stations_without_visit
from cunzhan.assessment.selectors import fault_repair_days, open_rectifications
from cunzhan.core import dates
from cunzhan.ledgers.selectors import parcel_backlog_by_station
from cunzhan.notices.models import NoticeKind
from cunzhan.notices.rules.common import (
    Candidate,
    Moment,
    at_hour,
    before_phase,
    keepers_of,
    offices_of,
    operators_of,
    passed,
)
from cunzhan.stations import lifecycle
from cunzhan.stations.models import CERTIFIED_STATUSES, Station
from cunzhan.stations.selectors import (
    overdue_faults,
    publicity_ended_stations,
    settings_by_county,
    zombie_stations,
)

GUIDANCE_NOTICE_DAYS = 15  # before a quarter ends, the operating unit is told which stations wait for a visit


def rectification_candidates(moment: Moment) -> list[Candidate]:
    """Before the deadline, the keeper (before-N); once it has passed, the county office (复查) and the keeper."""
    today = moment.today
    orders = list(open_rectifications(today - timedelta(days=14), today + timedelta(days=62)))
    keepers = keepers_of([o.station_id for o in orders])
    offices = offices_of({o.station.county_code for o in orders})
    found = []
    for order in orders:
        code = order.station.county_code
        settings = moment.settings(code)
        due_at = dates.day_end(order.deadline)
        params = {
            "due": order.deadline.isoformat(),
            "station_name": order.station.name,
            "requirements": order.requirements[:200],
        }
        link = reverse("stations:detail", args=[order.station.code])
        common = partial(
            Candidate,
            kind=NoticeKind.RECTIFICATION,
            subject=f"rectification:{order.pk}",
            county_code=code,
            station_id=order.station_id,
            params=params,
            due_at=due_at,
        )
        phase = before_phase(
            due_at=due_at, offsets=settings.offsets, hour=settings.send_hour, now=moment.now, opens_at=order.ordered_at
        )
        if phase is not None:
            found += [common(recipient_id=k, phase=phase, link=link) for k in keepers.get(order.station_id, [])]
        elif passed(due_at, settings.send_hour, moment.now):
            result_link = reverse("assessment:result", args=[order.result_id])
            found += [common(recipient_id=o, phase="passed", link=result_link) for o in offices.get(code, [])]
            found += [common(recipient_id=k, phase="expired", link=link) for k in keepers.get(order.station_id, [])]
    return found


def publicity_candidates(moment: Moment) -> list[Candidate]:
    """A station whose publicity has run its days may be certified: the county office is told, from the
    county's hour of the day it ends."""
    stations = list(publicity_ended_stations(now=moment.now))
    county = settings_by_county({s.county_code for s in stations})
    offices = offices_of(county)
    found = []
    for station in stations:
        assert station.publicity_started_at is not None
        ends_at = lifecycle.publicity_ends_at(station.publicity_started_at, county[station.county_code].publicity_days)
        if at_hour(dates.local_date(ends_at), moment.settings(station.county_code).send_hour) > moment.now:
            continue
        started = dates.local_date(station.publicity_started_at)
        for office in offices.get(station.county_code, []):
            found.append(
                Candidate(
                    recipient_id=office,
                    kind=NoticeKind.PUBLICITY,
                    subject=f"publicity:{station.pk}:{started.isoformat()}",
                    phase="ended",
                    county_code=station.county_code,
                    params={"due": ends_at.isoformat(), "station_name": station.name},
                    link=reverse("stations:detail", args=[station.code]),
                    station_id=station.pk,
                    due_at=ends_at,
                )
            )
    return found


def _counties() -> list[str]:
    return sorted(
        Station.objects.filter(status__in=CERTIFIED_STATUSES)
        .order_by()
        .values_list("county_code", flat=True)
        .distinct()
    )


def fault_candidates(moment: Moment) -> list[Candidate]:
    """A fault unrepaired past its county's N days: the operating unit (who repairs) and the keeper."""
    days = fault_repair_days(_counties())
    faults = list(overdue_faults(days, now=moment.now))
    keepers = keepers_of([f.station_id for f in faults])
    operators = operators_of({f.station.operating_unit_id for f in faults if f.station.operating_unit_id})
    found = []
    for fault in faults:
        station = fault.station
        people = keepers.get(station.pk, []) + operators.get(station.operating_unit_id or 0, [])
        n = days[station.county_code]
        for person in people:
            found.append(
                Candidate(
                    recipient_id=person,
                    kind=NoticeKind.FAULT,
                    subject=f"fault:{fault.pk}",
                    phase="overdue",
                    county_code=station.county_code,
                    params={
                        "station_name": station.name,
                        "asset": fault.asset.name,
                        "days": n,
                        "reported": fault.reported_at.isoformat(),
                    },
                    link=reverse("stations:detail", args=[station.code]),
                    station_id=station.pk,
                    due_at=fault.reported_at + timedelta(days=n),
                )
            )
    return found


def parcel_candidates(moment: Moment) -> list[Candidate]:
    """Parcels waiting over 48 hours: the keeper, once a day (from the county's hour) while any wait."""
    backlog = parcel_backlog_by_station(now=moment.now)
    if not backlog:
        return []
    counties = dict(Station.objects.filter(pk__in=list(backlog)).values_list("pk", "county_code"))
    keepers = keepers_of(list(backlog))
    day = moment.today
    link = reverse("ledgers:backlog")
    found = []
    for station_id, n in backlog.items():
        code = counties[station_id]
        if at_hour(day, moment.settings(code).send_hour) > moment.now:
            continue
        for keeper in keepers.get(station_id, []):
            found.append(
                Candidate(
                    recipient_id=keeper,
                    kind=NoticeKind.PARCELS,
                    subject=f"parcels:{station_id}:{day.isoformat()}",
                    phase="daily",
                    county_code=code,
                    params={"count": n},
                    link=link,
                    station_id=station_id,
                )
            )
    return found


def _quarter_end(year: int, quarter: int) -> date:
    return dates.month_last(year, 3 * quarter)


def guidance_candidates(moment: Moment) -> list[Candidate]:
    """The guidance visit owed each quarter (Jiangxi 第十一条2): before the quarter ends, the operating
    unit is told how many of its stations still wait for one; after, the unit and the county office how
    many went without."""
    today = moment.today
    quarter = (today.month - 1) // 3 + 1
    found: list[Candidate] = []
    end = _quarter_end(today.year, quarter)
    if (end - today).days < GUIDANCE_NOTICE_DAYS:
        found += _guidance(moment, today.year, quarter, "before", end)
    previous = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    last_end = _quarter_end(*previous)
    if passed(dates.day_end(last_end), 0, moment.now):
        found += _guidance(moment, *previous, "overdue", last_end)
    return found


def _guidance(moment: Moment, year: int, quarter: int, phase: str, end: date) -> list[Candidate]:
    rows = list(stations_without_visit(year, quarter).values_list("operating_unit_id", "county_code").order_by())
    by_unit: dict[int, int] = defaultdict(int)
    by_county: dict[str, int] = defaultdict(int)
    county_of_unit = {}
    for unit, code in rows:
        by_unit[unit] += 1
        by_county[code] += 1
        county_of_unit[unit] = code
    params = {"year": year, "quarter": quarter, "due": end.isoformat()}
    link = f"{reverse('activities:guidance')}?year={year}&overdue=1"
    common = partial(Candidate, kind=NoticeKind.GUIDANCE, subject=f"guidance:{year}Q{quarter}", phase=phase, link=link)
    found = []
    for unit, operators in operators_of(by_unit).items():
        code = county_of_unit[unit]
        if phase == "before" and at_hour(moment.today, moment.settings(code).send_hour) > moment.now:
            continue
        found += [
            common(recipient_id=o, county_code=code, params={**params, "count": by_unit[unit]}) for o in operators
        ]
    if phase == "overdue":
        for code, offices in offices_of(by_county).items():
            found += [
                common(recipient_id=o, county_code=code, params={**params, "count": by_county[code]}) for o in offices
            ]
    return found


def zombie_candidates(moment: Moment) -> list[Candidate]:
    """A station idle past its county's days (僵尸站点): the operating unit and the county office, once for
    each stretch of idleness (a new ledger entry ends it)."""
    stations = list(zombie_stations(Station.objects.all(), now=moment.now).select_related(None))
    operators = operators_of({s.operating_unit_id for s in stations if s.operating_unit_id})
    offices = offices_of({s.county_code for s in stations})
    found = []
    for station in stations:
        if at_hour(moment.today, moment.settings(station.county_code).send_hour) > moment.now:
            continue
        reference = station.activity_ref  # type: ignore[attr-defined]
        people = operators.get(station.operating_unit_id or 0, []) + offices.get(station.county_code, [])
        for person in people:
            found.append(
                Candidate(
                    recipient_id=person,
                    kind=NoticeKind.ZOMBIE,
                    subject=f"zombie:{station.pk}:{dates.local_date(reference).isoformat()}",
                    phase="flagged",
                    county_code=station.county_code,
                    params={"station_name": station.name, "days": (moment.now - reference).days},
                    link=reverse("stations:detail", args=[station.code]),
                    station_id=station.pk,
                )
            )
    return found


RULES = [
    rectification_candidates,
    publicity_candidates,
    fault_candidates,
    parcel_candidates,
    guidance_candidates,
    zombie_candidates,
]
