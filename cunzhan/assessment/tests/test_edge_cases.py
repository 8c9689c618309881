"""The edge cases DOMAIN.md rules ("Decided edge cases", 2026-12), at each boundary: a fault's overdue span
across periods (the engine, to the second in Asia/Shanghai, and through the services), a missed marketing
activity that owes no data report, and a station certified after a period's end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from cunzhan.assessment import services
from cunzhan.assessment.engine import Fault, Period, StationFacts, assess_period, load_scheme
from cunzhan.assessment.tests.test_services import certify, inspect, result_of
from cunzhan.core.dates import SHANGHAI

SCHEME = load_scheme("jia-2020")  # N = 7 days
H1 = Period.of(2025, "H1", SCHEME.periods["H1"])
H2 = Period.of(2025, "H2", SCHEME.periods["H2"])
FULL = {s.key: s.max for item in SCHEME.items for s in item.sub}


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def item_1(period: Period, *faults: Fault) -> D:
    facts = StationFacts(station="S1", population=800, certified=date(2023, 1, 1), ratings=dict(FULL), faults=faults)
    return next(i for i in assess_period(SCHEME, period, facts).items if i.no == 1).score


# -- item 1: a fault's overdue span -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "repaired", "h1", "h2"),
    [
        # DOMAIN's two examples: overdue from 2 July → H2 only; overdue from 17 March to 15 July → both
        (at(2025, 6, 25, 10), at(2025, 7, 3, 10), D(5), D(0)),
        (at(2025, 3, 10, 10), at(2025, 7, 15, 10), D(0), D(0)),
        # exactly N days is in time; a second more is overdue
        (at(2025, 3, 1, 10), at(2025, 3, 8, 10), D(5), D(5)),
        (at(2025, 3, 1, 10), at(2025, 3, 8, 10, 0, 1), D(0), D(5)),
        # overdue from 27 June 10:00, repaired at the very first second of H2 (Asia/Shanghai): H1 only …
        (at(2025, 6, 20, 10), at(2025, 7, 1), D(0), D(5)),
        # … the same instant written in UTC …
        (at(2025, 6, 20, 10), datetime(2025, 6, 30, 16, tzinfo=UTC), D(0), D(5)),
        # … and one second later it reaches into H2
        (at(2025, 6, 20, 10), at(2025, 7, 1, 0, 0, 1), D(0), D(0)),
        # overdue from exactly H2's first instant, never repaired: H2 only
        (at(2025, 6, 24), None, D(5), D(0)),
        # overdue from H1's last second
        (at(2025, 6, 23, 23, 59, 59), None, D(0), D(0)),
        # reported in H1 and repaired in H2 but within 7 days: neither
        (at(2025, 6, 28, 9), at(2025, 7, 4, 9), D(5), D(5)),
        # reported in H2: nothing to do with H1
        (at(2025, 8, 1), None, D(5), D(0)),
    ],
)
def test_item_1_is_zero_in_every_period_its_overdue_span_touches_and_only_there(reported, repaired, h1, h2):
    fault = Fault(reported=reported, repaired=repaired)
    assert (item_1(H1, fault), item_1(H2, fault)) == (h1, h2)


def test_an_overdue_span_ending_in_december_leaves_the_next_year_alone():
    fault = Fault(reported=at(2025, 12, 20), repaired=at(2026, 1, 1))  # overdue 27 Dec → 1 Jan 00:00:00
    next_h1 = Period.of(2026, "H1", SCHEME.periods["H1"])
    assert (item_1(H2, fault), item_1(next_h1, fault)) == (D(0), D(5))
    later = replace(fault, repaired=at(2026, 1, 1, 0, 0, 1))
    assert item_1(next_h1, later) == D(0)


def test_the_line_names_the_fault_and_links_it():
    from cunzhan.assessment.engine import Ref

    ref = Ref("fault", "7", day="2025-06-25T10:00:00+08:00", at="2025-07-03T10:00:00+08:00")
    fault = Fault(reported=at(2025, 6, 25, 10), repaired=at(2025, 7, 3, 10), ref=ref)
    facts = StationFacts(station="S1", population=800, certified=date(2023, 1, 1), ratings=dict(FULL), faults=(fault,))
    line = next(i for i in assess_period(SCHEME, H2, facts).items if i.no == 1).lines[-1]
    assert line.text == "2025-06-25 10:00 报修的故障影响正常运行，2025-07-03 10:00 才修复（超过 7 天），本项不得分"
    assert line.points == D(-5) and line.refs == (ref,)


def test_the_number_of_days_is_the_schemes():
    raw = {**SCHEME.raw, "items": [dict(i) for i in SCHEME.raw["items"]]}
    raw["items"][0]["zero_if_fault_unrepaired_days"] = 10
    from cunzhan.assessment.engine import parse_scheme

    ten = parse_scheme(raw)
    fault = Fault(reported=at(2025, 3, 1, 10), repaired=at(2025, 3, 9, 10))  # 8 days
    facts = StationFacts(station="S1", population=800, certified=date(2023, 1, 1), ratings=dict(FULL), faults=(fault,))
    assert next(i for i in assess_period(ten, H1, facts).items if i.no == 1).score == D(5)
    assert item_1(H1, fault) == D(0)


# -- the same through the database and the services ---------------------------------------------------


@pytest.fixture(autouse=True)
def no_report_duties(monkeypatch):
    monkeypatch.setattr("cunzhan.assessment.evidence.report_lapses", lambda *args, **kwargs: {})


@pytest.fixture
def county_world(world):
    for s in (world.station_keng, world.station_dian):
        certify(s)
    for half in ("H1", "H2"):
        inspect(world.station_keng, world.supervisor, half=half)
        inspect(world.station_dian, world.supervisor, half=half)
    return world


def _fault(station, reported, repaired):
    from cunzhan.stations.models import FaultReport, PublicAsset

    asset = PublicAsset.objects.create(station=station, kind="computer", name="电脑", quantity=1)
    return FaultReport.objects.create(
        station=station,
        asset=asset,
        description="无法开机",
        stops_operation=True,
        reported_at=reported,
        repaired_at=repaired,
    )


def _compute(w, half):
    return services.assessment_compute(
        acting_user=w.county, county=w.regions["610828"], year=2025, period=half, now=at(2026, 1, 20)
    )


def test_a_fault_across_the_half_years_zeroes_only_the_periods_it_was_overdue_in(county_world):
    w = county_world
    late_june = _fault(w.station_keng, at(2025, 6, 25, 10), at(2025, 7, 3, 10))
    spring = _fault(w.station_dian, at(2025, 3, 10, 10), at(2025, 7, 15, 10))
    h1, h2 = _compute(w, "H1"), _compute(w, "H2")
    scores = {
        (half, code): next(i for i in result_of(a, code).items if i["no"] == 1)
        for half, a in (("H1", h1), ("H2", h2))
        for code in ("JX-0001", "JX-0002")
    }
    assert {k: v["score"] for k, v in scores.items()} == {
        ("H1", "JX-0001"): "5.00",
        ("H2", "JX-0001"): "0.00",
        ("H1", "JX-0002"): "0.00",
        ("H2", "JX-0002"): "0.00",
    }
    assert scores["H2", "JX-0001"]["lines"][-1]["refs"] == [
        {
            "kind": "fault",
            "id": str(late_june.pk),
            "day": "2025-06-25T10:00:00+08:00",
            "at": "2025-07-03T10:00:00+08:00",
        }
    ]
    assert scores["H1", "JX-0002"]["lines"][-1]["refs"][0]["id"] == str(spring.pk)


def test_a_repair_at_the_first_second_of_h2_leaves_h2_whole(county_world):
    w = county_world
    _fault(w.station_keng, at(2025, 6, 20, 10), at(2025, 7, 1))
    _fault(w.station_dian, at(2025, 6, 20, 10), at(2025, 7, 1, 0, 0, 1))
    h2 = _compute(w, "H2")
    assert result_of(h2, "JX-0001").total == D("80.00")  # no orders: items 7 and 8 keep 5 each
    assert result_of(h2, "JX-0002").total == D("75.00")


def test_a_missed_activity_costs_three_and_owes_no_data_report(county_world):
    """Four required activities: one missed (−3, no report owed), one taken part in without a report (−1),
    one with its report after the due time (−1), one reported in time (nothing)."""
    from cunzhan.activities.models import ActivityReport, MarketingActivity, Participation

    w = county_world
    outcomes = {}
    for n, (took_part, filed) in enumerate(
        [(False, None), (True, None), (True, timedelta(hours=1)), (True, -timedelta(hours=1))], start=1
    ):
        activity = MarketingActivity.objects.create(
            county=w.regions["610828"],
            organiser="县电商中心",
            title=f"活动{n}",
            start_date=date(2025, 3, n),
            end_date=date(2025, 3, n + 5),
            report_due_at=at(2025, 3, n + 10, 18),
            created_by=w.admin,
        )
        activity.required_stations.set([w.station_keng])
        Participation.objects.create(
            activity=activity,
            station=w.station_keng,
            participated=took_part,
            recorded_by=w.admin,
            recorded_at=at(2025, 3, 20),
        )
        if filed is not None:
            ActivityReport.objects.create(
                activity=activity,
                station=w.station_keng,
                submitted_by=w.keeper,
                submitted_at=activity.report_due_at + filed,
            )
        outcomes[n] = activity
    keng = result_of(_compute(w, "H1"), "JX-0001")
    item_5 = next(i for i in keng.items if i["no"] == 5)
    assert item_5["score"] == "5.00"  # 10 − 3 − 1 − 1
    missed, unfiled = item_5["lines"]
    assert (missed["points"], [r["id"] for r in missed["refs"]]) == ("-3.00", [str(outcomes[1].pk)])
    assert (unfiled["points"], [r["id"] for r in unfiled["refs"]]) == (
        "-2.00",
        [str(outcomes[2].pk), str(outcomes[3].pk)],
    )
    assert [r.get("at", "") for r in unfiled["refs"]] == ["", "2025-03-13T19:00:00+08:00"]
    assert keng.facts["missed_activities"] == 1 and keng.facts["missed_activity_reports"] == 2


def test_a_station_certified_after_the_period_is_not_part_of_it(county_world):
    """Certified on the period's last day (23:59:59 in Shanghai): listed for H1, in incubation. Certified at
    the next second: not in H1 at all, neither ranked nor listed; listed for H2 (in incubation)."""
    from cunzhan.stations.models import Station

    w = county_world
    Station.objects.filter(pk=w.station_keng.pk).update(certified_at=at(2025, 6, 30, 23, 59, 59))
    Station.objects.filter(pk=w.station_dian.pk).update(certified_at=datetime(2025, 6, 30, 16, tzinfo=UTC))
    h1 = _compute(w, "H1")
    assert [(r.station.code, r.status, r.rank) for r in h1.results.all()] == [("JX-0001", "incubation", None)]
    h2 = _compute(w, "H2")
    assert sorted(r.station.code for r in h2.results.all()) == ["JX-0001", "JX-0002"]
    annual = services.assessment_compute(
        acting_user=w.county, county=w.regions["610828"], year=2025, period="annual", now=at(2026, 1, 20)
    )
    assert annual.results.count() == 2
    Station.objects.filter(pk=w.station_dian.pk).update(certified_at=at(2026, 1, 1))
    annual = services.assessment_compute(
        acting_user=w.county, county=w.regions["610828"], year=2025, period="annual", now=at(2026, 1, 20)
    )
    assert [r.station.code for r in annual.results.all()] == ["JX-0001"]
