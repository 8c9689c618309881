from __future__ import annotations

from decimal import Decimal

import pytest

from cunzhan.stations.models import ResponsiblePerson, Station, Status, Tier

COMPLIANT = {
    "usable_area": Decimal(25),
    "resident_population": 800,
    "poor_share": Decimal("12.50"),
    "has_broadband": True,
    "has_terminal": True,
    "has_shelves": True,
    "has_display_cabinet": True,
    "has_parcel_facilities": True,
    "opening_hours": "8:00-18:00",
    "service_items": "代购、代销",
    "key_processes": "下单-取件",
    "service_promise": "当日通知",
    "fees": "免费",
    "complaint_channel": "县电商办 0912-1234567",
    "contact_phone": "13800000000",
}


@pytest.fixture
def make_station(world):
    """A station in 坑镇's second village (no other station there), compliant unless overridden."""
    from cunzhan.conftest import REGIONS
    from cunzhan.regions.models import Level, Region

    def _make(code="JX-0100", *, region=None, tier=Tier.VILLAGE, status=Status.APPLIED, people=True, **fields):
        if region is None:
            region, _ = Region.objects.get_or_create(
                code="610828101202",
                defaults={"name": "木头峪村", "level": Level.VILLAGE, "parent_id": "610828101"},
            )
        station = Station.objects.create(
            code=code,
            tier=tier,
            region=region,
            county_code=region.code[:6],
            operating_unit=world.unit,
            status=status,
            **{"name": f"{region.name}服务点", **COMPLIANT, **fields},
        )
        if people:
            ResponsiblePerson.objects.create(
                station=station, name="张三", pre_job_training_days=Decimal(3), yearly_trainings=2
            )
        return station

    assert REGIONS  # the world's regions are loaded
    return _make
