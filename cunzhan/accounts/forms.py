from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from cunzhan.core.roles import GRANTABLE, Role
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(str(t) for t in password_validators_help_texts()),
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        return data


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @/./+/-/_。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1\d{10}$",
        required=False,
        error_messages={"invalid": _("请输入 11 位手机号。")},
    )
    role = forms.ChoiceField(label=_("角色"))
    region = forms.RegexField(
        label=_("所属区划代码"),
        regex=r"^\d{2,12}$",
        required=False,
        help_text=_("县电商办填县代码，督查员填乡镇代码，如 610828100"),
        error_messages={"invalid": _("区划代码为数字。")},
    )
    operating_unit = forms.ModelChoiceField(label=_("运营单位"), queryset=None, required=False)
    station = forms.CharField(
        label=_("服务站编码"), max_length=32, required=False, help_text=_("站长账号填写所负责服务站的编码")
    )
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("留空则自动生成；首次登录须修改。"),
    )

    def __init__(self, *args, acting_user, regions, operating_units, stations, **kwargs):
        super().__init__(*args, **kwargs)
        grantable = GRANTABLE.get(Role(acting_user.role), frozenset())
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in grantable]
        self.fields["operating_unit"].queryset = operating_units
        self._regions = regions
        self._stations = stations

    def clean_region(self) -> Region | None:
        code = self.cleaned_data.get("region")
        if not code:
            return None
        region = self._regions.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区划代码 %(code)s 不存在或不在您的辖区内。") % {"code": code})
        return region

    def clean_station(self) -> Station | None:
        code = (self.cleaned_data.get("station") or "").strip()
        if not code:
            return None
        station = self._stations.filter(code=code).first()
        if station is None:
            raise forms.ValidationError(_("服务站 %(code)s 不存在或不在您的辖区内。") % {"code": code})
        return station


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64)
    expires_at = forms.DateTimeField(
        label=_("过期时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class AccountImportForm(forms.Form):
    file = forms.FileField(label=_("账号表格（.xlsx 或 .csv）"))
