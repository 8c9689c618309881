"""Past training attendance (培训出勤): who of which station came to which training, how (出勤, 请假, 旷课,
迟到, 早退) and with what test result — what item 4 deducts from.

The training is named by its 培训编号 when it is already in the system, or by its topic and date. A
training the county has not recorded yet is created from its rows (the county office organising it, the
days and pre-job flag from the rows, the stations of its rows required to attend): a county bringing its
history has none of its past trainings in the system, and typing each in by hand before importing its
attendance would be the clerk's work done twice. Written through :mod:`cunzhan.activities.services`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from cunzhan.activities import services
from cunzhan.activities.importers import PHONE
from cunzhan.activities.models import Attendance, AttendanceStatus, ExamResult, Training
from cunzhan.activities.selectors import trainings_for_user
from cunzhan.core.import_templates import ReferenceList, TemplateColumn
from cunzhan.core.money import quantize
from cunzhan.core.periods import period_of
from cunzhan.ledgers.parsing import CellInvalid, parse_quantity
from cunzhan.onboarding.importing import (
    COL_STATION,
    YES_NO,
    Check,
    HistoryImporter,
    Item,
    Row,
    chinese,
    example_codes,
    station_column,
    station_list,
    yes_no_list,
)
from cunzhan.onboarding.models import HistoryKind
from cunzhan.stations.models import Station

COL_TRAINING, COL_TOPIC, COL_DATE, COL_DAYS, COL_PRE_JOB = "培训编号", "培训主题", "培训日期", "培训天数", "岗前培训"
COL_NAME, COL_PHONE, COL_STATUS, COL_TEST = "姓名", "手机号", "出勤情况", "测试结果"
STATUSES = tuple((code, chinese(label)) for code, label in AttendanceStatus.choices)
TESTS = ((ExamResult.PASS.value, "合格"), (ExamResult.FAIL.value, "不合格"))


@dataclass
class NewTraining:
    """A training to create from its rows (the first row that names it gives its days and pre-job flag)."""

    topic: str
    start_date: date
    days: Decimal
    is_pre_job: bool
    line: int
    stations: list[Station] = field(default_factory=list)
    training: Training | None = None


@dataclass(frozen=True)
class Presence(Item):
    station: Station
    line_of: services.AttendanceLine
    training: Training | None
    new: NewTraining | None


class AttendanceImporter(HistoryImporter):
    kind = HistoryKind.ATTENDANCE
    sheet = "培训出勤"
    required = (COL_STATION, COL_NAME, COL_STATUS)
    fields = {"status": COL_STATUS, "test_result": COL_TEST, "person_name": COL_NAME, "station": COL_STATION}

    def headers(self) -> list[str]:
        return [
            COL_TRAINING,
            COL_TOPIC,
            COL_DATE,
            COL_DAYS,
            COL_PRE_JOB,
            COL_STATION,
            COL_NAME,
            COL_PHONE,
            COL_STATUS,
            COL_TEST,
        ]

    def columns(self, check: Check) -> list[TemplateColumn]:
        return [
            TemplateColumn(
                COL_TRAINING, _("系统中已有的培训填其编号（见“参考”工作表）；没有的不填，填主题和日期"), text=True
            ),
            TemplateColumn(COL_TOPIC, _("培训主题；系统中还没有的培训按主题和日期新建"), width=20),
            TemplateColumn(COL_DATE, _("日期，如 2025-03-12"), width=12),
            TemplateColumn(COL_DAYS, _("新建培训的天数，如 1 或 0.5；不填为 1 天"), width=10),
            TemplateColumn(COL_PRE_JOB, _("新建培训是否岗前培训：是或否，不填为否"), choices=YES_NO, width=10),
            station_column(),
            TemplateColumn(COL_NAME, _("参训人员姓名"), required=True),
            TemplateColumn(COL_PHONE, _("11 位手机号，可不填"), text=True, width=16),
            TemplateColumn(COL_STATUS, _("出勤、请假、旷课、迟到或早退"), required=True, choices=COL_STATUS, width=12),
            TemplateColumn(COL_TEST, _("合格、不合格，或不填（未测试）"), choices=COL_TEST, width=12),
        ]

    def references(self, check: Check) -> list[ReferenceList]:
        trainings = list(_trainings(check).order_by("-start_date", "-pk")[:2000])
        return [
            station_list(check),
            ReferenceList(
                COL_TRAINING,
                [str(t.pk) for t in trainings],
                note=_("培训"),
                labels=[f"{t.start_date:%Y-%m-%d} {t.topic}" for t in trainings],
            ),
            yes_no_list(),
            ReferenceList(COL_STATUS, [label for _code, label in STATUSES]),
            ReferenceList(COL_TEST, [label for _code, label in TESTS]),
        ]

    def examples(self, check: Check) -> list[list[Any]]:
        year = check.today.year - 1
        a, b = example_codes(check, 2)
        topic, day = "电商实操培训", f"{year}-03-12"
        return [
            ["", topic, day, 1, "否", a, "张三", "13800000000", "出勤", "合格"],
            ["", topic, day, 1, "否", b, "李四", "", "迟到", "不合格"],
            ["", topic, day, 1, "否", b, "王五", "", "请假", ""],
        ]

    def plan(self, check: Check, rows: list[Row]) -> list[Any]:
        known = {t.pk: t for t in _trainings(check)}
        by_topic: dict[tuple[str, date], list[Training]] = {}
        for training in known.values():
            by_topic.setdefault((training.topic, training.start_date), []).append(training)
        held = _held(known)
        new: dict[tuple[str, date], NewTraining] = {}
        items: list[Presence] = []
        seen: dict[tuple[Any, int, str, str], int] = {}
        for row in rows:
            training, fresh = _training(check, row, known, by_topic, new)
            station = check.station(row)
            line = _line(check, row, station)
            if station is None or line is None:
                continue
            which: Any
            if training is not None:
                start, which = training.start_date, training.pk
            elif fresh is not None:
                start, which = fresh.start_date, (fresh.topic, fresh.start_date)
            else:
                continue
            if not check.unpublished(row, COL_DATE, [period_of(start)]):
                continue
            key = (which, station.pk, line.person_name, line.phone)
            if key in seen:
                check.error(row, COL_NAME, _("与第 %(line)d 行是同一人同一次培训") % {"line": seen[key]})
                continue
            seen[key] = row.line
            if training is not None and key in held:
                if held[key] == (line.status, line.test_result):
                    check.present += 1
                else:
                    check.error(row, COL_STATUS, _("该人员的出勤已登记，与本行不同；历史导入不修改已有的出勤"))
                continue
            if fresh is not None and station not in fresh.stations:
                fresh.stations.append(station)
            items.append(Presence(line=row.line, station=station, line_of=line, training=training, new=fresh))
        return items

    def save(self, check: Check, item: Any) -> list[Model]:
        made: list[Model] = []
        training = item.training
        if training is None:
            fresh = item.new
            if fresh.training is None:  # the first of its rows creates it
                fresh.training = services.training_create(
                    acting_user=check.acting_user,
                    county=check.county,
                    topic=fresh.topic,
                    start_date=fresh.start_date,
                    days=fresh.days,
                    is_pre_job=fresh.is_pre_job,
                    required_stations=fresh.stations,
                )
                made.append(fresh.training)
            training = fresh.training
        made += services.attendance_record(acting_user=check.acting_user, training=training, lines=[item.line_of])
        return made


def _trainings(check: Check):
    return trainings_for_user(check.acting_user).filter(county=check.county)


def _held(known: dict[int, Training]) -> dict[tuple[Any, int, str, str], tuple[str, str]]:
    rows = Attendance.objects.filter(training_id__in=list(known)).values_list(
        "training_id", "station_id", "person_name", "phone", "status", "test_result"
    )
    return {(t, s, name, phone): (status, test) for t, s, name, phone, status, test in rows}


def _training(
    check: Check,
    row: Row,
    known: dict[int, Training],
    by_topic: dict[tuple[str, date], list[Training]],
    new: dict[tuple[str, date], NewTraining],
) -> tuple[Training | None, NewTraining | None]:
    """The training the row names: one in the system (by number, or by topic and date), or one to create."""
    number, topic = row.text(COL_TRAINING), row.text(COL_TOPIC)
    day = check.day(row, COL_DATE, required=False)
    if number:
        training = known.get(int(number)) if number.isdigit() else None
        if training is None:
            check.error(row, COL_TRAINING, _("本县没有编号为“%(value)s”的培训") % {"value": number})
        elif (topic and topic != training.topic) or (day and day != training.start_date):
            check.error(
                row,
                COL_TRAINING,
                _("第 %(id)s 号培训是 %(day)s 的“%(topic)s”，与本行的主题或日期不符")
                % {"id": training.pk, "day": training.start_date, "topic": training.topic},
            )
            return None, None
        return training, None
    if not topic or day is None:
        if not topic:
            check.error(row, COL_TOPIC, _("请填培训编号，或填培训主题和培训日期"))
        elif not row.text(COL_DATE):
            check.error(row, COL_DATE, _("请填培训编号，或填培训主题和培训日期"))
        return None, None
    if len(topic) > 200:
        check.error(row, COL_TOPIC, _("不能超过 200 个字"))
        return None, None
    same = by_topic.get((topic, day), [])
    if len(same) > 1:
        check.error(
            row, COL_TOPIC, _("本县 %(day)s 有多次“%(topic)s”培训，请填培训编号") % {"day": day, "topic": topic}
        )
        return None, None
    if same:
        return same[0], None
    days = _days(check, row)
    pre_job = check.flag(row, COL_PRE_JOB)
    if days is None or pre_job is None:
        return None, None
    fresh = new.get((topic, day))
    if fresh is None:
        fresh = new[(topic, day)] = NewTraining(
            topic=topic, start_date=day, days=days, is_pre_job=pre_job, line=row.line
        )
    elif (row.text(COL_DAYS) and days != fresh.days) or (row.text(COL_PRE_JOB) and pre_job != fresh.is_pre_job):
        check.error(
            row,
            COL_DAYS,
            _("同一次培训的天数和岗前培训须与第 %(line)d 行一致") % {"line": fresh.line},
        )
        return None, None
    return None, fresh


def _days(check: Check, row: Row) -> Decimal | None:
    if not row.text(COL_DAYS):
        return Decimal(1)
    try:
        days = parse_quantity(row.raw(COL_DAYS))
    except CellInvalid as exc:
        check.error(row, COL_DAYS, exc.message)
        return None
    if days < Decimal("0.5") or days > 99 or days % Decimal("0.5"):
        check.error(row, COL_DAYS, _("天数应为 0.5 的倍数，如 0.5、1、2"))
        return None
    return quantize(days, 1)


def _line(check: Check, row: Row, station: Station | None) -> services.AttendanceLine | None:
    person = check.words(row, COL_NAME, max_length=32)
    phone = row.text(COL_PHONE)
    if phone and not PHONE.match(phone):
        check.error(row, COL_PHONE, _("“%(value)s”不是 11 位手机号") % {"value": phone})
        return None
    status = check.choice(row, COL_STATUS, STATUSES)
    test = check.choice(row, COL_TEST, TESTS, required=False)
    if test and status in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
        check.error(row, COL_TEST, _("请假或旷课的人员不能有测试结果"))
        return None
    if station is None or person is None or status is None or test is None:
        return None
    return services.AttendanceLine(station=station, person_name=person, phone=phone, status=status, test_result=test)
