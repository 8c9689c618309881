from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest

from cunzhan.core.dates import SHANGHAI
from cunzhan.ledgers.models import ConvenienceService, Parcel, ProxyPurchase, ProxySale


def revision_on(page: str) -> str:
    """The report revision a report page's forms carry."""
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def at(*args) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def _base(station, day: date) -> dict:
    return {"station": station, "county_code": station.county_code, "occurred_on": day, "row_key": uuid.uuid4().hex}


def purchase(station, day, name="化肥", amount="10.00", quantity="1", platform="拼多多"):
    return ProxyPurchase.objects.create(
        **_base(station, day), product_name=name, amount=Decimal(amount), quantity=Decimal(quantity), platform=platform
    )


def sale(station, day, name="红枣", amount="10.00", quantity="1", platform="淘宝", farm=True):
    return ProxySale.objects.create(
        **_base(station, day),
        product_name=name,
        amount=Decimal(amount),
        quantity=Decimal(quantity),
        platform=platform,
        seller_household="张三",
        farm_product=farm,
    )


def parcel(station, day, direction="in"):
    return Parcel.objects.create(
        **_base(station, day),
        direction=direction,
        carrier="邮政",
        tracking_no=uuid.uuid4().hex[:20],
        arrived_at=datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI),
    )


def service(station, day, kind="payment", amount="0"):
    return ConvenienceService.objects.create(**_base(station, day), service_kind=kind, amount=Decimal(amount))


@pytest.fixture
def monthly_only(world):
    """The 佳县 parameters with weekly reports off, so counts show monthly reports alone."""
    from cunzhan.reports.models import ReportSettings

    return ReportSettings.objects.create(county=world.regions["610828"], weekly_enabled=False)
