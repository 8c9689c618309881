"""/api/v1/stations: the page actions the register's main router leaves out — a county's station
parameters (the Jiangxi norms' thresholds, publicity and zombie days), withdrawing a norm exemption,
confirming a public asset returned after a revocation. Scoped like the pages (out of scope: 404)."""

# No "from __future__ import annotations": django-ninja reads the parameter annotations at run time.
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cunzhan.regions.selectors import county_for_user
from cunzhan.stations import selectors, services
from cunzhan.stations.models import AssetReturn, NormExemption
from cunzhan.stations.services import SETTINGS_FIELDS

router = Router(tags=["服务站"])


class CountySettingsOut(Schema):
    county: str
    area_county_centre: Decimal
    area_township: Decimal
    area_village: Decimal
    min_population: int
    min_poor_share: Decimal
    min_training_days: Decimal
    min_yearly_trainings: int
    publicity_days: int
    zombie_days: int


class CountySettingsIn(Schema):
    area_county_centre: Decimal | None = None
    area_township: Decimal | None = None
    area_village: Decimal | None = None
    min_population: int | None = None
    min_poor_share: Decimal | None = None
    min_training_days: Decimal | None = None
    min_yearly_trainings: int | None = None
    publicity_days: int | None = None
    zombie_days: int | None = None


def _settings_out(county_code: str) -> dict:
    current = selectors.settings_for_county(county_code)
    return {"county": county_code, **{name: getattr(current, name) for name in SETTINGS_FIELDS}}


@router.get("/settings", response=CountySettingsOut, summary="本县的站点参数（规范阈值、公示天数、僵尸站点天数）")
def get_settings(request, county: str = ""):
    request.user.scope.require("county_settings.manage")
    return _settings_out(county_for_user(request.user, county or None).code)


@router.put("/settings", response=CountySettingsOut, summary="修改本县的站点参数（只改给出的项）")
def put_settings(request, payload: CountySettingsIn, county: str = ""):
    region = county_for_user(request.user, county or None)
    values = payload.dict(exclude_none=True)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("未知的参数：%(names)s") % {"names": "、".join(sorted(unknown))})
    services.county_settings_update(acting_user=request.user, county=region, **values)
    return _settings_out(region.code)


class WithdrawnOut(Schema):
    id: int
    withdrawn_at: datetime | None


@router.post("/{code}/exemptions/{int:exemption_id}/withdraw", response=WithdrawnOut, summary="撤回规范放宽")
def withdraw_exemption(request, code: str, exemption_id: int):
    station = selectors.get_station_for_user_or_404(request.user, code)
    exemption = request.user.scope.get_or_404(NormExemption.objects.filter(station=station), pk=exemption_id)
    return services.exemption_withdraw(acting_user=request.user, exemption=exemption)


class ReturnIn(Schema):
    note: str = ""


class ReturnOut(Schema):
    id: int
    asset_id: int
    returned_at: datetime | None
    note: str


@router.post("/{code}/asset-returns/{int:return_id}/confirm", response=ReturnOut, summary="登记撤销后公共资产的收回")
def confirm_return(request, code: str, return_id: int, payload: ReturnIn):
    station = selectors.get_station_for_user_or_404(request.user, code)
    item = request.user.scope.get_or_404(AssetReturn.objects.filter(station=station), pk=return_id)
    return services.asset_return_confirm(acting_user=request.user, item=item, note=payload.note)
