"""A county's accounts from a table (cunzhan.accounts.importers): validated whole, every account inside
the importing county and no wider than the importer's own scope, each with a one-time readable initial
password, and the same file imported twice changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from cunzhan.accounts.importers import HEADERS, AlreadyImported, import_accounts, write_template
from cunzhan.accounts.models import User
from cunzhan.accounts.passwords import ALPHABET
from cunzhan.core.roles import Role
from cunzhan.core.tabular import EXPLANATION_MARK, ImportRejected
from cunzhan.core.tests.test_import_templates import sheets, validations

PASSWORD_SHAPE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def table(*rows: tuple[str, ...], header=HEADERS) -> io.BytesIO:
    """A CSV file of the template's columns."""
    lines = [",".join(header), *(",".join(row) for row in rows)]
    data = io.BytesIO(("\r\n".join(lines) + "\r\n").encode())
    data.name = "账号.csv"
    return data


KEEPER = ("zz_keeper", "高站长", "13800000001", "站长", "", "", "JX-0001")
SUPERVISOR = ("zz_ducha", "刘督查", "13900000002", "镇村督查员", "610828102", "", "")
OPERATOR = ("zz_yunying", "王运营", "", "运营单位", "", "佳县运营公司", "")
OFFICE = ("zz_office", "赵科员", "", "县电商办", "", "", "")


def run(world, *rows, actor=None, county="610828", header=HEADERS):
    source = table(*rows, header=header)
    return import_accounts(source, acting_user=actor or world.county, county=world.regions[county])


def rejected(world, *rows, actor=None, county="610828", header=HEADERS) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        run(world, *rows, actor=actor, county=county, header=header)
    return [str(e) for e in caught.value.errors]


def test_a_county_office_imports_its_people_each_bound_where_the_row_says(world):
    created = run(world, KEEPER, SUPERVISOR, OPERATOR, OFFICE)
    users = {c.username: User.objects.get(pk=c.user.pk) for c in created}
    assert users["zz_keeper"].station == world.station_keng and users["zz_keeper"].role == Role.KEEPER
    assert users["zz_ducha"].region_id == "610828102" and users["zz_ducha"].role == Role.SUPERVISOR
    assert users["zz_yunying"].operating_unit == world.unit and users["zz_yunying"].region_id == "610828"
    assert users["zz_office"].region_id == "610828" and users["zz_office"].role == Role.COUNTY_OFFICE
    assert users["zz_keeper"].phone == "13800000001" and users["zz_keeper"].display_name == "高站长"
    assert all(user.must_change_password and user.is_active for user in users.values())
    assert [c.place for c in created][:2] == ["JX-0001 高家坬村站", "店镇"]


def test_each_new_account_gets_its_own_readable_initial_password_that_logs_it_in(world):
    created = run(world, KEEPER, SUPERVISOR, OPERATOR)
    passwords = [c.password for c in created]
    assert len(set(passwords)) == 3
    for password in passwords:
        assert PASSWORD_SHAPE.match(password), password
        assert not set(password) & set("0Oo1lI")  # nothing misread off a printed slip
    for account in created:
        assert User.objects.get(pk=account.user.pk).check_password(account.password)


def test_an_initial_password_is_kept_nowhere_but_its_hash(world):
    created = run(world, KEEPER)
    password, user = created[0].password, User.objects.get(username="zz_keeper")
    assert password not in user.password
    logged = " ".join(str(entry.changes) + str(entry.additional_data) for entry in LogEntry.objects.all())
    assert password not in logged and "zz_keeper" in logged  # the creation is in the operation log


def test_the_import_is_written_in_the_operation_log_with_its_file(world):
    run(world, KEEPER, SUPERVISOR)
    event = LogEntry.objects.get(additional_data__event="account import")
    assert event.actor == world.county
    assert event.additional_data == {"event": "account import", "file": "账号.csv", "county": "610828", "accounts": 2}


