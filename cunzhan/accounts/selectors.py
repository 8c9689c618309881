"""Scoped reads for accounts and the logs."""

from __future__ import annotations

from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.db.models import QuerySet

from cunzhan.accounts.models import ApiToken, User
from cunzhan.core.roles import Role


def users_for_user(user: User) -> QuerySet[User]:
    user.scope.require("user.view")
    return user.scope.filter(User.objects.select_related("region", "operating_unit", "station"))


def get_user_for_user_or_404(user: User, pk: int) -> User:
    return user.scope.get_or_404(users_for_user(user), pk=pk)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    user.scope.require("token.manage")
    return ApiToken.objects.filter(user=user)


def operation_log_for_user(user: User) -> QuerySet[LogEntry]:
    """Changes made by the people in the user's scope; a keeper, supervisor or operator sees
    what was done at its station, township or unit, the county office its whole county."""
    user.scope.require("audit.view")
    return user.scope.filter(LogEntry.objects.select_related("actor", "content_type")).order_by("-timestamp")


def login_log_for_user(user: User) -> tuple[QuerySet[AccessLog], QuerySet[AccessFailureLog]]:
    """Successful logins and failed attempts of accounts in scope. Attempts on unknown user
    names are shown to the system administrator only."""
    user.scope.require("loginlog.view")
    successes = AccessLog.objects.order_by("-attempt_time")
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    if user.role != Role.ADMIN:
        usernames = users_for_user(user).values("username")
        successes = successes.filter(username__in=usernames)
        failures = failures.filter(username__in=usernames)
    return successes, failures
