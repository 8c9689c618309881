"""The pages' template engine: Jinja2, with Django's filters and meanings where the pages rely on them.

The pages were Django templates until session 6 of issue 9. Jinja2 compiles a template to Python once
where Django's engine walks its nodes on every render: the same HTML (506 pages compared) for a tenth
less of a page's Python, a third less of the statistics page's (BENCHMARKS.md). What differs from
Django's language, and how the pages are written for it:

* a method is called with parentheses (``user.get_role_display()``); Django called it silently. The
  test settings use ``CheckedEnvironment``, which fails a page that prints, tests or loops over a
  method instead of calling it;
* what a lookup does not find is empty, and so is anything read from it or called on it: a missing
  related object (``RelatedObjectDoesNotExist``, as Django's ``silent_variable_failure``), an
  attribute of ``None``;
* ``default`` means Django's "if false", not Jinja's "if undefined"; ``date``, ``time``, ``add``,
  ``slice`` and the rest are Django's own filters.
"""

from __future__ import annotations

import datetime
import types
from decimal import Decimal

import jinja2
from django.core.exceptions import ObjectDoesNotExist
from django.template import defaultfilters
from django.template.backends.jinja2 import Jinja2, Template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from markupsafe import Markup


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def _linebreaksbr(value):
    return defaultfilters.linebreaksbr(value, autoescape=True)


def _date(value, arg=None):
    return defaultfilters.date(template_localtime(value), arg)


def _time(value, arg=None):
    return defaultfilters.time(template_localtime(value), arg)


def _finalize(value):
    """What ``{{ value }}`` prints, as Django prints it: times in Asia/Shanghai, dates and numbers in the
    language's format."""
    if isinstance(value, _LOCALIZED):
        return localize(template_localtime(value))
    return value


_LOCALIZED = (datetime.date, datetime.time, Decimal, float)


def _filters() -> dict:
    from cunzhan.core.money import count, format_money, format_quantity, yuan

    return {
        "date": _date,
        "time": _time,
        "default": defaultfilters.default,
        "default_if_none": defaultfilters.default_if_none,
        "add": defaultfilters.add,
        "length": defaultfilters.length,
        "slice": defaultfilters.slice_filter,
        "linebreaksbr": _linebreaksbr,
        "truncatechars": defaultfilters.truncatechars,
        "timesince": defaultfilters.timesince_filter,
        "stringformat": defaultfilters.stringformat,
        "yuan": yuan,
        "money": format_money,
        "quantity": format_quantity,
        "quantity6": lambda value: format_quantity(value, 6),
        "count": count,
    }


# per language: each text as translated, and as printed when it has no variables
_TRANSLATED: dict[str, tuple[dict[str, Markup], dict[str, Markup]]] = {}


def translations(request) -> dict:
    """Context processor of the pages' engine: ``_``, ``gettext`` and ``ngettext`` in the request's
    language. A page says ``_("…")`` a hundred times; Django's ``gettext`` looks up the active language
    on each call, so here each text is translated once per language and process (the catalogues do not
    change while the process runs). They work as Jinja2's "newstyle" ones: the text is safe, the
    variables are escaped into it, ``%%`` stands for ``%``."""
    language = translation.get_language()
    texts, printed = _TRANSLATED.setdefault(language, ({}, {}))

    def text(message: str) -> Markup:
        try:
            return texts[message]
        except KeyError:
            with translation.override(language):
                found = texts[message] = _trusted(translation.gettext(message))
            return found

    def gettext(message: str, **variables) -> Markup:
        if variables:
            return text(message) % variables
        try:
            return printed[message]
        except KeyError:
            found = printed[message] = text(message) % {}
            return found

    def ngettext(singular: str, plural: str, number: int, **variables) -> Markup:
        variables.setdefault("num", number)
        with translation.override(language):
            return _trusted(translation.ngettext(singular, plural, number)) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _trusted(text: str) -> Markup:
    """A text the pages themselves say (a template's literal, its translation in our catalogue), as
    Jinja2's own gettext treats it: markup, into which the variables are escaped."""
    return Markup(text)  # noqa: S704  not user input


class Missing(jinja2.ChainableUndefined):
    """What a lookup that found nothing gives: empty, and so is anything read from it or called on it
    (``station.region.full_name()`` with no region), as in Django's templates."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self

    def _false(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _false


class Environment(jinja2.Environment):
    def __init__(self, **options):
        options["undefined"] = Missing
        options.setdefault("extensions", []).append("jinja2.ext.i18n")
        options.setdefault("finalize", _finalize)
        super().__init__(**options)
        self.install_gettext_translations(translation, newstyle=True)
        self.filters.update(_filters())
        from cunzhan.assessment.integrity_selectors import station_flags
        from cunzhan.assessment.links import line_text, ref_label, ref_link
        from cunzhan.core.late_entries import late_marks
        from cunzhan.onboarding.selectors import imported_marks

        self.globals.update(
            url=url,
            static=static,
            ref_link=ref_link,
            ref_label=ref_label,
            line_text=line_text,
            imported_marks=imported_marks,
            late_marks=late_marks,
        )
        # the inspection form shows a station's 刷单 flags beside items 7 and 8 (no app below imports them)
        self.globals["order_flags"] = station_flags

    def getattr(self, obj, attribute):
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        except ObjectDoesNotExist:
            return self.undefined(obj=obj, name=attribute)
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


class UncalledMethod(Exception):
    pass


class _MethodReference:
    """A method read in a template and not (yet) called: calling it is fine, using it as a value is a
    mistake Django's templates forgave (they called it)."""

    __slots__ = ("method", "name")

    def __init__(self, method, name):
        self.method, self.name = method, name

    def __call__(self, *args, **kwargs):
        return self.method(*args, **kwargs)

    def _misuse(self, *args):
        raise UncalledMethod(f"“{self.name}” is a method: call it, {self.name}()")

    __str__ = __html__ = __bool__ = __iter__ = __len__ = __eq__ = __ne__ = __lt__ = __gt__ = _misuse
    __hash__ = None


class CheckedEnvironment(Environment):
    """The test suite's environment: a method used without parentheses fails the page."""

    def getattr(self, obj, attribute):
        value = super().getattr(obj, attribute)
        if isinstance(value, (types.MethodType, types.BuiltinMethodType)):
            return _MethodReference(value, attribute)
        return value


class InstrumentedJinja2(Jinja2):
    """Jinja2 that tells the test client what it rendered (Django instruments only its own engine), so
    tests can read ``response.context``."""

    def get_template(self, template_name):
        return InstrumentedTemplate(super().get_template(template_name).template, self)

    def from_string(self, template_code):
        return InstrumentedTemplate(self.env.from_string(template_code), self)


class InstrumentedTemplate(Template):
    def render(self, context=None, request=None):
        context = {} if context is None else context
        from django.test.signals import template_rendered  # the test settings' engine only

        html = super().render(context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html

    @property
    def name(self):
        return self.template.name
