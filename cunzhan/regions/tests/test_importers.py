from __future__ import annotations

import gzip

import pytest
from django.core.management import CommandError, call_command

from cunzhan.regions.importers import RegionImportError, import_regions
from cunzhan.regions.models import Level, Region


@pytest.mark.django_db
def test_shipped_file_gives_jia_county_its_13_townships_and_334_villages():
    summary = import_regions(only="610828")
    jia = Region.objects.get(code="610828")
    assert jia.name == "佳县" and jia.level == Level.COUNTY
    assert [r.name for r in jia.ancestors()] == ["陕西省", "榆林市"]
    assert Region.objects.filter(parent=jia).count() == 13
    assert Region.objects.filter(code__startswith="610828", level=Level.VILLAGE).count() == 334
    assert summary.created == 2 + 1 + 13 + 334


@pytest.mark.django_db
def test_import_is_idempotent_and_applies_renames(tmp_path):
    import_regions(only="610828101")
    again = import_regions(only="610828101")
    assert again.created == 0 and again.updated == 0
    path = tmp_path / "rename.csv"
    path.write_text("code,name\n610828101,坑镇（新）\n", encoding="utf-8")
    summary = import_regions(path)
    assert summary.updated == 1
    assert Region.objects.get(code="610828101").name == "坑镇（新）"


@pytest.mark.django_db
def test_other_provinces_import_from_a_gzip_file_with_extra_columns(tmp_path):
    path = tmp_path / "hubei.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("code,name,provinceCode\n42,湖北省,42\n4201,武汉市,42\n420102,江岸区,42\n")
    call_command("import_regions", str(path))
    assert Region.objects.get(code="420102").parent_id == "4201"


@pytest.mark.django_db
def test_a_bad_file_reports_every_bad_row_and_saves_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name\n42,湖北省\n4201,武汉市\n42010,坏代码\n420102,\n4201,重复\n999999,无上级\n",
        encoding="utf-8",
    )
    with pytest.raises(RegionImportError) as info:
        import_regions(path)
    messages = info.value.errors
    assert any("第 4 行" in m and "42010" in m for m in messages)
    assert any("第 5 行" in m and "名称" in m for m in messages)
    assert any("第 6 行" in m and "重复" in m for m in messages)
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_parent_is_refused_in_chinese(tmp_path):
    path = tmp_path / "orphan.csv"
    path.write_text("code,name\n999999,无上级\n", encoding="utf-8")
    with pytest.raises(CommandError, match="上级区划 9999 不存在"):
        call_command("import_regions", str(path))
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("代码,名称\n42,湖北省\n", encoding="utf-8")
    with pytest.raises(RegionImportError, match="code 和 name"):
        import_regions(path)
