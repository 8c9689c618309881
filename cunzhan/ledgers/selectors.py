"""Every ledger read a page, the API, an export or a command uses, already scoped to the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.core import dates, privacy
from cunzhan.ledgers.models import MODEL_BY_KIND, Direction, ImportBatch, LedgerEntry, Parcel
from cunzhan.ledgers.specs import SPEC_BY_MODEL, LedgerSpec, spec_for
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import county_choices
from cunzhan.stations.models import Station

BACKLOG_HOURS = 48  # scheme parameter (jia-2020 item 9): parcels not handed over within 48 h


def entries_for_user(user: User, kind: str) -> QuerySet[LedgerEntry]:
    user.scope.require("ledger.view")
    model = MODEL_BY_KIND[spec_for(kind).kind]
    return user.scope.filter(model._default_manager.select_related("station"))


def get_entry_for_user_or_404(user: User, kind: str, pk: int) -> LedgerEntry:
    return user.scope.get_or_404(entries_for_user(user, kind), pk=pk)


@dataclass(frozen=True)
class EntryFilter:
    station: str = ""  # station code
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""  # product, platform, carrier or tracking number contains
    source: str = ""  # "manual" or "import"
    county: str = ""  # county code (a user whose scope spans several counties reads one at a time)

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.county:
            queryset = queryset.filter(county_code=self.county)
        if self.station:
            queryset = queryset.filter(station__code=self.station)
        if self.date_from:
            queryset = queryset.filter(occurred_on__gte=self.date_from)
        if self.date_to:
            queryset = queryset.filter(occurred_on__lte=self.date_to)
        if self.q:
            names = {f.name for f in queryset.model._meta.get_fields()}
            condition = Q()
            for field in ("product_name", "platform", "carrier", "tracking_no", "seller_household", "note"):
                if field in names:
                    condition |= Q(**{f"{field}__icontains": self.q})
            queryset = queryset.filter(condition)
        if self.source == "manual":
            queryset = queryset.filter(batch__isnull=True)
        elif self.source == "import":
            queryset = queryset.filter(batch__isnull=False)
        return queryset


def listing_counties_for_user(user: User) -> list[Region]:
    """The counties a user whose scope spans several (a city, the province, an administrator) picks
    from on the ledger pages, which show one county at a time: a province's newest entries or its
    totals would read tens of millions of rows, a county's are read from its own index. Empty for a
    user within one county or station (no query for them: keepers open these pages all day)."""
    scope = user.scope
    if scope.role is None or scope.station_id or (scope.region_code and len(scope.region_code) >= 6):
        return []
    counties = county_choices(user)
    return counties if len(counties) > 1 else []


def filtered_entries_for_user(user: User, kind: str, entry_filter: EntryFilter) -> QuerySet[LedgerEntry]:
    return entry_filter.apply(entries_for_user(user, kind))


# one of the ledgers' models: for_listing keeps it (and django-stubs 6.1 fails on .only() over the abstract one)
_Entry = TypeVar("_Entry", bound=LedgerEntry)


def for_listing(queryset: QuerySet[_Entry]) -> QuerySet[_Entry]:
    """Entries as the lists show them: each entry whole, and of its station only the code (a list page
    built a whole station per row, its dates parsed and all)."""
    return queryset.only(*(f.name for f in queryset.model._meta.concrete_fields), "station__code")


def parcel_backlog_for_user(user: User, *, now: datetime | None = None, hours: int = BACKLOG_HOURS) -> QuerySet[Parcel]:
    """积压: parcels received (收) more than ``hours`` ago and not yet handed over, oldest first."""
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    parcels = cast("QuerySet[Parcel]", entries_for_user(user, "parcel"))  # the parcels' model, by its kind
    waiting = parcels.filter(direction=Direction.IN, handed_over_at__isnull=True, arrived_at__lt=cutoff)
    return waiting.order_by("arrived_at")


def entry_counts_for_user(user: User, entry_filter: EntryFilter | None = None) -> dict[str, int]:
    only = entry_filter or EntryFilter()
    return {kind: only.apply(entries_for_user(user, kind)).count() for kind in MODEL_BY_KIND}


def writable_stations_for_user(user: User) -> QuerySet[Station]:
    """The stations the user may record entries for (none without ledger.write)."""
    if not user.scope.can("ledger.write"):
        return Station.objects.none()
    return user.scope.filter(Station.objects.all()).order_by("code")


RECENT_ROWS = 200


def entry_defaults_for_user(user: User, kind: str, station: Station | None) -> dict[str, Any]:
    """Sensible defaults for the entry form: today, the platform used last, recent product names; a
    parcel arrives now (to the minute, Asia/Shanghai) unless the keeper says otherwise."""
    now = timezone.localtime(timezone.now(), dates.SHANGHAI).replace(second=0, microsecond=0)
    defaults: dict[str, Any] = {"occurred_on": now.date(), "quantity": 1, "recent_products": []}
    if kind == "parcel":
        defaults["arrived_at"] = now
    if station is None:
        return defaults
    # the kind's model is known at run time only: which of its fields are looked up is decided by ``names``
    entries: QuerySet[Any] = entries_for_user(user, kind).filter(station=station)
    names = {f.name for f in entries.model._meta.get_fields()}
    newest = entries.order_by("-recorded_at", "-id")
    recent: list[tuple[str, ...]] = []  # the newest entries' (product[, platform]), read once as tuples
    if "product_name" in names:
        fields = ["product_name", "platform"] if "platform" in names else ["product_name"]
        recent = list(newest.values_list(*fields)[:RECENT_ROWS])
        defaults["recent_products"] = list(dict.fromkeys(row[0] for row in recent))[:20]
    if "platform" in names:
        # the platform used last: among those entries, or further back when none of them names one
        platform = next((row[1] for row in recent if row[1]), None)
        if platform is None and (len(recent) == RECENT_ROWS or "product_name" not in names):
            platform = newest.exclude(platform="").values_list("platform", flat=True).first()
        defaults["platform"] = platform or ""
    if "carrier" in names:
        last = entries.order_by("-recorded_at", "-id").values_list("carrier", flat=True)
        defaults["carrier"] = last.first() or ""
    return defaults


def pii_visible(user: User, entry: LedgerEntry) -> bool:
    """Customers' personal data is shown unmasked only to the keeper of the entry's station."""
    return user.scope.can("pii.view") and user.station_id is not None and user.station_id == entry.station_id


MASKERS = {
    "customer_phone": privacy.mask_mobile,
    "recipient_phone": privacy.mask_mobile,
    "customer_id_number": privacy.mask_id_number,
    "customer_name": privacy.mask_name,
}


def masked_value(spec: LedgerSpec, field: str, value: Any, show: bool) -> Any:
    if show or field not in spec.pii_fields:
        return value
    return MASKERS[field](value or "")


def presenter(user: User) -> Callable[[LedgerEntry], dict[str, Any]]:
    """A function giving an entry's fields as the user may see them (personal data masked unless
    allowed). What the user may see is worked out once for all the entries of a list, not once per row
    (each lookup on the request's user goes through its lazy wrapper)."""
    keeper_of = user.station_id if user.scope.can("pii.view") else None

    def present_entry(entry: LedgerEntry) -> dict[str, Any]:
        spec = SPEC_BY_MODEL[type(entry)]
        show = keeper_of is not None and keeper_of == entry.station_id
        return {f: masked_value(spec, f, getattr(entry, f), show) for f in spec.fields}

    return present_entry


def batches_for_user(user: User) -> QuerySet[ImportBatch]:
    user.scope.require("ledger.view")
    return user.scope.filter(ImportBatch.objects.select_related("created_by", "station"))


def parcel_backlog_by_station(
    station_ids: QuerySet[Station] | None = None, *, now: datetime | None = None, hours: int = BACKLOG_HOURS
) -> dict[int, int]:
    """The backlog of :func:`parcel_backlog_for_user` (received more than ``hours`` ago, not handed over)
    counted per station, for every station or those given; unscoped, one grouped query (the reminders)."""
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    parcels = Parcel.objects.filter(direction=Direction.IN, handed_over_at__isnull=True, arrived_at__lt=cutoff)
    if station_ids is not None:
        parcels = parcels.filter(station__in=station_ids)
    rows = parcels.order_by().values("station_id").annotate(n=Count("pk"))
    return {row["station_id"]: row["n"] for row in rows}


def parcel_backlog_counts_for_user(user: User, *, now: datetime | None = None) -> dict[str, int]:
    rows = parcel_backlog_for_user(user, now=now).order_by().values("station__code").annotate(n=Count("pk"))
    return {row["station__code"]: row["n"] for row in rows}
