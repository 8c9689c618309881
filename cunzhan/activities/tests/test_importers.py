from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from cunzhan.activities.importers import import_attendance, write_template
from cunzhan.activities.models import Attendance, AttendanceStatus, ExamResult
from cunzhan.core.tabular import ImportRejected, write_xlsx

HEADER = ("站点编码", "姓名", "手机号", "出勤情况", "测试结果")


def sheet(*rows, header=HEADER) -> io.BytesIO:
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows)
    buffer.seek(0)
    buffer.name = "出勤.xlsx"
    return buffer


def run(world, training, source):
    return import_attendance(acting_user=world.operator, training=training, source=source, name="出勤.xlsx")


def test_a_good_sheet_is_imported(world, training):
    summary = run(
        world,
        training,
        sheet(
            ("JX-0001", "张三", "13800000000", "迟到", "合格"),
            ("JX-0002", "李四", "", "出勤", "不合格"),
            ("JX-0002", "王五", "", "请假", ""),
        ),
    )
    assert (summary.rows, summary.stations) == (3, 2)
    assert Attendance.objects.get(person_name="张三").status == AttendanceStatus.LATE
    assert Attendance.objects.get(person_name="李四").test_result == ExamResult.FAIL


def test_every_bad_cell_is_reported_and_nothing_is_saved(world, training):
    with pytest.raises(ImportRejected) as exc:
        run(
            world,
            training,
            sheet(
                ("JX-0001", "张三", "12345", "迟到", "合格"),
                ("XW-0001", "外县", "", "出勤", ""),
                ("JX-0001", "", "", "病假", "优秀"),
                ("JX-0002", "李四", "", "旷课", "不合格"),
                ("JX-0001", "张三", "12345", "出勤", ""),
                ("JX-0001", "好人", "", "出勤", "合格"),
            ),
        )
    text = str(exc.value)
    assert "第 2 行“手机号”列" in text
    assert "第 3 行“站点编码”列" in text and "XW-0001" in text
    assert "第 4 行“姓名”列：必填" in text
    assert "第 4 行“出勤情况”列" in text and "病假" in text
    assert "第 4 行“测试结果”列" in text
    assert "第 5 行“测试结果”列：请假或旷课的人员不能有测试结果" in text
    assert "第 6 行“姓名”列：与第 2 行重复" in text
    assert not Attendance.objects.exists()


def test_missing_columns_and_empty_files_are_refused(world, training):
    with pytest.raises(ImportRejected, match="缺少此列"):
        run(world, training, sheet(("JX-0001", "张三"), header=("站点编码", "姓名")))
    with pytest.raises(ImportRejected, match="没有数据行"):
        run(world, training, sheet())


def test_unsupported_file_types_are_refused(world, training):
    with pytest.raises(ImportRejected, match="不支持的文件类型"):
        import_attendance(acting_user=world.operator, training=training, source=io.BytesIO(b"x"), name="a.pdf")


def test_the_template_is_the_users_and_imports_as_downloaded(world, training, tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(str(path), user=world.operator)
    summary = import_attendance(acting_user=world.operator, training=training, source=path)
    assert (summary.rows, summary.stations) == (3, 2)  # the examples at the operator's own two stations


def test_the_command_imports_and_reports_errors(world, training, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(sheet(("JX-0001", "张三", "", "早退", "合格")).getvalue())
    out = io.StringIO()
    call_command("import_attendance", str(training.pk), str(good), stdout=out)
    assert "已导入 1 人次" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet(("JX-0001", "张三", "", "缺席", "")).getvalue())
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_attendance", str(training.pk), str(bad))
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_attendance", "999999", str(good))


def test_the_commands_template_is_written_for_the_account_named(world, tmp_path):
    template = tmp_path / "t.xlsx"
    with pytest.raises(CommandError, match="请用 --as 给出账号"):
        call_command("import_attendance", "--template", str(template))
    call_command("import_attendance", "--template", str(template), "--as", "operator", stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(template)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[2:]] == ["JX-0001", "JX-0002", "JX-0001"]  # not made-up codes
    call_command("import_attendance", "--template", str(template), "--as", "other_keeper", stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(template)).get_sheet_by_index(0).to_python()
    assert {row[0] for row in rows[2:]} == {"XW-0001"}
