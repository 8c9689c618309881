"""The sub-items an inspector rates on site (Jia 第五条一), as data: (key, item, label, maximum).

The assessment reads the ratings by key; the form and the validation read the maxima from here.
The indicator named beside a sub-item is what the system shows the inspector before rating it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RatingItem:
    key: str
    item: int  # the assessment item (1–10) the sub-item belongs to
    label: str
    max: Decimal
    indicator: str = ""  # an attribute of indicators.Indicators


RATING_ITEMS: tuple[RatingItem, ...] = (
    RatingItem("item1_facilities", 1, _("设施设备完好、正常运行"), Decimal(5), "open_faults"),
    RatingItem("item2_public_facilities", 2, _("公共设施干净整洁"), Decimal(3)),
    RatingItem("item2_goods_tidy", 2, _("商品及快递包裹摆放整齐"), Decimal(2)),
    RatingItem("item3_policy_promotion", 3, _("电商政策及营销活动宣传"), Decimal(2)),
    RatingItem("item3_government_info", 3, _("党和政府政策、政务信息宣传"), Decimal("1.5")),
    RatingItem("item3_entrepreneurship", 3, _("电商创业宣传、组织、指导服务"), Decimal("1.5")),
    RatingItem("item7_purchase_ledger", 7, _("代购台账健全、登记及时"), Decimal(5), "ledger_delay_days"),
    RatingItem("item8_sale_ledger", 8, _("代销台账健全、登记及时"), Decimal(5), "ledger_delay_days"),
    RatingItem("item9_handover_ledger", 9, _("收寄物品交接清单等台账健全"), Decimal(5), "ledger_delay_days"),
    RatingItem("item9_no_delay", 9, _("收寄物品不延后、不积压"), Decimal(10), "parcels_over_48h"),
    RatingItem("item10_services", 10, _("提供缴费充值、信贷咨询等便民服务"), Decimal(10)),
    RatingItem("item10_ledger", 10, _("便民服务台账健全"), Decimal(5), "ledger_delay_days"),
)
ITEMS_BY_KEY: dict[str, RatingItem] = {item.key: item for item in RATING_ITEMS}
KEYS: tuple[str, ...] = tuple(ITEMS_BY_KEY)
