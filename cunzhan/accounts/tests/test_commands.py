"""cunzhan import-accounts: the same import on the command line, acting as a named account."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cunzhan.accounts.importers import HEADERS
from cunzhan.accounts.models import User
from cunzhan.accounts.tests.test_importers import KEEPER, PASSWORD_SHAPE, SUPERVISOR
from cunzhan.core.tests.test_import_templates import sheets


def write(path, *rows):
    path.write_text("\r\n".join([",".join(HEADERS), *(",".join(row) for row in rows)]) + "\r\n", encoding="utf-8")
    return path


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_accounts", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_the_accounts_and_prints_each_password_once(world, tmp_path):
    out = command(str(write(tmp_path / "账号.csv", KEEPER, SUPERVISOR)), "--as", "county")
    assert "已在佳县创建 2 个账号，首次登录须修改密码。" in out and "初始密码只显示这一次" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("zz_")}
    assert set(lines) == {"zz_keeper", "zz_ducha"}
    for username, cells in lines.items():
        password = cells[-1]
        assert PASSWORD_SHAPE.match(password) and User.objects.get(username=username).check_password(password)


def test_the_command_writes_the_slips_beside_their_stylesheet(world, tmp_path, settings):
    settings.ALLOWED_HOSTS = ["cunzhan.jiaxian.gov.cn"]
    out = command(str(write(tmp_path / "账号.csv", KEEPER)), "--as", "county", "--slips", str(tmp_path / "通知单.html"))
    password = next(line.split()[-1] for line in out.splitlines() if line.startswith("zz_keeper"))
    html = (tmp_path / "通知单.html").read_text(encoding="utf-8")
    for text in (password, "zz_keeper", "https://cunzhan.jiaxian.gov.cn/", "首次登录须修改密码", 'href="slips.css"'):
        assert text in html, text
    assert "@page" in (tmp_path / "slips.css").read_text()
    assert "打印后请删除该文件" in out


def test_the_site_on_the_slips_may_be_given(world, tmp_path):
    command(
        str(write(tmp_path / "a.csv", KEEPER)),
        "--as",
        "county",
        "--slips",
        str(tmp_path / "s.html"),
        "--site",
        "https://cz.example.cn/",
    )
    assert "https://cz.example.cn/" in (tmp_path / "s.html").read_text(encoding="utf-8")


def test_a_bad_file_is_refused_with_every_error_and_creates_nothing(world, tmp_path):
    path = write(tmp_path / "a.csv", KEEPER, ("zz_x", "某", "", "市/省主管部门", "", "", ""))
    with pytest.raises(CommandError) as caught:
        command(str(path), "--as", "county")
    assert "导入失败，未创建任何账号（共 1 处错误）" in str(caught.value)
    assert "不能在佳县的账号导入中创建“市/省主管部门”账号" in str(caught.value)
    assert not User.objects.filter(username="zz_keeper").exists()


def test_running_the_command_again_on_the_same_file_changes_nothing(world, tmp_path):
    path = write(tmp_path / "a.csv", KEEPER)
    command(str(path), "--as", "county")
    before = User.objects.get(username="zz_keeper").password
    out = command(str(path), "--as", "county")  # not an error: there is nothing left to do
    assert "此文件此前已导入过，本次没有任何改动" in out
    assert User.objects.get(username="zz_keeper").password == before


def test_the_command_acts_within_the_named_accounts_rights_and_county(world, tmp_path):
    path = write(tmp_path / "a.csv", KEEPER)
    with pytest.raises(CommandError, match="无权"):
        command(str(path), "--as", "keeper")
    with pytest.raises(CommandError, match="--county"):
        command(str(path), "--as", "admin")  # over several counties: which one?
    with pytest.raises(CommandError, match="不在您的管辖范围内"):
        command(str(path), "--as", "county", "--county", "360734")
    with pytest.raises(CommandError, match="不存在或已停用"):
        command(str(path), "--as", "nobody")
    command(
        str(write(tmp_path / "b.csv", ("zz_xw", "某", "", "站长", "", "", "XW-0001"))),
        "--as",
        "admin",
        "--county",
        "360734",
    )
    assert User.objects.get(username="zz_xw").station == world.station_xunwu


def test_the_command_writes_the_countys_template(world, tmp_path):
    out = command("--as", "county", "--template", str(tmp_path / "t.xlsx"))
    assert "佳县的账号导入模板已写入" in out
    assert sheets((tmp_path / "t.xlsx").read_bytes())["账号"][0] == list(HEADERS)


def test_createsuperuser_makes_the_installations_first_administrator(db, client, monkeypatch):
    """How an installation gets its administrator, who then creates each county's office account."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Admin#first2026")
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "", stdout=io.StringIO())
    root = User.objects.get(username="root")
    assert (root.role, root.is_superuser, root.must_change_password) == ("admin", True, True)
    client.post("/accounts/login/", {"username": "root", "password": "Admin#first2026"})
    first, new = "Admin#first2026", "Admin#second2026"
    client.post("/accounts/password/", {"old_password": first, "new_password": new, "new_password_again": new})
    assert client.get("/").status_code == 200
    assert client.get("/accounts/users/new/").status_code == 200  # where it creates a county office's account
