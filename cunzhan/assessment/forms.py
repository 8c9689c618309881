from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunzhan.assessment.models import PeriodKind


class ComputeForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"), min_value=2015, max_value=2100, initial=lambda: timezone.localdate().year
    )
    period = forms.ChoiceField(label=_("考核期"), choices=PeriodKind.choices)


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("更正理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class RectifyForm(forms.Form):
    deadline = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))
    requirements = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CloseRectificationForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("复查结论"), coerce=lambda v: v == "1", choices=[("1", _("复查通过")), ("0", _("仍不达标，撤销资格"))]
    )
    note = forms.CharField(label=_("复查意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class PublicationSettingsForm(forms.ModelForm):
    class Meta:
        from cunzhan.assessment.models import PublicationSettings

        model = PublicationSettings
        fields = ["separate_reviewer", "publicity_days", "supervision_phone", "issuing_office"]
