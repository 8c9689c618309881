from __future__ import annotations

import functools

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhan.core.forms import MoneyField
from cunzhan.ledgers.specs import SPECS, LedgerSpec

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _widget(column) -> forms.Widget:
    big = {"class": "form-control form-control-lg"}
    if column.kind == "date":
        return forms.DateInput(attrs={**big, "type": "date"}, format="%Y-%m-%d")
    if column.kind == "datetime":
        return forms.DateTimeInput(attrs={**big, "type": "datetime-local"}, format=DATETIME_FORMAT)
    if column.kind == "amount":
        return forms.NumberInput(attrs={**big, "step": "0.01", "min": "0", "inputmode": "decimal"})
    if column.kind == "quantity":
        return forms.NumberInput(attrs={**big, "step": "any", "min": "0", "inputmode": "decimal"})
    if column.kind == "phone":
        return forms.TextInput(attrs={**big, "type": "tel", "inputmode": "tel", "maxlength": "11"})
    if column.kind == "id_number":
        return forms.TextInput(attrs={**big, "maxlength": "18", "autocomplete": "off"})
    if column.kind == "bool":
        return forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"})
    if column.kind == "choice":
        return forms.RadioSelect(attrs={"class": "btn-check"})
    attrs = {**big}
    if column.field == "product_name":
        attrs["list"] = "recent-products"
    return forms.TextInput(attrs=attrs)


def entry_form_class(spec: LedgerSpec) -> type[forms.ModelForm]:
    """A mobile-first form for one ledger: big inputs, the fields in the template's order."""
    return _entry_form_class(spec.kind)


@functools.cache
def _entry_form_class(kind: str) -> type[forms.ModelForm]:
    # built once per process: the class holds no request's data (each form copies its fields), and
    # building it cost a fifth of the form page
    spec = SPECS[kind]
    return forms.modelform_factory(
        spec.model,
        fields=spec.fields,
        widgets={c.field: _widget(c) for c in spec.columns},
        field_classes={
            **{c.field: forms.DateTimeField for c in spec.columns if c.kind == "datetime"},
            **{c.field: MoneyField for c in spec.columns if c.kind == "amount"},  # 1.005 yuan is 1.01
        },
        # the import's and the API's wording, not Django's ("确认小数不超过 2 位.")
        error_messages={
            c.field: {"max_decimal_places": _("最多保留 %(max)s 位小数。")}
            for c in spec.columns
            if c.kind == "quantity"
        },
    )


class VersionForm(forms.Form):
    """The version of the entry the editor loaded, so that a save over someone else's correction is
    refused (cunzhan.core.concurrency)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages=dict.fromkeys(("required", "invalid", "min_value"), _("页面缺少版本信息，请刷新后重新编辑。")),
    )


class StationChoiceForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("服务站"),
        queryset=None,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["station"].label_from_instance = lambda s: f"{s.code} {s.name}"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("台账文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}),
    )


class ExportForm(forms.Form):
    fmt = forms.ChoiceField(choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], initial="xlsx")
    unmasked = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=200)
