"""Every business action a page offers is also an API operation (issue 20.2).

The page actions are found, not listed by hand: every URL of the site whose view accepts a POST. A view
accepts one when it is a class-based view with a ``post`` method (Django's login and logout), when it is
decorated with ``require_POST`` / ``require_http_methods([... "POST"])``, or when its body — or a
function of its own module it calls, followed to any depth — reads ``request.POST`` / ``request.FILES``
or compares the method with "POST". The views are read with the standard library's ``ast`` from their
modules' source (as the layers test reads imports), so a new page action is found the day it is written,
whether its form posts to itself or to an action URL. Two cross-checks keep the reading honest: every
``<form method="post" action="{{ url(...) }}">`` of the templates names a view found to accept a POST, and
the pages that only show something (the lists, the exports) are not found.

The API's operations come from its OpenAPI document (/api/v1/openapi.json). Each page action must be in
``TWINS`` with the operations that do what it does (all of them existing), or in ``NO_TWIN`` with the
reason it has none.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PACKAGE = Path(__file__).resolve().parents[2]  # cunzhan/
LEDGER_KINDS = ("purchase", "sale", "parcel", "service")

# page action (URL name) → the API operations that do what it does ("METHOD /path" as in the OpenAPI
# document). An action URL with variants (an ``action`` slug) lists the twin of each.
TWINS: dict[str, list[str]] = {
    # accounts
    "accounts:user_create": ["POST /api/v1/users"],
    "accounts:user_import": ["POST /api/v1/users/import"],
    "accounts:user_action": [  # reset-password, unlock, activate, deactivate
        "POST /api/v1/users/{pk}/reset-password",
        "POST /api/v1/users/{pk}/unlock",
        "POST /api/v1/users/{pk}/activate",
        "POST /api/v1/users/{pk}/deactivate",
    ],
    # stations
    "stations:create": ["POST /api/v1/stations"],
    "stations:edit": ["PATCH /api/v1/stations/{code}"],
    "stations:transition": ["POST /api/v1/stations/{code}/transitions"],
    "stations:exemption_create": ["POST /api/v1/stations/{code}/exemptions"],
    "stations:asset_create": ["POST /api/v1/stations/{code}/assets"],
    "stations:fault_create": ["POST /api/v1/stations/{code}/assets/{asset_id}/faults"],
    "stations:fault_repair": ["POST /api/v1/stations/{code}/faults/{fault_id}/repair"],
    # ledgers
    "ledgers:new": [f"POST /api/v1/ledgers/{kind}" for kind in LEDGER_KINDS],
    "ledgers:edit": [f"PATCH /api/v1/ledgers/{kind}/{{pk}}" for kind in LEDGER_KINDS],
    "ledgers:delete": [f"DELETE /api/v1/ledgers/{kind}/{{pk}}" for kind in LEDGER_KINDS],
    "ledgers:import": [f"POST /api/v1/ledgers/{kind}/import" for kind in LEDGER_KINDS],
    # activities
    "activities:training_new": ["POST /api/v1/activities/trainings"],
    "activities:training_edit": ["PUT /api/v1/activities/trainings/{pk}"],
    "activities:training_attendance": ["POST /api/v1/activities/trainings/{pk}/attendance"],
    "activities:training_import": ["POST /api/v1/activities/trainings/{pk}/attendance/import"],
    "activities:activity_new": ["POST /api/v1/activities/marketing"],
    "activities:activity_edit": ["PUT /api/v1/activities/marketing/{pk}"],
    "activities:participation": ["PUT /api/v1/activities/marketing/{pk}/stations/{code}/participation"],
    "activities:activity_report": ["PUT /api/v1/activities/marketing/{pk}/stations/{code}/report"],
    "activities:guidance_new": ["POST /api/v1/activities/guidance"],
    # supervision
    "supervision:inspection_new": ["POST /api/v1/supervision/inspections"],
    "supervision:inspection_edit": ["PUT /api/v1/supervision/inspections/{pk}"],
    "supervision:inspection_photo_upload": ["POST /api/v1/supervision/inspections/{pk}/photos"],
    "supervision:complaint_new": ["POST /api/v1/supervision/complaints"],
    "supervision:complaint": ["POST /api/v1/supervision/complaints/{pk}/verify"],
    "supervision:event_new": ["POST /api/v1/supervision/events"],
    "supervision:event": ["POST /api/v1/supervision/events/{pk}/verify"],
    # reports: a report's page submits, corrects a line or corrects the text, all one operation
    "reports:detail": ["POST /api/v1/reports/stations/{code}/{kind}/{period}/submit"],
    "reports:adhoc_report": ["POST /api/v1/reports/adhoc/reports/{pk}/submit"],
    "reports:adhoc_create": ["POST /api/v1/reports/adhoc"],
    "reports:settings": ["PUT /api/v1/reports/settings"],
    "reports:upward": ["POST /api/v1/reports/upward"],
    "reports:upward_send": ["POST /api/v1/reports/upward/{pk}/send"],
    # assessment
    "assessment:list": ["POST /api/v1/assessments"],  # compute a period
    "assessment:action": [  # recompute (the same operation as computing), review, publish, correct
        "POST /api/v1/assessments",
        "POST /api/v1/assessments/{pk}/review",
        "POST /api/v1/assessments/{pk}/publish",
        "POST /api/v1/assessments/{pk}/correct",
    ],
    "assessment:rectify": ["POST /api/v1/assessments/results/{pk}/rectification"],
    "assessment:rectification_close": ["POST /api/v1/assessments/rectifications/{pk}/close"],
    "assessment:scheme_edit": [  # the scheme editor: check (with the difference), try on a period, adopt
        "POST /api/v1/assessments/schemes/check",
        "POST /api/v1/assessments/schemes/try",
        "POST /api/v1/assessments/schemes/adopt",
    ],
    "assessment:subsidies": ["PUT /api/v1/assessments/subsidies"],
    "assessment:order_flag": ["POST /api/v1/assessments/integrity/flags/{code}/{year}/{half}/decision"],
    "assessment:publish": ["POST /api/v1/assessments/{pk}/publish"],  # the page confirms first
    "assessment:publication_settings": ["PUT /api/v1/assessments/publication-settings"],
    # onboarding: a county's past records
    "onboarding:index": ["POST /api/v1/onboarding/{kind}"],
    # notices: reading them, 催报 (the report board's form posts here), the county's reminder settings
    "notices:open": ["POST /api/v1/notices/{pk}/read"],
    "notices:read_all": ["POST /api/v1/notices/read-all"],
    "notices:chase": ["POST /api/v1/notices/chase"],
    "notices:settings": ["PUT /api/v1/notices/settings"],
    # stations: the operating units' register and a station's people, its settings and assets
    "units:create": ["POST /api/v1/operating-units"],
    "units:edit": ["PATCH /api/v1/operating-units/{unit_id}"],
    "units:deactivate": ["POST /api/v1/operating-units/{unit_id}/deactivate"],
    "units:reactivate": ["POST /api/v1/operating-units/{unit_id}/reactivate"],
    "stations:person_create": ["POST /api/v1/stations/{code}/people"],
    "stations:person_edit": ["PATCH /api/v1/stations/{code}/people/{person_id}"],
    "stations:person_delete": ["DELETE /api/v1/stations/{code}/people/{person_id}"],
    "stations:import": ["POST /api/v1/stations/import"],
    "stations:asset_import": ["POST /api/v1/stations/import/assets"],
    "stations:settings": ["PUT /api/v1/stations/settings"],
    "stations:exemption_withdraw": ["POST /api/v1/stations/{code}/exemptions/{exemption_id}/withdraw"],
    "stations:asset_return": ["POST /api/v1/stations/{code}/asset-returns/{return_id}/confirm"],
}

# Page actions that should have no API twin, and why.
NO_TWIN: dict[str, str] = {
    # signing in and out is the browser session's; the API authenticates each request with a token
    "login": "the browser session's login form",
    "logout": "ends the browser session",
    # the first password change must happen on the page: the API refuses an account with a temporary
    # password (accounts.middleware), and a bearer token is no proof of knowing the old password
    "password_change": "changing one's own password, on the page only",
    # a token is made and revoked on its page, in the browser session: a token that could mint tokens
    # would outlive its own revocation (accounts/api.py)
    "accounts:tokens": "creating an API token",
    "accounts:token_revoke": "revoking an API token",
    "set_language": "the page's language (a cookie); the API answers in Chinese",
}


# -- the page actions ------------------------------------------------------------------------------


def _urls(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _urls(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern.callback


@functools.cache
def _functions(module) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(module))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _decorated_for_post(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        text = ast.unparse(decorator)
        if "require_POST" in text or ("require_http_methods" in text and "POST" in text):
            return True
    return False


def _handles_post(node: ast.FunctionDef, functions: dict[str, ast.FunctionDef], seen: set[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in ("POST", "FILES"):
            return True
        if isinstance(sub, ast.Compare) and any(
            isinstance(side, ast.Constant) and side.value == "POST" for side in (sub.left, *sub.comparators)
        ):
            return True
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            called = sub.func.id
            if called in functions and called not in seen:
                seen.add(called)
                if _handles_post(functions[called], functions, seen):
                    return True
    return False


def accepts_post(view) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    function = inspect.unwrap(view)
    functions = _functions(inspect.getmodule(function))
    node = functions[function.__name__]
    return _decorated_for_post(node) or _handles_post(node, functions, {function.__name__})


@functools.cache
def page_actions() -> frozenset[str]:
    return frozenset(name for name, view in _urls(get_resolver()) if not name.startswith("api:") and accepts_post(view))


@pytest.fixture
def api_operations(client) -> set[str]:
    document = client.get("/api/v1/openapi.json").json()
    return {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}


# -- the tests ---------------------------------------------------------------------------------------


def test_every_page_action_has_an_api_twin_or_a_reason(db):
    unaccounted = sorted(page_actions() - set(TWINS) - set(NO_TWIN))
    assert unaccounted == [], "page actions with no API twin: add the operation and list it in TWINS"


def test_every_twin_named_is_an_operation_of_the_api(api_operations):
    missing = sorted(f"{page} → {op}" for page, ops in TWINS.items() for op in ops if op not in api_operations)
    assert missing == []


def test_the_lists_name_only_page_actions_that_exist_and_each_once(db):
    listed = [*TWINS, *NO_TWIN]
    assert sorted(set(listed) - page_actions()) == []  # a page gone, or no longer taking a POST
    assert len(listed) == len(set(listed))


def test_every_write_operation_is_summarised_in_chinese(api_operations, client):
    document = client.get("/api/v1/openapi.json").json()
    unsummarised = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "get" and not re.search(r"[\u4e00-\u9fff]", operation.get("summary", ""))
    ]
    assert unsummarised == []


# -- the reading of the views, checked -----------------------------------------------------------------

FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
ACTION_URL = re.compile(r"""action="\{\{\s*url\(\s*'([^']+)'""")


def test_every_form_posting_to_an_action_url_names_a_page_action_found(db):
    posted = set()
    for template in PACKAGE.glob("*/jinja2/**/*.html"):
        for tag in FORM.findall(template.read_text(encoding="utf-8")):
            if 'method="post"' in tag.lower() and (match := ACTION_URL.search(tag)):
                posted.add(match.group(1))
    assert len(posted) > 15  # the scan found the action forms
    assert sorted(posted - page_actions()) == []


def test_pages_that_only_show_are_not_taken_for_actions(db):
    shown = {"accounts:users", "accounts:user", "stations:list", "stations:export_register", "reports:board"}
    assert shown & page_actions() == set()
    assert {"accounts:user_import", "assessment:list", "login", "set_language"} <= page_actions()
