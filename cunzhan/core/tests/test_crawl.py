"""Every page a user can reach by following links, on the demo data, for each demo role.

The role matrix (test_scoping.py) opens each page on the small shared world, mostly empty. Some
pages break only with rows to show — the parcel backlog page did, with one parcel waiting — so this
loads the demo (a year of ledgers, inspections, reports) and follows the links each role is shown,
breadth first from the home page, asking that every linked page opens and that its text shows none
of what a newcomer met in the first hour: Python's ``None``, ``True``/``False`` or Django's English,
an amount with a dozen decimals (SQLite's sums), a number in exponent form (满分 1E+1), and no form
that would put the CSRF token in a URL. It runs on SQLite and on PostgreSQL, as the suite does.
"""

from __future__ import annotations

import re
from collections import Counter, deque

import pytest
from django.core.management import call_command

from cunzhan.accounts.models import User

pytestmark = pytest.mark.django_db

# one account of each kind the demo makes (cunzhan/accounts/demo.py)
DEMO_USERS = ["admin", "shaanxi", "jiaxian", "jiaxian_yunying", "ducha_kengzhen", "zhanzhang1"]
PAGES_PER_USER = 80
SAME_SHAPE = 2  # pages alike but for a number or a code (forty station pages): two of each
# not pages: leaving, switching language, files to download, the API's own documents
SKIP = re.compile(r"^/(accounts/logout|i18n|static|media|api/)|export|\.(xlsx|csv|json|png|jpg|pdf)(\?|$)")
LINK = re.compile(r'href="(/[^"#]*)"')
# Python's None printed to the user (an empty value shown as "None", an operation log's "None → 5")
SHOWS_NONE = re.compile(r">\s*None\s*<|None →|→ None")
# in a page's text: a number with three decimals or more (a coordinate, written with °, aside), an
# exponent, Python's or Django's English
RAW_NUMBER = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.°])|(?<![\w.])\d+(\.\d+)?[eE][+-]\d+\b")
ENGLISH = re.compile(r"\b(None|True|False|Not Found|Forbidden|Server Error|Bad Request|This field)\b")
# a form sent by GET (the default) that carries the CSRF token, or a button sending a form by GET
TOKEN_IN_URL = re.compile(
    r'<form(?![^>]*method="post")[^>]*>(?:(?!</form>).)*csrfmiddlewaretoken|formmethod="get"', re.S | re.I
)


def problems_of(html: str) -> list[str]:
    """What the page shows that it should not (see the module's docstring)."""
    found = []
    if SHOWS_NONE.search(html):
        found.append("shows None")
    if TOKEN_IN_URL.search(html):
        found.append("CSRF token in a URL")
    text = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    if match := RAW_NUMBER.search(text):
        found.append(f"shows {match.group()}")
    if match := ENGLISH.search(text):
        found.append(f"shows {match.group()!r}")
    return found


def crawl(client, start: str = "/", same_shape: int = SAME_SHAPE) -> dict[str, int | str]:
    """Status of each page reached from ``start`` by same-site links, up to PAGES_PER_USER pages and
    ``same_shape`` of each shape (for a page that shows what it should not, :func:`problems_of`'s words)."""
    seen: dict[str, int | str] = {}
    shapes: Counter[str] = Counter()
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_USER:
        path = queue.popleft().replace("&amp;", "&")
        shape = re.sub(r"[0-9][0-9-]*", "N", path)
        if path in seen or SKIP.search(path) or shapes[shape] >= same_shape:
            continue
        shapes[shape] += 1
        response = client.get(path)
        seen[path] = response.status_code
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            queue.extend(LINK.findall(html))
            if problems := problems_of(html):
                seen[path] = "; ".join(problems)
    return seen


def test_every_linked_page_opens_and_shows_no_none_for_every_demo_role(client):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    broken = {}
    for username in DEMO_USERS:
        client.force_login(User.objects.get(username=username))
        statuses = crawl(client)
        assert len(statuses) > 5, (username, statuses)  # the crawl got somewhere
        broken.update({f"{username} {path}": status for path, status in statuses.items() if status not in (200, 302)})
    client.logout()  # the public: the published rankings and the station directory
    for start in ("/public/assessments/", "/directory/"):
        statuses = crawl(client, start)
        assert len(statuses) > 3, (start, statuses)
        broken.update({f"public {path}": status for path, status in statuses.items() if status not in (200, 302)})
    assert broken == {}
