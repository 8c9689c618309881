"""The history imports' ways in (the page, the command line) in the hostile-input matrix of
cunzhan/core/tests/test_hostile_input.py, with its bad files and its checks: a Chinese message for each,
no 5xx, nothing leaked, nothing saved."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cunzhan.core.tests.test_hostile_input import (
    CHINESE,
    LEAKS,
    Path_,
    _command,
    _upload,
    _visible_text,
    bad_files,
)
from cunzhan.onboarding.models import HistoryImport
from cunzhan.onboarding.tests.conftest import REPORTS
from cunzhan.reports.models import Report

ROW = ["JX-0001", "月报", "2025-03", "2025-04-08 09:00"]


def _saved() -> tuple[int, ...]:
    return Report.objects.count(), HistoryImport.objects.count()


def history_page(world, client) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post("/onboarding/", {"kind": "reports", "file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(REPORTS, ROW, send, _saved)


def history_cli(world, client) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_history", "reports", str(path), "--as", "county")

    return Path_(REPORTS, ROW, send, _saved)


@pytest.mark.parametrize("way_in", [history_page, history_cli], ids=lambda p: p.__name__)
def test_every_bad_file_is_refused_in_chinese_and_saves_nothing(way_in, world, client, tmp_path):
    path = way_in(world, client)
    problems = []
    for bad in bad_files(tmp_path, path.header, path.row):
        with override_settings(**bad.limits):
            status, text = path.send(bad.name, bad.data, tmp_path)
        shown = _visible_text(text)
        if status >= 500 or status not in (0, 200, 422):
            problems.append(f"{bad.name}: HTTP {status}")
        says = (bad.says,) if isinstance(bad.says, str) else bad.says
        if not any(fragment in shown for fragment in says):
            problems.append(f"{bad.name}: none of {says} in {' '.join(shown.split())[-400:]!r}")
        if not CHINESE.search(shown):
            problems.append(f"{bad.name}: no Chinese message")
        if leak := LEAKS.search(shown):
            problems.append(f"{bad.name}: “{leak.group()}” shown")
        if path.saved() != (0, 0):
            problems.append(f"{bad.name}: something was saved")
    assert not problems, "\n".join(problems)
