from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cunzhan.core.money import round_money


class MoneyField(forms.DecimalField):
    """An amount in yuan: what is typed with more places is rounded to the fen half up (1.005 → 1.01), as
    the API and the imports round it, rather than refused."""

    def to_python(self, value: Any) -> Decimal | None:
        number = super().to_python(value)
        if number is None:
            return None
        try:
            return round_money(number)
        except ArithmeticError:  # too large to hold to the fen (1e30): the field's max_digits refuses it
            return number


def apply_validation_error(form: forms.Form, exc: ValidationError, *, default_field: str | None = None) -> None:
    """Show a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(default_field if default_field in form.fields else None, exc)
