"""Every page a user can reach by following links, on the demo data, for each demo role.

The role matrix (test_scoping.py) opens each page on the small shared world, mostly empty. Some
pages break only with rows to show — the parcel backlog page did, with one parcel waiting — so this
loads the demo (a year of ledgers, inspections, reports) and follows the links each role is shown,
breadth first from the home page, asking that every linked page opens and shows no Python ``None``.
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


def crawl(client, start: str = "/", same_shape: int = SAME_SHAPE) -> dict[str, int | str]:
    """Status of each page reached from ``start`` by same-site links, up to PAGES_PER_USER pages and
    ``same_shape`` of each shape ("shows None" for a page that prints Python's None)."""
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
            if SHOWS_NONE.search(html):
                seen[path] = "shows None"
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
