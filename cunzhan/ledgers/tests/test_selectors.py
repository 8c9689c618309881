from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cunzhan.ledgers import selectors, services
from cunzhan.ledgers.tests.helpers import GOOD_ID, record_parcel

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(world):
    made = {}
    for station, user in ((world.station_keng, world.keeper), (world.station_dian, world.operator)):
        made[station.code] = services.entry_create(
            acting_user=user if user.role != "operator" else world.admin,
            kind="purchase",
            station=station,
            occurred_on=date(2025, 3, 1),
            product_name="复合肥",
            quantity=Decimal(1),
            amount=Decimal(10),
            platform="淘宝",
            customer_name="张三丰",
            customer_phone="13812341234",
            customer_id_number=GOOD_ID,
        )
    made["XW-0001"] = services.entry_create(
        acting_user=world.other_keeper,
        kind="purchase",
        station=world.station_xunwu,
        occurred_on=date(2025, 4, 1),
        product_name="脐橙箱",
        quantity=Decimal(1),
        amount=Decimal(5),
        platform="京东",
    )
    return made


SEES = {
    "admin": {"JX-0001", "JX-0002", "XW-0001"},
    "county": {"JX-0001", "JX-0002"},
    "operator": {"JX-0001", "JX-0002"},
    "supervisor": {"JX-0001"},
    "other_supervisor": {"JX-0002"},
    "keeper": {"JX-0001"},
    "other_keeper": {"XW-0001"},
    "province": {"JX-0001", "JX-0002"},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_role_sees_exactly_the_entries_of_its_stations(world, entries, persona):
    seen = selectors.entries_for_user(world.users[persona], "purchase")
    assert {e.station.code for e in seen} == SEES[persona]


def test_filters_by_station_date_and_words(world, entries):
    admin = world.admin
    assert selectors.filtered_entries_for_user(admin, "purchase", selectors.EntryFilter(station="XW-0001")).count() == 1
    assert (
        selectors.filtered_entries_for_user(
            admin, "purchase", selectors.EntryFilter(date_from=date(2025, 3, 15))
        ).count()
        == 1
    )
    assert selectors.filtered_entries_for_user(admin, "purchase", selectors.EntryFilter(q="脐橙")).count() == 1


def test_only_the_stations_own_keeper_sees_personal_data_unmasked(world, entries):
    mine = entries["JX-0001"]
    assert selectors.presenter(world.keeper)(mine)["customer_phone"] == "13812341234"
    for persona in ("county", "supervisor", "operator", "admin"):
        shown = selectors.presenter(world.users[persona])(mine)
        assert shown["customer_phone"] == "138****1234"
        assert shown["customer_id_number"] == f"{GOOD_ID[:6]}********{GOOD_ID[-4:]}"
        assert shown["customer_name"] == "张**"


def test_the_parcel_backlog_lists_parcels_waiting_more_than_48_hours(world):
    now = timezone.now()

    def parcel(station, user, tracking, hours, handed=None, direction="in"):
        return services.entry_create(
            acting_user=user,
            kind="parcel",
            station=station,
            direction=direction,
            carrier="中通",
            tracking_no=tracking,
            arrived_at=now - timedelta(hours=hours),
            handed_over_at=handed,
        )

    parcel(world.station_keng, world.keeper, "OLD", 50)
    parcel(world.station_keng, world.keeper, "NEW", 10)
    parcel(world.station_keng, world.keeper, "DONE", 60, handed=now - timedelta(hours=1))
    parcel(world.station_keng, world.keeper, "SENT", 60, direction="out")
    parcel(world.station_dian, world.admin, "DIAN", 70)
    assert [p.tracking_no for p in selectors.parcel_backlog_for_user(world.keeper)] == ["OLD"]
    assert [p.tracking_no for p in selectors.parcel_backlog_for_user(world.supervisor)] == ["OLD"]
    assert [p.tracking_no for p in selectors.parcel_backlog_for_user(world.county)] == ["DIAN", "OLD"]
    assert selectors.parcel_backlog_counts_for_user(world.county) == {"JX-0001": 1, "JX-0002": 1}


def test_the_entry_form_remembers_the_last_platform_and_recent_products(world, entries):
    defaults = selectors.entry_defaults_for_user(world.keeper, "purchase", world.station_keng)
    assert defaults["platform"] == "淘宝"
    assert defaults["recent_products"] == ["复合肥"]
    assert defaults["occurred_on"] == timezone.localdate()


@pytest.mark.parametrize("without_platform", [selectors.RECENT_ROWS - 1, selectors.RECENT_ROWS])
def test_the_last_platform_is_looked_for_behind_the_newest_entries(world, without_platform):
    """Sales may name no platform: the platform used last is the newest one named, also when the newest
    200 sales name none; the recent products come from the newest 200."""
    from cunzhan.ledgers.models import LedgerEntry, ProxySale

    start = timezone.now() - timedelta(days=1)

    def sale(n: int, product: str, platform: str = "") -> ProxySale:
        return ProxySale(
            station=world.station_keng,
            county_code="610828",
            occurred_on=date(2025, 3, 1),
            recorded_at=start + timedelta(seconds=n),
            row_key=LedgerEntry.manual_key(),
            product_name=product,
            quantity=Decimal(1),
            amount=Decimal(10),
            seller_household="李四",
            platform=platform,
        )

    older = [sale(0, "旧货", "抖音")]
    newer = [sale(n, f"红枣{n % 25}") for n in range(1, without_platform + 1)]
    ProxySale.objects.bulk_create(older + newer)
    defaults = selectors.entry_defaults_for_user(world.keeper, "sale", world.station_keng)
    assert defaults["platform"] == "抖音"
    assert len(defaults["recent_products"]) == 20 and "旧货" not in defaults["recent_products"]
    assert defaults["recent_products"][0] == f"红枣{without_platform % 25}"


def test_parcels_are_listed_newest_arrival_first_across_the_shanghai_midnight(world, client):
    """The list is ordered by the arrival's day, then its moment: the same order as by the moment alone,
    also for parcels either side of midnight in Shanghai (16:00 UTC) and recorded out of order."""
    from datetime import UTC, datetime

    moments = [
        datetime(2025, 3, 1, 15, 59, tzinfo=UTC),  # 23:59 on 1 March in Shanghai
        datetime(2025, 3, 1, 16, 1, tzinfo=UTC),  # 00:01 on 2 March
        datetime(2025, 3, 1, 1, 0, tzinfo=UTC),
        datetime(2025, 3, 2, 15, 0, tzinfo=UTC),
        datetime(2025, 2, 28, 16, 0, tzinfo=UTC),  # 00:00 on 1 March
    ]
    for n, moment in enumerate(moments):
        record_parcel(world, f"MID{n}", moment, handed_over_at=moment)
    newest_first = [f"MID{n}" for n, _ in sorted(enumerate(moments), key=lambda pair: pair[1], reverse=True)]
    listed = selectors.for_listing(selectors.entries_for_user(world.keeper, "parcel"))
    assert [p.tracking_no for p in listed] == newest_first
    client.force_login(world.keeper)
    items = client.get("/api/v1/ledgers/parcel?limit=10").json()["items"]
    assert [i["tracking_no"] for i in items] == newest_first
