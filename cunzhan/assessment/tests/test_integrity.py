"""Order integrity (刷单提示): a generated county with one planted pattern of each kind, every one found with
the orders planted and the ordinary stations left alone; a flag changes no score until the county office
confirms it with a reason, and then the orders it names are not counted for items 7 and 8 — through the
service, the pages (the list, the flag, the inspection form) and the API."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from cunzhan.assessment.engine import Period, load_scheme
from cunzhan.assessment.facts import gather_period
from cunzhan.assessment.integrity import StationInfo, detect
from cunzhan.assessment.integrity_models import OrderFlag
from cunzhan.assessment.integrity_plant import PATTERNS, generate
from cunzhan.assessment.integrity_selectors import flags
from cunzhan.assessment.integrity_services import order_flag_decide
from cunzhan.assessment.scheme_services import scheme_adopt
from cunzhan.assessment.selectors import default_scheme
from cunzhan.assessment.tests.test_services import certify
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.scoping import OutOfScope
from cunzhan.ledgers.models import ProxyPurchase

H1 = Period.of(2025, "H1", (1, 6))
# the share of untouched stations a flag may fall on (BENCHMARKS.md measures it on the demo counties too)
UNTOUCHED_SHARE = D("0.05")


def infos(stations):
    return [StationInfo(s.pk, s.resident_population or 0, s.certified_at.date()) for s in stations]


def planted_of(county, kind):
    return next(p for p in county.planted if p.kind == kind)


@pytest.fixture
def small(world):
    """Eight generated stations: the six planted, two ordinary."""
    return generate(world.regions["610828"], stations=8, period=H1)


def test_every_planted_pattern_is_flagged_with_its_orders_and_few_ordinary_stations_are(world):
    county = generate(world.regions["610828"], stations=40, period=H1)
    findings = detect("610828", H1, default_scheme().data, infos(county.stations))
    assert [p.kind for p in county.planted] == list(PATTERNS)
    for planted in county.planted:
        mine = [f for f in findings if f.station_id == planted.station.pk and f.kind == planted.kind]
        assert mine, planted.kind
        assert {f.ledger for f in mine} == {planted.ledger}
        assert planted.entries <= {row_id for f in mine for row_id, _day in f.orders}, planted.kind
    flagged = {f.station_id for f in findings}
    untouched = county.untouched
    share = D(sum(s.pk in flagged for s in untouched)) / D(len(untouched))
    assert share <= UNTOUCHED_SHARE


def test_each_flag_explains_itself_in_words(small):
    findings = detect("610828", H1, default_scheme().data, infos(small.stations))
    texts = {f.kind: f.text for f in findings if f.station_id == planted_of(small, f.kind).station.pk}
    assert texts["burst"] == "2025-04-06 的 20 单在 10 分钟内登记（20:03–20:07）"
    assert texts["customer"].startswith("顾客 139****5678 本期 ")  # masked
    assert texts["amount"].startswith("金额 88.00 元的订单本期 24 单")
    assert "考核期最后 7 天（2025-06-24 起）" in texts["period_end"]
    assert texts["backdated"].startswith("2025-05-21 一天补登 15 单，均比订单日期晚 30 天以上")
    assert "全县同人口段其他服务站本期中位数" in texts["volume"]


def test_the_thresholds_are_the_scheme_s(small, world):
    data = copy.deepcopy(load_scheme("jia-2020").raw)
    data["integrity"]["burst_orders"] = 21  # the planted burst has 20
    scheme_adopt(acting_user=world.county, county=world.regions["610828"], data=data, note="集中登记 21 单起提示")
    kinds = {v.kind for v in flags(world.county, world.regions["610828"], 2025, "H1")}
    assert "burst" not in kinds and {"customer", "amount", "period_end", "backdated", "volume"} <= kinds


def test_a_confirmed_flag_takes_its_orders_out_of_the_count_and_a_dismissed_one_puts_them_back(small, world):
    station = planted_of(small, "customer").station
    county = world.regions["610828"]

    def purchases_counted():
        """The station's counted purchases, and the confirmed flags its orders line refers to."""
        facts = next(f for f in gather_period("610828", H1) if f.station == station.code)
        flags = [ref.id for ref in facts.refs.get("purchase_orders", []) if ref.kind == "order_flag"]
        return facts.purchase_orders, flags

    counted, _refs = purchases_counted()
    view = next(v for v in flags(world.county, county, 2025, "H1", station=station) if v.kind == "customer")
    assert purchases_counted()[0] == counted  # a flag alone changes nothing
    with pytest.raises(ValidationError, match="请写明核实的理由"):
        order_flag_decide(acting_user=world.county, station=station, year=2025, half="H1", key=view.key,
                          decision="confirmed", reason=" ")  # fmt: skip
    decided = order_flag_decide(
        acting_user=world.county, station=station, year=2025, half="H1", key=view.key,
        decision="confirmed", reason="电话回访：该号码机主称从未在服务站购物",
    )  # fmt: skip
    assert decided.orders == view.orders >= 40
    assert purchases_counted() == (counted - view.orders, [str(decided.pk)])
    # a row the keeper deleted is gone from the count already: it is not taken out twice
    ProxyPurchase.objects.filter(pk=view.finding.orders[0][0]).delete()
    assert purchases_counted()[0] == counted - view.orders
    order_flag_decide(
        acting_user=world.county, station=station, year=2025, half="H1", key=view.key,
        decision="dismissed", reason="复查：是本村小卖部进货，属实",
    )  # fmt: skip
    assert purchases_counted() == (counted - 1, [])


