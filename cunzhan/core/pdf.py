"""Print-ready documents as PDF (WeasyPrint, from an HTML template): A4, page numbers, a table's header
repeated on every page, a CJK font from the system (Debian's fonts-noto-cjk, which .ci/run installs).

Nothing is fetched while rendering: the stylesheet is read from the app's static files and passed in,
and any other URL in a document is refused, so a document cannot make the server call anywhere."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

STYLESHEET = "cunzhan/pdf.css"


class PdfUnavailable(Exception):
    """WeasyPrint cannot run here (its system libraries, Pango and HarfBuzz, are missing)."""


@functools.cache
def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    if not path:
        raise FileNotFoundError(STYLESHEET)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"a document fetches nothing: {url}")


def render_pdf(template: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    """The template rendered and typeset as a PDF."""
    try:
        from weasyprint import CSS, HTML
    except OSError as exc:  # the Python package is there, the system's Pango is not
        raise PdfUnavailable(str(exc)) from exc
    html = render_to_string(template, context, request=request)
    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(string=_stylesheet())])


def pdf_response(template: str, context: dict[str, Any], *, request: HttpRequest, filename: str) -> HttpResponse:
    """A PDF to download; a plain Chinese page (503) where the server cannot typeset one."""
    from urllib.parse import quote

    try:
        data = render_pdf(template, context, request=request)
    except PdfUnavailable:
        return HttpResponse(
            _("本服务器未安装生成 PDF 所需的系统组件（Pango），请联系系统管理员；可先使用网页打印版。"),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
