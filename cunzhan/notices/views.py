"""The notice list (站内信), opening a notice (read, then to its record), 催报 from the report board, the
county's reminder settings and its delivery log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.core.forms import apply_validation_error
from cunzhan.notices import selectors, services
from cunzhan.notices.forms import ChaseForm, ReminderSettingsForm
from cunzhan.notices.models import Channel, DeliveryStatus, NoticeKind
from cunzhan.notices.wording import phrase
from cunzhan.regions.selectors import FIRST, county_choices, county_for_user

PAGE = 30


def present(notice):
    """A notice as the pages and the API show it: its words in the reader's language."""
    words = phrase(notice.kind, notice.phase, notice.params, sender=str(notice.sender or ""), note=notice.note)
    return {"notice": notice, "title": words.title, "body": words.body, "action": words.action}


@login_required
def notice_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in NoticeKind.values else ""
    unread = request.GET.get("unread") == "1"
    page = Paginator(selectors.notices_for_user(request.user, kind=kind, unread=unread), PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: v for k, v in (("kind", kind), ("unread", "1" if unread else "")) if v})
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "rows": [present(n) for n in page.object_list],
            "kinds": NoticeKind.choices,
            "kind": kind,
            "unread": unread,
            "query": query,
            "unread_total": selectors.unread_count(request.user),
            "can_settings": request.user.scope.can("county_settings.manage"),
        },
    )


@login_required
@require_POST
def notice_open(request, pk: int):
    """Marks the notice read and goes to its record (the button's page), or back to the list."""
    notice = selectors.notice_for_user_or_404(request.user, pk)
    services.notice_mark_read(acting_user=request.user, notice=notice)
    if request.POST.get("go") and notice.link:
        return redirect(notice.link)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notices:list")


@login_required
@require_POST
def notice_read_all(request):
    kind = request.POST.get("kind", "")
    n = services.notices_mark_all_read(acting_user=request.user, kind=kind if kind in NoticeKind.values else "")
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": n})
    return redirect("notices:list")


@login_required
@require_POST
def chase(request):
    """催报 from the report board: all stations not yet reported, or the chosen few, with a note."""
    request.user.scope.require("notice.chase")
    form = ChaseForm(request.POST)
    post = request.POST
    board = {"county": post.get("county", ""), "kind": post.get("kind", ""), _param(request): post.get("period", "")}
    back = f"{reverse('reports:board')}?{urlencode(board)}"
    if not form.is_valid():
        messages.error(
            request,
            _("催报的内容不完整：%(errors)s") % {"errors": "；".join(e for errs in form.errors.values() for e in errs)},
        )
        return redirect(back)
    data = form.cleaned_data
    county = county_for_user(request.user, data["county"], several=FIRST)
    chosen = data["stations"]
    if not chosen and not data["everyone"]:
        messages.error(request, _("请勾选要催报的站点，或点“催报全部未报站点”。"))
        return redirect(back)
    try:
        outcome = services.report_chase(
            acting_user=request.user,
            county=county,
            kind=data["kind"],
            slug=data["period"],
            station_codes=None if data["everyone"] else chosen,
            note=data["note"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    text = _("已催报 %(stations)d 个站点，通知站长 %(sent)d 人。") % {
        "stations": outcome.stations,
        "sent": outcome.sent,
    }
    if outcome.already:
        text += _("%(n)d 个站点今天已催报过，未重复通知。") % {"n": outcome.already}
    if outcome.not_outstanding:
        text += _("已报送、无需催报：%(codes)s。") % {"codes": "、".join(outcome.not_outstanding)}
    messages.success(request, text)
    return redirect(back)


def _param(request) -> str:
    return "week" if request.POST.get("kind") == "weekly" else "month"


@login_required
def reminder_settings(request):
    user = request.user
    user.scope.require("county_settings.manage")
    counties = county_choices(user)
    county = county_for_user(user, request.GET.get("county"), several=FIRST, choices=counties)
    current = selectors.reminder_settings_for_user(user, county)
    form = ReminderSettingsForm(instance=current)
    if request.method == "POST":
        form = ReminderSettingsForm(request.POST, instance=selectors.reminder_settings_for_user(user, county))
        if form.is_valid():
            try:
                services.reminder_settings_update(
                    acting_user=user, county=county, **{f: form.cleaned_data[f] for f in form.Meta.fields}
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("提醒设置已保存。"))
                return redirect(f"{reverse('notices:settings')}?county={county.code}")
    return render(request, "notices/settings.html", {"form": form, "county": county, "counties": counties})


@login_required
def deliveries(request):
    """The delivery log of the county: what went out on which channel, what failed and why."""
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    channel = request.GET.get("channel", "")
    channel = channel if channel in Channel.values else ""
    rows = selectors.deliveries_for_user(request.user, status=status, channel=channel)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("status", status), ("channel", channel)) if v})
    return render(
        request,
        "notices/deliveries.html",
        {
            "page": page,
            "rows": [{"delivery": d, **present(d.notice)} for d in page.object_list],
            "statuses": DeliveryStatus.choices,
            "channels": Channel.choices,
            "status": status,
            "channel": channel,
            "query": query,
        },
    )
