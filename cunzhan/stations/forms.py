from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunzhan.regions.models import Region
from cunzhan.stations.models import (
    AssetKind,
    CountySettings,
    ExemptionBasis,
    OperatingUnit,
    ResponsiblePerson,
    Station,
    Tier,
)
from cunzhan.stations.norms import NormRule
from cunzhan.stations.services import DETAIL_FIELDS, SETTINGS_FIELDS, code_problem
from cunzhan.stations.units import UNIT_FIELDS

TEXTAREA = forms.Textarea(attrs={"rows": 2})


class StationDetailsForm(forms.ModelForm):
    """The record's details, shared by registration and editing."""

    class Meta:
        model = Station
        fields = DETAIL_FIELDS
        widgets = {
            "service_items": TEXTAREA,
            "key_processes": TEXTAREA,
            "service_promise": TEXTAREA,
            "fees": TEXTAREA,
        }
        help_texts = {
            "signboard_name": _("如：江西电商扶贫工程××村服务点"),
            "poor_share": _("建档立卡贫困人口占服务常住人口的百分比"),
        }

    def details(self) -> dict:
        return {f: self.cleaned_data[f] for f in DETAIL_FIELDS}


class StationEditForm(StationDetailsForm):
    """The details with the version they were loaded at, so that a save over someone else's is refused."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages=dict.fromkeys(("required", "invalid", "min_value"), _("页面缺少版本信息，请刷新后重新编辑。")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class StationRegisterForm(StationDetailsForm):
    code = forms.CharField(label=_("站点编码"), max_length=32, help_text=_("3–32 位字母、数字或连字符，如 610828-0101"))
    tier = forms.ChoiceField(label=_("层级"), choices=Tier.choices)
    region = forms.RegexField(
        label=_("服务区域代码"),
        regex=r"^\d{6,12}$",
        help_text=_("县级运营中心填县代码，乡镇服务站填乡镇代码，村级服务点填村代码"),
        error_messages={"invalid": _("区划代码为 6、9 或 12 位数字。")},
    )
    operating_unit = forms.ModelChoiceField(label=_("运营单位"), queryset=None, required=False)

    field_order = ["code", "name", "signboard_name", "tier", "region", "operating_unit"]

    def __init__(self, *args, operating_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operating_unit"].queryset = operating_units

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if problem := code_problem(code):
            raise forms.ValidationError(problem)
        return code

    def clean_region(self) -> Region:
        code = self.cleaned_data["region"]
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区划代码 %(code)s 不存在。") % {"code": code})
        return region


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由/意见"), required=False, widget=TEXTAREA, max_length=2000)
    agreement_no = forms.CharField(label=_("合作协议编号"), required=False, max_length=64)


class ExemptionForm(forms.Form):
    rule = forms.ChoiceField(label=_("放宽的规范条目"), choices=NormRule.choices)
    basis = forms.ChoiceField(label=_("放宽依据"), choices=ExemptionBasis.choices)
    reason = forms.CharField(label=_("理由"), widget=TEXTAREA, max_length=2000)


class PersonForm(forms.ModelForm):
    class Meta:
        model = ResponsiblePerson
        fields = ["name", "phone", "pre_job_training_days", "yearly_trainings", "is_primary"]


class AssetForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=AssetKind.choices)
    name = forms.CharField(label=_("名称/型号"), max_length=128, required=False)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=999, initial=1)
    serial_no = forms.CharField(label=_("资产编号"), max_length=64, required=False)
    acquired_on = forms.DateField(label=_("配发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), max_length=255, required=False)


class FaultForm(forms.Form):
    description = forms.CharField(label=_("故障描述"), widget=TEXTAREA, max_length=2000)
    stops_operation = forms.BooleanField(label=_("影响正常营业"), required=False)


class RepairForm(forms.Form):
    repair_note = forms.CharField(label=_("维修说明"), max_length=255, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("服务站表格（.xlsx 或 .csv）"))


class AssetImportForm(forms.Form):
    file = forms.FileField(label=_("公共资产表格（.xlsx 或 .csv）"))


class CountySettingsForm(forms.ModelForm):
    class Meta:
        model = CountySettings
        fields = SETTINGS_FIELDS


class StationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Station) -> str:
        unit = obj.operating_unit.name if obj.operating_unit else _("无运营单位")
        return f"{obj.code} {obj.name}（{obj.get_status_display()}，{unit}）"


DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class OperatingUnitForm(forms.ModelForm):
    """A unit's record, the stations it serves and, when editing, the version it was loaded at."""

    stations = StationChoiceField(
        label=_("所服务的服务站"),
        queryset=Station.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("勾选由本单位服务的站点；已由其他运营单位服务的站点勾选后即划转到本单位。"),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        required=False,
        error_messages=dict.fromkeys(("required", "invalid", "min_value"), _("页面缺少版本信息，请刷新后重新编辑。")),
    )

    class Meta:
        model = OperatingUnit
        fields = UNIT_FIELDS
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "credit_code": forms.TextInput(attrs={"class": "form-control", "autocapitalize": "characters"}),
            "contact_person": forms.TextInput(attrs={"class": "form-control"}),
            "contact_phone": forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}),
            "agreement_start": DATE_WIDGET,
            "agreement_end": DATE_WIDGET,
        }
        help_texts = {"credit_code": _("18 位，见营业执照")}

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stations"].queryset = stations
        self.fields["credit_code"].required = True
        if self.instance.pk:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
            self.fields["stations"].initial = [s.pk for s in stations if s.operating_unit_id == self.instance.pk]

    def _post_clean(self) -> None:
        """The service validates and saves; the model's own checks (the name unique in the county) are its."""

    def values(self) -> dict:
        return {f: self.cleaned_data[f] for f in UNIT_FIELDS}


class UnitDeactivateForm(forms.Form):
    reason = forms.CharField(label=_("停用理由"), max_length=255, widget=TEXTAREA)
