"""Figures as a director reads them: 万元 for large amounts, thousands separated."""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from cunzhan.core.money import as_decimal, round_money


def yuan(value) -> str:
    amount = as_decimal(value)
    if abs(amount) >= 10000:
        wan = round_money(amount / 10000)
        return _("%(n)s万元") % {"n": intcomma(wan)}
    return _("%(n)s元") % {"n": intcomma(round_money(amount))}


def count(value) -> str:
    return intcomma(int(value or 0))