def test_every_problem_of_the_file_is_named_by_row_and_column_and_nothing_is_saved(world):
    before = User.objects.count()
    errors = rejected(
        world,
        KEEPER,
        ("zz_keeper", "重名", "", "站长", "", "", "JX-0002"),
        ("zz_a", "", "12345", "站长", "", "", ""),
        ("zz b", "某", "", "督查", "", "", ""),
        ("zz_c", "某", "", "镇村督查员", "610828999", "", ""),
        ("zz_d", "某", "", "运营单位", "", "不存在的公司", ""),
        ("zz_e", "某", "", "站长", "610828101", "", "JX-9999"),
        ("KEEPER", "某", "", "站长", "", "", "JX-0001"),
    )
    assert errors == [
        "第 3 行“用户名”列：与第 2 行的用户名重复",
        "第 4 行“姓名”列：必填",
        "第 4 行“手机号”列：“12345”不是手机号：应为 11 位数字，以 13–19 开头",
        "第 4 行“服务站”列：站长账号须填写此列",
        "第 5 行“用户名”列：“zz b”不能用作用户名：只能包含字母、数字和 @ . + - _",
        "第 5 行“角色”列：“督查”不是角色，可填：县电商办、运营单位、镇村督查员、站长",
        "第 6 行“乡镇”列：“610828999”不是佳县的乡镇或村的区划代码",
        "第 7 行“运营单位”列：佳县没有名为“不存在的公司”的运营单位",
        "第 8 行“乡镇”列：站长账号不填此列",
        "第 8 行“服务站”列：服务站“JX-9999”不存在，或不在佳县",
        "第 9 行“用户名”列：用户名“KEEPER”已被其他账号使用，请换一个",
    ]
    assert User.objects.count() == before


def test_a_county_office_can_create_nothing_wider_than_its_county(world):
    errors = rejected(
        world,
        ("zz_city", "某", "", "市/省主管部门", "", "", ""),
        ("zz_root", "某", "", "系统管理员", "", "", ""),
        ("zz_other", "某", "", "镇村督查员", "360734100", "", ""),
        ("zz_xw", "某", "", "站长", "", "", "XW-0001"),
        ("zz_xwunit", "某", "", "运营单位", "", "寻乌运营公司", ""),
    )
    wider = "不能在佳县的账号导入中创建“%s”账号，可填：县电商办、运营单位、镇村督查员、站长"
    assert errors == [
        f"第 2 行“角色”列：{wider % '市/省主管部门'}",
        f"第 3 行“角色”列：{wider % '系统管理员'}",
        "第 4 行“乡镇”列：“360734100”不是佳县的乡镇或村的区划代码",
        "第 5 行“服务站”列：服务站“XW-0001”不存在，或不在佳县",
        "第 6 行“运营单位”列：佳县没有名为“寻乌运营公司”的运营单位",
    ]
    assert not User.objects.filter(username__startswith="zz_").exists()


def test_an_administrators_import_is_for_one_county_and_as_narrow(world):
    errors = rejected(world, ("zz_city", "某", "", "市/省主管部门", "", "", ""), actor=world.admin)
    assert errors == [
        "第 2 行“角色”列：不能在佳县的账号导入中创建“市/省主管部门”账号，可填：县电商办、运营单位、镇村督查员、站长"
    ]
    created = run(world, ("zz_xw", "某", "", "站长", "", "", "XW-0001"), actor=world.admin, county="360734")
    assert created[0].user.station == world.station_xunwu


def test_a_county_office_imports_into_its_own_county_only(world):
    from cunzhan.core.scoping import OutOfScope

    with pytest.raises(OutOfScope):
        run(world, ("zz_xw", "某", "", "站长", "", "", "XW-0001"), county="360734")


def test_only_account_managers_import(world):
    for persona in ("keeper", "supervisor", "operator", "city"):
        with pytest.raises(PermissionDenied):
            run(world, KEEPER, actor=world.users[persona])


def test_importing_the_same_file_again_changes_nothing_and_says_so(world):
    run(world, KEEPER, SUPERVISOR, OPERATOR)
    hashes = dict(User.objects.values_list("username", "password"))
    with pytest.raises(AlreadyImported) as caught:
        run(world, KEEPER, SUPERVISOR, OPERATOR)
    assert str(caught.value) == (
        "文件中的 3 个账号都已存在，与文件一致：此文件此前已导入过，本次没有任何改动，初始密码也不会再次显示。"
        "如有人遗失初始密码，请在其账号页面“重置密码”。"
    )
    assert dict(User.objects.values_list("username", "password")) == hashes


