"""Every read of stations that a page, API endpoint, export or command uses, scoped to the user."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cunzhan.core.dates import local_date
from cunzhan.regions.models import Level, Region
from cunzhan.stations import lifecycle, norms
from cunzhan.stations.models import (
    CERTIFIED_STATUSES,
    ENDED_STATUSES,
    AssetReturn,
    CountySettings,
    FaultReport,
    NormExemption,
    OperatingUnit,
    PublicAsset,
    Station,
    StationEvent,
    Status,
    Tier,
)

if TYPE_CHECKING:
    # settings.AUTH_USER_MODEL as django-stubs resolves it: cunzhan.accounts.models.User, a layer above
    from django.contrib.auth.models import _User as User

# statuses a zombie can have: certified and expected to keep ledgers
ACTIVE_STATUSES = (Status.CERTIFIED, Status.INCUBATION, Status.OPERATING, Status.RECTIFYING)


def stations_for_user(user: User) -> QuerySet[Station]:
    user.scope.require("station.view")
    return user.scope.filter(Station.objects.select_related("region", "operating_unit"))


def get_station_for_user_or_404(user: User, code: str) -> Station:
    return user.scope.get_or_404(stations_for_user(user), code=code)


def station_counties_for_user(user: User) -> list[Region]:
    """The counties that have stations in the user's scope, by code: what a page over several counties
    offers or opens on when it is about the stations (registering a unit, the import template)."""
    codes = stations_for_user(user).order_by().values("county_code").distinct()
    return list(Region.objects.filter(level=Level.COUNTY, code__in=codes).order_by("code"))


def station_counts_for_user(user: User) -> dict[str, int]:
    """Stations in scope by status, in one query."""
    rows = stations_for_user(user).order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def operating_units_for_user(user: User) -> QuerySet[OperatingUnit]:
    """The units in scope (an operator: its own), each with the number of standing stations it serves."""
    user.scope.require("station.view")
    standing = Count("stations", filter=~Q(stations__status__in=ENDED_STATUSES))
    return user.scope.filter(
        OperatingUnit.objects.select_related("county", "deactivated_by", "edited_by").annotate(standing=standing)
    )


def active_operating_units_for_user(user: User) -> QuerySet[OperatingUnit]:
    """The units a new station may be given to."""
    return operating_units_for_user(user).filter(is_active=True)


def get_operating_unit_for_user_or_404(user: User, pk: int) -> OperatingUnit:
    return user.scope.get_or_404(operating_units_for_user(user), pk=pk)


def stations_of_unit(user: User, unit: OperatingUnit) -> QuerySet[Station]:
    """The unit's stations the user may see, the ended ones (its history) among them."""
    return stations_for_user(user).filter(operating_unit=unit).order_by("code")


def assignable_stations_for_user(user: User, county_code: str) -> QuerySet[Station]:
    """The county's standing stations, whichever unit serves them now: those a unit may be given."""
    return stations_for_user(user).filter(county_code=county_code).exclude(status__in=ENDED_STATUSES).order_by("code")


# -- county parameters ---------------------------------------------------------------


def settings_for_county(county_code: str) -> CountySettings:
    """A county's parameters (defaults when it saved none). Not scoped: parameters are not secret,
    and every station a user may see needs its county's numbers to be judged."""
    return CountySettings.for_county(county_code)


def settings_by_county(county_codes: Iterable[str]) -> dict[str, CountySettings]:
    codes = set(county_codes)
    saved = {s.county_id: s for s in CountySettings.objects.filter(county_id__in=codes)}
    return {code: saved.get(code) or CountySettings(county_id=code) for code in codes}


# -- norms -----------------------------------------------------------------------------


