"""The visual check: every page of every URL pattern, for every role (the administrator, the province's
and the city's viewers, a county office, an operating unit, a town supervisor, a keeper, and the public),
opened in a real browser (Debian's Chromium, Playwright) at a desktop's 1366 px and a phone's 360 px on
the demo, with a published half-year so that the public ranking and the results have rows.

A page fails where, in the browser:
- the console shows an error, a script throws, or a request fails or is answered 400 or above;
- its text shows a number with more decimals than an amount has, or in exponent form (``1E+1``);
- English is left in the Chinese interface (any Latin word but the few names of things, below), or a
  code is shown where its label belongs (a choice's stored value such as ``operating``, an audit event's
  name such as ``history_import``);
- a form sent by POST lacks its CSRF token, or a form sent by GET carries one (a token in a URL);
- a form control has no label, or (a keeper's or supervisor's page, at 360 px) the page or a table in it
  is wider than the phone;
- anything the crawl (test_crawl.py, ``problems_of``) flags in the page's HTML: what the crawl finds
  wrong, this check finds wrong too.

Every URL pattern that answers a GET with a page must be reached by some role's links, or be listed in
NOT_PAGES with the reason it is not one, so that a new page cannot escape the check.

Every page's screenshot, at both widths, is kept under ``test-artifacts/visual/`` (git-ignored) with an
``index.html`` that shows them by role and page, each with what was found wrong: open it in a browser.
It takes about five minutes a database, so it is marked ``visual`` and left out of a plain ``pytest``;
``make test-visual`` runs it on SQLite and on PostgreSQL, and CI (``.ci/run``) runs that after
``make test``. Skipped where /usr/bin/chromium is missing, but failed in CI (``CI`` set), as the
journeys are.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
from collections import deque
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import Resolver404, get_resolver, resolve
from django.urls.resolvers import URLPattern, URLResolver

from cunzhan.accounts.models import User
from cunzhan.core.tests.test_crawl import RAW_NUMBER, SKIP, problems_of
from cunzhan.dashboards.tests.test_browser import UNLABELLED, WIDE, Session, browser  # noqa: F401 (fixture)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "visual"
WIDTHS = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}
# the demo's accounts, one of each role (cunzhan/accounts/demo.py); None is the public, not logged in
ROLES = ["admin", "shaanxi", "yulin", "jiaxian", "jiaxian_yunying", "ducha_kengzhen", "zhanzhang1", None]
PUBLIC_STARTS = ["/", "/accounts/login/", "/public/assessments/", "/directory/"]
# on a phone these roles' pages must fit: a table scrolled sideways hides its amounts and actions
PHONE_ROLES = {"ducha_kengzhen", "zhanzhang1"}
PAGES_PER_ROLE = 250
LINK = re.compile(r'href="(/[^"#]*)"')

# URL patterns that are not pages a link opens: actions sent by POST, files, data for a page's script
NOT_PAGES = {
    "set_language": "POST: the language switch",
    "logout": "POST: leaves",
    "healthz": "JSON for the load balancer",
    "accounts:user_import_template": "a file",
    "accounts:user_action": "POST: an action on an account",
    "accounts:token_revoke": "POST",
    "stations:import_template": "a file",
    "stations:asset_import_template": "a file",
    "stations:export_register": "a file",
    "stations:export_certified": "a file",
    "stations:exemption_withdraw": "POST",
    "stations:person_delete": "POST",
    "stations:fault_repair": "POST",
    "units:deactivate": "POST",
    "units:reactivate": "POST",
    "activities:attendance_template": "a file",
    "supervision:photo": "an image",
    "supervision:complaint_photo": "an image",
    "supervision:event_photo": "an image",
    "supervision:inspection_photo_upload": "POST: an upload",
    "ledgers:export": "a file",
    "ledgers:template": "a file",
    "ledgers:delete": "POST",
    "reports:consolidated_export": "a file",
    "reports:consolidated_pdf": "a PDF (cunzhan/core/tests/test_pdf.py)",
    "reports:statistics_export": "a file",
    "reports:upward_send": "POST",
    "reports:upward_download": "a file",
    "assessment:export": "a file",
    "assessment:action": "POST: compute, review, correct",
    "assessment:result_pdf": "a PDF (cunzhan/core/tests/test_pdf.py)",
    "assessment:rectification_close": "POST",
    "onboarding:template": "a file",
    "notices:open": "POST: marks a notice read and goes to its page",
    "notices:read_all": "POST",
    "jobs:download": "a file",
    "dashboards:chart": "a chart's data (drawn on the dashboards' pages)",
    "public_notice_pdf": "a PDF (cunzhan/core/tests/test_pdf.py)",
    "activities:activity_report": "POST: a station's activity data report (a form on the activity's page)",
    "activities:participation": "POST: a form on the activity's page",
    "activities:training_attendance": "POST: a form on the training's page",
    "stations:asset_create": "POST: a form on the station's page",
    "stations:exemption_create": "POST: a form on the station's page",
    "stations:fault_create": "POST: a form on the station's page",
    "stations:person_create": "POST: a form on the station's page",
    "stations:person_edit": "POST: a form on the station's page",
    "stations:transition": "POST: a form on the station's page",
    "stations:asset_return": "POST: a form on the station's page",
    "notices:chase": "POST: 催报 from the report board",
    "assessment:rectify": "POST: a form on a 不合格 result's page",
    # pages the demo has no record for: opened by their own tests
    "assessment:order_flag": "a 刷单 flag's page: the demo plants none (assessment/tests/test_integrity.py)",
    "assessment:order_flag_by_id": "redirects to a flag's page (assessment/tests/test_integrity.py)",
}
# pages no link leads to but a form or a redirect (the difference of two scheme versions, a job's
# progress), opened from here by each role that may see them
STARTS = ["/", "/dashboards/", "/jobs/"]

# Latin words a Chinese page may show: names of things, file formats, units
LATIN_ALLOWED = {
    "Excel", "PDF", "CSV", "XLSX", "xlsx", "csv", "pdf", "API", "ID", "OpenAPI", "JSON", "json", "Token", "token",
    "Bearer", "English", "HTTP", "HTTPS", "URL", "IP", "SMS", "WeChat", "Work", "Aliyun", "QQ", "WiFi", "Wi", "Fi",
    "TOML", "toml", "H1", "H2", "KB", "MB", "km", "CunZhan", "cunzhan", "EMS", "SF", "JD", "ZTO", "YTO", "STO",
    "POST", "GET", "HTML", "UTF", "Email", "email", "mail", "robot", "webhook", "Webhook", "Huey", "Redis",
    "JPEG", "PNG", "WebP", "Authorization",
}  # fmt: skip
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_.@/-])[A-Za-z][A-Za-z_]+(?![A-Za-z0-9_@/-])")


def _codes() -> set[str]:
    """Stored values of every model's choices, and the audit's event names: a page shows their labels."""
    from django.apps import apps

    from cunzhan.core.audit import EVENTS

    codes = set(EVENTS)
    for model in apps.get_models():
        if not model.__module__.startswith("cunzhan."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]+", value) and value != str(label):
                    codes.add(value)
    return codes


def text_problems(text: str, codes: set[str]) -> list[str]:
    """What a page's visible text shows that it should not: raw numbers, English, codes."""
    found = []
    if match := RAW_NUMBER.search(text):
        found.append(f"shows {match.group()}")
    words = set(LATIN_WORD.findall(text))
    if shown := sorted(words & codes):
        found.append(f"shows codes {shown[:5]}")
    if english := sorted(words - codes - LATIN_ALLOWED):
        found.append(f"shows English {english[:5]}")
    return found


