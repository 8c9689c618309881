"""Attendance sheets (.xlsx, or .csv with the same headers) for one training.

Validated as strictly as the ledgers: the whole file is read, every bad cell is reported by row
and column in Chinese, and nothing is saved unless the file has no error (one transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from cunzhan.activities import services
from cunzhan.activities.models import AttendanceStatus, ExamResult, Training
from cunzhan.core.audit import log_event
from cunzhan.core.import_templates import ReferenceList, TemplateColumn, write_import_template
from cunzhan.core.tabular import CellError, ImportRejected, check_header, read_table
from cunzhan.stations.models import Station
from cunzhan.stations.references import places_for

if TYPE_CHECKING:
    from cunzhan.accounts.models import User

COL_STATION, COL_NAME, COL_PHONE, COL_STATUS, COL_TEST = "站点编码", "姓名", "手机号", "出勤情况", "测试结果"
HEADERS = (COL_STATION, COL_NAME, COL_PHONE, COL_STATUS, COL_TEST)
REQUIRED = (COL_STATION, COL_NAME, COL_STATUS)
STATUS_BY_TEXT = {str(label): value for value, label in AttendanceStatus.choices}
TEST_BY_TEXT = {"合格": ExamResult.PASS, "不合格": ExamResult.FAIL, "": ExamResult.NONE, "空": ExamResult.NONE}
PHONE = re.compile(r"^1\d{10}$")
EXAMPLE_ROWS = (
    ("张三", "13800000000", "出勤", "合格"),
    ("李四", "", "迟到", "不合格"),
    ("王五", "", "请假", ""),
)


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    stations: int


def write_template(target: IO[bytes] | str, *, user: Any) -> None:
    """The attendance sheet, for ``user``: the format of each column, drop-down lists for the attendance
    and the test result, the user's stations on the 参考 sheet (with the county's townships, villages
    and operating units) and in the examples."""
    stations = list(user.scope.filter(Station.objects.order_by("code")).values_list("code", "name")[:5000])
    # no station in scope (yet): the example says what goes there, as the ledgers' template does
    codes = [code for code, _name in stations] or [_("站点编码")]
    examples = [(codes[i % len(codes)], *row) for i, row in enumerate(EXAMPLE_ROWS)]
    write_import_template(
        target,
        sheet="出勤登记",
        columns=[
            TemplateColumn(
                COL_STATION, _("服务站编码（见“参考”工作表）"), required=True, choices=COL_STATION, text=True
            ),
            TemplateColumn(COL_NAME, _("参训人员姓名"), required=True),
            TemplateColumn(COL_PHONE, _("11 位手机号，可不填"), text=True, width=16),
            TemplateColumn(COL_STATUS, _("出勤、请假、旷课、迟到或早退"), required=True, choices=COL_STATUS, width=16),
            TemplateColumn(COL_TEST, _("合格、不合格，或不填（未测试）"), choices=COL_TEST, width=16),
        ],
        examples=examples,
        references=[
            ReferenceList(
                COL_STATION, [code for code, _name in stations], note=_("站点名称"), labels=[n for _c, n in stations]
            ),
            ReferenceList(COL_STATUS, list(STATUS_BY_TEXT)),
            ReferenceList(COL_TEST, ["合格", "不合格"]),
            *places_for(user).lists(omit=(COL_STATION,)),
        ],
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse(acting_user: User, training: Training, source, *, name: str | None = None) -> list[services.AttendanceLine]:
    """Every line of the file, or ImportRejected with every problem found."""
    header, rows = read_table(source, name=name)
    positions = check_header(header, REQUIRED)
    errors: list[CellError] = []
    raw: list[tuple[int, dict[str, str]]] = []
    for line, row in enumerate(rows, start=2):
        cells = {
            col: _text(row[positions[col]]) if col in positions and positions[col] < len(row) else "" for col in HEADERS
        }
        if any(cells.values()):
            raw.append((line, cells))
    if not raw:
        raise ImportRejected([CellError(2, "", _("文件中没有数据行"))])

    codes = {cells[COL_STATION] for _line, cells in raw if cells[COL_STATION]}
    stations = {
        s.code: s
        for s in acting_user.scope.filter(Station.objects.filter(code__in=codes, county_code=training.county_id))
    }
    seen: dict[tuple[str, str, str], int] = {}
    lines = []
    for line, cells in raw:
        code, person, phone = cells[COL_STATION], cells[COL_NAME], cells[COL_PHONE]
        status_text, test_text = cells[COL_STATUS], cells[COL_TEST]

        def err(column: str, message: str, line: int = line) -> None:
            errors.append(CellError(line, column, message))

        station = stations.get(code)
        if not code:
            err(COL_STATION, _("必填"))
        elif station is None:
            err(COL_STATION, _("站点编码“%(code)s”不存在、不在本县或不在您的管辖范围内") % {"code": code})
        if not person:
            err(COL_NAME, _("必填"))
        elif len(person) > 32:
            err(COL_NAME, _("不能超过 32 个字"))
        if phone and not PHONE.match(phone):
            err(COL_PHONE, _("“%(value)s”不是 11 位手机号") % {"value": phone})
        status = STATUS_BY_TEXT.get(status_text)
        if status is None:
            err(
                COL_STATUS,
                _("“%(value)s”无效，应为：%(choices)s")
                % {"value": status_text or _("空"), "choices": "/".join(STATUS_BY_TEXT)},
            )
        test = TEST_BY_TEXT.get(test_text)
        if test is None:
            err(COL_TEST, _("“%(value)s”无效，应为：合格/不合格/空") % {"value": test_text})
        elif test and status in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
            err(COL_TEST, _("请假或旷课的人员不能有测试结果"))
        key = (code, person, phone)
        if person and key in seen:
            err(COL_NAME, _("与第 %(line)d 行重复") % {"line": seen[key]})
        seen.setdefault(key, line)
        if station is not None and person and status is not None and test is not None:
            lines.append(
                services.AttendanceLine(
                    station=station, person_name=person, phone=phone, status=status, test_result=test
                )
            )
    if errors:
        raise ImportRejected(errors)
    return lines


@transaction.atomic
def import_attendance(
    *, acting_user: User, training: Training, source, name: str | None = None, correction_reason: str = ""
) -> ImportSummary:
    acting_user.scope.require("attendance.record")
    lines = parse(acting_user, training, source, name=name)
    services.attendance_record(
        acting_user=acting_user, training=training, lines=lines, correction_reason=correction_reason
    )
    log_event(
        actor=acting_user,
        obj=training,
        message="attendance_import",
        data={"rows": len(lines), "file": str(name or getattr(source, "name", source))},
    )
    return ImportSummary(rows=len(lines), stations=len({line.station.pk for line in lines}))
