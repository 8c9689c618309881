from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhan.onboarding.models import HistoryKind


class HistoryUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=HistoryKind.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("填好的表格（.xlsx 或 .csv）"))
