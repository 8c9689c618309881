"""Cell parsers for ledger files, and whole-column conversion to database text.

Each parser takes a cell as python-calamine or csv delivers it (str, float, int, bool, date,
datetime, None) and returns a clean value or raises :class:`CellInvalid` with a Chinese message;
it never raises anything else. ``convert_column`` turns a whole column into the text the database
loads (PostgreSQL COPY text format or SQLite parameters): a vectorised fast path for the usual
clean column, and the per-cell parsers for a column with any problem, so every bad cell is found.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import ne
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from cunzhan.core import privacy
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.money import format_fixed, has_more_places, quantize, round_money
from cunzhan.core.tabular import CellError

EARLIEST = date(2000, 1, 1)
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("999999999.999")
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?[\sT]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2}))?$"
)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
_PLAIN_AMOUNT_RE = re.compile(r"^\d{1,12}(?:\.\d{1,2})?$")
_PLAIN_QUANTITY_RE = re.compile(r"^\d{1,9}(?:\.\d{1,3})?$")
_CONTROL = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\x00": ""})
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "f", ""}


class CellInvalid(ValueError):
    """A cell's value is not acceptable; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- single cells -------------------------------------------------------------------------------


def parse_date(value: Any, *, today: date | None = None) -> date:
    today = today or datetime.now(SHANGHAI).date()
    if _blank(value):
        raise CellInvalid(_("日期不能为空"))
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif _is_number(value):
        result = _excel_serial(value).date()
    elif isinstance(value, str):
        text = value.strip()
        match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
        if not match:
            raise CellInvalid(_("“%(value)s”不是日期，请写成 2025-03-01") % {"value": _shown(text)})
        try:
            result = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise CellInvalid(_("日期“%(value)s”不存在") % {"value": _shown(text)}) from None
    else:
        raise CellInvalid(_("“%(value)s”不是日期，请写成 2025-03-01") % {"value": _shown(value)})
    return _check_date_range(result, today)


def _check_date_range(result: date, today: date) -> date:
    if result > today:
        raise CellInvalid(_("日期 %(date)s 晚于今天") % {"date": result.isoformat()})
    if result < EARLIEST:
        raise CellInvalid(_("日期 %(date)s 早于 2000 年，请检查") % {"date": result.isoformat()})
    return result


def _excel_serial(value: float) -> datetime:
    if not math.isfinite(value) or not 1 <= value < 2958466:
        raise CellInvalid(_("“%(value)s”不是日期，请写成 2025-03-01") % {"value": _shown(value)})
    days = math.floor(value)
    seconds = round((value - days) * 86400)
    return datetime.combine(_EXCEL_EPOCH + timedelta(days=days), time()) + timedelta(seconds=seconds)


def parse_datetime(value: Any, *, now: datetime | None = None) -> datetime:
    """A moment in Asia/Shanghai (naive cells are read as Beijing time), not in the future."""
    now = now or datetime.now(SHANGHAI)
    if _blank(value):
        raise CellInvalid(_("时间不能为空"))
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        raise CellInvalid(_("请填写日期和时间，如 2025-03-01 14:30"))
    elif _is_number(value):
        result = _excel_serial(value)
    elif isinstance(value, str):
        text = value.strip()
        match = _DATETIME_RE.match(text)
        if not match:
            raise CellInvalid(_("“%(value)s”不是日期时间，请写成 2025-03-01 14:30") % {"value": _shown(text)})
        try:
            result = datetime(*(int(g or 0) for g in match.groups()))  # noqa: DTZ001  localised below
        except ValueError:
            raise CellInvalid(_("时间“%(value)s”不存在") % {"value": _shown(text)}) from None
    else:
        raise CellInvalid(_("“%(value)s”不是日期时间，请写成 2025-03-01 14:30") % {"value": _shown(value)})
    if result.tzinfo is None:
        result = result.replace(tzinfo=SHANGHAI)
    if result > now + timedelta(minutes=5):
        raise CellInvalid(_("时间 %(value)s 晚于现在") % {"value": f"{result.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"})
    if result.astimezone(SHANGHAI).date() < EARLIEST:
        raise CellInvalid(_("时间早于 2000 年，请检查"))
    return result


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise CellInvalid(_("%(what)s应为数字") % {"what": what})
    if _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellInvalid(_("%(what)s应为数字") % {"what": what})
        if isinstance(value, int):
            return Decimal(value)
        # binary noise from spreadsheet formulas (0.1 + 0.2 = 0.30000000000000004) is not a third
        # decimal place; repr then gives the shortest text that reads back as the same float
        return Decimal(repr(round(value, 9)))
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        text = text.removesuffix("元").strip()
        if _NUMBER_RE.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover  the pattern admits only decimals
                pass
    raise CellInvalid(_("%(what)s“%(value)s”不是数字") % {"what": what, "value": _shown(value)})


