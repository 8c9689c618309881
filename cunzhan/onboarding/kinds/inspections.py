"""Past inspections (实地察看): the station, the half-year assessed, when and by whom (a supervisor of the
station's township or a county office account), and every rated sub-item of
:mod:`cunzhan.supervision.rating_items` with its comment. Saved through
:func:`cunzhan.supervision.services.inspection_save`, which checks each score against its maximum and
asks a comment for any deduction, as for an inspector on site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core.import_templates import ReferenceList, TemplateColumn
from cunzhan.core.models import Half
from cunzhan.core.periods import Period
from cunzhan.core.roles import Role
from cunzhan.core.scoping import scope_of
from cunzhan.onboarding.importing import (
    COL_STATION,
    Check,
    HistoryImporter,
    Item,
    Row,
    chinese,
    example_codes,
    shown,
    station_column,
    station_list,
)
from cunzhan.onboarding.models import HistoryKind
from cunzhan.stations.models import Station
from cunzhan.supervision import services
from cunzhan.supervision.models import Inspection
from cunzhan.supervision.rating_items import RATING_ITEMS, RatingItem

COL_YEAR, COL_HALF, COL_AT, COL_INSPECTOR = "考核年度", "考核期", "察看时间", "察看人账号"
COL_LOCATION, COL_NOTE = "地点说明", "总体意见"
HALVES = (("H1", "上半年"), ("H2", "下半年"))


def score_header(item: RatingItem) -> str:
    return f"{chinese(item.label)}（{item.max.normalize():f}分）"


def comment_header(item: RatingItem) -> str:
    return f"{chinese(item.label)}·扣分说明"


@dataclass(frozen=True)
class Visit(Item):
    station: Station
    period: Period
    inspected_at: datetime
    inspector: User
    ratings: dict[str, tuple[Any, str]]
    location: str
    note: str


class InspectionsImporter(HistoryImporter):
    kind = HistoryKind.INSPECTIONS
    sheet = "实地察看"
    required = (COL_STATION, COL_YEAR, COL_HALF, COL_AT, COL_INSPECTOR)
    fields = {"inspector": COL_INSPECTOR, "inspected_at": COL_AT, "half": COL_HALF}

    def headers(self) -> list[str]:
        scores = [h for item in RATING_ITEMS for h in (score_header(item), comment_header(item))]
        return [*self.required, *scores, COL_LOCATION, COL_NOTE]

    def columns(self, check: Check) -> list[TemplateColumn]:
        columns = [
            station_column(),
            TemplateColumn(COL_YEAR, _("年份，如 2025"), required=True, width=10),
            TemplateColumn(COL_HALF, _("上半年或下半年"), required=True, choices=COL_HALF, width=10),
            TemplateColumn(COL_AT, _("日期和时间，如 2025-06-20 10:30；不早于考核期开始"), required=True, width=20),
            TemplateColumn(
                COL_INSPECTOR,
                _("察看人的登录账号：负责该站的镇村督查员或县电商办（见“参考”工作表）"),
                required=True,
                choices=COL_INSPECTOR,
                text=True,
                width=16,
            ),
        ]
        for item in RATING_ITEMS:
            columns.append(
                TemplateColumn(
                    score_header(item),
                    _("0 到 %(max)s 分，最多两位小数；不填为未评") % {"max": f"{item.max.normalize():f}"},
                    width=14,
                )
            )
            columns.append(TemplateColumn(comment_header(item), _("扣了分须写明原因"), width=18))
        columns += [
            TemplateColumn(COL_LOCATION, _("可不填"), width=16),
            TemplateColumn(COL_NOTE, _("可不填"), width=20),
        ]
        return columns

    def references(self, check: Check) -> list[ReferenceList]:
        inspectors = list(_inspectors(check).order_by("role", "username").values_list("username", "display_name"))
        return [
            station_list(check),
            ReferenceList(COL_HALF, [label for _code, label in HALVES]),
            ReferenceList(
                COL_INSPECTOR, [u for u, _n in inspectors], note=_("姓名"), labels=[n or u for u, n in inspectors]
            ),
        ]

    def examples(self, check: Check) -> list[list[Any]]:
        year = check.today.year - 1
        inspectors = list(_inspectors(check).order_by("-role", "username"))  # supervisors first
        rows = []
        for i, code in enumerate(example_codes(check, 2)):
            station = check.stations.get(code)
            # the township's supervisor where there is one, else a county office account
            covering = [u.username for u in inspectors if station and scope_of(u).covers_station(station)]
            cells: list[Any] = [code, year, "上半年", f"{year}-06-{20 + i} 10:30", (covering or [""])[0]]
            for item in RATING_ITEMS:
                lowered = i == 1 and item.key == "item2_public_facilities"
                cells += [float(item.max - 1) if lowered else float(item.max), "地面有杂物" if lowered else ""]
            rows.append([*cells, "", ""])
        return rows

    def plan(self, check: Check, rows: list[Row]) -> list[Any]:
        inspectors = {u.username: u for u in _inspectors(check)}
        items: list[Visit] = []
        seen: dict[tuple[int, int, str, datetime], int] = {}
        for row in rows:
            station = check.station(row)
            period = _period(check, row)
            inspected_at = check.moment(row, COL_AT)
            inspector = _inspector(check, row, inspectors, station)
            ratings = _ratings(check, row)
            location = check.words(row, COL_LOCATION, max_length=200, required=False)
            note = check.words(row, COL_NOTE, max_length=2000, required=False)
            if station is None or period is None or inspected_at is None or inspector is None:
                continue
            if ratings is None or location is None or note is None:
                continue
            if inspected_at < period.start_at:
                check.error(row, COL_AT, _("察看时间早于%(period)s，请检查考核期") % {"period": period.label})
                continue
            if not check.unpublished(row, COL_HALF, [period]):
                continue
            key = (station.pk, period.year, period.half, inspected_at)
            if key in seen:
                check.error(row, COL_AT, _("与第 %(line)d 行是同一次察看") % {"line": seen[key]})
                continue
            seen[key] = row.line
            visit = Visit(row.line, station, period, inspected_at, inspector, ratings, location, note)
            if not _already_held(check, row, visit):
                items.append(visit)
        return items

    def save(self, check: Check, item: Any) -> list[Model]:
        inspection = services.inspection_save(
            acting_user=check.acting_user,
            station=item.station,
            year=item.period.year,
            half=item.period.half,
            inspected_at=item.inspected_at,
            ratings=item.ratings,
            inspector=item.inspector,
            location=item.location,
            note=item.note,
        )
        return [inspection]


def _inspectors(check: Check):
    """The accounts that may have inspected the county's stations: its supervisors and its county office."""
    users = User.objects.filter(
        is_active=True, role__in=(Role.SUPERVISOR, Role.COUNTY_OFFICE), region__code__startswith=check.county.code
    )
    return check.acting_user.scope.filter(users)


