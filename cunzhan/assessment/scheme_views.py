"""The scheme pages: a version as the county's document reads it, the editor with its check and what-if
(试算) against a published period, adoption, and the difference between two versions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.assessment import selectors
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.models import Assessment, SchemeVersion
from cunzhan.assessment.scheme_forms import SchemeEditor
from cunzhan.assessment.scheme_services import scheme_adopt
from cunzhan.assessment.scheme_table import scheme_diff, scheme_table
from cunzhan.assessment.whatif import comparable_assessments, compare
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import home_county


def visible_schemes(user: User):
    """The shipped default and the versions of the user's counties."""
    user.scope.require("assessment.manage")
    return user.scope.filter(SchemeVersion.objects.select_related("created_by", "based_on"))


def get_scheme_or_404(user: User, pk: int | str | None) -> SchemeVersion:
    default = selectors.default_scheme()
    if str(pk) == str(default.pk):
        user.scope.require("assessment.manage")
        return default
    if not str(pk or "").isdigit():
        raise Http404
    return user.scope.get_or_404(visible_schemes(user), pk=int(str(pk)))


def published_for(user: User, county: Region) -> list[Assessment]:
    """The periods of the county a scheme can be tried on: each one's current published version."""
    return comparable_assessments(selectors.assessments_for_user(user).filter(county=county))


@login_required
def scheme_detail(request, pk: int):
    user = request.user
    scheme = get_scheme_or_404(user, pk)
    county = home_county(user)
    current = selectors.scheme_for_county(county) if county else None
    others = [
        s for s in [selectors.default_scheme(), *visible_schemes(user).order_by("-created_at")] if s.pk != scheme.pk
    ]
    return render(
        request,
        "assessment/scheme.html",
        {
            "scheme": scheme,
            "table": scheme_table(scheme.data),
            "county": county,
            "current": current,
            "others": others,
        },
    )


@login_required
def scheme_diff_view(request):
    user = request.user
    old = get_scheme_or_404(user, request.GET.get("old"))
    new = get_scheme_or_404(user, request.GET.get("new"))
    return render(
        request,
        "assessment/scheme_diff.html",
        {"old": old, "new": new, "changes": scheme_diff(old.data, new.data), "others": list(visible_schemes(user))},
    )


@login_required
def scheme_edit(request):
    """The editor: nothing is saved by editing, checking or trying; only 采用 stores a new version."""
    user = request.user
    user.scope.require("assessment.manage")
    county = home_county(user)
    if county is None:
        raise PermissionDenied(_("考核方案由县电商办修改。"))
    current = selectors.scheme_for_county(county)
    source = request.POST.get("source") or request.GET.get("from")
    base = get_scheme_or_404(user, source) if source else current
    periods = published_for(user, county)
    editor = SchemeEditor(base.data, request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "editor": editor,
        "county": county,
        "current": current,
        "base": base,
        "periods": periods,
        "chosen": _chosen(request, periods),
        "note": request.POST.get("note", ""),
        "note_error": "",
        "checked": False,
    }
    if request.method == "POST":
        action = request.POST.get("action", "check")
        if editor.is_valid() and editor.result is not None:
            context["checked"] = True
            context["changes"] = scheme_diff(current.data, editor.result)
            if action == "adopt":
                try:
                    adopted = scheme_adopt(
                        acting_user=user, county=county, data=editor.result, note=context["note"], based_on=base
                    )
                except ValidationError as exc:
                    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                    context["note_error"] = "；".join(errors.pop("note", []))
                    for messages_ in errors.values():
                        editor.errors.setdefault("__all__", []).extend(messages_)
                else:
                    messages.success(
                        request,
                        _("已采用 %(scheme)s，本县此后新建的考核按此方案计算。") % {"scheme": adopted},
                    )
                    return redirect("assessment:scheme", pk=adopted.pk)
            elif context["chosen"] is not None:
                context["comparison"] = compare(context["chosen"], parse_scheme(editor.result))
    # the check button asks through htmx and takes the editor's part of this page (hx-select): the same
    # page, without reloading the rest or losing the place
    return render(request, "assessment/scheme_edit.html", context)


def _chosen(request, periods: list[Assessment]) -> Assessment | None:
    wanted = request.POST.get("try_on") or request.GET.get("try_on")
    if wanted == "":
        return None
    for assessment in periods:
        if wanted is None or str(assessment.pk) == wanted:
            return assessment
    return None
