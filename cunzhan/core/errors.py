"""The error pages (``handler400`` … ``handler500`` in cunzhan/urls.py, and CSRF_FAILURE_VIEW): Chinese,
in the site's layout, saying what happened and offering the way back.

They are drawn without the request's context: no context processor runs, so no user, session or
database is read. A 500 is often the database gone or a context processor failing, and its page must
show all the same. Under /api/ the answer is JSON, as the API's own errors are (cunzhan.site.api).

A request that lost its database — the primary failed and Patroni is promoting the standby — answers
503 with ``Retry-After``, not 500 (:func:`database_unavailable`): its transaction rolled back whole, and
the same request a few seconds later reaches the new primary (issue 25, docs/deployment.md).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _api_detail(status: int) -> str:
    # the words of the API's own handlers for the same statuses (cunzhan.site.api)
    return {
        400: _("请求无效。"),
        403: _("无权访问。"),
        404: _("未找到。"),
        500: _("服务器内部错误，请稍后重试。"),
        503: _("数据库暂时无法连接（主备切换中），操作未完成，请稍后重试。"),
    }[status]


def error_page(
    request: HttpRequest, status: int, *, template: str = "", reason: str = "", back: bool = False
) -> HttpResponse:
    """The page for ``status`` (``errors/<status>.html`` unless ``template`` names another), with the
    refusal's own ``reason`` if it gave one, and with ``back`` a link to open the page again."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": reason or _api_detail(status)}, status=status)
    context = {
        "LANGUAGE_CODE": translation.get_language(),
        "reason": reason,
        "back": _way_back(request) if back else "",
    }
    # no request given: the engine runs none of the pages' context processors
    html = get_template(template or f"errors/{status}.html", using="jinja2").render(context)
    return HttpResponse(html, status=status)


def _way_back(request: HttpRequest) -> str:
    """The page to open again: the one the form was sent from (the referring page, when it is on this
    site), else the address asked for; never another site."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return reverse("home")
    for address in (request.headers.get("Referer", ""), request.path):
        if address and url_has_allowed_host_and_scheme(address, {host}, require_https=request.is_secure()):
            return address
    return reverse("home")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400, back=True)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # the pages' refusals say why in Chinese (PermissionDenied(_("补贴标准由县电商办设定。")))
    return error_page(request, 403, reason=str(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Http404's own words are not shown: Django's say "No Station matches the given query."
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # raised where no handler of ours sees it (the session saved, the user read by a middleware)
    exception = sys.exc_info()[1]
    if exception is not None and database_unavailable(exception):
        return unavailable(request)
    return error_page(request, 500)


# SQLSTATEs that mean "this connection cannot serve you now" rather than "this request is wrong": the
# server shutting down or crashed (57P01-57P03), a connection exception (class 08), and a read-only
# transaction — the node reached has just been demoted to a standby (25006)
_UNAVAILABLE_STATES = ("57P01", "57P02", "57P03", "25006")


def database_unavailable(exception: BaseException) -> bool:
    """Whether ``exception`` is the database gone (a lost or refused connection, a failover under way)."""
    if isinstance(exception, OperationalError | InterfaceError):
        return True
    if isinstance(exception, InternalError):
        cause = exception.__cause__
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None) or ""
        return state in _UNAVAILABLE_STATES or state.startswith("08")
    return False


def unavailable(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """503 with ``Retry-After``: JSON under /api/, the page otherwise."""
    logging.getLogger("cunzhan.database").warning(
        "database unavailable on %s %s: %s", request.method, request.path, exception or sys.exc_info()[1]
    )
    response = error_page(request, 503, back=True)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: most often one left open past the session, or sent after
    logging out in another window. Django has logged ``reason`` (django.security.csrf)."""
    return error_page(request, 403, template="errors/403_csrf.html", back=True)
