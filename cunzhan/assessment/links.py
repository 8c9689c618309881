"""Links from an assessment's explanation lines to the records behind them, for the pages."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

# a line's reference "kind:pk" -> (url name, label); the record pages do their own scoping
REFS = {"inspection": ("supervision:inspection", "实地察看记录"), "fault": (None, "报修记录")}


def ref_link(ref: str, station_code: str = ""):
    """A link to the record behind an explanation line, where the record has a page."""
    kind, _sep, pk = ref.partition(":")
    name, label = REFS.get(kind, (None, kind))
    if name and pk.isdigit():
        try:
            return format_html('<a class="small" href="{}">{}</a>', reverse(name, args=[int(pk)]), _(label))
        except NoReverseMatch:
            pass
    if kind == "fault" and station_code:
        return format_html(
            '<a class="small" href="{}#faults">{}</a>', reverse("stations:detail", args=[station_code]), _(label)
        )
    return format_html('<code class="text-muted">{}</code>', ref)
