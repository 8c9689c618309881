"""The engine against every rule of DOMAIN.md's table, at its boundaries. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cunzhan.assessment.engine import (
    Fault,
    Period,
    StationFacts,
    SupervisionFacts,
    assess_annual,
    assess_period,
    load_scheme,
    rank,
)
from cunzhan.assessment.engine.evaluate import explain
from cunzhan.core.dates import SHANGHAI

SCHEME = load_scheme("jia-2020")
H1 = Period.of(2025, "H1", SCHEME.periods["H1"])
H2 = Period.of(2025, "H2", SCHEME.periods["H2"])
FULL = {s.key: s.max for item in SCHEME.items for s in item.sub}


def facts(**changes) -> StationFacts:
    """A perfect station (certified long ago, full ratings, targets met) changed as the test says."""
    base = StationFacts(
        station="S1",
        population=800,
        certified=date(2023, 1, 1),
        ratings=dict(FULL),
        purchase_orders=400,
        sale_orders=100,
    )
    ratings = changes.pop("ratings", {})
    return replace(base, ratings={**base.ratings, **ratings}, **changes)


def item(result, no):
    return next(i for i in result.items if i.no == no)


def test_a_perfect_station_scores_100_and_is_excellent():
    result = assess_period(SCHEME, H1, facts())
    assert result.status == "assessed" and result.total == D("100.00") and result.grade == "优秀"
    assert all(i.score == i.max for i in result.items)


@pytest.mark.parametrize(
    ("population", "purchase", "sale"),
    [
        (499, 200, 50),
        (500, 400, 100),
        (999, 400, 100),
        (1000, 800, 200),
        (2000, 800, 200),
        (2001, 800, 200),
    ],
)
def test_order_targets_by_population_band(population, purchase, sale):
    assert (SCHEME.target(population).purchase, SCHEME.target(population).sale) == (purchase, sale)
    # half a year: half the target meets it exactly, one order fewer does not
    half = purchase // 2
    assert item(assess_period(SCHEME, H1, facts(population=population, purchase_orders=half)), 7).score == 15
    short = assess_period(SCHEME, H1, facts(population=population, purchase_orders=half - 1))
    expected = SCHEME.round(D(10) * D(half - 1) / D(half)) + 5
    assert item(short, 7).score == expected


def test_orders_score_is_proportional_and_zero_without_orders():
    result = assess_period(SCHEME, H1, facts(population=800, purchase_orders=50, sale_orders=0))
    assert item(result, 7).score == D("7.50")  # 10 × 50/200 + 5
    assert item(result, 8).score == D("5.00")
    assert "代购 50 单" in item(result, 7).lines[0].text


def test_full_year_scope_uses_the_annual_target():
    full = Period.of(2025, "H2", SCHEME.periods["H2"], full_year=True)
    assert full.months == 12
    assert item(assess_period(SCHEME, full, facts(purchase_orders=200)), 7).score == D("10.00")


@pytest.mark.parametrize(
    ("kwargs", "score"),
    [
        ({}, D(5)),
        ({"leave": 1}, D(4)),
        ({"absent": 1}, D(3)),
        ({"late": 1}, D("4.5")),
        ({"early_leave": 1}, D(4)),
        ({"late": 3, "absent": 1}, D("1.5")),
        ({"absent": 3}, D(0)),
        ({"failed_tests": 1}, D(5)),
        ({"failed_tests": 2}, D(0)),
        ({"failed_tests": 2, "late": 1}, D(0)),
    ],
)
def test_training_deductions(kwargs, score):
    assert item(assess_period(SCHEME, H1, facts(**kwargs)), 4).score == score


@pytest.mark.parametrize(
    ("kwargs", "score"),
    [
        ({"missed_activities": 1}, D(7)),
        ({"missed_activity_reports": 2}, D(8)),
        ({"missed_activities": 4}, D(0)),
    ],
)
def test_marketing_deductions(kwargs, score):
    assert item(assess_period(SCHEME, H1, facts(**kwargs)), 5).score == score


@pytest.mark.parametrize(
    ("late", "missed", "score"),
    [(1, 0, D("9.5")), (0, 1, D(8)), (3, 2, D("4.5")), (0, 5, D(0)), (0, 6, D(0))],
)
def test_reporting_deductions(late, missed, score):
    assert item(assess_period(SCHEME, H1, facts(late_reports=late, missed_reports=missed)), 6).score == score


@pytest.mark.parametrize(("complaints", "score"), [(0, 15), (1, 14), (14, 1), (15, 0), (40, 0)])
def test_parcel_complaints_may_eat_the_whole_item(complaints, score):
    assert item(assess_period(SCHEME, H1, facts(parcel_complaints=complaints)), 9).score == score


def test_ratings_are_capped_and_floored_per_sub_item():
    result = assess_period(
        SCHEME, H1, facts(ratings={"item2_public_facilities": D("3.5"), "item2_goods_tidy": D("-1")})
    )
    assert item(result, 2).score == D("3.00")


def test_a_fault_that_did_not_stop_operation_costs_nothing():
    fault = Fault(reported=datetime(2025, 1, 1, tzinfo=SHANGHAI), repaired=None, stopped_operation=False)
    assert item(assess_period(SCHEME, H1, facts(faults=(fault,))), 1).score == 5


def test_a_missing_rating_makes_the_station_incomplete():
    result = assess_period(SCHEME, H1, facts(ratings={"item10_services": None}))
    assert result.status == "incomplete" and result.total is None and result.missing == ("item10_services",)


@pytest.mark.parametrize(
    ("certified", "status"),
    [
        (date(2024, 12, 30), "assessed"),  # exactly 6 months before 30 June
        (date(2024, 12, 31), "assessed"),  # 31 Dec + 6 months is 30 June (month end)
        (date(2025, 1, 1), "incubation"),  # one day short
        (date(2024, 12, 29), "assessed"),
    ],
)
def test_incubation_at_six_months_plus_minus_a_day(certified, status):
    assert assess_period(SCHEME, H1, facts(certified=certified)).status == status


def lose(points: D) -> StationFacts:
    """A station losing exactly ``points`` through item 6 (0.5 per late report) and item 9 complaints."""
    complaints = min(int(points), 15)
    return facts(parcel_complaints=complaints, late_reports=int((points - complaints) / D("0.5")))


@pytest.mark.parametrize(
    ("total", "grade"), [(D("90"), "优秀"), (D("89.99"), "合格"), (D("60"), "合格"), (D("59.99"), "不合格")]
)
def test_grade_bands(total, grade):
    assert SCHEME.grade(total) == grade


def test_grades_at_the_boundary_through_real_scores():
    assert assess_period(SCHEME, H1, lose(D(10))).grade == "优秀"  # 90.00
    assert assess_period(SCHEME, H1, lose(D("10.5"))).grade == "合格"  # 89.50
    almost = facts(purchase_orders=199, population=800)  # 10 × 199/200 = 9.95 → 99.95
    assert assess_period(SCHEME, H1, almost).total == D("99.95")


def test_annual_composite_halves_and_deductions():
    h1 = assess_period(SCHEME, H1, lose(D(10)))  # 90
    h2 = assess_period(SCHEME, H2, lose(D(20)))  # 80
    annual = assess_annual(SCHEME, h1, h2, SupervisionFacts("S1", {"public_report": 1, "not_cooperating": 1}))
    assert annual.total == D("70.00") and annual.deductions == D(15) and annual.grade == "合格"


def test_annual_composite_is_floored_at_zero():
    h = assess_period(SCHEME, H1, facts())
    annual = assess_annual(SCHEME, h, h, SupervisionFacts("S1", {"leader_criticism_or_media": 11}))
    assert annual.total == D("0.00") and annual.grade == "不合格"


def test_incubation_in_h1_counts_h2_in_full():
    h1 = assess_period(SCHEME, H1, facts(certified=date(2025, 3, 1)))
    h2 = assess_period(SCHEME, H2, lose(D(10)))
    annual = assess_annual(SCHEME, h1, h2, SupervisionFacts("S1", {"poor_performance": 1}))
    assert h1.status == "incubation" and annual.total == D("85.00")


def test_incubation_in_both_halves_is_listed_not_ranked():
    h = assess_period(SCHEME, H2, facts(certified=date(2025, 9, 1)))
    annual = assess_annual(SCHEME, h, h, SupervisionFacts("S1"))
    assert annual.status == "incubation" and rank([annual])[0].rank is None


def test_equal_scores_share_a_rank():
    results = [
        replace(assess_period(SCHEME, H1, lose(D(p))), station=s) for s, p in (("A", 0), ("B", 5), ("C", 5), ("D", 7))
    ]
    ranked = rank(results)
    assert [(r.station, r.rank) for r in ranked] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]


def test_explanations_name_every_lost_point():
    result = assess_period(SCHEME, H1, facts(late=2, parcel_complaints=3))
    text = "\n".join(explain(result))
    assert "迟到 2 次" in text and "投诉 3 件" in text
    lost = sum(line.points for i in result.items for line in i.lines if line.points < 0)
    assert -lost == D(100) - result.total


def test_scheme_numbers_are_parameters():
    raw = {**SCHEME.raw, "items": [dict(i) for i in SCHEME.raw["items"]]}
    raw["items"][3] = {**raw["items"][3], "per_late": "1"}
    from cunzhan.assessment.engine import parse_scheme

    county = parse_scheme(raw)
    assert item(assess_period(county, H1, facts(late=1)), 4).score == 4


# -- properties --------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=60)
rating = st.decimals(min_value=-2, max_value=12, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def any_facts(draw):
    return facts(
        population=draw(st.integers(0, 5000)),
        purchase_orders=draw(st.integers(0, 2000)),
        sale_orders=draw(st.integers(0, 500)),
        leave=draw(counts),
        absent=draw(counts),
        late=draw(counts),
        early_leave=draw(counts),
        failed_tests=draw(st.integers(0, 4)),
        missed_activities=draw(counts),
        missed_activity_reports=draw(counts),
        late_reports=draw(counts),
        missed_reports=draw(counts),
        parcel_complaints=draw(counts),
        ratings={k: draw(rating) for k in FULL},
    )


@settings(max_examples=150, deadline=None)
@given(any_facts())
def test_every_item_is_within_its_bounds_and_the_total_is_their_sum(f):
    result = assess_period(SCHEME, H1, f)
    assert all(D(0) <= i.score <= i.max for i in result.items)
    assert result.total == sum(i.score for i in result.items)
    assert D(0) <= result.total <= D(100)


@settings(max_examples=100, deadline=None)
@given(any_facts(), st.integers(1, 500), st.integers(1, 500))
def test_more_orders_never_lower_a_score(f, more_purchase, more_sale):
    before = assess_period(SCHEME, H1, f).total
    after = assess_period(
        SCHEME,
        H1,
        replace(f, purchase_orders=f.purchase_orders + more_purchase, sale_orders=f.sale_orders + more_sale),
    ).total
    assert after >= before


@settings(max_examples=100, deadline=None)
@given(
    any_facts(),
    st.sampled_from(
        [
            "leave",
            "absent",
            "late",
            "early_leave",
            "failed_tests",
            "missed_reports",
            "late_reports",
            "missed_activities",
            "parcel_complaints",
        ]
    ),
    st.integers(1, 5),
)
def test_more_absences_or_lapses_never_raise_a_score(f, field, more):
    before = assess_period(SCHEME, H1, f).total
    after = assess_period(SCHEME, H1, replace(f, **{field: getattr(f, field) + more})).total
    assert after <= before


def test_a_supervision_kind_the_scheme_adds_explains_itself_in_the_pages_language():
    """A county's scheme may deduct for a kind of its own: the line names it by its key, and its message
    is marked for translation like the others (an English page reads English)."""
    from django.utils import translation

    from cunzhan.assessment.links import line_text

    scheme = replace(SCHEME, supervision={**SCHEME.supervision, "late_meeting": D(2)})
    h = assess_period(scheme, H1, lose(D(0)))
    annual = assess_annual(scheme, h, h, SupervisionFacts("S1", {"late_meeting": 3}))
    (line,) = annual.lines[1:]  # after the composite's own line
    assert line.text == "late_meeting 3 次，每次扣 2 分" and line.points == D(-6)
    stored = {"text": line.text, "message": line.message, "args": dict(line.args)}
    with translation.override("en"):
        assert line_text(stored) == "late_meeting: 3 time(s), 2 point(s) each"
