"""The account import's three ways in (the page, the API, the command line) fed the bad files of the
hostile-input matrix (cunzhan/core/tests/test_hostile_input.py, whose machinery this reuses): each is
refused with a Chinese message, no 5xx, no English exception text, and no account created."""

from __future__ import annotations

import pytest
from django.test import override_settings

from cunzhan.accounts.importers import HEADERS
from cunzhan.accounts.models import User
from cunzhan.core.tests.test_hostile_input import (
    CHINESE,
    LEAKS,
    Path_,
    _command,
    _upload,
    _visible_text,
    bad_files,
)

ROW = ["zz_hostile", "张三", "13800000000", "站长", "", "", "JX-0001"]
# the formulas' cached values (0) in the user name and name columns: three identical rows, refused as
# user names given twice; the other files are refused with the matrix's own message
SAYS = {"formulas.xlsx": ("重复",)}


def _accounts() -> tuple[int, ...]:
    return (User.objects.count(),)


def accounts_page(world, client, monkeypatch) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post("/accounts/users/import/", {"file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(list(HEADERS), ROW, send, _accounts)


def accounts_api(world, client, monkeypatch) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post("/api/v1/users/import", {"file": _upload(name, data)})
        body = answer.json()
        return answer.status_code, " ".join([body["detail"], *(e["message"] for e in body.get("errors", []))])

    return Path_(list(HEADERS), ROW, send, _accounts)


def accounts_cli(world, client, monkeypatch) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_accounts", str(path), "--as", "county")

    return Path_(list(HEADERS), ROW, send, _accounts)


@pytest.mark.parametrize("way_in", [accounts_page, accounts_api, accounts_cli], ids=lambda p: p.__name__)
def test_every_bad_file_is_refused_in_chinese_and_creates_no_account(way_in, world, client, tmp_path, monkeypatch):
    path = way_in(world, client, monkeypatch)
    before = path.saved()
    problems = []
    for bad in bad_files(tmp_path, path.header, path.row):
        with override_settings(**bad.limits):
            status, text = path.send(bad.name, bad.data, tmp_path)
        shown = _visible_text(text)
        if status >= 500 or status not in (0, 200, 422):
            problems.append(f"{bad.name}: HTTP {status}")
        says = SAYS.get(bad.name) or ((bad.says,) if isinstance(bad.says, str) else bad.says)
        if not any(fragment in shown for fragment in says):
            problems.append(f"{bad.name}: none of {says} in {' '.join(shown.split())[-400:]!r}")
        if not CHINESE.search(shown):
            problems.append(f"{bad.name}: no Chinese message")
        if leak := LEAKS.search(shown):
            problems.append(f"{bad.name}: “{leak.group()}” shown")
        if path.saved() != before:
            problems.append(f"{bad.name}: an account was created")
    assert not problems, "\n".join(problems)