def test_a_file_with_new_rows_beside_imported_ones_names_the_imported_rows(world):
    run(world, KEEPER)
    errors = rejected(world, KEEPER, SUPERVISOR)
    assert errors == ["第 2 行“用户名”列：账号“zz_keeper”已存在，与此行一致（此前已导入过），不会再建"]
    assert not User.objects.filter(username="zz_ducha").exists()


def test_user_names_are_compared_ignoring_case_within_the_file(world):
    errors = rejected(world, KEEPER, ("ZZ_KEEPER", "另一人", "", "站长", "", "", "JX-0002"))
    assert errors == ["第 3 行“用户名”列：与第 2 行的用户名重复"]


def test_a_template_column_missing_or_an_empty_file_is_refused_in_chinese(world):
    assert rejected(world, KEEPER[:-1], header=HEADERS[:-1]) == ["第 1 行“服务站”列：缺少此列，请使用下载的模板"]
    assert rejected(world) == ["第 2 行：文件中没有数据行"]


def test_a_file_of_more_accounts_than_a_county_has_is_refused_before_it_is_checked(world, monkeypatch):
    monkeypatch.setattr("cunzhan.accounts.importers.MAX_ACCOUNTS", 2)
    assert rejected(world, KEEPER, SUPERVISOR, OPERATOR) == ["一次最多导入 2 个账号，此文件有 3 行，请分批导入"]


def test_excel_numbers_read_as_the_codes_and_phones_they_were(world):
    from cunzhan.core.tabular import write_xlsx

    data = io.BytesIO()
    write_xlsx(data, HEADERS, [["13800000009", "数字", 13800000009, "镇村督查员", 610828101, "", ""]])
    data.seek(0)
    data.name = "账号.xlsx"
    (created,) = import_accounts(data, acting_user=world.county, county=world.regions["610828"])
    assert created.user.username == "13800000009" and created.user.phone == "13800000009"
    assert created.user.region_id == "610828101"


# -- the template ------------------------------------------------------------------------------------


def template_of(world, actor=None, county="610828") -> bytes:
    buffer = io.BytesIO()
    write_template(buffer, acting_user=actor or world.county, county=world.regions[county])
    return buffer.getvalue()


def test_the_template_guides_with_the_countys_own_codes(world):
    data = template_of(world)
    book = sheets(data)
    main, reference = book["账号"], book["参考"]
    assert main[0] == list(HEADERS)
    assert main[1][0].startswith(EXPLANATION_MARK) and "乡镇（或村）区划代码" in " ".join(map(str, main[1]))
    examples = main[2:]
    assert ["zhanzhang01", "张三", "13800000000", "站长", "", "", "JX-0001"] in examples
    assert ["ducha01", "李四", "13900000000", "镇村督查员", "610828101", "", ""] in examples
    assert ["yunying01", "王五", "", "运营单位", "", "佳县运营公司", ""] in examples
    columns = {
        title: [row[i] for row in reference[1:] if row[i] != ""] for i, title in enumerate(reference[0]) if title
    }
    assert columns["角色"] == ["县电商办", "运营单位", "镇村督查员", "站长"]  # nothing wider than the county
    assert columns["乡镇"] == ["610828101", "610828102"] and columns["乡镇名称"] == ["坑镇", "店镇"]
    assert columns["运营单位"] == ["佳县运营公司"]
    assert columns["服务站"] == ["JX-0001", "JX-0002"]  # not 寻乌's XW-0001
    lists = validations(data)
    assert len(lists) == 4 and all(formula.startswith("'参考'!") for formula in lists)


def test_the_template_as_downloaded_imports_its_examples(world):
    data = io.BytesIO(template_of(world))
    data.name = "账号导入模板.xlsx"
    created = import_accounts(data, acting_user=world.county, county=world.regions["610828"])
    assert sorted(c.username for c in created) == ["ducha01", "yunying01", "zhanzhang01"]


def test_only_account_managers_download_the_template(world):
    with pytest.raises(PermissionDenied):
        template_of(world, actor=world.keeper)
