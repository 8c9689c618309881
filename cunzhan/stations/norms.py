"""The station norms (Jiangxi 第六、七、九、十条) as pure rules: facts in, a checklist out.

No ORM here: :func:`cunzhan.stations.selectors.norm_checklist` gathers the facts from a station
record, the county's parameters and the station's exemptions, and calls :func:`evaluate`.
A failing rule with an active exemption reads "exempt", with the reason and approver shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class NormRule(TextChoices):
    AREA = "area", gettext_lazy("实际使用面积")
    POPULATION = "population", gettext_lazy("服务常住人口")
    POOR_SHARE = "poor_share", gettext_lazy("建档立卡贫困人口比例")
    ONE_PER_REGION = "one_per_region", gettext_lazy("一村（乡镇）一站")
    EQUIPMENT = "equipment", gettext_lazy("必需设施设备")
    STAFF = "staff", gettext_lazy("站点负责人员")
    PRE_JOB_TRAINING = "pre_job_training", gettext_lazy("岗前培训天数")
    YEARLY_TRAINING = "yearly_training", gettext_lazy("年度培训次数")
    PUBLIC_NOTICE = "public_notice", gettext_lazy("服务信息公示")


class Outcome(TextChoices):
    PASS = "pass", gettext_lazy("符合")
    FAIL = "fail", gettext_lazy("不符合")
    EXEMPT = "exempt", gettext_lazy("已放宽")


# where each rule comes from, shown beside it
CLAUSES: dict[str, str] = {
    NormRule.AREA: "江西规范第七条1",
    NormRule.POPULATION: "江西规范第六条1",
    NormRule.POOR_SHARE: "江西规范第六条1",
    NormRule.ONE_PER_REGION: "江西规范第五条3",
    NormRule.EQUIPMENT: "江西规范第七条2、3",
    NormRule.STAFF: "江西规范第九条1",
    NormRule.PRE_JOB_TRAINING: "江西规范第九条3",
    NormRule.YEARLY_TRAINING: "江西规范第九条3",
    NormRule.PUBLIC_NOTICE: "江西规范第十条3",
}

EQUIPMENT_LABELS = {
    "has_broadband": gettext_lazy("宽带网络"),
    "has_terminal": gettext_lazy("电脑/显示设备或移动终端"),
    "has_shelves": gettext_lazy("货架"),
    "has_display_cabinet": gettext_lazy("展示柜"),
    "has_parcel_facilities": gettext_lazy("快递收发设施"),
}
NOTICE_LABELS = {
    "opening_hours": gettext_lazy("营业时间"),
    "service_items": gettext_lazy("服务项目"),
    "key_processes": gettext_lazy("重点服务流程"),
    "service_promise": gettext_lazy("服务承诺"),
    "fees": gettext_lazy("收费标准"),
    "complaint_channel": gettext_lazy("监督投诉渠道"),
    "contact_phone": gettext_lazy("联系电话"),
}


@dataclass(frozen=True)
class Thresholds:
    min_area: Decimal  # for the station's tier
    min_population: int
    min_poor_share: Decimal  # the share must be strictly above this (percent)
    min_training_days: Decimal
    min_yearly_trainings: int


@dataclass(frozen=True)
class PersonFacts:
    name: str
    training_days: Decimal
    yearly_trainings: int


@dataclass(frozen=True)
class StationFacts:
    tier_label: str
    usable_area: Decimal | None
    population: int | None
    poor_share: Decimal | None
    equipment: Mapping[str, bool]
    notice: Mapping[str, str]
    people: Sequence[PersonFacts] = ()
    # other stations of the same tier, not revoked or closed, serving the same village / township
    peers_in_region: Sequence[str] = ()


@dataclass(frozen=True)
class Exemption:
    reason: str
    approver: str
    approved_on: str  # already formatted for display


@dataclass(frozen=True)
class NormResult:
    rule: NormRule
    outcome: Outcome
    explanation: str
    exemption: Exemption | None = None
    clause: str = field(default="")

    @property
    def label(self) -> str:
        return str(self.rule.label)

    @property
    def passed(self) -> bool:
        return self.outcome != Outcome.FAIL


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _area(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    if f.usable_area is None:
        return False, _("未填写实际使用面积（%(tier)s不少于 %(min)s ㎡）") % {
            "tier": f.tier_label,
            "min": _fmt(t.min_area),
        }
    ok = f.usable_area >= t.min_area
    return ok, _("实际使用面积 %(area)s ㎡，%(tier)s须不少于 %(min)s ㎡") % {
        "area": _fmt(f.usable_area),
        "tier": f.tier_label,
        "min": _fmt(t.min_area),
    }


def _population(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    if f.population is None:
        return False, _("未填写服务常住人口（一般不少于 %(min)d 人）") % {"min": t.min_population}
    return f.population >= t.min_population, _("服务常住人口 %(n)d 人，一般不少于 %(min)d 人") % {
        "n": f.population,
        "min": t.min_population,
    }


def _poor_share(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    if f.poor_share is None:
        return False, _("未填写建档立卡贫困人口占比")
    return f.poor_share > t.min_poor_share, _("建档立卡贫困人口占比 %(share)s%%，须高于 %(min)s%%") % {
        "share": _fmt(f.poor_share),
        "min": _fmt(t.min_poor_share),
    }


def _one_per_region(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    if not f.peers_in_region:
        return True, _("该区域内没有其他同级站点")
    return False, _("该区域内已有同级站点：%(codes)s（原则上不超过 1 个，可记录理由后放行）") % {
        "codes": "、".join(f.peers_in_region)
    }


def _equipment(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    missing = [str(label) for key, label in EQUIPMENT_LABELS.items() if not f.equipment.get(key)]
    if missing:
        return False, _("缺少：%(items)s") % {"items": "、".join(missing)}
    return True, _("宽带、终端、货架、展示柜、收发设施齐全")


def _staff(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    if f.people:
        return True, _("已配备负责人员 %(n)d 名") % {"n": len(f.people)}
    return False, _("至少配备 1 名负责人员，尚未登记")


def _pre_job_training(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    best = max((p.training_days for p in f.people), default=None)
    if best is None:
        return False, _("尚未登记负责人员的岗前培训")
    return best >= t.min_training_days, _("负责人员岗前培训最多累计 %(days)s 天，须不少于 %(min)s 天") % {
        "days": _fmt(best),
        "min": _fmt(t.min_training_days),
    }


def _yearly_training(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    best = max((p.yearly_trainings for p in f.people), default=None)
    if best is None:
        return False, _("尚未登记负责人员的年度培训")
    return best >= t.min_yearly_trainings, _("负责人员本年度最多参加培训 %(n)d 次，须不少于 %(min)d 次") % {
        "n": best,
        "min": t.min_yearly_trainings,
    }


def _public_notice(f: StationFacts, t: Thresholds) -> tuple[bool, str]:
    missing = [str(label) for key, label in NOTICE_LABELS.items() if not (f.notice.get(key) or "").strip()]
    if missing:
        return False, _("未公示：%(items)s") % {"items": "、".join(missing)}
    return True, _("营业时间、服务项目、流程、承诺、收费、投诉渠道、联系方式均已公示")


RULES = {
    NormRule.AREA: _area,
    NormRule.POPULATION: _population,
    NormRule.POOR_SHARE: _poor_share,
    NormRule.ONE_PER_REGION: _one_per_region,
    NormRule.EQUIPMENT: _equipment,
    NormRule.STAFF: _staff,
    NormRule.PRE_JOB_TRAINING: _pre_job_training,
    NormRule.YEARLY_TRAINING: _yearly_training,
    NormRule.PUBLIC_NOTICE: _public_notice,
}


def evaluate(
    facts: StationFacts, thresholds: Thresholds, exemptions: Mapping[str, Exemption] | None = None
) -> list[NormResult]:
    """Every rule in order; a failed rule with an exemption is EXEMPT, keeping its explanation."""
    exemptions = exemptions or {}
    results = []
    for rule, check in RULES.items():
        ok, explanation = check(facts, thresholds)
        exemption = exemptions.get(rule)
        if ok:
            outcome = Outcome.PASS
        elif exemption is not None:
            outcome = Outcome.EXEMPT
        else:
            outcome = Outcome.FAIL
        results.append(
            NormResult(
                rule=rule,
                outcome=outcome,
                explanation=explanation,
                exemption=exemption if outcome == Outcome.EXEMPT else None,
                clause=CLAUSES[rule],
            )
        )
    return results


def failures(results: Sequence[NormResult]) -> list[NormResult]:
    return [r for r in results if r.outcome == Outcome.FAIL]
