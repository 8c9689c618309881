"""What each ledger's file looks like: its columns (Chinese headers, the model field each fills,
how a cell is parsed) and which columns make a row's natural key."""

from __future__ import annotations

from dataclasses import dataclass

from cunzhan.ledgers.models import (
    MODEL_BY_KIND,
    ConvenienceService,
    Direction,
    Kind,
    LedgerEntry,
    Parcel,
    ProxyPurchase,
    ProxySale,
    ServiceKind,
)
from cunzhan.ledgers.parsing import Column

STATION_HEADER = "站点编码"


@dataclass(frozen=True)
class LedgerSpec:
    kind: str
    model: type[LedgerEntry]
    columns: tuple[Column, ...]
    # the columns whose values make the row key, unique in the county; None: the station code
    # and all columns (a parcel's key is its carrier and tracking number alone)
    key_fields: tuple[str, ...] | None = None
    # the column the entry's date comes from when the file has no 日期 column
    date_from: str = "occurred_on"
    # fields shown masked to everyone but the station's keeper
    pii_fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def headers(self) -> list[str]:
        return [STATION_HEADER, *(c.header for c in self.columns)]

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]

    @property
    def amount_fields(self) -> frozenset[str]:
        """The columns in yuan: rounded to the fen on entry."""
        return frozenset(c.field for c in self.columns if c.kind == "amount")

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


def _text(header: str, field: str, max_length: int, *, required: bool = True, example: str = "") -> Column:
    return Column(header, field, "text", required=required, max_length=max_length, example=example)


def _platform(*, required: bool, example: str) -> Column:
    """The shop or platform: free text, the common ones offered in the template."""
    return Column("网店/平台", "platform", "text", required=required, max_length=64, example=example, platforms=True)


PURCHASE = LedgerSpec(
    kind=Kind.PURCHASE,
    model=ProxyPurchase,
    columns=(
        Column("日期", "occurred_on", "date", example="2025-03-01"),
        _text("商品名称", "product_name", 128, example="复合肥 50kg"),
        Column("数量", "quantity", "quantity", example=2),
        Column("金额（元）", "amount", "amount", example=236.5),
        _platform(required=True, example="拼多多"),
        _text("顾客姓名", "customer_name", 32, required=False, example="张三"),
        Column("顾客手机号", "customer_phone", "phone", required=False, example="13800001234"),
        Column("顾客身份证号", "customer_id_number", "id_number", required=False, example=""),
    ),
    pii_fields=("customer_name", "customer_phone", "customer_id_number"),
)

SALE = LedgerSpec(
    kind=Kind.SALE,
    model=ProxySale,
    columns=(
        Column("日期", "occurred_on", "date", example="2025-03-01"),
        _text("商品名称", "product_name", 128, example="佳县红枣 5kg"),
        Column("数量", "quantity", "quantity", example=10),
        Column("金额（元）", "amount", "amount", example=450),
        _platform(required=False, example="淘宝"),
        Column("经县公共服务中心/展销中心", "via_county_centre", "bool", required=False, example="否"),
        _text("卖方农户", "seller_household", 64, example="李四"),
        Column("贫困户", "poor_household", "bool", required=False, example="是"),
        Column("农产品上行", "farm_product", "bool", required=False, default=True, example="是"),
    ),
)

PARCEL = LedgerSpec(
    kind=Kind.PARCEL,
    model=Parcel,
    columns=(
        Column("方向", "direction", "choice", choices=tuple(Direction.choices), example="收"),
        _text("快递公司", "carrier", 32, example="中通"),
        _text("运单号", "tracking_no", 40, example="ZT0000000001"),
        Column("到站/收寄时间", "arrived_at", "datetime", example="2025-03-01 09:30"),
        Column("通知时间", "notified_at", "datetime", required=False, example="2025-03-01 10:00"),
        Column("交付/取件时间", "handed_over_at", "datetime", required=False, example="2025-03-02 16:20"),
        _text("交接单号", "handover_list_no", 32, required=False, example="JJ20250301"),
        Column("收件人手机号", "recipient_phone", "phone", required=False, example="13800001234"),
    ),
    key_fields=("carrier", "tracking_no"),
    date_from="arrived_at",
    pii_fields=("recipient_phone",),
)

SERVICE = LedgerSpec(
    kind=Kind.SERVICE,
    model=ConvenienceService,
    columns=(
        Column("日期", "occurred_on", "date", example="2025-03-01"),
        Column("服务类型", "service_kind", "choice", choices=tuple(ServiceKind.choices), example="缴费充值"),
        Column("金额（元）", "amount", "amount", required=False, default=0, example=100),
        _text("顾客姓名", "customer_name", 32, required=False, example="王五"),
        Column("顾客手机号", "customer_phone", "phone", required=False, example="13800001234"),
        _text("说明", "note", 128, required=False, example="代缴电费"),
    ),
    pii_fields=("customer_name", "customer_phone"),
)

SPECS: dict[str, LedgerSpec] = {s.kind: s for s in (PURCHASE, SALE, PARCEL, SERVICE)}
SPEC_BY_MODEL = {s.model: s for s in SPECS.values()}
assert set(SPECS) == set(MODEL_BY_KIND)


def spec_for(kind: str) -> LedgerSpec:
    """The spec of a ledger kind; LookupError for an unknown one."""
    try:
        return SPECS[kind]
    except KeyError:
        raise LookupError(kind) from None
