"""The pages' template engine (cunzhan.site.templating): where Jinja2 is made to read as Django's
templates did, and the test suite's check that a method is called, not printed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation

from cunzhan.site.templating import UncalledMethod, translations


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


class Person:
    region = None

    def greeting(self) -> str:
        return "你好"


def test_a_method_is_called_with_parentheses_and_fails_the_page_when_printed_or_tested():
    assert render("{{ p.greeting() }}", p=Person()) == "你好"
    for source in ("{{ p.greeting }}", "{% if p.greeting %}x{% endif %}", "{% for c in p.greeting %}{% endfor %}"):
        with pytest.raises(UncalledMethod, match="greeting"):
            render(source, p=Person())
    with pytest.raises(UncalledMethod, match="items"):
        render("{% for k, v in d.items %}{% endfor %}", d={"a": 1})


def test_what_a_lookup_does_not_find_is_empty_even_when_read_from_or_called():
    person = Person()
    assert render("[{{ p.region.full_name() }}][{{ p.nothing.at.all }}][{{ nobody }}]", p=person) == "[][][]"
    assert render("{% if p.region.level > 1 %}big{% else %}small{% endif %}", p=person) == "small"


@pytest.mark.django_db
def test_a_missing_related_object_reads_as_empty(world):
    # a county office has no station of its own: Django's templates printed nothing for it
    assert render("[{{ u.station.name }}]", u=world.county) == "[]"


def test_printed_times_are_shanghai_time_and_dates_and_numbers_in_the_language_s_format(settings):
    moment = datetime.datetime(2026, 11, 24, 16, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 the next day in Shanghai
    with translation.override("zh-hans"):
        assert render("{{ t|date('Y-m-d H:i') }} {{ t|time('H:i') }}", t=moment) == "2026-11-25 00:30 00:30"
        assert render("{{ d }}", d=datetime.date(2026, 11, 25)) == "2026年11月25日"
    with translation.override("en"):
        assert render("{{ d }}", d=datetime.date(2026, 11, 25)) == "Nov. 25, 2026"
    assert render("{{ n }}", n=Decimal("12.50")) == "12.50"


def test_django_s_filters_keep_their_meanings():
    assert render("{{ x|default('—') }}|{{ y|default('—') }}", x="", y=0) == "—|—"
    assert render("{{ x|default_if_none('—') }}|{{ y|default_if_none('—') }}", x=None, y=0) == "—|0"
    # the joined text is escaped on output, as Django's was
    assert render("{{ a|add(2) }}|{{ 'q='|add(q)|add('&') }}", a=1, q="李") == "3|q=李&amp;"
    assert render("{{ x|length }}|{{ y|length }}", x=None, y=[1, 2]) == "0|2"
    assert render("{{ s|linebreaksbr }}", s="<b>\n") == "&lt;b&gt;<br>"
    assert render("{{ xs|slice(':2')|join(',') }}", xs=[1, 2, 3]) == "1,2"


def test_translated_text_and_its_variables_are_escaped_as_in_django():
    with translation.override("zh-hans"):
        html = render("{% trans n=name %}操作人 {{ n }}{% endtrans %}", name="<script>")
    assert html == "操作人 &lt;script&gt;"
    with translation.override("en"):
        assert render("{{ _('退出') }}") == "Log out"


def test_the_test_client_sees_what_a_page_rendered(client, world):
    client.force_login(world.county)
    page = client.get("/ledgers/")
    assert page.context["user"] == world.county
    assert "ledgers/index.html" in [t.name for t in page.templates]


def test_every_text_the_pages_translate_has_an_english_translation():
    """Django's makemessages does not read Jinja2's ``{% trans %}``; this lists what a new page left out
    of ``locale/en/LC_MESSAGES/django.po`` (add it there, then ``msgfmt``)."""
    import gettext
    from pathlib import Path

    package = Path(__file__).resolve().parents[2]
    with (package / "locale/en/LC_MESSAGES/django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    env = engines["jinja2"].env
    missing = []
    for path in sorted(package.glob("*/jinja2/**/*.html")):
        for line, function, message in env.extract_translations(path.read_text(encoding="utf-8")):
            text = message[0] if isinstance(message, tuple) else message  # (text, None…) with variables
            key = (text, 0) if function == "ngettext" else text
            if key not in catalogue:
                missing.append(f"{path.relative_to(package)}:{line} {message!r}")
    assert len(list(package.glob("*/jinja2/**/*.html"))) > 80
    assert missing == []


def test_a_page_s_texts_are_in_the_request_s_language_with_their_variables_escaped(rf):
    """The pages' own ``_``/``gettext``/``ngettext`` (cunzhan.site.templating.translations), one
    language after the other in the same process."""
    template = engines["jinja2"].from_string(
        "{{ _('退出') }}|{% trans t=moment %}数据截至 {{ t }}{% endtrans %}|"
        "{% trans n=count %}共 {{ n }} 条{% pluralize %}共 {{ n }} 条{% endtrans %}"
    )

    def page(language: str, count: int) -> str:
        with translation.override(language):
            return template.render({"moment": "<b>", "count": count}, request=rf.get("/"))

    assert page("zh-hans", 1) == "退出|数据截至 &lt;b&gt;|共 1 条"
    assert page("en", 1) == "Log out|figures as of &lt;b&gt;|1 item in total"
    assert page("en", 2) == "Log out|figures as of &lt;b&gt;|2 items in total"
    assert page("zh-hans", 3) == "退出|数据截至 &lt;b&gt;|共 3 条"  # each language keeps its own texts
    with translation.override("en"):
        own = translations(rf.get("/"))  # what the pages' engine puts in every page's context
    assert (own["_"]("退出"), own["gettext"]("数据截至 %(t)s", t="&")) == ("Log out", "figures as of &amp;")
