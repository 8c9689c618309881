from __future__ import annotations

from decimal import Decimal

from cunzhan.accounts.models import User
from cunzhan.assessment.models import PublicationSettings, SchemeVersion, SubsidyRule
from cunzhan.assessment.selectors import default_scheme
from cunzhan.assessment.services import scheme_copy
from cunzhan.regions.models import Region

# 佳县 demo: yearly subsidy (元) by grade and tier
SUBSIDIES = {
    ("优秀", "village"): "3000",
    ("合格", "village"): "1500",
    ("优秀", "township"): "5000",
    ("合格", "township"): "2500",
}
DEMO_SUPERVISION_PHONE = "0912-7212345"


def load_assessment(ctx) -> None:
    scheme = default_scheme()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    for county in Region.objects.filter(code__in=["610828", "360734"]):
        if admin is not None and not SchemeVersion.objects.filter(county=county).exists():
            scheme_copy(acting_user=admin, county=county)  # each demo county has chosen its scheme
    county = Region.objects.get(code="610828")
    for (grade, tier), amount in SUBSIDIES.items():
        SubsidyRule.objects.get_or_create(county=county, grade=grade, tier=tier, defaults={"amount": Decimal(amount)})
    # a 公示 names its supervision phone, or it is not published: 佳县 has set one (寻乌 has not, and is told)
    PublicationSettings.objects.get_or_create(county=county, defaults={"supervision_phone": DEMO_SUPERVISION_PHONE})
    ctx.write(f"考核方案 {scheme}；佳县考核补贴标准 {len(SUBSIDIES)} 项（2025 年上半年、年终考核所需数据均已齐备）")
