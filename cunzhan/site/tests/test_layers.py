"""The layers of the code (README, "What is inside"; docs/architecture.md): each package may import only
the packages below it. Read from the source with the standard library's ``ast``, so an import inside a
function counts like one at the top. Migrations and tests are left out: tests may use anything, and a
migration names the apps its history passed through."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # cunzhan/

# Lowest first. A package may import those before it, never one after it: so there is no cycle, core
# imports no app, and only the site imports the dashboards. The project's own modules (settings, urls,
# the command line, wsgi, the test fixtures) sit above them all.
LAYERS = [
    "core",  # scoping, audit, money, dates, tables: what every app may use
    "regions",
    "stations",
    "accounts",  # a user is bound to a region, an operating unit or a station
    "ledgers",  # and their monthly summary
    "activities",
    "supervision",  # inspections read the trainings' attendance
    "reports",  # drafted from the ledgers
    "assessment",  # scores the ledgers, reports, activities and supervision
    "onboarding",  # a county's past records (历史导入), written through the apps' services below
    "notices",  # reminders and notices: read every deadline from the apps below, through their selectors
    "dashboards",  # shows all of them
    "site",  # composes them: the API, the home page, the templates' environment, the demo
]
MAX_LINES = 600


def _sources():
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts or "tests" in relative.parts:
            continue
        yield relative, path


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "cunzhan" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def test_every_package_is_in_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_each_package_imports_only_the_layers_below_it():
    upward = []
    for relative, path in _sources():
        if len(relative.parts) == 1:
            continue  # settings, urls, cli, wsgi, conftest: the top
        own = relative.parts[0]
        for package, line in _imported_packages(path):
            if package in LAYERS and LAYERS.index(package) > LAYERS.index(own):
                upward.append(f"cunzhan/{relative}:{line} imports cunzhan.{package}")
    assert sorted(upward) == []


def test_no_module_is_a_god_module():
    long = [
        f"cunzhan/{relative}: {n} lines"
        for relative, path in _sources()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert long == []
