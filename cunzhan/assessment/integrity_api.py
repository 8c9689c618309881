"""/api/v1/assessments/integrity/…: the order-integrity flags (刷单提示) of a county's half-year with their
decisions, one flag with the orders it names, and the decision on it — as on the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from cunzhan.assessment.integrity_selectors import FlagView, current_half, flag, flags, named_orders
from cunzhan.assessment.integrity_services import order_flag_decide
from cunzhan.regions.selectors import county_for_user
from cunzhan.stations.selectors import get_station_for_user_or_404

router = Router(tags=["刷单提示"])


class FlagOut(Schema):
    station: str
    year: int
    half: str
    ledger: str = Field(..., description="purchase 代购 / sale 代销")
    kind: str = Field(
        ...,
        description="burst 集中登记 / customer 同一顾客 / amount 同一金额 / period_end 期末突击 / "
        "backdated 批量补登 / volume 单量异常",
    )
    key: str = Field(..., description="提示标识（核实时给出）")
    text: str = Field(..., description="提示的说明")
    orders: int = Field(..., description="提示所列订单数（单量异常不列订单，为 0）")
    found: bool = Field(..., description="按现在的台账是否仍出现")
    status: str = Field(..., description="open 待核实 / confirmed 已确认刷单 / dismissed 已排除")
    reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


class OrderOut(Schema):
    id: int
    ledger: str
    occurred_on: date
    recorded_at: datetime
    amount: Decimal
    who: str = Field(..., description="顾客或农户（已脱敏）")
    imported: bool


class FlagDetailOut(FlagOut):
    named: list[OrderOut]


class DecisionIn(Schema):
    key: str
    decision: str = Field(..., description="confirmed 确认刷单（所列订单此后不计入第 7、8 项单数） / dismissed 排除")
    reason: str = Field(..., description="核实的理由（必填）")


def _out(view: FlagView) -> dict:
    decision = view.decision
    return {
        "station": view.station.code,
        "year": view.year,
        "half": view.half,
        "ledger": view.ledger,
        "kind": view.kind,
        "key": view.key,
        "text": view.text(),
        "orders": view.orders,
        "found": view.finding is not None,
        "status": view.status,
        "reason": decision.reason if decision else None,
        "decided_by": decision.decided_by.username if decision else None,
        "decided_at": decision.decided_at if decision else None,
    }


@router.get("/flags", response=list[FlagOut], summary="一个县某考核期的刷单提示及核实结论")
def list_flags(request, county: str | None = None, year: int | None = None, half: str | None = None):
    region = county_for_user(request.user, county)
    this_year, this_half = current_half()
    return [_out(v) for v in flags(request.user, region, year or this_year, half or this_half)]


def _flag(request, code: str, year: int, half: str, key: str) -> FlagView:
    station = get_station_for_user_or_404(request.user, code)
    view = flag(request.user, station, year, half, key)
    if view is None:
        raise Http404(_("该提示已不存在（台账已有变化）。"))
    return view


@router.get("/flags/{code}/{int:year}/{half}", response=FlagDetailOut, summary="一条刷单提示及其所列订单")
def get_flag(request, code: str, year: int, half: str, key: str):
    view = _flag(request, code, year, half, key)
    return {**_out(view), "named": [o.__dict__ for o in named_orders(view)]}


@router.post(
    "/flags/{code}/{int:year}/{half}/decision",
    response=FlagOut,
    summary="核实一条刷单提示：确认（所列订单不再计入单数）或排除，须写理由",
)
def decide_flag(request, code: str, year: int, half: str, payload: DecisionIn):
    station = get_station_for_user_or_404(request.user, code)
    order_flag_decide(
        acting_user=request.user,
        station=station,
        year=year,
        half=half,
        key=payload.key,
        decision=payload.decision,
        reason=payload.reason,
    )
    return _out(_flag(request, code, year, half, payload.key))