def _period(check: Check, row: Row) -> Period | None:
    half = check.choice(row, COL_HALF, HALVES)
    text = row.text(COL_YEAR)
    if not text:
        check.error(row, COL_YEAR, _("必填"))
        return None
    if not text.isdigit() or not 2000 <= int(text) <= check.today.year:
        check.error(row, COL_YEAR, _("“%(value)s”不是年份，应为 2000 到今年之间，如 2025") % {"value": text})
        return None
    return Period(int(text), half) if half in Half.values else None


def _inspector(check: Check, row: Row, inspectors: dict[str, User], station: Station | None) -> User | None:
    name = row.text(COL_INSPECTOR)
    if not name:
        check.error(row, COL_INSPECTOR, _("必填"))
        return None
    inspector = inspectors.get(name)
    if inspector is None:
        check.error(
            row, COL_INSPECTOR, _("账号“%(name)s”不存在、已停用，或不是本县的督查员或电商办账号") % {"name": name}
        )
        return None
    if station is not None and not scope_of(inspector).covers_station(station):
        check.error(
            row, COL_INSPECTOR, _("%(name)s 不负责服务站 %(code)s 所在的乡镇") % {"name": name, "code": station.code}
        )
        return None
    return inspector


def _ratings(check: Check, row: Row) -> dict[str, tuple[Any, str]] | None:
    """Every sub-item's score and comment, checked as the inspection form checks them."""
    given = {}
    for item in RATING_ITEMS:
        raw = row.raw(score_header(item))
        score = raw if isinstance(raw, int | float) and not isinstance(raw, bool) else row.text(score_header(item))
        given[item.key] = (score, row.text(comment_header(item)))
    try:
        services.validate_ratings({key: (_decimal_text(raw), comment) for key, (raw, comment) in given.items()})
    except ValidationError as exc:
        headers = {item.key: score_header(item) for item in RATING_ITEMS}
        for key, messages in exc.message_dict.items():
            for message in messages:
                check.error(row, headers.get(key, ""), message)
        return None
    return {key: (_decimal_text(raw), comment) for key, (raw, comment) in given.items()}


def _decimal_text(raw: Any) -> Any:
    """A spreadsheet's number as the text it shows (4.5, not 4.5000000001 from a formula)."""
    if isinstance(raw, float):
        return format(Decimal(repr(round(raw, 9))).normalize(), "f")
    return raw


def _already_held(check: Check, row: Row, visit: Visit) -> bool:
    """True when the station has an inspection for the period at that very time: the same (the row is
    present, skipped) or not (an error: a history import does not change an inspection)."""
    found = (
        Inspection.objects.filter(
            station=visit.station, year=visit.period.year, half=visit.period.half, inspected_at=visit.inspected_at
        )
        .prefetch_related("ratings")
        .first()
    )
    if found is None:
        return False
    held = {r.key: (r.score, r.comment) for r in found.ratings.all()}
    given = {
        key: (Decimal(str(score)), comment.strip()) for key, (score, comment) in visit.ratings.items() if score != ""
    }
    if found.inspector_id == visit.inspector.pk and held == given:
        check.present += 1
    else:
        check.error(
            row,
            COL_AT,
            _("该站 %(at)s 已有一次察看记录（编号 %(id)s），与本行不同；历史导入不修改已有的察看")
            % {"at": shown(visit.inspected_at), "id": found.pk},
        )
    return True
