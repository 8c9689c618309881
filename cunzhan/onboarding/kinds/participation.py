"""Past marketing-activity participation (营销活动参与): whether each required station took part in an
activity, and when it filed the activity's data report — what item 5 deducts from.

The activity must be in the system already (the county records it once, with its dates, its report due
time and the stations required to take part; the 参考 sheet lists them by number): a row is one station's
part in it. A station that did not take part owes no data report (DOMAIN.md, decided edge cases), so a
row saying 否 with a report time is refused. Written through :mod:`cunzhan.activities.services`, the
report with its real filing time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from cunzhan.activities import services
from cunzhan.activities.models import ActivityReport, MarketingActivity, Participation
from cunzhan.activities.selectors import activities_for_user
from cunzhan.core.import_templates import ReferenceList, TemplateColumn
from cunzhan.core.periods import day_start, period_of
from cunzhan.ledgers.parsing import CellInvalid, parse_amount
from cunzhan.onboarding.importing import (
    COL_STATION,
    YES_NO,
    Check,
    HistoryImporter,
    Item,
    Row,
    example_codes,
    shown,
    station_column,
    station_list,
    yes_no_list,
)
from cunzhan.onboarding.models import HistoryKind
from cunzhan.stations.models import Station

COL_ACTIVITY, COL_TOOK_PART, COL_FILED = "活动编号", "是否参加", "数据上报时间"
COL_ORDERS, COL_SALES = "订单数", "销售额（元）"


@dataclass(frozen=True)
class Part(Item):
    activity: MarketingActivity
    station: Station
    participated: bool
    filed_at: datetime | None
    orders: int
    sales: Decimal
    record_participation: bool  # False when the same participation is already recorded


class ParticipationImporter(HistoryImporter):
    kind = HistoryKind.PARTICIPATION
    sheet = "营销活动参与"
    required = (COL_ACTIVITY, COL_STATION, COL_TOOK_PART)
    fields = {"submitted_at": COL_FILED}

    def headers(self) -> list[str]:
        return [*self.required, COL_FILED, COL_ORDERS, COL_SALES]

    def columns(self, check: Check) -> list[TemplateColumn]:
        return [
            TemplateColumn(
                COL_ACTIVITY,
                _("系统中已登记的营销活动的编号（见“参考”工作表）"),
                required=True,
                choices=COL_ACTIVITY,
                text=True,
            ),
            station_column(),
            TemplateColumn(COL_TOOK_PART, _("是或否"), required=True, choices=YES_NO, width=10),
            TemplateColumn(
                COL_FILED, _("活动数据上报的日期和时间，如 2025-05-10 18:00；未上报或未参加的不填"), width=20
            ),
            TemplateColumn(COL_ORDERS, _("上报的订单数，不填为 0"), width=10),
            TemplateColumn(COL_SALES, _("上报的销售额（元），最多两位小数，不填为 0"), width=14),
        ]

    def references(self, check: Check) -> list[ReferenceList]:
        activities = list(_activities(check).order_by("-start_date", "-pk")[:2000])
        return [
            ReferenceList(
                COL_ACTIVITY,
                [str(a.pk) for a in activities],
                note=_("营销活动"),
                labels=[f"{a.start_date:%Y-%m-%d} {a.title}" for a in activities],
            ),
            station_list(check),
            yes_no_list(),
        ]

    def examples(self, check: Check) -> list[list[Any]]:
        activity = _activities(check).order_by("-start_date", "-pk").first()
        number = str(activity.pk) if activity else "1"
        year = activity.start_date.year if activity else check.today.year - 1
        a, b = example_codes(check, 2)
        return [
            [number, a, "是", f"{year}-05-10 18:00", 12, 1580.5],
            [number, b, "否", "", "", ""],
        ]

    def plan(self, check: Check, rows: list[Row]) -> list[Any]:
        activities = {a.pk: a for a in _activities(check).prefetch_related("required_stations")}
        taken = {
            (p.activity_id, p.station_id): p.participated
            for p in Participation.objects.filter(activity_id__in=list(activities))
        }
        filed = {
            (r.activity_id, r.station_id): r.submitted_at
            for r in ActivityReport.objects.filter(activity_id__in=list(activities))
        }
        items: list[Part] = []
        seen: dict[tuple[int, int], int] = {}
        for row in rows:
            activity = _activity(check, row, activities)
            station = check.station(row)
            participated = check.flag(row, COL_TOOK_PART, required=True)
            filed_at = check.moment(row, COL_FILED, required=False)
            orders, sales = _figures(check, row)
            if activity is None or station is None or participated is None or orders is None or sales is None:
                continue
            if not check.unpublished(row, COL_ACTIVITY, [period_of(activity.start_date)]):
                continue
            if station not in activity.required_stations.all():
                check.error(
                    row,
                    COL_STATION,
                    _("服务站 %(code)s 不是第 %(id)s 号活动的应参加站点，请先在活动页面添加")
                    % {"code": station.code, "id": activity.pk},
                )
                continue
            if row.text(COL_FILED) and filed_at is None:
                continue
            if not _consistent(check, row, activity, participated, filed_at):
                continue
            key = (activity.pk, station.pk)
            if key in seen:
                check.error(row, COL_STATION, _("与第 %(line)d 行是同一站同一活动") % {"line": seen[key]})
                continue
            seen[key] = row.line
            held_part, held_report = taken.get(key), filed.get(key)
            if held_part is not None and held_part != participated:
                check.error(
                    row, COL_TOOK_PART, _("该站是否参加已登记为“%(value)s”，与本行不同") % {"value": _yes(held_part)}
                )
                continue
            if filed_at is not None and held_report is not None and held_report != filed_at:
                check.error(
                    row,
                    COL_FILED,
                    _("该站已于 %(at)s 上报活动数据，与本行的时间不同；上报时间不能修改") % {"at": shown(held_report)},
                )
                continue
            record_part, file_report = held_part is None, filed_at is not None and held_report is None
            if not record_part and not file_report:
                check.present += 1
                continue
            items.append(
                Part(
                    row.line,
                    activity,
                    station,
                    participated,
                    filed_at if file_report else None,
                    orders,
                    sales,
                    record_part,
                )
            )
        return items

    def save(self, check: Check, item: Any) -> list[Model]:
        made: list[Model] = []
        if item.record_participation:
            made.append(
                services.participation_record(
                    acting_user=check.acting_user,
                    activity=item.activity,
                    station=item.station,
                    participated=item.participated,
                )
            )
        if item.filed_at is not None:
            made.append(
                services.activity_report_submit(
                    acting_user=check.acting_user,
                    activity=item.activity,
                    station=item.station,
                    orders=item.orders,
                    sales_amount=item.sales,
                    submitted_at=item.filed_at,
                )
            )
        return made


def _activities(check: Check):
    return activities_for_user(check.acting_user).filter(county=check.county)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _activity(check: Check, row: Row, activities: dict[int, MarketingActivity]) -> MarketingActivity | None:
    number = row.text(COL_ACTIVITY)
    if not number:
        check.error(row, COL_ACTIVITY, _("必填"))
        return None
    activity = activities.get(int(number)) if number.isdigit() else None
    if activity is None:
        check.error(row, COL_ACTIVITY, _("本县没有编号为“%(value)s”的营销活动") % {"value": number})
    return activity


def _figures(check: Check, row: Row) -> tuple[int | None, Decimal | None]:
    orders: int | None = 0
    text = row.text(COL_ORDERS)
    if text:
        orders = int(text) if text.isdigit() and len(text) <= 9 else None
        if orders is None:
            check.error(row, COL_ORDERS, _("订单数应为不小于 0 的整数"))
    sales: Decimal | None = Decimal(0)
    if row.text(COL_SALES):
        try:
            sales = parse_amount(row.raw(COL_SALES))
        except CellInvalid as exc:
            check.error(row, COL_SALES, exc.message)
            sales = None
    if (row.text(COL_ORDERS) or row.text(COL_SALES)) and not row.text(COL_FILED):
        check.error(row, COL_FILED, _("填了订单数或销售额，请同时填写数据上报时间"))
        return None, None
    return orders, sales


def _consistent(
    check: Check, row: Row, activity: MarketingActivity, participated: bool, filed_at: datetime | None
) -> bool:
    if filed_at is None:
        return True
    if not participated:
        check.error(row, COL_FILED, _("未参加的活动无须上报数据，请删去上报时间或改为“是”"))
        return False
    if filed_at < day_start(activity.start_date):
        check.error(row, COL_FILED, _("上报时间早于活动开始日期 %(day)s") % {"day": activity.start_date.isoformat()})
        return False
    return True
