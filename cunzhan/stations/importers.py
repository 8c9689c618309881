"""Bulk import of stations from the downloadable template (.xlsx, or .csv with the same headers).

The whole file is read and checked first; every bad cell is reported by row and column, and
nothing is saved unless the file has no error. The save is one transaction of bulk inserts.

A row without a status is a new application (申请). A row with a status (认定授牌 … 关停) and its
certification date brings an existing station in that status directly: 历史导入, whose rules are in
:mod:`cunzhan.stations.history`; such a row may give the station's application date too (申请日期), which
the certification date must not precede (without it, the application is recorded as of the certification
date). The columns of the status, the two dates and the agreement number may be left out of an older
file altogether. The template is :mod:`cunzhan.stations.import_template`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.audit import log_event
from cunzhan.core.dates import local_now
from cunzhan.core.money import quantize
from cunzhan.core.tabular import CellError, ImportRejected, check_header, read_table
from cunzhan.regions.models import Region
from cunzhan.stations import history
from cunzhan.stations.models import (
    CountySettings,
    OperatingUnit,
    ResponsiblePerson,
    Station,
    StationEvent,
    Status,
    Tier,
)
from cunzhan.stations.services import code_problem, region_problem
from cunzhan.stations.units import unit_problem

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # settings.AUTH_USER_MODEL: accounts.User, a layer above

# (header, key); the order is the template's
COLUMNS: tuple[tuple[str, str], ...] = (
    ("站点编码", "code"),
    ("站点名称", "name"),
    ("牌匾名称", "signboard_name"),
    ("层级", "tier"),
    ("服务区域代码", "region"),
    ("经营地址", "address"),
    ("经度", "longitude"),
    ("纬度", "latitude"),
    ("实际使用面积（㎡）", "usable_area"),
    ("服务常住人口", "resident_population"),
    ("贫困人口占比（%）", "poor_share"),
    ("运营单位", "operating_unit"),
    ("当前状态", "status"),
    ("认定日期", "certified_on"),
    ("申请日期", "applied_on"),
    ("合作协议编号", "agreement_no"),
    ("合作平台", "platforms"),
    ("宽带网络", "has_broadband"),
    ("电脑/显示设备或移动终端", "has_terminal"),
    ("货架", "has_shelves"),
    ("展示柜", "has_display_cabinet"),
    ("快递收发设施", "has_parcel_facilities"),
    ("营业时间", "opening_hours"),
    ("服务项目", "service_items"),
    ("重点服务流程", "key_processes"),
    ("服务承诺", "service_promise"),
    ("收费标准", "fees"),
    ("监督投诉渠道", "complaint_channel"),
    ("联系电话", "contact_phone"),
    ("负责人姓名", "person_name"),
    ("负责人手机", "person_phone"),
    ("岗前培训天数", "training_days"),
    ("本年度培训次数", "yearly_trainings"),
)
HEADERS = tuple(h for h, _k in COLUMNS)
HEADER_OF = {k: h for h, k in COLUMNS}
REQUIRED = ("code", "name", "tier", "region")
# columns of the historical import (历史导入): an older file without them reads as before
OPTIONAL_HEADERS = ("当前状态", "认定日期", "申请日期", "合作协议编号")
TEXT_LIMITS = {
    "code": 32,
    "name": 128,
    "signboard_name": 128,
    "address": 255,
    "platforms": 255,
    "opening_hours": 128,
    "complaint_channel": 255,
    "contact_phone": 32,
    "person_name": 32,
    "person_phone": 20,
    "agreement_no": 64,
}
BOOLEANS = ("has_broadband", "has_terminal", "has_shelves", "has_display_cabinet", "has_parcel_facilities")
YES, NO = {"是", "有", "y", "yes", "true", "1", "√"}, {"否", "无", "n", "no", "false", "0", "×", ""}
# numeric columns: (key, decimal places, minimum, maximum)
NUMBERS = {
    "longitude": (6, Decimal(-180), Decimal(180)),
    "latitude": (6, Decimal(-90), Decimal(90)),
    "usable_area": (2, Decimal(0), Decimal("9999999")),
    "poor_share": (2, Decimal(0), Decimal(100)),
    "training_days": (1, Decimal(0), Decimal(999)),
}
INTEGERS = {"resident_population": 10**9, "yearly_trainings": 999}
TIER_BY_TEXT = {**{str(label): value for value, label in Tier.choices}, **{v: v for v in Tier.values}}


@dataclass(frozen=True)
class ImportSummary:
    created: int
    people: int
    history: int = 0  # of the created: stations brought in their status (历史导入)
    already: history.AlreadyImported | None = None  # the same file was imported before: nothing done

    def message(self) -> str:
        if self.already is not None:
            return self.already.message()
        if self.history:
            return _(
                "已导入 %(n)d 个服务站（负责人员 %(p)d 名）：%(h)d 个已认定的站点按历史导入直接进入其当前状态，"
                "其余 %(a)d 个状态为“申请”。"
            ) % {"n": self.created, "p": self.people, "h": self.history, "a": self.created - self.history}
        return _("已导入 %(n)d 个服务站（负责人员 %(p)d 名），状态均为“申请”。") % {"n": self.created, "p": self.people}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decimal(text: str, places: int) -> Decimal:
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    return quantize(number, places)


class _RowReader:
    def __init__(self, row: list[Any], positions: dict[str, int], line: int, errors: list[CellError]):
        self.row, self.positions, self.line, self.errors = row, positions, line, errors

    def raw(self, key: str) -> Any:
        index = self.positions.get(HEADER_OF[key])  # an optional column may be absent
        return self.row[index] if index is not None and index < len(self.row) else None

    def text(self, key: str) -> str:
        return _text(self.raw(key))

    def error(self, key: str, message: str) -> None:
        self.errors.append(CellError(self.line, HEADER_OF[key], message))


def _parse_row(reader: _RowReader) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    before = len(reader.errors)
    for key in HEADER_OF:
        values[key] = reader.text(key)
    for key in REQUIRED:
        if not values[key]:
            reader.error(key, _("不能为空"))
    for key, limit in TEXT_LIMITS.items():
        if len(values[key]) > limit:
            reader.error(key, _("不能超过 %(n)d 个字") % {"n": limit})
    if values["code"] and (problem := code_problem(values["code"])):
        reader.error("code", problem)
    if values["tier"]:
        tier = TIER_BY_TEXT.get(values["tier"])
        if tier is None:
            reader.error("tier", _("应为 县级运营中心、乡镇服务站 或 村级服务点"))
        values["tier"] = tier
    for key, (places, low, high) in NUMBERS.items():
        if not values[key]:
            values[key] = None
            continue
        try:
            number = _decimal(values[key], places)
        except (InvalidOperation, ValueError):
            reader.error(key, _("“%(value)s”不是数字") % {"value": values[key]})
            continue
        if not low <= number <= high:
            reader.error(key, _("应在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high})
        values[key] = number
    for key, high in INTEGERS.items():
        if not values[key]:
            values[key] = None
            continue
        try:
            number = Decimal(values[key])
            if number != number.to_integral_value() or not 0 <= number <= high:
                raise ValueError
        except (InvalidOperation, ValueError):
            reader.error(key, _("“%(value)s”应为不小于 0 的整数") % {"value": values[key]})
            continue
        values[key] = int(number)
    for key in BOOLEANS:
        text = values[key].lower()
        if text in YES:
            values[key] = True
        elif text in NO:
            values[key] = False
        else:
            reader.error(key, _("应填“是”或“否”"))
    if not values["person_name"] and (values["training_days"] is not None or values["yearly_trainings"]):
        reader.error("person_name", _("填写了培训情况，须同时填写负责人姓名"))
    _parse_history(reader, values)
    return values if len(reader.errors) == before else None


def _parse_history(reader: _RowReader, values: dict[str, Any]) -> None:
    """The status, the certification and application dates and the agreement number (历史导入); checked
    against the county's incubation once the region is known."""
    status = values["status"]
    values["status"] = None
    if status:
        values["status"] = history.STATUS_BY_TEXT.get(status)
        if values["status"] is None:
            reader.error("status", _("应为 认定授牌、培育期、运营、整改、撤销 或 关停；新申请的站点此列留空"))
    dates_read = True
    for key in ("certified_on", "applied_on"):
        try:
            values[key] = history.parse_date(reader.raw(key))
        except history.DateInvalid as exc:
            reader.error(key, exc.message)
            values[key], dates_read = None, False
    if not dates_read:
        return
    if values["agreement_no"] and not status:
        reader.error("agreement_no", _("合作协议编号只用于已认定的站点，新申请的站点认定时再填"))
    if values["applied_on"] and not status:
        reader.error(
            "applied_on", _("申请日期只用于已认定的站点（历史导入）；新申请的站点以导入之日为申请日期，此列留空")
        )


