"""The one place the order-integrity decisions reach the assessment: while the facts of a period are
gathered (:func:`cunzhan.assessment.facts.gather_period_many`), the orders a person confirmed as fake
(刷单) are taken out of the stations' purchase and sale counts, and the explanation line of items 7 and 8
refers to the flags (``order_flag:<id>``). A flag nobody confirmed changes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from cunzhan.assessment.engine import Ref
from cunzhan.assessment.integrity_models import Decision, OrderFlagEntry
from cunzhan.ledgers.models import ProxyPurchase, ProxySale

LEDGERS: dict[str, type[ProxyPurchase] | type[ProxySale]] = {"purchase": ProxyPurchase, "sale": ProxySale}


class ConfirmedFakes:
    """Per ledger and station id: how many of its orders dated in the period confirmed flags named, and
    which flags."""

    def __init__(self, counts: dict[str, dict[int, int]], flags: dict[str, dict[int, list[Ref]]]) -> None:
        self.counts, self.flags = counts, flags

    def net(self, ledger: str, orders: dict[int, int]) -> dict[int, int]:
        """``orders`` (by station id) without the confirmed fakes, never below 0."""
        fakes = self.counts[ledger]
        return {sid: max(0, n - fakes.get(sid, 0)) for sid, n in orders.items()}

    def refs(self, station_id: int) -> dict[str, list[Ref]]:
        """The explanation's references of the station's order counts, where a confirmed flag took some out."""
        return {f"{ledger}_orders": flags[station_id] for ledger, flags in self.flags.items() if station_id in flags}


def confirmed_fakes(station_ids: QuerySet | Iterable[int], start: date, end: date) -> ConfirmedFakes:
    """Each order counted once however many confirmed flags name it, and only while its row exists (a row
    the keeper deleted is already gone from the count). Two queries per ledger."""
    counts: dict[str, dict[int, int]] = {}
    flags: dict[str, dict[int, list[Ref]]] = {}
    for ledger, model in LEDGERS.items():
        entries = OrderFlagEntry.objects.filter(
            ledger=ledger,
            station_id__in=station_ids,
            occurred_on__gte=start,
            occurred_on__lte=end,
            flag__decision=Decision.CONFIRMED,
        ).filter(Exists(model.objects.filter(pk=OuterRef("entry_id"), occurred_on=OuterRef("occurred_on"))))
        counts[ledger] = dict(
            entries.order_by()
            .values("station_id")
            .annotate(n=Count("entry_id", distinct=True))
            .values_list("station_id", "n")
        )
        by_station: dict[int, list[Ref]] = defaultdict(list)
        for station_id, flag_id, kind, decided_at in (
            entries.order_by("station_id", "flag_id")
            .values_list("station_id", "flag_id", "flag__kind", "flag__decided_at")
            .distinct()
        ):
            day = timezone.localtime(decided_at).date().isoformat() if decided_at else ""
            by_station[station_id].append(Ref("order_flag", str(flag_id), day=day, status=kind))
        flags[ledger] = dict(by_station)
    return ConfirmedFakes(counts, flags)
