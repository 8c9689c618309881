"""The setup checklist on a county office's home page while its county is not yet running on the
system: regions present → scheme chosen → operating units → accounts → stations → report settings,
each with its count and a link to the page that does it. Shown until every step is done. A county
already assessed on the shipped scheme, or already reporting on the default deadlines, has made those
two choices."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.assessment.models import Assessment, SchemeVersion
from cunzhan.core.roles import Role
from cunzhan.regions.models import Level, Region
from cunzhan.reports.models import Report, ReportSettings
from cunzhan.stations.models import OperatingUnit, Station


@dataclass(frozen=True)
class SetupStep:
    label: str
    count: int
    done: bool
    url: str
    action: str  # what the link does
    detail: str = ""  # shown instead of the count where a count says nothing


def setup_steps(user: User, county: Region) -> list[SetupStep] | None:
    """The county's steps for its county office (and an administrator looking at it); None once every
    step is done or for any other role."""
    if user.scope.role not in (Role.COUNTY_OFFICE, Role.ADMIN) or county.level != Level.COUNTY:
        return None
    code = county.code
    townships = Region.objects.filter(code__startswith=code, level=Level.TOWNSHIP).count()
    villages = Region.objects.filter(code__startswith=code, level=Level.VILLAGE).count()
    schemes = SchemeVersion.objects.filter(county=county).count()
    # a county assessed on the shipped scheme, or reporting on the default deadlines, has chosen them
    assessed = Assessment.objects.filter(county=county).exists()
    reporting = Report.objects.filter(county_code=code).exists()
    units = OperatingUnit.objects.filter(county=county).count()
    accounts = (
        User.objects.filter(region__code__startswith=code, is_active=True).exclude(role=Role.COUNTY_OFFICE).count()
    )
    stations = Station.objects.filter(county_code=code).count()
    settings = ReportSettings.objects.filter(county=county).count()
    steps = [
        SetupStep(
            _("行政区划（乡镇 %(t)d 个，村 %(v)d 个）") % {"t": townships, "v": villages},
            townships + villages,
            townships > 0 and villages > 0,
            reverse("regions:detail", args=[code]),
            _("查看区划"),
        ),
        SetupStep(
            _("考核方案"),
            schemes,
            schemes > 0 or assessed,
            reverse("assessment:schemes"),
            _("选定本县方案"),
            "" if schemes or not assessed else _("沿用默认方案"),
        ),
        SetupStep(_("运营单位"), units, units > 0, reverse("units:list"), _("登记运营单位")),
        SetupStep(
            _("账号（运营单位、督查员、站长）"),
            accounts,
            accounts > 0,
            reverse("accounts:user_import"),
            _("批量创建账号"),
        ),
        SetupStep(_("服务站"), stations, stations > 0, reverse("stations:import"), _("导入服务站")),
        SetupStep(
            _("报表参数"),
            settings,
            settings > 0 or reporting,
            reverse("reports:settings"),
            _("确认报送时限"),
            _("已设置") if settings else _("沿用默认时限") if reporting else _("尚未设置"),
        ),
    ]
    return None if all(step.done for step in steps) else steps
