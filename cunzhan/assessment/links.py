"""An assessment's explanation lines on the pages: their text in the page's language, and links to the
records behind them."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

# a line's reference "kind:pk" -> (url name, label); the record pages do their own scoping
REFS = {"inspection": ("supervision:inspection", "实地察看记录"), "fault": (None, "报修记录")}


def line_text(line: dict) -> str:
    """An explanation line as the page's language reads it: its message translated with its arguments
    (the stored text is the Chinese of the same). Lines stored before messages were kept show their text."""
    message = line.get("message")
    if not message:
        return line["text"]
    return _(message) % dict(line.get("args") or ())


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