def validate(source: str | IO[bytes], *, acting_user: User, name: str | None = None) -> list[dict[str, Any]]:
    """Every row of the file as station values; ImportRejected listing every problem."""
    acting_user.scope.require("station.register")
    header, rows = read_table(source, name=name)
    return _validate_rows(header, rows, acting_user)


def _validate_rows(header: list[str], rows: Any, acting_user: User) -> list[dict[str, Any]]:
    positions = check_header(header, [h for h in HEADERS if h not in OPTIONAL_HEADERS])
    errors: list[CellError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if all(_text(v) == "" for v in row):
            continue
        reader = _RowReader(row, positions, line, errors)
        values = _parse_row(reader)
        code = reader.text("code")
        if code:
            if code in first_line:
                reader.error("code", _("与第 %(line)d 行的编码重复") % {"line": first_line[code]})
                values = None
            else:
                first_line[code] = line
        if values is not None:
            parsed.append((line, values))
    if not parsed and not errors:
        raise ImportRejected([CellError(2, "", _("文件中没有数据行"))])

    # the checks that need the database, with one query per kind for the whole file
    regions = Region.objects.in_bulk({v["region"] for _l, v in parsed}, field_name="code")
    existing = set()
    codes = [v["code"] for _l, v in parsed]
    for start in range(0, len(codes), 900):
        existing |= set(Station.objects.filter(code__in=codes[start : start + 900]).values_list("code", flat=True))
    units = {(u.county_id, u.name): u for u in OperatingUnit.objects.all()}
    own_unit = (
        OperatingUnit.objects.filter(pk=acting_user.scope.operating_unit_id).first()
        if acting_user.scope.operating_unit_id
        else None
    )
    counties = {code: CountySettings.for_county(code) for code in {v["region"][:6] for _l, v in parsed}}
    today, may_certify = local_now().date(), acting_user.scope.can("station.certify")
    good: list[dict[str, Any]] = []
    for line, values in parsed:
        before = len(errors)
        reader = _RowReader([], positions, line, errors)
        if values["code"] in existing:
            reader.error("code", _("编码 %(code)s 已存在") % {"code": values["code"]})
        region = regions.get(values["region"])
        if region is None:
            reader.error("region", _("区划代码 %(code)s 不存在") % {"code": values["region"]})
        elif problem := region_problem(region, values["tier"], acting_user.scope):
            reader.error("region", problem)
        else:
            county_code = region.code[:6]
            unit = own_unit
            if values["operating_unit"]:
                unit = units.get((county_code, values["operating_unit"]))
                if unit is None:
                    reader.error(
                        "operating_unit",
                        _("该县没有名为“%(name)s”的运营单位") % {"name": values["operating_unit"]},
                    )
            known = unit is not None or not values["operating_unit"]
            if known and (problem := unit_problem(unit, county_code, acting_user)):
                reader.error("operating_unit", problem)
            values["region"], values["operating_unit"] = region, unit
            if values["status"] and not may_certify:
                reader.error("status", _("导入已认定的站点相当于认定授牌，只有县电商办可以导入；新申请的站点此列留空"))
            months = counties[county_code].incubation_months
            for key, message in history.status_problems(
                values["status"],
                values["certified_on"],
                today=today,
                incubation_months=months,
                applied_on=values["applied_on"],
            ):
                reader.error(key, message)
        if len(errors) == before:
            good.append(values)
    if errors:
        errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else -1))
        raise ImportRejected(errors)
    return good


