"""Each role's home page and dashboard, the charts as JSON and Excel, the roll-up, the keeper's week."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cunzhan.dashboards.charts import CHARTS
from cunzhan.ledgers import services
from cunzhan.ledgers.models import Parcel

NOW = "2026-06-15 10:00:00+08:00"


@pytest.fixture
def ledgers(world):
    with time_machine.travel(NOW, tick=False):
        for station, amount in ((world.station_keng, "300.00"), (world.station_dian, "100.00")):
            for day in (date(2026, 5, 3), date(2026, 6, 2)):
                services.entry_create(
                    acting_user=world.operator,
                    kind="purchase",
                    station=station,
                    occurred_on=day,
                    product_name="复合肥",
                    quantity=Decimal("2"),
                    amount=Decimal(amount),
                    platform="拼多多",
                )
        services.entry_create(
            acting_user=world.keeper,
            kind="parcel",
            station=world.station_keng,
            direction="in",
            carrier="中通",
            tracking_no="ZT0001",
            arrived_at=timezone.now() - timedelta(days=3),
        )
    return world


@time_machine.travel(NOW, tick=False)
def test_the_county_office_sees_its_county_figures_for_the_month_and_year(ledgers, login):
    page = login(ledgers.county).get("/?month=2026-06")
    assert page.status_code == 200
    board = page.context["board"]
    assert board.month.figures.purchase_amount == Decimal("400.00")
    assert board.ytd.figures.purchase_amount == Decimal("800.00")
    assert board.ytd.figures.parcels_in == 1
    assert (board.month.stations, board.month.active) == (2, 2)
    assert "echarts/echarts.min.js" in page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_supervisor_sees_only_the_township_and_no_township_ranking(ledgers, login):
    page = login(ledgers.supervisor).get("/")
    board = page.context["board"]
    assert board.ytd.figures.purchase_amount == Decimal("600.00")
    assert board.month.stations == 1
    assert "townships" not in [c["name"] for c in page.context["charts"]]


@time_machine.travel(NOW, tick=False)
def test_the_keeper_home_shows_what_is_due_and_the_station_alone(ledgers, login):
    page = login(ledgers.keeper).get("/")
    keeper = page.context["keeper"]
    assert keeper.station == ledgers.station_keng
    assert keeper.backlog_parcels == 1
    assert keeper.ytd.figures.purchase_amount == Decimal("600.00")
    assert keeper.obligations, "last month's and last week's reports are listed"
    assert "超过48小时未交付的快递" in page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_parcel_handed_over_is_no_longer_backlog(ledgers, login):
    Parcel.objects.update(handed_over_at=timezone.now())
    assert login(ledgers.keeper).get("/").context["keeper"].backlog_parcels == 0


@time_machine.travel(NOW, tick=False)
def test_users_over_several_counties_get_a_rollup_and_can_open_one(ledgers, login):
    client = login(ledgers.admin)
    rows = client.get("/").context["rows"]
    assert [r.county.code for r in rows] == ["610828", "360734"]  # busiest first
    assert rows[0].figures.turnover == Decimal("800.00")
    board = client.get("/dashboards/?county=610828").context["board"]
    assert board.ytd.figures.purchase_amount == Decimal("800.00")
    assert client.get("/dashboards/?county=999999").context["template"] == "dashboards/_rollup.html"


@time_machine.travel(NOW, tick=False)
def test_a_province_viewer_with_one_county_sees_it_and_nothing_outside(ledgers, login):
    board = login(ledgers.province).get("/").context["board"]
    assert board.county.code == "610828"
    assert board.ytd.figures.purchase_amount == Decimal("800.00")
    rows = login(ledgers.city).get("/dashboards/charts/counties.json").json()["rows"]
    assert [r[0] for r in rows] == ["佳县"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_serves_its_table_as_json_and_as_excel(ledgers, login, name):
    client = login(ledgers.county)
    data = client.get(f"/dashboards/charts/{name}.json?county=610828&month=2026-06").json()
    assert data["name"] == name and data["columns"]
    xlsx = client.get(f"/dashboards/charts/{name}.xlsx?county=610828&month=2026-06")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert sheet[0] == data["columns"]
    assert len(sheet) == len(data["rows"]) + 1


@time_machine.travel(NOW, tick=False)
def test_the_trend_counts_each_month_once(ledgers, login):
    data = login(ledgers.county).get("/dashboards/charts/trend.json?county=610828&month=2026-06").json()
    assert [r[0] for r in data["rows"]] == [f"2026-{m:02d}" for m in range(1, 7)]
    assert data["rows"][4][1] == "400.00" and data["rows"][5][1] == "400.00"


@time_machine.travel(NOW, tick=False)
def test_a_keeper_cannot_see_another_station_through_a_chart(ledgers, login):
    rows = login(ledgers.keeper).get("/dashboards/charts/stations.json?county=610828").json()["rows"]
    assert [r[1] for r in rows] == ["JX-0001"]
    other = login(ledgers.other_county).get("/dashboards/charts/stations.json?county=610828").json()["rows"]
    assert all(r[1].startswith("XW") for r in other)


def test_an_unknown_chart_is_404(world, login):
    assert login(world.county).get("/dashboards/charts/nothing.json").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_api_gives_the_same_figures(ledgers, login):
    data = login(ledgers.county).get("/api/v1/dashboards/summary?county=610828&month=2026-06").json()
    assert data["month_figures"]["purchase_amount"] == "400.00"
    assert data["year_to_date"]["purchase_orders"] == 4
    chart = login(ledgers.county).get("/api/v1/dashboards/charts/townships?county=610828").json()
    assert len(chart["rows"]) == 2


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_reads_a_bounded_number_of_queries(ledgers, login, django_assert_max_num_queries):
    client = login(ledgers.county)
    client.get("/dashboards/charts/stations.json?county=610828")
    with django_assert_max_num_queries(40):
        client.get("/dashboards/?county=610828")


@time_machine.travel(NOW, tick=False)
def test_the_month_under_way_is_marked_partial_on_the_trends(ledgers, login):
    client = login(ledgers.county)
    for name in ("trend", "activity"):
        chart = client.get(f"/dashboards/charts/{name}.json?county=610828&month=2026-06").json()["chart"]
        assert chart["partial"] == {"category": "2026-06", "label": "6月截至15日"}
    past = client.get("/dashboards/charts/trend.json?county=610828&month=2025-12").json()["chart"]
    assert past["partial"] is None