def parse_amount(value: Any) -> Decimal:
    """Yuan, not negative, rounded to the fen half up (1.005 → 1.01)."""
    if _blank(value):
        raise CellInvalid(_("金额不能为空"))
    amount = _decimal(value, _("金额"))
    if amount < 0:
        raise CellInvalid(_("金额不能为负数（%(value)s）") % {"value": _shown(value)})
    if amount > MAX_AMOUNT:
        raise CellInvalid(_("金额过大（%(value)s）") % {"value": _shown(value)})
    return round_money(amount)


def parse_quantity(value: Any) -> Decimal:
    """Greater than 0 with at most 3 decimal places (kilograms, metres …)."""
    if _blank(value):
        raise CellInvalid(_("数量不能为空"))
    quantity = _decimal(value, _("数量"))
    if quantity <= 0:
        raise CellInvalid(_("数量须大于 0（%(value)s）") % {"value": _shown(value)})
    if quantity > MAX_QUANTITY:
        raise CellInvalid(_("数量过大（%(value)s）") % {"value": _shown(value)})
    if has_more_places(quantity, 3):
        raise CellInvalid(_("数量最多保留三位小数（%(value)s）") % {"value": _shown(value)})
    return quantize(quantity, 3)


def parse_text(value: Any, *, max_length: int, required: bool = True) -> str:
    if _is_number(value):
        value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    elif value is None:
        value = ""
    elif not isinstance(value, str):
        value = str(value)
    text = value.translate(_CONTROL).strip()
    if required and not text:
        raise CellInvalid(_("不能为空"))
    if len(text) > max_length:
        raise CellInvalid(_("不能超过 %(n)d 个字（现有 %(len)d 个）") % {"n": max_length, "len": len(text)})
    return text


def parse_phone(value: Any) -> str:
    """An 11-digit mobile number, or "" for an empty cell."""
    if _blank(value):
        return ""
    if _is_number(value):
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise CellInvalid(_("手机号“%(value)s”格式不正确，应为 11 位手机号") % {"value": _shown(value)})
        value = str(int(value))
    if not isinstance(value, str):
        raise CellInvalid(_("手机号“%(value)s”格式不正确，应为 11 位手机号") % {"value": _shown(value)})
    phone = privacy.normalize_mobile(value)
    if not privacy.is_mobile(phone):
        raise CellInvalid(_("手机号“%(value)s”格式不正确，应为 11 位手机号") % {"value": _shown(value)})
    return phone


def parse_id_number(value: Any) -> str:
    """An 18-character resident ID number with a valid check character, or "" for an empty cell."""
    if _blank(value):
        return ""
    if _is_number(value):
        # Excel keeps only 15 significant digits: the last three are already lost
        raise CellInvalid(_("身份证号被 Excel 存成了数字，请将此列设为文本后重新填写"))
    if not isinstance(value, str):
        raise CellInvalid(_("身份证号格式不正确"))
    number = privacy.normalize_id_number(value)
    problem = privacy.id_number_problem(number)
    if problem:
        return_value = _shown(value)
        raise CellInvalid(f"{problem}（{return_value}）")
    return number


