"""Personal information: validation of Chinese resident ID numbers (GB 11643-1999) and mobile
numbers, and masking for display and export.

Who may see a value unmasked is decided by the caller (the ledgers: the keeper of the record's
own station); everything here is pure.
"""

from __future__ import annotations

import re
from datetime import date
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_RE = re.compile(r"^[1-9]\d{16}[\dX]$")
# GB 11643-1999: weights 2^(17-i) mod 11 for the first 17 digits; the check character by sum mod 11
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    """The check character (0-9 or X) for the first 17 digits of an ID number."""
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-character resident ID number, or None when it is."""
    if not ID_NUMBER_RE.match(value):
        return _("身份证号应为 18 位（最后一位可为 X）")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号中的出生日期不存在")
    if born.year < 1900 or born > date.today():  # noqa: DTZ011  a birth date, not a moment
        return _("身份证号中的出生日期不合理")
    if id_check_character(value[:17]) != value[17]:
        return _("身份证号校验位不正确")
    return None


def normalize_id_number(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def normalize_mobile(value: str) -> str:
    value = re.sub(r"[\s\-]", "", value.strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(value))


def validate_mobile(value: str) -> None:
    """Model/form validator: an 11-digit mainland mobile number."""
    if value and not is_mobile(value):
        raise ValidationError(_("手机号格式不正确，应为 11 位手机号"), code="mobile")


def validate_id_number(value: str) -> None:
    """Model/form validator: a resident ID number with a correct GB 11643 check character."""
    if value:
        problem = id_number_problem(value)
        if problem:
            raise ValidationError(problem, code="id_number")


def mask_mobile(value: str) -> str:
    """``13812341234`` → ``138****1234``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_id_number(value: str) -> str:
    """``610828199001011234`` → ``610828********1234`` (region kept, birth date hidden)."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_name(value: str) -> str:
    """``张三丰`` → ``张**``: the family name stays so the keeper's colleagues can still talk about it."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)
