from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

ALLOWED_PATHS = ("/accounts/password/", "/accounts/logout/", "/static/", "/healthz", "/i18n/")


class PasswordChangeRequiredMiddleware:
    """An account with a temporary password can do nothing until it sets its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password and not request.path.startswith(ALLOWED_PATHS):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("请先在网页上修改初始密码。")}, status=403)
            return redirect(f"{reverse('password_change')}?next={request.path}")
        return self.get_response(request)
