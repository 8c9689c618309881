from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cunzhan.accounts import importers, logs, selectors, services
from cunzhan.accounts.forms import AccountImportForm, PasswordChangeForm, TokenCreateForm, UserCreateForm
from cunzhan.core.forms import apply_validation_error
from cunzhan.core.roles import Role
from cunzhan.core.tabular import ImportRejected
from cunzhan.regions.selectors import FIRST, county_choices, county_for_user, regions_for_user
from cunzhan.stations.selectors import operating_units_for_user, stations_for_user

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="new_password")
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "home"
            return redirect(target)
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def user_list(request):
    users = selectors.users_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": _page(request, users),
            "q": query,
            "role": role,
            "roles": Role.choices,
            "can_manage": request.user.scope.can("user.manage"),
        },
    )


def _user_form(request, data=None):
    user = request.user
    return UserCreateForm(
        data,
        acting_user=user,
        regions=regions_for_user(user),
        operating_units=operating_units_for_user(user),
        stations=stations_for_user(user),
    )


@login_required
def user_create(request):
    request.user.scope.require("user.manage")
    form = _user_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = services.NewAccount(
            username=data["username"],
            display_name=data["display_name"],
            role=Role(data["role"]),
            region=data["region"],
            operating_unit=data["operating_unit"],
            station=data["station"],
            phone=data["phone"] or "",
        )
        try:
            if data["password"]:
                password = data["password"]
                created = services.user_create(acting_user=request.user, password=password, **vars(account))
            else:  # generated: readable, shown once
                ((created, password),) = services.user_create_many(acting_user=request.user, accounts=[account])
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="password")
        else:
            messages.success(
                request,
                _("账号 %(username)s 已创建，初始密码：%(password)s（首次登录须修改，请妥善转交）")
                % {"username": created.username, "password": password},
            )
            return redirect("accounts:user", pk=created.pk)
    return render(request, "accounts/user_form.html", {"form": form})


MAX_IMPORT_ERRORS_SHOWN = 200


def _import_county(request):
    county = county_for_user(request.user, request.GET.get("county"), several=FIRST)
    if county is None:
        raise Http404(_("您的管辖范围内没有县。"))
    return county


@login_required
@never_cache  # the answer to an import holds the initial passwords: no browser or proxy keeps it
def user_import(request):
    """The county's accounts from a table. The answer to a successful import is the page of initial
    passwords and their slips itself, not a redirect to one: the passwords are in that one answer and
    nowhere else (not in the session, the cache or a message cookie)."""
    user = request.user
    user.scope.require("user.manage")
    county = _import_county(request)
    form = AccountImportForm(request.POST or None, request.FILES or None)
    errors, total, notice = [], 0, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = importers.import_accounts(upload, acting_user=user, county=county, name=upload.name)
        except importers.AlreadyImported as exc:
            notice = str(exc)
        except ImportRejected as exc:
            total = len(exc.errors)
            errors = [str(e) for e in exc.errors[:MAX_IMPORT_ERRORS_SHOWN]]
        else:
            return render(
                request,
                "accounts/initial_passwords.html",
                {
                    "created": created,
                    "county": county,
                    "site_address": request.build_absolute_uri("/"),
                    "issued_on": timezone.localdate(),
                },
            )
    return render(
        request,
        "accounts/import.html",
        {
            "form": form,
            "county": county,
            "counties": county_choices(user),
            "errors": errors,
            "error_total": total,
            "shown": MAX_IMPORT_ERRORS_SHOWN,
            "notice": notice,
        },
    )


@login_required
def user_import_template(request):
    request.user.scope.require("user.manage")
    county = _import_county(request)
    buffer = io.BytesIO()
    importers.write_template(buffer, acting_user=request.user, county=county)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"账号导入模板-{county.code}.xlsx")


@login_required
def user_detail(request, pk: int):
    target = selectors.get_user_for_user_or_404(request.user, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "can_manage": request.user.scope.can("user.manage"),
            "lines": logs.present(selectors.operation_log_for_user(request.user).filter(actor=target)[:20]),
        },
    )


@login_required
@require_POST
def user_action(request, pk: int, action: str):
    target = selectors.get_user_for_user_or_404(request.user, pk)
    try:
        if action == "reset-password":
            password = services.user_reset_password(acting_user=request.user, user=target)
            messages.success(
                request, _("已重置密码，临时密码：%(password)s（首次登录须修改）") % {"password": password}
            )
        elif action == "unlock":
            services.user_unlock(acting_user=request.user, user=target)
            messages.success(request, _("已解除登录锁定。"))
        elif action in ("activate", "deactivate"):
            services.user_update(acting_user=request.user, user=target, is_active=action == "activate")
            messages.success(request, _("账号已启用。") if action == "activate" else _("账号已停用。"))
        else:
            messages.error(request, _("未知操作。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("accounts:user", pk=target.pk)


@login_required
def operation_log(request):
    log_filter = logs.LogFilter.from_query(request.GET)
    page = _page(request, log_filter.apply(selectors.operation_log_for_user(request.user)))
    return render(
        request,
        "accounts/operation_log.html",
        {
            "page": page,
            "lines": logs.present(page),
            "filter": log_filter,
            "actions": logs.ACTIONS,
            "kinds": logs.kinds(),
        },
    )


@login_required
def login_log(request):
    successes, failures = selectors.login_log_for_user(request.user)
    return render(
        request,
        "accounts/login_log.html",
        {
            "successes": _page(request, successes),
            "failures": failures[:PAGE_SIZE],
        },
    )


@login_required
def tokens(request):
    form = TokenCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.cleaned_data["expires_at"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc, default_field="name")
        else:
            form = TokenCreateForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "new_key": new_key, "tokens": selectors.tokens_of(request.user)},
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = request.user.scope.get_or_404(selectors.tokens_of(request.user), pk=pk)
    services.token_revoke(user=request.user, token=token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:tokens")
