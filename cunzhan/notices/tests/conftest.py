from __future__ import annotations

from datetime import datetime

import pytest

from cunzhan.conftest import make_user
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.roles import Role


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def second_keeper(world):
    """刘家坪村站's keeper (JX-0002), who never submits."""
    return make_user(
        "keeper2", Role.KEEPER, region=world.regions["610828102201"], station=world.station_dian, phone="13900001111"
    )


@pytest.fixture
def monthly_only(world):
    """Both counties report monthly only, and their stations were certified on 1 November 2026: what is
    due in December 2026 is November's report and nothing older."""
    from cunzhan.reports.models import ReportSettings
    from cunzhan.stations.models import Station

    for code in ("610828", "360734"):
        ReportSettings.objects.create(county=world.regions[code], weekly_enabled=False)
    Station.objects.update(certified_at=at(2026, 11, 1, 10))
    return world