# The words a page shows as its interface: the visible text, placeholders, titles and labels, but not
# what is data, not language — marked translate="no" (a user name, a browser's user agent) or code
UI_TEXT = """() => {
  const data = '[translate=no], code, kbd, samp, script, style, noscript, template';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement;
    if (parent && !parent.closest(data) && parent.checkVisibility()) out.push(node.data);
  }
  for (const e of document.body.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (e.closest(data)) continue;
    for (const name of ['placeholder', 'title', 'aria-label']) if (e.hasAttribute(name)) out.push(e.getAttribute(name));
  }
  return out.join(' ');
}"""

# the forms sent by POST without the token, and those sent by GET with it
CSRF = """() => Array.from(document.forms).flatMap(f => {
  const token = !!f.querySelector('[name=csrfmiddlewaretoken]');
  const post = (f.getAttribute('method') || 'get').toLowerCase() === 'post';
  return post && !token ? [`POST form without a CSRF token (${f.getAttribute('action') || 'this page'})`]
       : !post && token ? [`GET form carrying the CSRF token (${f.getAttribute('action') || 'this page'})`] : [];
})"""


def pattern_name(path: str) -> str | None:
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return None
    return match.view_name


def shape_of(path: str) -> str:
    """Pages of one URL pattern are one shape, but for the words in it (a ledger's kind, a report's
    kind): one of each is opened, not forty stations' pages."""
    bare = path.split("?")[0]
    try:
        match = resolve(bare)
    except Resolver404:
        return bare
    words = sorted(f"{k}={v}" for k, v in match.kwargs.items() if isinstance(v, str) and re.fullmatch(r"[a-z_]+", v))
    return f"{match.view_name} {' '.join(words)}"


