from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhan.notices.models import ReminderSettings


class ChaseForm(forms.Form):
    county = forms.CharField(max_length=6)
    kind = forms.ChoiceField(choices=[("monthly", "monthly"), ("weekly", "weekly")])
    period = forms.CharField(max_length=10)
    stations = forms.MultipleChoiceField(required=False)
    note = forms.CharField(label=_("附言"), max_length=200, required=False)
    everyone = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # any code is accepted here: the service checks each against the user's scope
        self.fields["stations"].choices = [(c, c) for c in self.data.getlist("stations")] if self.data else []


class OffsetsField(forms.CharField):
    """Days before a deadline, written as 3,1 (or 3，1)."""

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("，", ",").replace(" ", "")
        if not text:
            return []
        try:
            return [int(part) for part in text.split(",") if part]
        except ValueError:
            raise forms.ValidationError(_("提前提醒天数须为整数，用逗号分隔，如 3,1。")) from None

    def prepare_value(self, value):
        return ",".join(str(n) for n in value) if isinstance(value, list) else value


class ReminderSettingsForm(forms.ModelForm):
    offsets = OffsetsField(
        label=_("提前提醒天数"),
        required=False,
        help_text=_("截止日前几天提醒，用逗号分隔，如 3,1（5日截止：2日、4日各提醒一次）。"),
    )
    wecom_webhook = forms.URLField(
        label=_("企业微信群机器人地址"), required=False, assume_scheme="https", max_length=255
    )

    class Meta:
        model = ReminderSettings
        fields = ["offsets", "send_hour", "email", "sms", "wecom", "wecom_webhook"]
