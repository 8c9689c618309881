"""The layers of the code (README, "What is inside"; docs/architecture.md): each package may import only
the packages below it. Read from the source with the standard library's ``ast``, so an import inside a
function counts like one at the top, and a relative import (``from ..ledgers import models``) like the
absolute one it names. Migrations and tests are left out: tests may use anything, and a migration names
the apps its history passed through. The benchmarks (``benchmarks/``) sit above everything: they may use
any package, none may use them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # cunzhan/
ROOT = PACKAGE.parent
BENCHMARKS = ROOT / "benchmarks"

# Lowest first. A package may import those before it, never one after it: so there is no cycle, core
# imports no app, and only the site imports the dashboards. The project's own modules (settings, urls,
# the command line, wsgi, the test fixtures) sit above them all, and the benchmarks above those.
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


def _sources() -> Iterator[tuple[Path, Path]]:
    """(path relative to cunzhan/, path) of every module of the package outside migrations and tests."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts or "tests" in relative.parts:
            continue
        yield relative, path


def _benchmarks() -> list[Path]:
    return sorted(BENCHMARKS.glob("*.py"))


def _module_name(path: Path) -> list[str]:
    """``cunzhan/ledgers/views.py`` → ["cunzhan", "ledgers", "views"]; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_names(path: Path, text: str | None = None) -> set[tuple[str, int]]:
    """Every module name ``path`` imports (its source, or ``text`` in its place), with its line: relative
    imports resolved against the module's own package, and for ``from x import y`` both ``x`` and ``x.y``
    (``y`` may be a module)."""
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text, filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join(base + (node.module.split(".") if node.module else []))
            else:
                module = node.module or ""
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        found.update((name, node.lineno) for name in names if name)
    return found


def imported_packages(path: Path, text: str | None = None) -> set[tuple[str, int]]:
    """The ``cunzhan`` packages ``path`` imports (``cunzhan.ledgers.models`` → ``ledgers``), with their lines."""
    found = set()
    for name, line in imported_names(path, text):
        parts = name.split(".")
        if parts[0] == "cunzhan" and len(parts) > 1:
            found.add((parts[1], line))
    return found


def import_graph() -> dict[str, set[str]]:
    """Package → the other packages it imports, over every module outside migrations and tests."""
    graph: dict[str, set[str]] = {package: set() for package in LAYERS}
    for relative, path in _sources():
        if len(relative.parts) == 1:
            continue
        own = relative.parts[0]
        graph.setdefault(own, set()).update(p for p, _line in imported_packages(path) if p != own and p in LAYERS)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), each sorted: every import
    cycle between packages lies within one of them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_package_is_in_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_each_package_imports_only_the_layers_below_it():
    upward = []
    for relative, path in _sources():
        if len(relative.parts) == 1:
            continue  # settings, urls, cli, wsgi, conftest: the top
        own = relative.parts[0]
        for package, line in imported_packages(path):
            if package in LAYERS and LAYERS.index(package) > LAYERS.index(own):
                upward.append(f"cunzhan/{relative}:{line} imports cunzhan.{package}")
    assert sorted(upward) == []


def test_no_import_cycle_between_packages():
    assert cycles(import_graph()) == []


def test_no_package_imports_the_benchmarks():
    """The benchmarks are the top floor: the product never imports them (a test may read their notes)."""
    scripts = {"benchmarks"} | {path.stem for path in _benchmarks()}  # run with benchmarks/ on sys.path
    found = [
        f"cunzhan/{relative}:{line} imports {name}"
        for relative, path in _sources()
        for name, line in imported_names(path)
        if name.split(".")[0] in scripts
    ]
    assert found == []


@pytest.mark.parametrize("path", _benchmarks(), ids=lambda p: p.name)
def test_the_benchmarks_import_packages_that_exist(path):
    """A benchmark names the modules it drives: each must still be there (moved modules break them silently,
    since a benchmark runs only by hand)."""
    missing = []
    for name, line in imported_names(path):
        parts = name.split(".")
        if parts[0] != "cunzhan":
            continue
        candidate = ROOT.joinpath(*parts)
        if not (candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()):
            # ``from cunzhan.x.y import name``: the name is an attribute of cunzhan.x.y, which must exist
            parent = ROOT.joinpath(*parts[:-1])
            if not (parent.with_suffix(".py").exists() or (parent / "__init__.py").exists()):
                missing.append(f"benchmarks/{path.name}:{line} imports {name}")
    assert missing == []


def test_no_module_is_a_god_module():
    modules = [(f"cunzhan/{relative}", path) for relative, path in _sources()]
    modules += [(f"benchmarks/{path.name}", path) for path in _benchmarks()]
    long = [f"{name}: {n} lines" for name, path in modules if (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert long == []


# -- the checks check what they say ------------------------------------------------------------------


def test_a_relative_import_counts_like_the_absolute_one():
    module = PACKAGE / "core" / "example.py"
    text = "from ..ledgers import models\nfrom . import money\nfrom .. import dashboards\nimport cunzhan.regions\n"
    names = {name for name, _line in imported_names(module, text)}
    assert {"cunzhan.ledgers", "cunzhan.ledgers.models", "cunzhan.core.money", "cunzhan.dashboards"} <= names
    assert {p for p, _line in imported_packages(module, text)} == {"ledgers", "core", "dashboards", "regions"}
    package = PACKAGE / "ledgers" / "__init__.py"  # a package's own "." is itself
    assert {p for p, _line in imported_packages(package, "from .models import X\nfrom ..core import money\n")} == {
        "ledgers",
        "core",
    }


def test_a_cycle_between_packages_is_found():
    graph = {"core": set(), "ledgers": {"core", "reports"}, "reports": {"assessment"}, "assessment": {"ledgers"}}
    assert cycles(graph) == [["assessment", "ledgers", "reports"]]
    assert cycles({"core": set(), "ledgers": {"core"}}) == []
