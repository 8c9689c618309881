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
