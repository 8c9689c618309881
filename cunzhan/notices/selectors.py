"""Every read of notices: a user's own list (a notice is its recipient's alone, whatever the role), its
unread count for the navigation, the county office's delivery log, and the county's settings."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from cunzhan.accounts.models import User
from cunzhan.notices.models import Delivery, Notice, ReminderSettings
from cunzhan.regions.models import Region


def notices_for_user(user: User, *, kind: str = "", unread: bool = False) -> QuerySet[Notice]:
    """The user's notices: unread first, newest first."""
    notices = Notice.objects.filter(recipient=user).select_related("sender", "station")
    if kind:
        notices = notices.filter(kind=kind)
    if unread:
        notices = notices.filter(read_at__isnull=True)
    first = Case(When(read_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    return notices.annotate(unread_first=first).order_by("-unread_first", "-created_at", "-pk")


def notice_for_user_or_404(user: User, pk: int) -> Notice:
    return user.scope.get_or_404(Notice.objects.filter(recipient=user), pk=pk)


def unread_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_first(user: User, limit: int = 5) -> list[Notice]:
    """What the keeper's phone home page shows first: the unread notices, newest first."""
    return list(notices_for_user(user, unread=True)[:limit])


def deliveries_for_user(user: User, *, status: str = "", channel: str = "") -> QuerySet[Delivery]:
    """The delivery log of the user's county (the county office) or of all (the administrator)."""
    user.scope.require("notice.deliveries")
    rows = user.scope.filter(Delivery.objects.select_related("notice", "notice__recipient"))
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-created_at", "-pk")


def reminder_settings_for_user(user: User, county: Region) -> ReminderSettings:
    user.scope.require_region(county.code)
    return ReminderSettings.for_county(county.code)