def parse_bool(value: Any, *, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if not word:
            return default
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CellInvalid(_("请填“是”或“否”，不是“%(value)s”") % {"value": _shown(value)})


def parse_choice(value: Any, *, choices: Sequence[tuple[str, str]]) -> str:
    """A choice given by its Chinese label (or its code)."""
    if isinstance(value, str):
        text = value.strip()
        for code, label in choices:
            if text in (str(label), code):
                return code
    labels = "、".join(str(label) for _code, label in choices)
    if _blank(value):
        raise CellInvalid(_("不能为空，可填：%(labels)s") % {"labels": labels})
    raise CellInvalid(_("“%(value)s”不是可选值，可填：%(labels)s") % {"value": _shown(value), "labels": labels})


# -- columns ------------------------------------------------------------------------------------

PG = "postgresql"
SQLITE = "sqlite"
NULL = {PG: "\\N", SQLITE: None}


@dataclass(frozen=True)
class Context:
    """What the parsers compare against, fixed once per import."""

    today: date
    now: datetime
    dialect: str = PG


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in the template
    field: str  # the model field it fills
    kind: str  # text | date | datetime | amount | quantity | phone | id_number | bool | choice
    required: bool = True
    max_length: int = 0
    default: Any = None
    choices: tuple[tuple[str, str], ...] = field(default=())
    example: Any = ""
    hint: str = ""
    # free text whose template offers the common platforms as a drop-down (any other may be typed)
    platforms: bool = False


def _parse_cell(column: Column, value: Any, ctx: Context) -> Any:
    kind = column.kind
    if kind == "text":
        return parse_text(value, max_length=column.max_length, required=column.required)
    if kind == "date":
        return parse_date(value, today=ctx.today)
    if kind == "datetime":
        if not column.required and _blank(value):
            return None
        return parse_datetime(value, now=ctx.now)
    if kind == "amount":
        if not column.required and _blank(value):
            return round_money(column.default or 0)
        return parse_amount(value)
    if kind == "quantity":
        if not column.required and _blank(value):
            return quantize(column.default or 1, 3)
        return parse_quantity(value)
    if kind == "phone":
        return parse_phone(value)
    if kind == "id_number":
        return parse_id_number(value)
    if kind == "bool":
        return parse_bool(value, default=bool(column.default))
    if kind == "choice":
        if not column.required and _blank(value):
            return column.default
        return parse_choice(value, choices=column.choices)
    raise LookupError(kind)  # pragma: no cover  a programming error, not bad input


def to_text(column: Column, value: Any, dialect: str) -> str | None:
    """A parsed value as the database loads it."""
    if value is None:
        return NULL[dialect]
    kind = column.kind
    if kind == "datetime":
        utc = value.astimezone(ZoneInfo("UTC"))
        return utc.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if dialect == PG else "")
    if kind == "date":
        return value.isoformat()
    if kind == "bool":
        return "1" if value else "0"
    if kind == "amount":
        return format_fixed(value, 2)
    if kind == "quantity":
        return format_fixed(value, 3)
    if dialect == PG and "\\" in value:
        return value.replace("\\", "\\\\")
    return value


def convert_column(
    column: Column, values: Sequence[Any], ctx: Context, *, first_row: int = 2
) -> tuple[list[Any], list[CellError]]:
    """The column as database text, and a CellError for every bad cell (row numbers as shown in
    the spreadsheet: the header is row 1, so the first data row is ``first_row``)."""
    fast = _FAST.get(column.kind)
    if fast is not None:
        try:
            texts = fast(column, values, ctx)
        except (ValueError, TypeError, OverflowError):
            texts = None
        if texts is not None:
            return texts, []
    texts: list[Any] = []
    errors: list[CellError] = []
    for offset, value in enumerate(values):
        try:
            texts.append(to_text(column, _parse_cell(column, value, ctx), ctx.dialect))
        except CellInvalid as exc:
            errors.append(CellError(first_row + offset, column.header, exc.message))
            texts.append(None)
    return texts, errors


