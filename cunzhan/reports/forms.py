from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhan.reports.models import ReportSettings, UpwardKind


class ReportSettingsForm(forms.ModelForm):
    class Meta:
        model = ReportSettings
        fields = [
            "monthly_due_day",
            "monthly_grace_months",
            "weekly_enabled",
            "weekly_due_days",
            "weekly_grace_days",
            "adhoc_grace_days",
        ]


class AdhocRequestForm(forms.Form):
    title = forms.CharField(label=_("报表名称"), max_length=128)
    description = forms.CharField(label=_("填报要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_at = forms.DateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    grace_end = forms.DateTimeField(
        label=_("宽限截止（不填则按县级参数）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    period_start = forms.DateField(
        label=_("统计起始日（可选，用于从台账生成草稿）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(label=_("统计截止日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    stations = forms.MultipleChoiceField(label=_("报送站点"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, stations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stations"].choices = [(str(s.pk), f"{s.code} {s.name}") for s in stations]


class UpwardPrepareForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=UpwardKind.choices)
    period = forms.CharField(label=_("统计月份（YYYY-MM，名录可不填）"), max_length=7, required=False)
