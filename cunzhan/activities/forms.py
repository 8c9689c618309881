from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhan.activities.models import GuidanceKind
from cunzhan.core.forms import MoneyField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class Bootstrap(forms.Form):
    """Bootstrap classes on every widget, so templates render ``{{ field }}`` as is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput)):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"


class StationsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class CorrectionMixin(Bootstrap):
    correction_reason = forms.CharField(
        label=_("更正理由"),
        required=False,
        max_length=500,
        help_text=_("考核期已发布时必填：修改会作为更正记入操作日志。"),
    )


class TrainingForm(CorrectionMixin):
    topic = forms.CharField(label=_("培训主题"), max_length=200)
    organiser = forms.CharField(label=_("组织单位"), max_length=128, required=False)
    start_date = forms.DateField(label=_("培训日期"), widget=DATE)
    days = forms.DecimalField(label=_("天数"), min_value=0.5, max_value=99, decimal_places=1, initial=1)
    is_pre_job = forms.BooleanField(label=_("岗前培训"), required=False)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    required_stations = StationsField(label=_("应参训服务站"), queryset=None, required=False)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_stations"].queryset = stations


class ActivityForm(CorrectionMixin):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    organiser = forms.CharField(label=_("组织单位"), max_length=128, required=False)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    report_due_at = forms.DateTimeField(
        label=_("数据上报截止时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    description = forms.CharField(label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    required_stations = StationsField(label=_("应参加服务站"), queryset=None, required=False)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_stations"].queryset = stations


class ActivityReportForm(Bootstrap):
    orders = forms.IntegerField(label=_("订单数"), min_value=0)
    sales_amount = MoneyField(label=_("销售额（元）"), min_value=0, decimal_places=2, max_digits=14)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GuidanceForm(Bootstrap):
    station = forms.ModelChoiceField(label=_("服务站"), queryset=None)
    kind = forms.ChoiceField(label=_("类别"), choices=GuidanceKind.choices)
    visited_on = forms.DateField(label=_("日期"), widget=DATE)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["station"].label_from_instance = lambda s: f"{s.code} {s.name}"


class ImportForm(CorrectionMixin):
    file = forms.FileField(label=_("出勤登记表（.xlsx 或 .csv）"))
