"""``demo --scale province`` at a small size: realistic, consistent and deterministic data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Sum

from cunzhan.ledgers import generate
from cunzhan.ledgers.importers import parcel_key
from cunzhan.ledgers.models import Parcel, ProxyPurchase, ProxySale, StationMonth
from cunzhan.reports.models import Report
from cunzhan.site import province
from cunzhan.stations.models import Station

TODAY = date(2026, 11, 25)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator runs inside PostgreSQL")


def plans(n: int) -> list[generate.StationPlan]:
    return [
        generate.StationPlan(id=i, county_code="610102", tier=("village", "township")[i % 2], busy=1.0,
                             active_from=date(2020, 1, 1) if i % 5 else date(2026, 8, 20))
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_the_monthly_plan_is_seasonal_and_deterministic():
    months = province.Options(today=TODAY).months
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1)
    plan = generate.monthly_counts(plans(50), months, TODAY, seed=7)
    assert plan == generate.monthly_counts(plans(50), months, TODAY, seed=7)
    assert plan != generate.monthly_counts(plans(50), months, TODAY, seed=8)
    by_month = {}
    for _id, _county, first, days, purchases, sales, parcels, services, _salt in plan:
        totals = by_month.setdefault(first.replace(day=1), [0, 0, 0, 0])
        for k, n in enumerate((purchases, sales, parcels, services)):
            totals[k] += n
        assert first + timedelta(days=days - 1) <= TODAY
    assert by_month[date(2026, 10, 1)][1] > 2 * by_month[date(2026, 3, 1)][1]  # harvest sales
    assert by_month[date(2025, 12, 1)][2] > by_month[date(2026, 4, 1)][2]  # parcels before the festivals
    # a station certified on 2026-08-20 has rows from that day only
    late = [row for row in plan if row[0] == 5]
    assert late[0][2] == date(2026, 8, 20) and all(row[2] >= date(2026, 8, 20) for row in late)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_small_province_is_consistent(capsys):
    options = province.Options(seed=11, stations=40, today=TODAY)
    counts = province.generate(options, print)
    generated = Station.objects.filter(code__startswith="SX")
    assert generated.count() == counts["stations"] == 40
    assert set(generated.values_list("tier", flat=True)) == {"county", "township", "village"}
    assert not generated.filter(last_activity_at__isnull=True).exists()
    # ledgers: within the window, and the monthly aggregates agree with them
    for model, column in ((ProxyPurchase, "purchase_orders"), (ProxySale, "sale_orders")):
        rows = model.objects.filter(station__code__startswith="SX")
        assert rows.count() == counts[f"ledger_{'purchase' if model is ProxyPurchase else 'sale'}"] > 0
        span = rows.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
        assert span["first"] >= date(2025, 12, 1) and span["last"] <= TODAY
        by_station = dict(rows.values("station_id").annotate(n=Count("pk")).values_list("station_id", "n"))
        aggregated = dict(
            StationMonth.objects.filter(station__code__startswith="SX")
            .values("station_id")
            .annotate(n=Sum(column))
            .values_list("station_id", "n")
        )
        assert {k: v for k, v in aggregated.items() if v} == by_station
    parcels = Parcel.objects.filter(station__code__startswith="SX")
    sample = parcels.order_by("pk")[:50]
    assert all(p.row_key == parcel_key(p.carrier, p.tracking_no) for p in sample)
    assert parcels.filter(direction="in").count() > parcels.filter(direction="out").count() > 0
    # reports: most on time, some late, some never filed
    reports = Report.objects.filter(station__code__startswith="SX")
    late = sum(1 for r in reports if r.first_submitted_at > r.due_at)
    assert 0 < late < reports.count() / 3
    assert reports.count() < 40 * 11  # some months missed
    assert province.generate(options, print) == {}  # a second run adds nothing
    assert Station.objects.filter(code__startswith="SX").count() == 40
