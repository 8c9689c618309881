from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from cunzhan.supervision import selectors, services
from cunzhan.supervision.models import ComplaintKind, EventKind
from cunzhan.supervision.rating_items import KEYS
from cunzhan.supervision.tests.conftest import SH, WHEN, full_marks

H1 = (date(2026, 1, 1), date(2026, 6, 30))


def _complaint(world, kind, verified, when=datetime(2026, 3, 1, 10, tzinfo=SH), station=None):
    c = services.complaint_record(
        acting_user=world.county,
        station=station or world.station_keng,
        kind=kind,
        received_at=when,
        description="投诉",
    )
    if verified is not None:
        services.complaint_verify(acting_user=world.county, complaint=c, verified=verified, evidence="核实")
    return c


def _event(world, kind, verified, station=None):
    e = services.supervision_event_record(
        acting_user=world.county,
        station=station or world.station_keng,
        kind=kind,
        occurred_on=date(2026, 4, 1),
        description="x",
        evidence="y",
    )
    if verified is not None:
        services.supervision_event_verify(acting_user=world.county, event=e, verified=verified, note="z")
    return e


def test_only_verified_records_count_in_one_query(world, django_assert_num_queries):
    _complaint(world, ComplaintKind.PARCEL, True)
    _complaint(world, ComplaintKind.PARCEL, True)
    _complaint(world, ComplaintKind.PARCEL, False)
    _complaint(world, ComplaintKind.PARCEL, None)
    _complaint(world, ComplaintKind.PUBLIC_REPORT, True)
    _complaint(world, ComplaintKind.PUBLIC_REPORT, True, when=datetime(2026, 7, 1, 0, 0, tzinfo=SH))  # H2
    _complaint(world, ComplaintKind.PUBLIC_REPORT, True, when=datetime(2026, 6, 30, 23, 59, tzinfo=SH))
    _event(world, EventKind.NOT_COOPERATING, True)
    _event(world, EventKind.POOR_PERFORMANCE, False)
    _event(world, EventKind.LEADER_CRITICISM_OR_MEDIA, True, station=world.station_dian)
    with django_assert_num_queries(1):
        facts = selectors.supervision_facts([world.station_keng.pk, world.station_dian.pk], *H1)
    keng = facts[world.station_keng.pk]
    assert keng.parcel_complaints == 2 and keng.public_reports == 2
    assert keng.events == {
        "not_cooperating": 1,
        "poor_performance": 0,
        "public_report": 2,
        "leader_criticism_or_media": 0,
    }
    assert facts[world.station_dian.pk].events["leader_criticism_or_media"] == 1


def test_inspection_facts_take_the_latest_complete_inspection(world, django_assert_num_queries):
    first = services.inspection_save(
        acting_user=world.supervisor,
        station=world.station_keng,
        year=2026,
        half="H1",
        inspected_at=WHEN,
        ratings=full_marks(),
    )
    later = full_marks()
    later["item1_facilities"] = (Decimal("4.5"), "显示屏不亮")
    second = services.inspection_save(
        acting_user=world.supervisor,
        station=world.station_keng,
        year=2026,
        half="H1",
        inspected_at=WHEN + timedelta(days=2),
        ratings=later,
    )
    incomplete = dict(later)
    incomplete.pop("item10_ledger")
    services.inspection_save(
        acting_user=world.supervisor,
        station=world.station_keng,
        year=2026,
        half="H1",
        inspected_at=WHEN + timedelta(days=3),
        ratings=incomplete,
    )
    with django_assert_num_queries(2):  # the latest complete inspections, then their ratings
        facts = selectors.inspection_facts([world.station_keng.pk, world.station_dian.pk], 2026, "H1")
    assert set(facts) == {world.station_keng.pk}  # 店镇 has none: its result will be incomplete
    ratings = facts[world.station_keng.pk]
    assert ratings.inspection_id == second.pk != first.pk
    assert tuple(ratings.scores) == KEYS
    assert ratings.scores["item1_facilities"] == Decimal("4.5")
    assert ratings.comments["item1_facilities"] == "显示屏不亮"


def test_supervisors_and_keepers_see_only_their_stations(world):
    _complaint(world, ComplaintKind.PARCEL, None)
    _complaint(world, ComplaintKind.PARCEL, None, station=world.station_dian)
    assert selectors.complaints_for_user(world.supervisor).count() == 1
    assert selectors.complaints_for_user(world.other_supervisor).count() == 1
    assert selectors.complaints_for_user(world.keeper).get().station == world.station_keng
    assert selectors.complaints_for_user(world.other_keeper).count() == 0
    assert selectors.complaints_for_user(world.county).count() == 2
