"""cunzhan import-history KIND FILE --as USER: the same import from the command line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cunzhan.onboarding.models import HistoryImport
from cunzhan.onboarding.tests.conftest import REPORTS, csv_bytes
from cunzhan.reports.models import Report


@pytest.fixture
def march(tmp_path):
    path = tmp_path / "三月报表.csv"
    path.write_bytes(csv_bytes(REPORTS, [["JX-0001", "月报", "2025-03", "2025-04-08 09:00"]]))
    return path


def test_the_county_office_imports_a_file_and_the_same_file_again_changes_nothing(world, march, capsys):
    call_command("import_history", "reports", str(march), "--as", "county")
    assert "报表报送：已导入 1 行" in capsys.readouterr().out
    call_command("import_history", "reports", str(march), "--as", "county")
    assert "此文件已于" in capsys.readouterr().out
    assert HistoryImport.objects.get().file_name == "三月报表.csv" and Report.objects.count() == 1


def test_errors_and_refusals_are_said_in_chinese(world, march, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(REPORTS, [["XW-0001", "月报", "2025-03", "2025-04-08 09:00"]]))
    with pytest.raises(CommandError, match="第 2 行“站点编码”列：服务站“XW-0001”不存在或不是佳县的服务站"):
        call_command("import_history", "reports", str(bad), "--as", "county")
    with pytest.raises(CommandError, match="您的角色无权进行此操作"):
        call_command("import_history", "reports", str(march), "--as", "keeper")
    with pytest.raises(CommandError, match="请选择要导入历史数据的县"):
        call_command("import_history", "reports", str(march), "--as", "admin")
    with pytest.raises(CommandError, match="不在您的管辖范围内"):
        call_command("import_history", "reports", str(march), "--as", "other_county", "--county", "610828")
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_history", "reports", str(tmp_path / "none.csv"), "--as", "county")
    assert not Report.objects.exists()


def test_the_administrator_names_the_county_and_a_template_is_written(world, march, tmp_path, capsys):
    call_command("import_history", "reports", str(march), "--as", "admin", "--county", "610828")
    assert Report.objects.get().first_submitted_by == world.admin
    target = tmp_path / "模板.xlsx"
    call_command("import_history", "faults", "--as", "county", "--template", str(target))
    assert target.stat().st_size > 1000 and "模板已写入" in capsys.readouterr().out