def peers_in_region(station: Station) -> list[str]:
    """Codes of other standing stations of the same tier serving the same village / township."""
    if station.tier == Tier.COUNTY_CENTRE:
        lookup = Q(county_code=station.county_code)
    else:
        lookup = Q(region_id=station.region_id)
    peers = (
        Station.objects.filter(lookup, tier=station.tier)
        .exclude(pk=station.pk)
        .exclude(status__in=ENDED_STATUSES)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return list(peers[:5])


def active_exemptions(station: Station) -> QuerySet[NormExemption]:
    return station.exemptions.filter(withdrawn_at__isnull=True).select_related("approved_by")


def norm_facts(station: Station) -> norms.StationFacts:
    return norms.StationFacts(
        tier_label=str(Tier(station.tier).label),
        usable_area=station.usable_area,
        population=station.resident_population,
        poor_share=station.poor_share,
        equipment={key: getattr(station, key) for key in norms.EQUIPMENT_LABELS},
        notice={key: getattr(station, key) for key in norms.NOTICE_LABELS},
        people=[norms.PersonFacts(p.name, p.pre_job_training_days, p.yearly_trainings) for p in station.people.all()],
        peers_in_region=peers_in_region(station) if station.pk else [],
    )


def thresholds_for(station: Station, county: CountySettings | None = None) -> norms.Thresholds:
    county = county or settings_for_county(station.county_code)
    return norms.Thresholds(
        min_area=county.min_area(station.tier),
        min_population=county.min_population,
        min_poor_share=county.min_poor_share,
        min_training_days=county.min_training_days,
        min_yearly_trainings=county.min_yearly_trainings,
    )


def norm_checklist(station: Station) -> list[norms.NormResult]:
    exemptions = {
        e.rule: norms.Exemption(
            reason=f"{e.get_basis_display()}：{e.reason}",
            approver=str(e.approved_by),
            approved_on=timezone.localtime(e.approved_at).strftime("%Y-%m-%d"),
        )
        for e in active_exemptions(station)
    }
    return norms.evaluate(norm_facts(station), thresholds_for(station), exemptions)


# -- lifecycle -----------------------------------------------------------------------


def events_for_station(station: Station) -> QuerySet[StationEvent]:
    return station.events.select_related("actor").order_by("at", "pk")


def transitions_for_user(user: User, station: Station) -> list[lifecycle.Transition]:
    """The moves from the station's state this user's role may attempt."""
    return [t for t in lifecycle.transitions_from(station.status) if user.scope.can(t.permission)]


def lifecycle_dates(station: Station, county: CountySettings | None = None) -> dict[str, datetime | None]:
    county = county or settings_for_county(station.county_code)
    dates: dict[str, datetime | None] = {"publicity_ends_at": None, "incubation_ends_at": None}
    if station.status == Status.PUBLICITY and station.publicity_started_at:
        dates["publicity_ends_at"] = lifecycle.publicity_ends_at(station.publicity_started_at, county.publicity_days)
    if station.certified_at:
        dates["incubation_ends_at"] = lifecycle.incubation_ends_at(station.certified_at, county.incubation_months)
    return dates


# -- zombies ---------------------------------------------------------------------------


def zombie_stations_for_user(user: User, *, now: datetime | None = None) -> QuerySet[Station]:
    """Certified stations with no ledger activity for their county's ``zombie_days``.

    Until a station's first ledger entry, the clock runs from its certification (or creation); for a
    station brought in by a historical import, from the import.
    """
    return zombie_stations(stations_for_user(user), now=now)


def zombie_stations(stations: QuerySet[Station], *, now: datetime | None = None) -> QuerySet[Station]:
    """The zombies among ``stations`` (the rule of :func:`zombie_stations_for_user`, unscoped: the
    reminders read every county's), each with its ``activity_ref``."""
    now = now or timezone.now()
    stations = stations.filter(status__in=ACTIVE_STATUSES)
    counties = stations.order_by().values_list("county_code", flat=True).distinct()
    condition = Q(pk__in=[])
    for code, county in settings_by_county(counties).items():
        cutoff = now - timedelta(days=county.zombie_days)
        condition |= Q(county_code=code, activity_ref__lt=cutoff)
    return (
        stations.annotate(activity_ref=Coalesce("last_activity_at", "imported_at", "certified_at", "created_at"))
        .filter(condition)
        .order_by("activity_ref", "code")
    )


def is_zombie(station: Station, *, now: datetime | None = None) -> bool:
    if station.status not in ACTIVE_STATUSES:
        return False
    now = now or timezone.now()
    reference = station.last_activity_at or station.imported_at or station.certified_at or station.created_at
    days = settings_for_county(station.county_code).zombie_days
    return reference is not None and reference < now - timedelta(days=days)


# -- assets ----------------------------------------------------------------------------


def assets_for_user(user: User) -> QuerySet[PublicAsset]:
    user.scope.require("station.view")
    return user.scope.filter(PublicAsset.objects.select_related("station"))


def faults_for_user(user: User) -> QuerySet[FaultReport]:
    user.scope.require("station.view")
    return user.scope.filter(FaultReport.objects.select_related("station", "asset", "reported_by"))


def asset_returns_for_user(user: User) -> QuerySet[AssetReturn]:
    user.scope.require("station.view")
    return user.scope.filter(AssetReturn.objects.select_related("station", "asset", "received_by"))


def overdue_faults(days_by_county: dict[str, int], *, now: datetime | None = None) -> QuerySet[FaultReport]:
    """Faults still unrepaired after their county's N days (DOMAIN.md item 1: overdue from reported + N
    days until repaired), for the counties given; unscoped, one query (the reminders read it)."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for code, days in days_by_county.items():
        condition |= Q(station__county_code=code, reported_at__lt=now - timedelta(days=days))
    return FaultReport.objects.filter(condition, repaired_at__isnull=True).select_related("station", "asset")


def open_fault_days(fault: FaultReport, *, now: datetime | None = None) -> int:
    end = fault.repaired_at or now or timezone.now()
    return (end - fault.reported_at).days


# -- public ----------------------------------------------------------------------------


def public_stations() -> QuerySet[Station]:
    """Certified stations for the directory (no login): never a person's data."""
    return (
        Station.objects.filter(status__in=CERTIFIED_STATUSES)
        .select_related("region", "operating_unit")
        .order_by("county_code", "tier", "code")
    )


def publicity_ended_stations(*, now: datetime | None = None) -> QuerySet[Station]:
    """Stations still in 公示 whose publicity has run its county's days (:func:`lifecycle.publicity_ends_at`:
    certification is possible from then on). Unscoped, one query for every county (the reminders)."""
    now = now or timezone.now()
    stations = Station.objects.filter(status=Status.PUBLICITY, publicity_started_at__isnull=False)
    counties = stations.order_by().values_list("county_code", flat=True).distinct()
    today = local_date(now)
    condition = Q(pk__in=[])
    for code, county in settings_by_county(counties).items():
        # ends at the start of (start day + days): ended once that day has come
        last_start_day = today - timedelta(days=county.publicity_days)
        condition |= Q(
            county_code=code, publicity_started_at__lt=lifecycle.start_of_day(last_start_day + timedelta(days=1))
        )
    return stations.filter(condition).select_related("operating_unit")


def stations_in_publicity() -> QuerySet[Station]:
    return Station.objects.filter(status=Status.PUBLICITY).select_related("region", "operating_unit")


def certified_stations_for_user(user: User) -> QuerySet[Station]:
    return stations_for_user(user).filter(status__in=CERTIFIED_STATUSES).order_by("code")
