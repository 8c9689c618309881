"""Each norm at its boundary, as a pure function (no database)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from cunzhan.stations.norms import (
    EQUIPMENT_LABELS,
    NOTICE_LABELS,
    Exemption,
    NormRule,
    Outcome,
    PersonFacts,
    StationFacts,
    Thresholds,
    evaluate,
    failures,
)

D = Decimal
DEFAULTS = {"county": D(200), "township": D(20), "village": D(10)}
DEFAULTS_VILLAGE = DEFAULTS["village"]


def thresholds(min_area: Decimal = DEFAULTS_VILLAGE, **kw) -> Thresholds:
    return Thresholds(
        min_area=min_area,
        min_population=kw.get("min_population", 300),
        min_poor_share=kw.get("min_poor_share", D(0)),
        min_training_days=kw.get("min_training_days", D(3)),
        min_yearly_trainings=kw.get("min_yearly_trainings", 2),
    )


GOOD = StationFacts(
    tier_label="村级服务点",
    usable_area=D(10),
    population=300,
    poor_share=D("0.01"),
    equipment=dict.fromkeys(EQUIPMENT_LABELS, True),
    notice=dict.fromkeys(NOTICE_LABELS, "已公示"),
    people=(PersonFacts("张三", D(3), 2),),
)


def outcome(facts: StationFacts, rule: NormRule, t: Thresholds | None = None, exemptions=None) -> Outcome:
    results = {r.rule: r for r in evaluate(facts, t or thresholds(), exemptions)}
    return results[rule].outcome


def test_a_compliant_station_passes_every_rule():
    results = evaluate(GOOD, thresholds())
    assert [r.rule for r in results] == list(NormRule)
    assert failures(results) == []


@pytest.mark.parametrize(
    ("tier", "below", "at"),
    [("village", "9.99", "10"), ("township", "19.99", "20"), ("county", "199.99", "200")],
)
def test_area_by_tier_at_its_boundary(tier, below, at):
    t = thresholds(DEFAULTS[tier])
    assert outcome(replace(GOOD, usable_area=D(below)), NormRule.AREA, t) == Outcome.FAIL
    assert outcome(replace(GOOD, usable_area=D(at)), NormRule.AREA, t) == Outcome.PASS


def test_area_not_given_fails_with_a_reason():
    result = evaluate(replace(GOOD, usable_area=None), thresholds())[0]
    assert result.outcome == Outcome.FAIL and "未填写" in result.explanation


def test_population_boundary_299_300():
    assert outcome(replace(GOOD, population=299), NormRule.POPULATION) == Outcome.FAIL
    assert outcome(replace(GOOD, population=300), NormRule.POPULATION) == Outcome.PASS
    assert outcome(replace(GOOD, population=None), NormRule.POPULATION) == Outcome.FAIL


def test_poor_share_must_be_above_the_threshold():
    assert outcome(replace(GOOD, poor_share=D(0)), NormRule.POOR_SHARE) == Outcome.FAIL
    assert outcome(replace(GOOD, poor_share=D("0.01")), NormRule.POOR_SHARE) == Outcome.PASS
    t = thresholds(min_poor_share=D(5))
    assert outcome(replace(GOOD, poor_share=D(5)), NormRule.POOR_SHARE, t) == Outcome.FAIL
    assert outcome(replace(GOOD, poor_share=D("5.01")), NormRule.POOR_SHARE, t) == Outcome.PASS


def test_thresholds_are_county_parameters():
    t = thresholds(D(15), min_population=500)
    assert outcome(replace(GOOD, usable_area=D(12)), NormRule.AREA, t) == Outcome.FAIL
    assert outcome(replace(GOOD, population=499), NormRule.POPULATION, t) == Outcome.FAIL


def test_training_days_boundary_2_9_and_3():
    assert outcome(replace(GOOD, people=(PersonFacts("甲", D("2.9"), 2),)), NormRule.PRE_JOB_TRAINING) == "fail"
    assert outcome(replace(GOOD, people=(PersonFacts("甲", D(3), 2),)), NormRule.PRE_JOB_TRAINING) == "pass"


def test_one_trained_person_is_enough():
    people = (PersonFacts("甲", D(1), 0), PersonFacts("乙", D(4), 3))
    assert outcome(replace(GOOD, people=people), NormRule.PRE_JOB_TRAINING) == Outcome.PASS
    assert outcome(replace(GOOD, people=people), NormRule.YEARLY_TRAINING) == Outcome.PASS


def test_yearly_trainings_boundary_1_and_2():
    assert outcome(replace(GOOD, people=(PersonFacts("甲", D(3), 1),)), NormRule.YEARLY_TRAINING) == "fail"
    assert outcome(replace(GOOD, people=(PersonFacts("甲", D(3), 2),)), NormRule.YEARLY_TRAINING) == "pass"


def test_no_responsible_person_fails_staff_and_both_trainings():
    results = {r.rule: r.outcome for r in evaluate(replace(GOOD, people=()), thresholds())}
    assert results[NormRule.STAFF] == results[NormRule.PRE_JOB_TRAINING] == Outcome.FAIL
    assert results[NormRule.YEARLY_TRAINING] == Outcome.FAIL


@pytest.mark.parametrize("missing", list(EQUIPMENT_LABELS))
def test_each_piece_of_equipment_is_required(missing):
    facts = replace(GOOD, equipment={**GOOD.equipment, missing: False})
    result = next(r for r in evaluate(facts, thresholds()) if r.rule == NormRule.EQUIPMENT)
    assert result.outcome == Outcome.FAIL
    assert str(EQUIPMENT_LABELS[missing]) in result.explanation


@pytest.mark.parametrize("missing", list(NOTICE_LABELS))
def test_each_public_notice_item_is_required(missing):
    facts = replace(GOOD, notice={**GOOD.notice, missing: "  "})
    result = next(r for r in evaluate(facts, thresholds()) if r.rule == NormRule.PUBLIC_NOTICE)
    assert result.outcome == Outcome.FAIL
    assert str(NOTICE_LABELS[missing]) in result.explanation


def test_a_second_station_in_the_region_is_flagged_with_the_other_code():
    result = next(
        r
        for r in evaluate(replace(GOOD, peers_in_region=("JX-0001",)), thresholds())
        if r.rule == NormRule.ONE_PER_REGION
    )
    assert result.outcome == Outcome.FAIL and "JX-0001" in result.explanation


def test_an_exemption_turns_a_failure_into_exempt_and_keeps_the_explanation():
    exemption = Exemption(reason="深度贫困地区：村委会腾出房屋有限", approver="县电商办", approved_on="2026-01-01")
    facts = replace(GOOD, usable_area=D(8))
    result = next(r for r in evaluate(facts, thresholds(), {NormRule.AREA: exemption}) if r.rule == NormRule.AREA)
    assert result.outcome == Outcome.EXEMPT
    assert result.exemption == exemption and "8" in result.explanation
    assert result.passed


def test_an_exemption_on_a_passing_rule_changes_nothing():
    exemption = Exemption(reason="x", approver="y", approved_on="z")
    result = evaluate(GOOD, thresholds(), {NormRule.AREA: exemption})[0]
    assert result.outcome == Outcome.PASS and result.exemption is None
