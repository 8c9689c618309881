from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from cunzhan.notices.models import Notice


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_remind_sends_what_is_due_at_the_moment_once_and_says_how_many(monthly_only, second_keeper):
    dry = run("remind", "--dry-run", "--at", "2026-12-03 09:00")
    assert dry[-1] == "将发送 3 条"
    assert Notice.objects.count() == 0  # a dry run keeps nothing
    assert any(line.startswith("keeper\t报表提醒\t请在 12月5日 前提交 11月 月报") for line in dry)

    sent = run("remind", "--at", "2026-12-03 09:00")
    assert sent[-1] == "已发送 3 条"
    assert sorted(sent[:-1]) == sorted(dry[:-1])  # exactly what the dry run listed, one line each
    assert run("remind", "--at", "2026-12-03 09:00") == ["已发送 0 条"]
    assert run("remind", "--dry-run", "--at", "2026-12-03 09:00") == ["将发送 0 条"]


@pytest.mark.django_db
def test_remind_refuses_a_moment_it_cannot_read():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="时间格式不正确"):
        run("remind", "--at", "3 December")


@pytest.mark.django_db
def test_notices_lists_a_user_s_notices_for_scripts(monthly_only):
    run("remind", "--at", "2026-12-03 09:00")
    data = json.loads("\n".join(run("notices", "--as", "keeper", "--json")))
    assert data["user"] == "keeper"
    assert data["unread"] == 1
    [notice] = data["notices"]
    assert notice["title"] == "请在 12月5日 前提交 11月 月报"
    assert notice["action"] == "去提交"
    assert notice["link"] == "/reports/JX-0001/monthly/2026-11/"
    plain = run("notices", "--as", "keeper")
    assert plain[-1] == "共 1 条，未读 1 条"
    assert run("notices", "--as", "county") == ["共 0 条，未读 0 条"]