# Fast paths: C-level passes over a clean column (map, min, max, set, join). They return None,
# or raise, whenever the column is not plainly clean; the per-cell parsers then decide, so the
# result (texts and errors) is the same as the slow path's, only sooner.


def _fast_text(column: Column, values: Sequence[Any], ctx: Context) -> list[str] | None:
    if not values:
        return []
    if set(map(type, values)) != {str}:
        return None
    texts = list(map(str.strip, values))
    if column.required and not all(texts):
        return None
    if max(map(len, texts)) > column.max_length:
        return None
    joined = "".join(texts)
    if "\t" in joined or "\n" in joined or "\r" in joined or "\\" in joined or "\x00" in joined:
        return None
    return texts


_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _fast_date(column: Column, values: Sequence[Any], ctx: Context) -> list[str] | None:
    if not values:
        return []
    types = set(map(type, values))
    if types == {date}:
        if min(values) < EARLIEST or max(values) > ctx.today:
            return None
        return list(map(date.isoformat, values))
    if types == {str} and all(map(_ISO_DATE_RE.match, values)):
        # ISO text compares like the dates it names; fromisoformat rejects 2025-02-30
        if min(values) < EARLIEST.isoformat() or max(values) > ctx.today.isoformat():
            return None
        list(map(date.fromisoformat, values))
        return list(values)
    return None


def _fast_decimal(plain: re.Pattern[str], canonical: re.Pattern[str], places: int, positive: bool, limit: float):
    spec = f"{{:.{places}f}}".format

    def fast(column: Column, values: Sequence[Any], ctx: Context) -> list[str] | None:
        if not values:
            return []
        types = set(map(type, values))
        if types <= {float, int}:
            numbers = values
        elif types == {str}:
            if all(map(canonical.match, values)):  # already "236.70": nothing to compute
                numbers = list(map(float, values))
                low, high = min(numbers), max(numbers)
                if (low <= 0 if positive else low < 0) or high > limit:
                    return None
                return list(values)
            if not all(map(plain.match, values)):
                return None
            numbers = list(map(float, values))
        else:
            return None
        low, high = min(numbers), max(numbers)
        if (low <= 0 if positive else low < 0) or high > limit:
            return None
        # a value with more places than allowed changes when rounded to them
        if any(map(ne, map(round, numbers, repeat(places)), numbers)):
            return None
        return list(map(spec, numbers))

    return fast


_PHONE_OR_EMPTY_RE = re.compile(r"^(?:1[3-9]\d{9})?$")


def _fast_phone(column: Column, values: Sequence[Any], ctx: Context) -> list[str] | None:
    if set(map(type, values)) - {str} or not all(map(_PHONE_OR_EMPTY_RE.match, values)):
        return None
    return list(values)


def _fast_id_number(column: Column, values: Sequence[Any], ctx: Context) -> list[str] | None:
    if set(map(type, values)) - {str}:
        return None
    for value in filter(None, values):
        if privacy.id_number_problem(value) is not None:
            return None
    return list(values)


_FAST: dict[str, Callable] = {
    "text": _fast_text,
    "date": _fast_date,
    "amount": _fast_decimal(_PLAIN_AMOUNT_RE, re.compile(r"^\d{1,12}\.\d{2}$"), 2, False, 1e12 - 1),
    "quantity": _fast_decimal(_PLAIN_QUANTITY_RE, re.compile(r"^\d{1,9}\.\d{3}$"), 3, True, 1e9 - 1),
    "phone": _fast_phone,
    "id_number": _fast_id_number,
}
