"""Published (or draft) results as rows, written to Excel by the shared writer."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import F

from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.models import Assessment

STATUS_LABELS = {"assessed": "已考核", "incubation": "培育期", "incomplete": "评分不完整"}


def header(assessment: Assessment) -> list[str]:
    base = ["排名", "站点编码", "站点名称", "状态"]
    if assessment.period == "annual":
        return [*base, "上半年", "年终", "日常督查扣分", "综合得分", "等级", "补贴（元）"]
    items = parse_scheme(assessment.scheme.data).items
    return [*base, *[f"第{i.no}项 {i.short}" for i in items], "总分", "等级", "补贴（元）"]


def rows(assessment: Assessment) -> Iterator[list]:
    for r in assessment.results.select_related("station").order_by(F("rank").asc(nulls_last=True), "station__code"):
        base = [r.rank or "", r.station.code, r.station.name, STATUS_LABELS.get(r.status, r.status)]
        tail = [r.total if r.total is not None else "", r.grade, r.subsidy or ""]
        if assessment.period == "annual":
            yield [*base, *("" if v is None else v for v in (r.h1, r.h2, r.deductions)), *tail]
        else:
            scores = {str(i["no"]): i["score"] for i in r.items}
            yield [
                *base,
                *(Decimal(scores[str(n)]) if str(n) in scores and r.status == "assessed" else "" for n in range(1, 11)),
                *tail,
            ]
