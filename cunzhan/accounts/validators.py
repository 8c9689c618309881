from __future__ import annotations

import re
import string

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", lambda ch: ch in string.ascii_lowercase),
    ("upper", lambda ch: ch in string.ascii_uppercase),
    ("digit", lambda ch: ch in string.digits),
    ("symbol", lambda ch: not ch.isalnum() or not ch.isascii()),
)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols (等保2.0)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        found = sum(1 for _name, test in CLASSES if any(test(ch) for ch in password))
        if found < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's, with its message in Chinese: Django 5.2's zh_Hans catalog translates the message by
    an older msgid ("%(min_length)d"), so the one the code asks for ("%d") came out in English."""

    def get_error_message(self) -> str:
        return _("密码太短，至少须有 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少须有 %(n)d 个字符。") % {"n": self.min_length}


# a mainland mobile number: 11 digits, 1 then 3–9 (13x … 19x)
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mobile_problem(phone: str) -> str:
    """Why ``phone`` is not a mobile number, or "" when it is one."""
    if MOBILE.match(phone):
        return ""
    return _("“%(value)s”不是手机号：应为 11 位数字，以 13–19 开头") % {"value": phone}
