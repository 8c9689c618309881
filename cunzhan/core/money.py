"""Money and scores are Decimal, rounded by these helpers only: 2 places, ROUND_HALF_UP (DOMAIN.md).

``Decimal.quantize`` without a rounding mode rounds half to even (1.005 → 1.00): every rounding of
the product goes through :func:`quantize` so that 1.005 is 1.01 everywhere. A float (SQLite returns
sums as floats) is read through its shortest text, so 282890.87 stays 282890.87 and 1.005 stays 1.005.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
Number = Decimal | int | float | str
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}  # 1, 0.1 … 0.000001


def as_decimal(value: Number | None) -> Decimal:
    """``value`` as a Decimal (None is 0; a float through its shortest text, not its binary value)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(repr(value))
    return value if isinstance(value, Decimal) else Decimal(value)


def quantize(value: Number | None, places: int = 2) -> Decimal:
    """``value`` rounded half up to ``places`` decimal places."""
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    return as_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def round_money(value: Number | None) -> Decimal:
    """Yuan to the fen: 2 places, half up."""
    return quantize(value, 2)


def round_score(value: Number | None) -> Decimal:
    """A score to 2 places, half up (DOMAIN.md: item scores and totals)."""
    return quantize(value, 2)


def has_more_places(value: Decimal, places: int) -> bool:
    """Whether ``value`` has digits beyond ``places`` decimal places (1.005 has more than 2; 1.50 has not):
    a quantity, a rating or a scheme's parameter like that is refused (an amount is rounded on entry)."""
    return value != quantize(value, places)


def round_entered(value: object) -> object:
    """An amount as entered (a page, the API, a file), rounded to the fen half up: 1.005 → 1.01, 1.004 →
    1.00 (DOMAIN.md: yuan with 2 places, ROUND_HALF_UP). What is not a finite number is returned as it is,
    for the field's own check to refuse in its own words."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        return value
    try:
        number = as_decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:  # decimal.InvalidOperation: not a number
        return value
    if not number.is_finite():
        return value
    try:
        return round_money(number)
    except ArithmeticError:  # too large to hold to the fen (1e308): the field's own check refuses it
        return value


# -- as people read them: every amount a page, an export or a printout shows goes through these -------


def format_fixed(value: Number | None, places: int = 2, *, sign: bool = False) -> str:
    """``value`` rounded half up to ``places`` decimals, every one of them written, nothing grouped: the
    text an API, a file, a stored fact or a COPY stream carries ("1234.50"; with ``sign``, "+1.50").
    Python's own ``f"{value:.2f}"`` rounds a Decimal half to even (1.005 → "1.00"): not used."""
    return format(quantize(value, places), "+f" if sign else "f")


def format_money(value: Number | None, *, grouping: bool = True) -> str:
    """An amount in yuan as printed: two decimals, thousands separated (282,890.87), from a Decimal, an
    int or the float SQLite returns for a sum alike."""
    amount = round_money(value)
    return f"{amount:,f}" if grouping else format(amount, "f")


def format_score(value: Number | None, *, sign: bool = False) -> str:
    """A score or points as the API, the command line and the stored explanations write them: 2 places,
    half up ("87.50"; with ``sign``, a change: "+2.50", "-1.00")."""
    return format_fixed(value, 2, sign=sign)


def format_quantity(value: Number | None, places: int = 3) -> str:
    """A quantity as printed: its places without trailing zeros (2, 1.5, 0.125), thousands separated.
    ``places``: at most so many (a coordinate's degrees keep 6)."""
    number = quantize(value, places).normalize()
    places = max(0, -number.as_tuple().exponent) if isinstance(number.as_tuple().exponent, int) else 0
    return f"{number:,.{places}f}"


def yuan(value: Number | None) -> str:
    """A director's figure: 万元 from 10,000 on (1.01万元), else 元 with two decimals."""
    amount = as_decimal(value)
    if abs(amount) >= 10000:
        return _("%(n)s万元") % {"n": format_money(amount / 10000)}
    return _("%(n)s元") % {"n": format_money(amount)}


def count(value: int | None) -> str:
    return f"{int(value or 0):,}"
