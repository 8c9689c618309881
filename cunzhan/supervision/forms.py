from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhan.activities.forms import DATE, DATETIME, Bootstrap
from cunzhan.core.models import Half
from cunzhan.supervision.models import RECORDABLE_EVENT_KINDS, ComplaintKind, EventKind, PhotoKind
from cunzhan.supervision.rating_items import RATING_ITEMS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class StationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class InspectionForm(Bootstrap):
    """The phone form: station and period, then per sub-item a score (max enforced) and a comment."""

    station = StationChoice(label=_("服务站"), queryset=None)
    year = forms.IntegerField(label=_("考核年度"), min_value=2020, max_value=2100)
    half = forms.ChoiceField(label=_("考核期"), choices=Half.choices)
    inspected_at = forms.DateTimeField(label=_("察看时间"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    location = forms.CharField(label=_("地点说明"), max_length=200, required=False)
    latitude = forms.DecimalField(
        label=_("纬度"), required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        label=_("经度"), required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("总体意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    correction_reason = forms.CharField(
        label=_("更正理由"), required=False, max_length=500, help_text=_("考核期已发布时必填。")
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        for item in RATING_ITEMS:
            # the browser stops 3.5 for a 3-point item; the service checks again
            self.fields[f"score_{item.key}"] = forms.CharField(
                label=item.label,
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control",
                        "min": "0",
                        "max": str(item.max),
                        "step": "0.01",
                        "inputmode": "decimal",
                    }
                ),
            )
            self.fields[f"comment_{item.key}"] = forms.CharField(
                label=_("扣分说明"),
                required=False,
                max_length=500,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def ratings(self) -> dict[str, tuple[str, str]]:
        return {
            item.key: (self.cleaned_data.get(f"score_{item.key}", ""), self.cleaned_data.get(f"comment_{item.key}", ""))
            for item in RATING_ITEMS
        }

    @staticmethod
    def default_initial() -> dict:
        now = timezone.localtime()
        return {"year": now.year, "half": "H1" if now.month <= 6 else "H2", "inspected_at": now}


class PhotoForm(Bootstrap):
    kind = forms.ChoiceField(label=_("照片类别"), choices=PhotoKind.choices)
    photo = forms.FileField(
        label=_("照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
    )


class ComplaintForm(Bootstrap):
    station = StationChoice(label=_("服务站"), queryset=None)
    kind = forms.ChoiceField(label=_("类别"), choices=ComplaintKind.choices)
    received_at = forms.DateTimeField(label=_("受理时间"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    complainant = forms.CharField(label=_("投诉/举报人"), max_length=64, required=False)
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class VerifyForm(Bootstrap):
    evidence = forms.CharField(label=_("核实情况/证据"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photo = forms.FileField(
        label=_("证据照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    correction_reason = forms.CharField(
        label=_("更正理由"), required=False, max_length=500, help_text=_("改变已核实的结论或考核期已发布时必填。")
    )


class EventForm(Bootstrap):
    station = StationChoice(label=_("服务站"), queryset=None)
    kind = forms.ChoiceField(
        label=_("类别"), choices=[(k.value, k.label) for k in EventKind if k in RECORDABLE_EVENT_KINDS]
    )
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    description = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.CharField(label=_("证据"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photo = forms.FileField(
        label=_("证据照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class EventVerifyForm(Bootstrap):
    note = forms.CharField(label=_("核实意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    correction_reason = forms.CharField(label=_("更正理由"), required=False, max_length=500)
