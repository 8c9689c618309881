"""The operation log reads Chinese: the kind of record and each field by its label, values as the
pages show them (a choice's label, a time in Asia/Shanghai, an amount to the fen), business events by
name; and it filters by date range, action and kind of record as well as by who."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from cunzhan.assessment import services as assessment
from cunzhan.ledgers import services as ledgers
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.stations.models import Station


def record(world):
    entry = ledgers.entry_create(
        acting_user=world.keeper, kind="purchase", station=world.station_keng, occurred_on=date(2025, 3, 1),
        product_name="复合肥", quantity=1, amount="120.00", platform="淘宝",
    )  # fmt: skip
    ledgers.entry_update(acting_user=world.keeper, entry=entry, version=1, amount="99.50")
    assessment.subsidy_rules_set(
        acting_user=world.county, county=world.regions["610828"], amounts={("合格", "village"): Decimal(2500)}
    )
    return entry


def test_the_log_reads_chinese(world, client):
    record(world)
    client.force_login(world.county)
    html = client.get("/accounts/operations/").content.decode()
    assert "代购台账：" in html and '<th class="fw-normal text-muted">金额（元）</th>' in html
    assert "120.00 → 99.50" in html
    assert "考核补贴标准：合格 村级服务点 2,500.00元" in html  # not "合格 village 2500"
    assert "recorded_at" not in html and "+00:00" not in html and "village" not in html


def test_the_log_filters_by_dates_action_and_kind(world, client):
    record(world)
    client.force_login(world.county)
    kind = ContentType.objects.get_for_model(ProxyPurchase).pk
    updates = client.get(f"/accounts/operations/?action={LogEntry.Action.UPDATE}&kind={kind}").content.decode()
    assert updates.count('class="list-group-item"') == 1 and "修改" in updates
    station_kind = ContentType.objects.get_for_model(Station).pk
    assert "暂无记录" in client.get(f"/accounts/operations/?kind={station_kind}").content.decode()
    assert "暂无记录" in client.get("/accounts/operations/?from=2000-01-01&to=2000-01-31").content.decode()
    bad = client.get("/accounts/operations/?from=yesterday&action=9&kind=x")
    assert bad.status_code == 200 and "代购台账" in bad.content.decode()  # a bad filter is no filter
