from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cunzhan.activities import services
from cunzhan.core.dates import SHANGHAI as SH


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def training(world):
    return services.training_create(
        acting_user=world.operator,
        county=world.regions["610828"],
        topic="电商实操培训",
        start_date=date(2026, 3, 10),
        days=Decimal(2),
        is_pre_job=True,
        required_stations=[world.station_keng, world.station_dian],
    )


@pytest.fixture
def activity(world):
    return services.activity_create(
        acting_user=world.operator,
        county=world.regions["610828"],
        title="年货节",
        start_date=date(2026, 1, 10),
        end_date=date(2026, 1, 20),
        report_due_at=at(2026, 1, 25, 23, 59, 59),
        required_stations=[world.station_keng, world.station_dian],
    )
