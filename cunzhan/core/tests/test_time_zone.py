"""One time zone, spelled once (STYLE.md: no free-text time-zone values): ``cunzhan.core.dates`` names
Asia/Shanghai; settings, SQL, tests and benchmarks read it from there."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings

from cunzhan.core import dates

ROOT = Path(__file__).resolve().parents[3]
NAME = "Asia/" + "Shanghai"  # not spelled out here either


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def spellings(path: Path) -> list[int]:
    """Lines where the time zone's name is written in code (a string or a piece of an f-string; not a
    docstring or a comment, which may say which zone they mean)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and NAME in node.value
        and id(node) not in skip
    )


def test_the_time_zone_is_spelled_in_one_place():
    paths = [*(ROOT / "cunzhan").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in paths
        if "migrations" not in path.parts
        for line in spellings(path)
    }
    assert {entry.rsplit(":", 1)[0] for entry in found} == {"cunzhan/core/dates.py"}


def test_settings_and_the_offset_follow_it():
    assert settings.TIME_ZONE == dates.TIME_ZONE_NAME == dates.SHANGHAI.key == NAME
    offset = dates.UTC_OFFSET
    assert offset == timedelta(hours=8)
    # a UTC instant 16:00 is the next day in Shanghai, both by the zone and by the offset
    moment = datetime(2026, 1, 31, 16, tzinfo=UTC)
    assert (moment + dates.UTC_OFFSET).date() == dates.local_date(moment) == date(2026, 2, 1)
