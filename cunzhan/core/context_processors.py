from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunzhan.core.scoping import scope_of

# (url name, label, permission)
NAV_ITEMS = [
    ("home", _("首页"), None),
    ("stations:list", _("服务站"), "station.view"),
    ("ledgers:index", _("台账"), "ledger.view"),
    ("regions:detail_root", _("行政区划"), "region.view"),
    ("reports:index", _("报表"), "report.view"),
    ("activities:trainings", _("培训与活动"), "activity.view"),
    ("supervision:inspections", _("督查"), "supervision.view"),
    ("assessment:list", _("考核"), "assessment.view"),
    ("accounts:users", _("账号管理"), "user.view"),
    ("accounts:operations", _("操作日志"), "audit.view"),
    ("accounts:logins", _("登录日志"), "loginlog.view"),
    ("accounts:tokens", _("API 令牌"), "token.manage"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_of(user)
    return {"nav_items": [(name, label) for name, label, perm in NAV_ITEMS if perm is None or scope.can(perm)]}
