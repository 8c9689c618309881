"""The deadlines besides the reports, each told once, to the right people, from its own app's rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from cunzhan.notices.models import Notice, NoticeKind
from cunzhan.notices.services import notices_generate
from cunzhan.notices.tests.conftest import at
from cunzhan.stations.models import Station, Status


def told(kind: str) -> set[tuple[str, str]]:
    """Who was told what in 佳县."""
    notices = Notice.objects.filter(kind=kind, county_code="610828").select_related("recipient")
    return {(n.recipient.username, n.phase) for n in notices}


def twice(moment) -> None:
    """The scheduler at a moment, twice: nothing is told twice."""
    notices_generate(at=moment)
    notices_generate(at=moment)


@pytest.mark.django_db
def test_parcels_waiting_over_48_hours_are_told_to_the_keeper_once_a_day(monthly_only):
    from cunzhan.ledgers.tests.helpers import record_parcel

    with time_machine.travel(at(2026, 12, 1, 10), tick=False):
        record_parcel(monthly_only, "ZT0001", at(2026, 12, 1, 9))
        record_parcel(monthly_only, "ZT0002", at(2026, 12, 1, 8, 30))
        record_parcel(monthly_only, "ZT0003", at(2026, 12, 1, 9, 30))  # 47½ hours at 09:01 on the 3rd
    twice(at(2026, 12, 3, 8, 59))  # over 48 hours, but before the county's hour
    assert told(NoticeKind.PARCELS) == set()
    twice(at(2026, 12, 3, 9, 1))
    assert told(NoticeKind.PARCELS) == {("keeper", "daily")}
    assert Notice.objects.get(kind=NoticeKind.PARCELS).params["count"] == 2
    twice(at(2026, 12, 4, 9, 1))  # still waiting the next day: told again, that day
    assert Notice.objects.filter(kind=NoticeKind.PARCELS).count() == 2


@pytest.mark.django_db
def test_a_fault_unrepaired_past_the_scheme_s_days_is_told_to_the_unit_and_the_keeper(monthly_only):
    from cunzhan.stations import assets

    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        asset = assets.asset_add(acting_user=monthly_only.operator, station=monthly_only.station_keng, kind="computer")
        assets.fault_report(acting_user=monthly_only.keeper, asset=asset, description="无法开机", stops_operation=True)
    twice(at(2026, 11, 27, 9, 59))  # 7 days less a minute
    assert told(NoticeKind.FAULT) == set()
    twice(at(2026, 11, 27, 10, 1))
    assert told(NoticeKind.FAULT) == {("keeper", "overdue"), ("operator", "overdue")}
    notice = Notice.objects.filter(kind=NoticeKind.FAULT).first()
    assert notice.params["days"] == 7 and notice.link == "/stations/JX-0001/"


@pytest.mark.django_db
def test_a_station_idle_past_its_county_s_days_is_told_once_to_the_unit_and_the_office(monthly_only):
    Station.objects.filter(pk=monthly_only.station_keng.pk).update(last_activity_at=at(2026, 9, 1, 12))
    Station.objects.exclude(pk=monthly_only.station_keng.pk).update(last_activity_at=at(2026, 11, 30, 12))
    twice(at(2026, 11, 30, 11))  # 90 days after 1 September, 12:00: not yet
    assert told(NoticeKind.ZOMBIE) == set()
    twice(at(2026, 12, 1, 9))
    assert told(NoticeKind.ZOMBIE) == {("operator", "flagged"), ("county", "flagged")}
    twice(at(2026, 12, 5, 9))  # still idle: the same stretch, not told again
    assert Notice.objects.filter(kind=NoticeKind.ZOMBIE).count() == 2


@pytest.mark.django_db
def test_the_county_office_is_told_when_a_station_s_publicity_has_run_its_days(monthly_only):
    Station.objects.filter(pk=monthly_only.station_dian.pk).update(
        status=Status.PUBLICITY, publicity_started_at=at(2026, 12, 1, 15)
    )
    twice(at(2026, 12, 7, 23))  # the 7 days are 1–7 December
    assert told(NoticeKind.PUBLICITY) == set()
    twice(at(2026, 12, 8, 9))
    assert told(NoticeKind.PUBLICITY) == {("county", "ended")}
    assert (
        "刘家坪村站 公示期已满"
        in __import__("cunzhan.notices.views", fromlist=["present"]).present(
            Notice.objects.get(kind=NoticeKind.PUBLICITY)
        )["title"]
    )


@pytest.mark.django_db
def test_stations_without_a_guidance_visit_are_told_to_their_unit_before_the_quarter_ends_and_after(monthly_only):
    from cunzhan.activities import services as activity_services

    twice(at(2026, 12, 15, 9))  # more than 15 days before 31 December: nothing yet
    assert told(NoticeKind.GUIDANCE) == set()
    with time_machine.travel(at(2026, 12, 17, 8), tick=False):
        activity_services.guidance_record(
            acting_user=monthly_only.operator,
            station=monthly_only.station_keng,
            kind="visit",
            visited_on=at(2026, 12, 17).date(),
            content="指导台账登记",
        )
    twice(at(2026, 12, 17, 9))
    assert told(NoticeKind.GUIDANCE) == {("operator", "before")}
    assert Notice.objects.get(kind=NoticeKind.GUIDANCE).params["count"] == 1  # 刘家坪村站 only
    twice(at(2027, 1, 2, 9))
    assert told(NoticeKind.GUIDANCE) == {("operator", "before"), ("operator", "overdue"), ("county", "overdue")}
    twice(at(2027, 1, 2, 9) + timedelta(days=10))  # stale after a week: nobody told again
    assert Notice.objects.filter(kind=NoticeKind.GUIDANCE, county_code="610828").count() == 3
