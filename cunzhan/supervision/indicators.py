"""What the system itself knows about a station, shown beside the inspector's ratings: open
equipment faults, parcels not handed over within 48 hours, and how late ledger entries are made.

The stations and ledgers apps grow alongside this one, so each indicator looks for its data
defensively and gives None ("not available") rather than failing when the data is not there.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Model
from django.utils import timezone

PARCEL_HOURS = 48


@dataclass(frozen=True)
class Indicators:
    open_faults: int | None  # unrepaired fault reports
    parcels_over_48h: int | None  # arrived parcels not handed over / picked up within 48 h
    ledger_delay_days: float | None  # average days from business date to recording, last 90 days

    def for_key(self, name: str):
        return getattr(self, name, None) if name else None


def _fault_model() -> type[Model] | None:
    try:
        model = apps.get_model("stations", "FaultReport")
    except LookupError:
        return None
    fields = {f.name for f in model._meta.get_fields()}
    return model if {"station", "repaired_at"} <= fields else None


def open_faults(station) -> int | None:
    model = _fault_model()
    if model is None:
        return None
    return model.objects.filter(station=station, repaired_at__isnull=True).count()


def _ledger_models() -> list[type[Model]]:
    if not apps.is_installed("cunzhan.ledgers"):
        return []
    try:
        return list(apps.get_app_config("ledgers").get_models())
    except LookupError:
        return []


def _fields(model: type[Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def parcels_over_48h(station, *, now: datetime | None = None) -> int | None:
    """Parcels that arrived more than 48 h ago and are still not handed over or picked up."""
    now = now or timezone.now()
    for model in _ledger_models():
        fields = _fields(model)
        if not {"station", "arrived_at"} <= fields:
            continue
        done = [f for f in ("handed_over_at", "picked_up_at") if f in fields]
        if not done:
            continue
        queryset = model.objects.filter(station=station, arrived_at__lt=now - timedelta(hours=PARCEL_HOURS))
        for name in done:
            queryset = queryset.filter(**{f"{name}__isnull": True})
        with contextlib.suppress(Exception):  # a ledger still being built must not break the form
            return queryset.count()
    return None


def ledger_delay_days(station, *, now: datetime | None = None, window_days: int = 90) -> float | None:
    """Average days between an entry's business date and its recording, over the ledgers that have both."""
    now = now or timezone.now()
    since = now - timedelta(days=window_days)
    total, count = 0.0, 0
    for model in _ledger_models():
        fields = _fields(model)
        date_field = next((f for f in ("date", "occurred_on", "business_date") if f in fields), None)
        if "station" not in fields or "recorded_at" not in fields or date_field is None:
            continue
        try:
            rows = model.objects.filter(station=station, recorded_at__gte=since).values_list(date_field, "recorded_at")[
                :2000
            ]
            for business_date, recorded_at in rows:
                total += max(0, (timezone.localtime(recorded_at).date() - business_date).days)
                count += 1
        except Exception:  # noqa: S112  a ledger still being built must not break the form
            continue
    return round(total / count, 1) if count else None


def indicators_for(station, *, now: datetime | None = None) -> Indicators:
    return Indicators(
        open_faults=open_faults(station),
        parcels_over_48h=parcels_over_48h(station, now=now),
        ledger_delay_days=ledger_delay_days(station, now=now),
    )