def pages_of(client, starts: list[str]) -> tuple[list[str], set[str]]:
    """The pages reached from ``starts`` by same-site links, one of each shape, breadth first (a start
    the role may not open is left out; a linked page is kept whatever it answers), and the names of
    the URL patterns that answered, redirects included."""
    seen: dict[str, None] = {}
    answered: set[str] = set()
    shapes: set[str] = set()
    queue = deque((path, True) for path in starts)
    while queue and len(seen) < PAGES_PER_ROLE:
        path, start = queue.popleft()
        path = path.replace("&amp;", "&")
        shape = shape_of(path)
        if path in seen or SKIP.search(path) or shape in shapes or pattern_name(path) in NOT_PAGES:
            continue
        response = client.get(path)
        if start and response.status_code in (403, 404):
            continue
        answered.add(pattern_name(path) or path)
        if response.status_code in (301, 302):
            queue.appendleft((response["Location"], start))
            continue
        shapes.add(shape)
        seen[path] = None
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            queue.extend((link, False) for link in LINK.findall(response.content.decode()))
    return list(seen), answered


def every_page_pattern() -> set[str]:
    """The names of the URL patterns outside the API."""

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("api/"):
                    continue
                inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                yield from walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern) and p.name:
                yield f"{namespace}:{p.name}" if namespace else p.name

    return set(walk(get_resolver().url_patterns))


def page_problems(page, codes: set[str], *, phone: bool) -> list[str]:
    """What the page open in the browser shows that it should not (the module's docstring); ``phone``:
    a keeper's or supervisor's page at 360 px, which must fit the screen."""
    problems = problems_of(page.content())
    if match := RAW_NUMBER.search(page.evaluate("document.body.innerText")):
        problems.append(f"shows {match.group()}")
    problems += text_problems(page.evaluate(UI_TEXT), codes)
    problems += page.evaluate(CSRF)
    if names := page.evaluate(UNLABELLED):
        problems.append(f"form controls without a label: {names[:5]}")
    if phone and page.evaluate(WIDE):
        problems.append("wider than a 360 px phone")
    return problems


