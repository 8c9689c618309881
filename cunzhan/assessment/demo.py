from __future__ import annotations

from decimal import Decimal

from cunzhan.assessment.models import SubsidyRule
from cunzhan.assessment.selectors import default_scheme
from cunzhan.regions.models import Region

# 佳县 demo: yearly subsidy (元) by grade and tier
SUBSIDIES = {
    ("优秀", "village"): "3000",
    ("合格", "village"): "1500",
    ("优秀", "township"): "5000",
    ("合格", "township"): "2500",
}


def load_assessment(ctx) -> None:
    scheme = default_scheme()
    county = Region.objects.get(code="610828")
    for (grade, tier), amount in SUBSIDIES.items():
        SubsidyRule.objects.get_or_create(county=county, grade=grade, tier=tier, defaults={"amount": Decimal(amount)})
    ctx.write(f"考核方案 {scheme}；佳县考核补贴标准 {len(SUBSIDIES)} 项（2025 年上半年、年终考核所需数据均已齐备）")
