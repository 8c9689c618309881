"""The Content-Security-Policy: sent on every page, and the templates need nothing it forbids (no inline
script, event handler or style). That the pages work under it in a browser is asked by the browser
journeys (cunzhan/dashboards/tests/test_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

PACKAGE = Path(__file__).resolve().parents[2]

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy_of(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        directives[name] = set(sources)
    return directives


@pytest.mark.django_db
def test_every_page_is_sent_the_strict_policy(world, client):
    pages = [reverse("login"), reverse("public_index"), "/no-such-page/"]
    for path in pages:
        assert policy_of(client.get(path)) == POLICY, path
    client.force_login(world.county)
    for path in (reverse("home"), reverse("stations:list"), "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy_of(response) == POLICY, path


def test_the_policy_allows_nothing_inline_nor_eval():
    from django.conf import settings

    sources = {s for values in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].values() for s in values}
    assert not sources & {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"}


# what the policy would refuse in a page
SCRIPT = re.compile(r"<script\b([^>\n]*)>", re.IGNORECASE)
HANDLER = re.compile(r"""\s(on[a-z]+|hx-on(?::|-)[\w:-]*)\s*=\s*["'{]""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["'{]""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']\s*javascript:""", re.IGNORECASE)


def page_sources() -> list[Path]:
    """The templates, and the modules that write a page's HTML themselves (the ledger list's rows)."""
    templates = [
        path
        for folder in ("jinja2", "templates")
        for root in PACKAGE.rglob(folder)
        if root.is_dir()
        for path in root.rglob("*")
        if path.is_file() and path.suffix in (".html", ".txt", ".svg")
    ]
    assert len(templates) > 50, templates  # the scan found the pages
    modules = [path for path in PACKAGE.rglob("*.py") if not {"tests", "migrations"} & set(path.parts)]
    return templates + modules


def test_no_page_has_an_inline_script_an_event_handler_or_a_style():
    refused = []
    for source in page_sources():
        text = source.read_text(encoding="utf-8")
        name = source.relative_to(PACKAGE)
        for attributes in SCRIPT.findall(text):
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                refused.append(f"{name}: inline <script{attributes}>")
        refused += [f"{name}: handler {m.group(1)}=" for m in HANDLER.finditer(text)]
        refused += [f"{name}: style attribute" for _m in STYLE_ATTRIBUTE.finditer(text)]
        refused += [f"{name}: <style> element" for _m in STYLE_ELEMENT.finditer(text)]
        refused += [f"{name}: javascript: address" for _m in JAVASCRIPT_URL.finditer(text)]
    assert refused == []


@pytest.mark.django_db
def test_htmx_is_told_to_inject_no_style_and_evaluate_nothing(world, client):
    client.force_login(world.county)
    page = client.get(reverse("home")).content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']+)'>""", page)
    assert config, "no htmx-config"
    assert json.loads(config.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
