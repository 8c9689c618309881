"""Figures as a director reads them: 万元 for large amounts, thousands separated."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _


def yuan(value) -> str:
    amount = Decimal(value or 0)
    if abs(amount) >= 10000:
        wan = (amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return _("%(n)s万元") % {"n": intcomma(wan)}
    return _("%(n)s元") % {"n": intcomma(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))}


def count(value) -> str:
    return intcomma(int(value or 0))
