"""The station services where the pages and the API do not show enough: saves racing each other."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from cunzhan.core.concurrency import EditConflict
from cunzhan.stations import services
from cunzhan.stations.models import Station


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer in at a time")
@pytest.mark.django_db(transaction=True)
def test_two_saves_of_the_same_version_at_the_same_moment_one_wins_the_other_is_refused(world, monkeypatch):
    # each save dawdles between its version check and its write, so that the two overlap
    full_clean = services._full_clean

    def slow_full_clean(*args, **kwargs):
        full_clean(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_full_clean", slow_full_clean)
    start = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def save(user, fees):
        start.wait()
        try:
            station = Station.objects.get(code="JX-0001")
            outcome[fees] = services.station_update(acting_user=user, station=station, version=0, fees=fees)
        except Exception as exc:  # reported by the main thread
            outcome[fees] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(world.county, "免费")),
        threading.Thread(target=save, args=(world.operator, "每件 1 元")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    won = [fees for fees, result in outcome.items() if isinstance(result, Station)]
    refused = [result for result in outcome.values() if isinstance(result, EditConflict)]
    assert len(won) == 1 and len(refused) == 1, outcome
    assert "请刷新后重新编辑，您的修改未保存" in refused[0].message
    station = Station.objects.get(code="JX-0001")
    assert station.fees == won[0] and station.version == 1
