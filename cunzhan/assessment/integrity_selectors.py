"""Reads of the order-integrity flags: the flags found now beside the decisions people took, scoped to the
user (the county office, and the inspectors within their townships), the orders a flag names, and the one
number the assessment's facts ask for — the orders confirmed as fake, not to be counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.assessment.computation import period_of
from cunzhan.assessment.engine import Period, parse_scheme
from cunzhan.assessment.facts import period_stations
from cunzhan.assessment.integrity import LEDGERS, Finding, StationInfo, detect
from cunzhan.assessment.integrity_models import OrderFlag
from cunzhan.assessment.models import Assessment, SchemeVersion
from cunzhan.assessment.selectors import scheme_for_county
from cunzhan.core import dates
from cunzhan.core.privacy import mask_mobile, mask_name
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station

HALVES = ("H1", "H2")


def require_flag_reader(user: User) -> None:
    """The county office decides; inspectors read the flags beside the items they rate."""
    if not (user.scope.can("assessment.manage") or user.scope.can("inspection.record")):
        raise PermissionDenied(_("刷单提示只给县电商办和督查员看。"))


def current_half(today: date | None = None) -> tuple[int, str]:
    today = today or dates.local_date(dates.local_now())
    return today.year, "H1" if today.month <= 6 else "H2"


def scheme_for_period(county: Region, year: int, half: str) -> SchemeVersion:
    """The scheme a half-year is (or will be) assessed by: its newest assessment's, else the county's."""
    newest = (
        Assessment.objects.filter(county=county, year=year, period=half).select_related("scheme").order_by("-version")
    ).first()
    return newest.scheme if newest else scheme_for_county(county)


@dataclass(frozen=True)
class FlagView:
    """A flag as shown: found now (``finding``), decided (``decision``), or both."""

    station: Station
    year: int
    half: str
    finding: Finding | None
    decision: OrderFlag | None

    @property
    def key(self) -> str:
        return self.finding.key if self.finding else self.decision.key if self.decision else ""

    @property
    def kind(self) -> str:
        return self.finding.kind if self.finding else self.decision.kind if self.decision else ""

    @property
    def ledger(self) -> str:
        return self.finding.ledger if self.finding else self.decision.ledger if self.decision else ""

    def text(self) -> str:
        if self.finding is not None:
            return self.finding.shown()
        return self.decision.summary if self.decision else ""

    @property
    def orders(self) -> int:
        return len(self.finding.orders) if self.finding else self.decision.orders if self.decision else 0

    @property
    def status(self) -> str:
        """open (nobody decided yet), confirmed or dismissed."""
        return self.decision.decision if self.decision else "open"


def _period(county: Region, year: int, half: str) -> tuple[Period, dict[str, Any]]:
    if half not in HALVES:
        raise PermissionDenied(_("考核期只能是 H1 或 H2。"))
    data = scheme_for_period(county, year, half).data
    return period_of(parse_scheme(data), year, half), data


def flags(user: User, county: Region, year: int, half: str, *, station: Station | None = None) -> list[FlagView]:
    """The flags of the county's assessed stations in the half-year (or of one station), those the user may
    see, each with its decision; then the decisions whose flag is no longer found (the records changed)."""
    require_flag_reader(user)
    if station is None:  # a county's whole list is the county office's; an inspector reads a station's
        user.scope.require("assessment.manage")
        user.scope.require_region(county.code)
    else:
        user.scope.require_station(station)
    period, data = _period(county, year, half)
    rows = period_stations(county.code, period.end)
    infos = [StationInfo(r["id"], r["resident_population"] or 0, r["certified"]) for r in rows]
    visible = {s.pk: s for s in user.scope.filter(Station.objects.filter(county_code=county.code))}
    if station is not None:
        visible = {station.pk: station} if station.pk in visible else {}
    findings = detect(county.code, period, data, infos, station_id=station.pk if station else None)
    decisions = {
        (d.station_id, d.key): d
        for d in OrderFlag.objects.filter(station_id__in=visible, year=year, half=half).select_related("decided_by")
    }
    views = [
        FlagView(visible[f.station_id], year, half, f, decisions.pop((f.station_id, f.key), None))
        for f in findings
        if f.station_id in visible
    ]
    views += [FlagView(visible[sid], year, half, None, d) for (sid, _key), d in decisions.items()]
    return views


def flag(user: User, station: Station, year: int, half: str, key: str) -> FlagView | None:
    county = Region.objects.get(code=station.county_code)
    return next((v for v in flags(user, county, year, half, station=station) if v.key == key), None)


def station_flags(user: User, station: Any, year: Any, half: Any) -> list[FlagView]:
    """For the inspection form (a template global): the station's flags, or none where the user may not see
    them or the form has no station or period yet."""
    if not isinstance(station, Station) or str(half) not in HALVES or not str(year).isdigit():
        return []
    if not (user.scope.can("assessment.manage") or user.scope.can("inspection.record")):
        return []
    if not user.scope.covers_station(station):
        return []
    county = Region.objects.filter(code=station.county_code).first()
    return flags(user, county, int(year), str(half), station=station) if county else []


@dataclass(frozen=True)
class NamedOrder:
    id: int
    ledger: str
    occurred_on: date
    recorded_at: Any
    amount: Any
    who: str  # masked
    imported: bool


def named_orders(view: FlagView) -> list[NamedOrder]:
    """The ledger rows a flag names (as found now, else as confirmed), with personal data masked."""
    if view.finding is not None:
        pairs = list(view.finding.orders)
    elif view.decision is not None:
        pairs = list(view.decision.entries.values_list("entry_id", "occurred_on"))
    else:
        pairs = []
    if not pairs:
        return []
    model = LEDGERS[view.ledger]
    days = [d for _id, d in pairs]
    rows = model.objects.filter(
        station=view.station, pk__in=[i for i, _d in pairs], occurred_on__gte=min(days), occurred_on__lte=max(days)
    )
    out = []
    for row in rows.order_by("occurred_on", "id"):
        who = (
            getattr(row, "customer_phone", "")
            or getattr(row, "seller_household", "")
            or getattr(row, "customer_name", "")
        )
        masked = mask_mobile(who) if who.isdigit() else mask_name(who) if who else ""
        out.append(
            NamedOrder(
                row.pk, view.ledger, row.occurred_on, row.recorded_at, row.amount, masked, row.batch_id is not None
            )
        )
    return out