PERSON_KEYS = ("person_name", "person_phone", "training_days", "yearly_trainings")
HISTORY_KEYS = ("status", "certified_on", "applied_on")


@transaction.atomic
def import_stations(source: str | IO[bytes], *, acting_user: User, name: str | None = None) -> ImportSummary:
    """Validate the whole file, then create every station, its responsible person and its lifecycle
    event; a file imported before (the same SHA-256) is reported as such and changes nothing."""
    acting_user.scope.require("station.register")
    header, table = read_table(source, name=name)
    digest = history.file_digest(source)
    if (earlier := history.earlier_import(acting_user, digest)) is not None:
        return ImportSummary(created=0, people=0, already=earlier)
    rows = _validate_rows(header, table, acting_user)
    now = timezone.now()
    file_name = name or getattr(source, "name", "") or str(source)
    stations = []
    for values in rows:
        details = {k: v for k, v in values.items() if k not in PERSON_KEYS and k not in HISTORY_KEYS}
        region = details.pop("region")
        certified_on = values["certified_on"]
        stations.append(
            Station(
                **details,
                region=region,
                county_code=region.code[:6],
                status=values["status"] or Status.APPLIED,
                status_changed_at=now,
                certified_at=history.certified_at(certified_on) if certified_on else None,
                agreement_start=certified_on,
                imported_at=now if values["status"] else None,
            )
        )
    # bulk inserts skip auditlog's per-row signals: the import is logged as one event below
    created = Station.objects.bulk_create(stations, batch_size=500)
    if any(s.pk is None for s in created):  # a backend without RETURNING: look the keys up
        ids = dict(Station.objects.filter(code__in=[s.code for s in created]).values_list("code", "pk"))
        for station in created:
            station.pk = ids[station.code]
    people = [
        ResponsiblePerson(
            station=station,
            name=values["person_name"],
            phone=values["person_phone"],
            pre_job_training_days=values["training_days"] or Decimal(0),
            yearly_trainings=values["yearly_trainings"] or 0,
        )
        for station, values in zip(created, rows, strict=True)
        if values["person_name"]
    ]
    ResponsiblePerson.objects.bulk_create(people, batch_size=1000)
    source_data = history.source_data(file_name, digest)
    StationEvent.objects.bulk_create(
        [
            history.import_event(
                station,
                actor=acting_user,
                at=now,
                source=source_data,
                certified_on=values["certified_on"],
                applied_on=values["applied_on"],
            )
            for station, values in zip(created, rows, strict=True)
        ],
        batch_size=1000,
    )
    imported = sum(1 for values in rows if values["status"])
    log_event(
        actor=acting_user,
        obj=created[0],
        message="station import",
        data={**source_data["source"], "stations": len(created), "history": imported},
    )
    return ImportSummary(created=len(created), people=len(people), history=imported)
