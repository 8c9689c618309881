from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import check_for_language


class DefaultLanguageMiddleware:
    """Chinese unless the user chose otherwise (the language switch sets a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many office
    computers run English-language browsers; the product's language is zh-hans.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class BadInputMiddleware:
    """A page given a value the data cannot hold (a year 0, an integer wider than the database's, a
    constraint broken by a crafted form) answers 400 in Chinese instead of 500; nothing was saved,
    the request's transaction having rolled back. Logged with the traceback for the developers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError, IntegrityError

        from cunzhan.core.errors import error_page

        if not isinstance(exception, OverflowError | ValueError | DataError | IntegrityError):
            return None
        logging.getLogger(__name__).warning("rejected input on %s %s", request.method, request.path, exc_info=exception)
        return error_page(request, 400, back=True)


class DatabaseUnavailableMiddleware:
    """A view that lost its database answers 503 with ``Retry-After`` (cunzhan.core.errors.unavailable)
    instead of 500. What fails outside a view (the session, a middleware reading the user) reaches the
    same answer through ``handler500``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from cunzhan.core.errors import database_unavailable, unavailable

        if not database_unavailable(exception):
            return None
        return unavailable(request, exception)