class Visit:
    """A role's two browser contexts, one at each width, with what went wrong on each page."""

    def __init__(self, browser, live_server, username: str | None):  # noqa: F811
        self.username = username or "public"
        self.sessions = {}
        for width, viewport in WIDTHS.items():
            s = Session(browser, live_server, viewport)
            # a request the next page's navigation cancelled (net::ERR_ABORTED) did not fail
            s.context.on(
                "requestfailed",
                lambda r, s=s: (
                    "ERR_ABORTED" in (r.failure or "") or s.problems.append(f"{r.url}: failed ({r.failure})")
                ),
            )
            s.context.on(
                "response", lambda r, s=s: r.status >= 400 and s.problems.append(f"{r.url}: answered {r.status}")
            )
            if username:
                from cunzhan.accounts.demo import DEMO_PASSWORD

                s.login(User.objects.get(username=username), DEMO_PASSWORD)
            self.sessions[width] = s

    def open(self, path: str, codes: set[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for width, s in self.sessions.items():
            print(self.username, width, path, flush=True)  # where it is, with -s (pytest -s)
            before = len(s.problems)
            try:
                problems = self._look(s, width, path, codes)
            except Exception as exc:  # a page that never loads, a script that never ends: noted, go on
                problems = [f"could not be looked at: {str(exc).splitlines()[0]}"]
            problems += [p.split(": ", 1)[-1] if p.startswith(s.base) else p for p in s.problems[before:]]
            found[width] = sorted(set(problems))
        return found

    def _look(self, s: Session, width: str, path: str, codes: set[str]) -> list[str]:
        page = s.page
        page.goto(s.base + path)
        if page.locator("[data-chart]").count():
            s.charts_drawn()
        problems = page_problems(page, codes, phone=width == "360" and self.username in PHONE_ROLES)
        shot = ARTIFACTS / self.username / width / f"{_file_name(path)}.jpg"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=70)
        return problems

    def close(self) -> None:
        for s in self.sessions.values():
            s.close()


def _file_name(path: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in path).strip("_")[:120] or "home"


def _every_kind_of_record() -> list[str]:
    """What the demo lacks for some pages to have something to show: 佳县's first half of 2025
    computed by the administrator and published by the county office (the demo county keeps
    四眼原则), so the public ranking and the results have rows; the second half waiting for review,
    so its page offers 发布 and the confirmation opens; an ad-hoc report request; a finished
    background job of the county office and a finished ledger import of a keeper. Returns the pages
    to start from that no link in the crawl's first pages leads to (one page of each shape is opened)."""
    from datetime import timedelta

    from django.utils import timezone

    from cunzhan.assessment import services
    from cunzhan.core.models import Job, JobState
    from cunzhan.regions.models import Region
    from cunzhan.reports.services import adhoc_request_create
    from cunzhan.stations.models import Station

    county = Region.objects.get(code="610828")
    admin, office = User.objects.get(username="admin"), User.objects.get(username="jiaxian")
    assessment = services.assessment_compute(acting_user=admin, county=county, year=2025, period="H1")
    services.assessment_submit_review(acting_user=admin, assessment=assessment)
    services.assessment_publish(acting_user=office, assessment=assessment)
    second = services.assessment_compute(acting_user=admin, county=county, year=2025, period="H2")
    services.assessment_submit_review(acting_user=admin, assessment=second)
    now = timezone.now()
    adhoc_request_create(
        acting_user=office, county=county, title="春耕农资销售情况", due_at=now + timedelta(days=7),
        stations=Station.objects.filter(county_code="610828"), description="请填报本站春耕农资代购情况。",
    )  # fmt: skip
    keeper = User.objects.get(username="zhanzhang1")
    finished = {"phase": "finished", "rows_read": 3, "rows_created": 3, "rows_skipped": 0, "seconds": 1}
    for user, kind, params in (
        (office, "ledgers.export", {"kind": "purchase", "fmt": "xlsx", "label": "台账导出"}),
        (
            keeper,
            "ledgers.import",
            {"kind": "purchase", "file": "uploads/a.xlsx", "name": "代购.xlsx", "label": "台账导入"},
        ),
    ):
        Job.objects.create(
            kind=kind, params=params, state=JobState.DONE, attempts=1, phase="finished", progress_done=3,
            progress_total=3, result=finished, created_by=user, queued_at=now, created_at=now, finished_at=now,
        )  # fmt: skip
    return [f"/assessment/{second.pk}/"]  # the half-year in review (one assessment page is opened)


def _write_index(report: dict[str, dict[str, dict[str, list[str]]]]) -> Path:
    """test-artifacts/visual/index.html: every page's two screenshots, by role, with what was wrong."""
    parts = [
        "<!doctype html><meta charset=utf-8><title>CunZhan visual check</title>",
        "<style>body{font-family:sans-serif}img{border:1px solid #ccc;vertical-align:top;max-height:600px}"
        ".bad{color:#b00}figure{display:inline-block;margin:4px}section{margin-bottom:2em}</style>",
        "<h1>Visual check: every page at 1366 px and 360 px</h1>",
    ]
    for role, pages in report.items():
        bad = sum(1 for found in pages.values() if any(found.values()))
        parts.append(f"<h2 id='{role}'>{role}: {len(pages)} pages, {bad} with problems</h2>")
        for path, found in pages.items():
            name = _file_name(path)
            parts.append(f"<section><h3>{html_lib.escape(path)}</h3>")
            for width, problems in found.items():
                for problem in problems:
                    parts.append(f"<div class=bad>{width} px: {html_lib.escape(problem)}</div>")
            for width in found:
                parts.append(f"<figure><img src='{role}/{width}/{name}.jpg' width={min(int(width), 683)}>")
                parts.append(f"<figcaption>{width} px</figcaption></figure>")
            parts.append("</section>")
    index = ARTIFACTS / "index.html"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text("\n".join(parts), encoding="utf-8")
    return index


@pytest.mark.visual
@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_role_at_1366_and_360_px(browser, live_server, client):  # noqa: F811
    from cunzhan.assessment.models import SchemeVersion
    from cunzhan.core.models import Job

    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    starts = STARTS + _every_kind_of_record()
    codes = _codes()
    scheme = SchemeVersion.objects.filter(county__code="610828").first()
    diff = f"/assessment/schemes/diff/?old={scheme.based_on_id}&new={scheme.pk}" if scheme else "/"
    report: dict[str, dict[str, dict[str, list[str]]]] = {}
    reached: set[str] = set()
    for username in ROLES:
        if username:
            user = User.objects.get(username=username)
            client.force_login(user)
            jobs = Job.objects.filter(created_by=user)
            imports = [f"/ledgers/imports/{job.pk}/" for job in jobs if job.kind == "ledgers.import"]
            paths, answered = pages_of(client, starts + imports + [diff])
        else:
            client.logout()
            paths, answered = pages_of(client, PUBLIC_STARTS)
        assert len(paths) > 3, (username, paths)  # the crawl got somewhere
        reached |= answered
        visit = Visit(browser, live_server, username)
        try:
            report[visit.username] = {path: visit.open(path, codes) for path in paths}
        finally:
            visit.close()
    index = _write_index(report)
    failed = {
        f"{role} {width} {path}": problems
        for role, pages in report.items()
        for path, found in pages.items()
        for width, problems in found.items()
        if problems
    }
    (ARTIFACTS / "failed.json").write_text(json.dumps(failed, ensure_ascii=False, indent=1), encoding="utf-8")
    # a page no role reaches by a link: link it, or say in NOT_PAGES why it is none
    unreached = sorted(every_page_pattern() - reached - set(NOT_PAGES))
    summary = [f"{where}: {'; '.join(problems)}" for where, problems in failed.items()]
    summary += [f"no role reaches {name}" for name in unreached]
    assert summary == [], f"screenshots: {index}\n" + "\n".join(summary)


def test_the_check_finds_what_it_looks_for():
    """The text check, on what a newcomer met: a sum printed raw, an exponent, English, a code."""
    codes = {"operating", "history_import"}
    assert text_problems("合计 ¥282890.87000000000", codes) == ["shows 282890.87000000000"]
    assert text_problems("满分 1E+1", codes) == ["shows 1E+1"]
    assert text_problems("Not Found", codes) == ["shows English ['Found', 'Not']"]
    assert text_problems("状态：operating", codes) == ["shows codes ['operating']"]
    assert text_problems("事件 history_import", codes) == ["shows codes ['history_import']"]
    assert text_problems("导出 Excel、PDF；合计 1,234.50 元；坐标 38.123456°", codes) == []


BAD_PAGE = """<!doctype html><html lang="zh-hans"><body>
<p>合计 ¥282890.87000000000，满分 1E+1，状态：operating，Not Found</p>
<form method="post" action="/x/"><label>金额<input name="amount"></label></form>
<form action="/y/"><input type="hidden" name="csrfmiddlewaretoken" value="t"><input name="q"></form>
<table><tr><td>一个很宽的表格</td><td style="min-width: 900px">金额</td></tr></table>
<p><code>Mozilla/5.0 (X11; Linux)</code> <span translate="no">zhanzhang1</span></p>
</body></html>"""


def test_a_page_with_every_fault_fails_each_check_in_the_browser(browser):  # noqa: F811
    """The checks, in the browser, on a page made of what they look for (and of data they let be)."""
    page = browser.new_page(viewport=WIDTHS["360"])
    try:
        page.set_content(BAD_PAGE)
        found = page_problems(page, {"operating"}, phone=True)
    finally:
        page.close()
    assert "shows 282890.87000000000" in found
    assert "shows codes ['operating']" in found and "shows English ['Found', 'Not']" in found
    assert "POST form without a CSRF token (/x/)" in found and "GET form carrying the CSRF token (/y/)" in found
    assert "CSRF token in a URL" in found  # what the crawl says of the same page
    assert "form controls without a label: ['q']" in found and "wider than a 360 px phone" in found
    assert not any("Linux" in problem or "zhanzhang1" in problem for problem in found)  # data, not language
