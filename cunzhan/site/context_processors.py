from __future__ import annotations

from django.core.cache import cache
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cunzhan.core.roles import role_has
from cunzhan.notices.selectors import unread_count

# (url name, label, permission)
NAV_ITEMS = [
    ("home", _("首页"), None),
    ("stations:list", _("服务站"), "station.view"),
    ("units:list", _("运营单位"), "operating_unit.manage"),
    ("ledgers:index", _("台账"), "ledger.view"),
    ("regions:detail_root", _("行政区划"), "region.view"),
    ("reports:index", _("报表"), "report.view"),
    ("activities:trainings", _("培训与活动"), "activity.view"),
    ("supervision:inspections", _("督查"), "supervision.view"),
    ("assessment:list", _("考核"), "assessment.view"),
    ("onboarding:index", _("历史导入"), "history.import"),
    ("accounts:users", _("账号管理"), "user.view"),
    ("accounts:operations", _("操作日志"), "audit.view"),
    ("accounts:logins", _("登录日志"), "loginlog.view"),
    ("accounts:tokens", _("API 令牌"), "token.manage"),
]
# a renamed region shows in the bar within this many seconds
REGION_NAME_SECONDS = 300


def navigation(request):
    """The menu (address and label of each page the role may open) and the name of the user's region,
    for the bar on every page. Both are the same for every page of a role, language and region, so
    they are worked out once per process (the menu) or once per few minutes (the region's name)
    instead of reversing a dozen addresses and reading the region on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return {"nav_items": []}
    return {
        "nav_items": _menu(user.role),
        "nav_region": _region_name(user.region_id),
        # read on every page: one count over the recipient's unread index
        "nav_unread": unread_count(user),
    }


_menus: dict[tuple[str, str, str], list[tuple[str, str]]] = {}


def _menu(role: str) -> list[tuple[str, str]]:
    key = (role, get_language(), get_script_prefix())
    if key not in _menus:
        _menus[key] = [
            (reverse(name), str(label)) for name, label, perm in NAV_ITEMS if perm is None or role_has(role, perm)
        ]
    return _menus[key]


def _region_name(code: str | None) -> str:
    if not code:
        return ""
    from cunzhan.regions.models import Region

    def read() -> str:
        return Region.objects.filter(code=code).values_list("name", flat=True).first() or ""

    return cache.get_or_set(f"cunzhan.region-name.{code}", read, REGION_NAME_SECONDS)
