"""A county board counted within DASHBOARD_CACHE_SECONDS is shown again, with the time it was counted;
after that it is counted afresh. Another scope, county, month or language never gets it."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from python_calamine import CalamineWorkbook

from cunzhan.ledgers import services

NOW = "2026-06-15 10:00:00+08:00"


@pytest.fixture(autouse=True)
def _board_cache():
    cache.clear()
    with override_settings(DASHBOARD_CACHE_SECONDS=30):
        yield
    cache.clear()


def record(world, amount: str, station=None):
    services.entry_create(
        acting_user=world.operator,
        kind="purchase",
        station=station or world.station_keng,
        occurred_on=date(2026, 6, 2),
        product_name="复合肥",
        quantity=Decimal("1"),
        amount=Decimal(amount),
        platform="拼多多",
    )


def month_amount(client, **query) -> Decimal:
    response = client.get("/dashboards/", {"month": "2026-06", **query})
    assert response.status_code == 200
    return response.context["board"].month.figures.purchase_amount


def test_a_board_is_shown_again_within_the_seconds_and_counted_afresh_after(world, login):
    client = login(world.county)
    with time_machine.travel(NOW, tick=False) as clock:
        record(world, "100.00")
        assert month_amount(client) == Decimal("100.00")
        record(world, "50.00")
        clock.shift(timedelta(seconds=29))
        page = client.get("/dashboards/", {"month": "2026-06"})
        assert page.context["board"].month.figures.purchase_amount == Decimal("100.00")  # as counted at 10:00:00
        assert "数据截至 10:00:00" in page.content.decode()
        summary = client.get("/api/v1/dashboards/summary", {"county": "610828", "month": "2026-06"}).json()
        assert summary["month_figures"]["purchase_amount"] == "100.00"
        assert summary["computed_at"].startswith("2026-06-15T02:00:00")  # UTC
        clock.shift(timedelta(seconds=1))
        page = client.get("/dashboards/", {"month": "2026-06"})
        assert page.context["board"].month.figures.purchase_amount == Decimal("150.00")
        assert "数据截至 10:00:30" in page.content.decode()


def test_another_scope_month_or_language_never_gets_the_board(world, login):
    with time_machine.travel(NOW, tick=False):
        record(world, "100.00")
        record(world, "70.00", station=world.station_dian)
        county = login(world.county)
        assert month_amount(county) == Decimal("170.00")
        # same county, narrower scopes: each counted for itself
        operator_amount = month_amount(login(world.operator), county="610828")
        supervisor_amount = month_amount(login(world.supervisor), county="610828")
        assert operator_amount == Decimal("170.00")  # both stations are the operator's
        assert supervisor_amount == Decimal("100.00")  # 坑镇's station only
        # another month: counted for itself
        record(world, "5.00")
        assert login(world.county).get("/dashboards/", {"month": "2026-05"}).context[
            "board"
        ].month.figures.purchase_amount == Decimal("0.00")
        # another language: counted for itself (and so sees the new entry), the first still cached
        english = login(world.county)
        english.cookies["django_language"] = "en"
        assert month_amount(english) == Decimal("175.00")
        del english.cookies["django_language"]  # the same client: back to Chinese
        assert month_amount(login(world.county)) == Decimal("170.00")


def test_turned_off_every_view_counts(world, login):
    client = login(world.county)
    with time_machine.travel(NOW, tick=False), override_settings(DASHBOARD_CACHE_SECONDS=0):
        record(world, "100.00")
        assert month_amount(client) == Decimal("100.00")
        record(world, "50.00")
        assert month_amount(client) == Decimal("150.00")


def test_charts_and_statistics_are_counted_as_recently_as_the_board_and_downloads_afresh(world, login):
    client = login(world.county)
    query = {"county": "610828", "month": "2026-06"}

    def trend_amount() -> str:
        rows = client.get("/dashboards/charts/trend.json", query).json()["rows"]
        return str(next(r for r in rows if r[0] == "2026-06")[1])

    def statistics_amount() -> Decimal:
        page = client.get("/reports/statistics/", query)
        return page.context["stats"].total.figures.purchase_amount

    with time_machine.travel(NOW, tick=False) as clock:
        record(world, "100.00")
        assert trend_amount() == "100.00"
        assert statistics_amount() == Decimal("100.00")
        assert client.get("/api/v1/dashboards/charts/trend", query).json()["rows"]
        record(world, "50.00")
        clock.shift(timedelta(seconds=10))
        assert trend_amount() == "100.00"
        assert statistics_amount() == Decimal("100.00")
        assert "数据截至 10:00:00" in client.get("/reports/statistics/", query).content.decode()
        # the Excel downloads count afresh
        xlsx = client.get("/dashboards/charts/trend.xlsx", query).content
        cells = CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_index(0).to_python()
        assert any(row[0] == "2026-06" and str(row[1]) in ("150", "150.0", "150.00") for row in cells[1:])
        clock.shift(timedelta(seconds=20))
        assert trend_amount() == "150.00"
        assert statistics_amount() == Decimal("150.00")
