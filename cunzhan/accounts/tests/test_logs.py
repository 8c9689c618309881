"""The operation log reads Chinese: the kind of record and each field by its label, values as the
pages show them (a choice's label, a time in Asia/Shanghai, an amount to the fen), business events by
name (every event the code writes has its label); and it filters by date range, action, kind of record, the
record itself and who."""

from __future__ import annotations

import re
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


def test_every_event_written_in_the_code_has_a_chinese_label():
    """Every log_event call in the code names its event by a literal that EVENTS labels (the log shows
    the label, never the code: "asset import", "history_import" were shown raw)."""
    import ast
    from pathlib import Path

    import cunzhan
    from cunzhan.core.audit import EVENTS

    used, unreadable = set(), []
    for path in Path(cunzhan.__file__).parent.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "log_event":
                message = next((k.value for k in node.keywords if k.arg == "message"), None)
                if isinstance(message, ast.Constant) and isinstance(message.value, str):
                    used.add(message.value)
                else:
                    unreadable.append(f"{path}:{node.lineno}")
    assert unreadable == []  # a name made at run time could not be checked here
    assert {"asset import", "account import", "history_import", "report_chase"} <= used  # the scan finds them
    assert sorted(used - set(EVENTS)) == []
    assert all(re.search(r"[\u4e00-\u9fff]", str(label)) for label in EVENTS.values())


def test_an_event_without_a_label_is_refused(world):
    import pytest

    from cunzhan.core.audit import log_event

    with pytest.raises(ValueError, match="without a label"):
        log_event(actor=world.county, obj=world.station_keng, message="asset_import")


def test_the_import_events_read_by_their_names(world, client):
    from cunzhan.core.audit import log_event

    for event in ("asset import", "account import", "history_import", "report_chase"):
        log_event(actor=world.county, obj=world.station_keng, message=event)
    client.force_login(world.county)
    html = client.get("/accounts/operations/").content.decode()
    for label in ("批量导入资产", "批量导入账号", "导入历史记录", "催报"):
        assert label in html
    assert not re.search(r"asset import|account import|history_import|report_chase", html)


def test_the_log_filters_by_the_record_concerned(world, client):
    entry = record(world)
    other = ledgers.entry_create(
        acting_user=world.keeper, kind="purchase", station=world.station_keng, occurred_on=date(2025, 3, 2),
        product_name="尿素", quantity=1, amount="80.00", platform="淘宝",
    )  # fmt: skip
    client.force_login(world.county)
    kind = ContentType.objects.get_for_model(ProxyPurchase).pk
    one = client.get(f"/accounts/operations/?kind={kind}&id={entry.pk}").content.decode()
    assert one.count('class="list-group-item"') == 2  # created, then its amount changed
    assert "120.00 → 99.50" in one and "只显示一条记录的日志" in one and f'href="?kind={kind}"' in one
    listed = client.get("/accounts/operations/").content.decode()
    assert f'href="?kind={kind}&amp;id={other.pk}"' in listed  # each entry links to its record's log
    by_name = client.get("/accounts/operations/?record=尿素").content.decode()
    assert by_name.count('class="list-group-item"') == 1 and "尿素" in by_name
    assert "暂无记录" in client.get(f"/accounts/operations/?id={entry.pk}&record=没有这条").content.decode()