def test_only_the_county_office_decides_within_its_county(small, world):
    station = planted_of(small, "burst").station
    key = next(v.key for v in flags(world.county, world.regions["610828"], 2025, "H1", station=station))
    with pytest.raises(PermissionDenied):
        order_flag_decide(acting_user=world.supervisor, station=station, year=2025, half="H1", key=key,
                          decision="dismissed", reason="x")  # fmt: skip
    with pytest.raises(OutOfScope):
        order_flag_decide(acting_user=world.other_county, station=station, year=2025, half="H1", key=key,
                          decision="dismissed", reason="x")  # fmt: skip
    with pytest.raises(ValidationError, match="已不存在"):
        order_flag_decide(acting_user=world.county, station=station, year=2025, half="H1", key="purchase:burst:x",
                          decision="confirmed", reason="x")  # fmt: skip


def test_the_county_office_verifies_on_its_list_and_the_flag_s_page(small, world, client):
    client.force_login(world.county)
    page = client.get("/assessment/integrity/?year=2025&half=H1")
    text = page.content.decode()
    assert page.status_code == 200
    for label in ("集中登记", "同一顾客重复", "同一金额重复", "期末突击", "批量补登", "单量异常"):
        assert label in text
    burst = planted_of(small, "burst")
    view = next(v for v in page.context["views"] if v.kind == "burst")
    address = f"/assessment/integrity/{burst.station.code}/2025/H1/{view.key}/"
    detail = client.get(address)
    assert detail.status_code == 200 and len(detail.context["orders"]) == 20
    refused = client.post(address, {"decision": "confirmed", "reason": ""})
    assert refused.status_code == 200 and "这个字段是必填项" in refused.content.decode()
    done = client.post(address, {"decision": "confirmed", "reason": "同一时刻登记 20 单，站长承认补凑"})
    assert done.status_code == 302
    # the explanation's reference order_flag:<id> leads to the flag
    decided = OrderFlag.objects.get(station=burst.station, key=view.key)
    assert client.get(f"/assessment/integrity/decisions/{decided.pk}/").url == address
    assert "已确认刷单" in client.get("/assessment/integrity/?year=2025&half=H1&status=confirmed").content.decode()


def test_the_api_lists_shows_and_decides(small, world, client):
    client.force_login(world.county)
    listed = client.get("/api/v1/assessments/integrity/flags?year=2025&half=H1").json()
    amount = next(f for f in listed if f["kind"] == "amount")
    assert amount["status"] == "open" and amount["found"] and amount["orders"] == 24
    path = f"/api/v1/assessments/integrity/flags/{amount['station']}/2025/H1"
    shown = client.get(path, {"key": amount["key"]}).json()
    assert len(shown["named"]) == 24 and {o["amount"] for o in shown["named"]} == {"88.00"}
    decided = client.post(
        f"{path}/decision",
        {"key": amount["key"], "decision": "dismissed", "reason": "统一定价的小米礼盒"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "dismissed"
    assert decided.json()["decided_by"] == "county"
    bad = client.post(f"{path}/decision", {"key": amount["key"], "decision": "maybe", "reason": "x"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    client.force_login(world.keeper)
    assert client.get("/api/v1/assessments/integrity/flags?year=2025&half=H1").status_code == 403


def test_the_inspector_sees_the_flags_beside_items_7_and_8(world, client):
    station = world.station_keng
    certify(station)
    moment = datetime(2025, 5, 8, 19, 30, tzinfo=SHANGHAI)
    ProxyPurchase.objects.bulk_create(
        [
            ProxyPurchase(station=station, county_code="610828", occurred_on=date(2025, 5, 8),
                          recorded_at=moment + timedelta(seconds=20 * i), row_key=f"{i:032x}", product_name="化肥",
                          quantity=D(1), amount=D(30 + i), platform="拼多多")
            for i in range(16)
        ]
    )  # fmt: skip
    client.force_login(world.supervisor)
    with time_machine.travel(datetime(2025, 6, 20, 10, tzinfo=SHANGHAI)):
        page = client.get(f"/supervision/inspections/new/?station={station.code}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "刷单提示 1 条" in text and "2025-05-08 的 16 单在 10 分钟内登记（19:30–19:35）" in text
    flag_address = text.split('href="/assessment/integrity/')[1].split('"')[0]
    assert client.get(f"/assessment/integrity/{flag_address}").status_code == 200  # the inspector reads it
    client.force_login(world.other_supervisor)  # another township's inspector: not his station
    with time_machine.travel(datetime(2025, 6, 20, 10, tzinfo=SHANGHAI)):
        assert "刷单提示" not in client.get(f"/supervision/inspections/new/?station={station.code}").content.decode()
