from __future__ import annotations

import gzip
import io
import re

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command
from django.test import override_settings

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


# -- hostile and malformed files ------------------------------------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LEAKS = re.compile(r"Traceback|Error|codec|gzipped|zlib|Errno|field larger|line contains|such file", re.I)


def _gzip_bomb(unpacked: int) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as archive:
        archive.write(b"code,name\n")
        block = b"0" * 1024 * 1024
        for _ in range(unpacked // len(block)):
            archive.write(block)
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet().write_row(0, 0, ["code", "name"])
    book.close()
    return buffer.getvalue()


HOSTILE = [
    # (file name, bytes or None for no file, fragment of the message, settings)
    ("bomb.csv.gz", _gzip_bomb(8 << 20), "解压后超过 4 MB 的上限", {"IMPORT_MAX_UNPACKED_BYTES": 4 << 20}),
    ("truncated.csv.gz", gzip.compress("code,name\n42,湖北省\n".encode() * 100)[:40], "gzip 压缩文件已损坏", {}),
    ("huge-cell.csv", b"code,name\n42," + "长".encode() * 200_000 + b"\n", "超过 131,072 个字符", {}),
    ("huge-header.csv", b"code," + b"n" * 200_000 + b"\n42,x\n", "超过 131,072 个字符", {}),
    ("junk.csv", bytes(range(256)) * 16, "二进制内容", {}),
    ("wrong-encoding.csv", b"code,name\n42,\xff\xfe\xff\n", "编码无法识别", {}),
    ("regions.xlsx", _xlsx(), "这是 Excel 表格", {}),
    ("too-big.csv", b"code,name\n" + "42,湖北省\n".encode() * 2000, "超过 9.8 KB 的上限", {"IMPORT_MAX_BYTES": 10_000}),
    ("empty.csv", b"", "code 和 name", {}),
    ("missing.csv", None, "找不到文件", {}),
    ("many-bad-rows.csv", b"code,name\n" + b"x,y\n" * 500, "还有 450 处错误未列出", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "says", "limits"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_or_malformed_file_is_refused_in_chinese_and_saves_nothing(tmp_path, name, data, says, limits):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with override_settings(**limits), pytest.raises(CommandError) as refused:
        call_command("import_regions", str(path))
    message = str(refused.value)
    assert says in message
    assert CHINESE.search(message) and not LEAKS.search(message), message
    assert len(message) < 5_000  # a wrong file is named in a few lines, not echoed back
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_a_gbk_file_as_excel_saves_it_imports(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("code,name\r\n42,湖北省\r\n4201,武汉市\r\n".encode("gbk"))
    call_command("import_regions", str(path))
    assert Region.objects.get(code="4201").name == "武汉市"


@pytest.mark.django_db
@pytest.mark.parametrize(("only", "says"), [("abc", "--only 须为"), ("429999", "文件中没有区划 429999")])
def test_a_wrong_only_is_refused_not_imported_as_nothing(tmp_path, only, says):
    path = tmp_path / "hubei.csv"
    path.write_text("code,name\n42,湖北省\n4201,武汉市\n", encoding="utf-8")
    with pytest.raises(CommandError, match=says):
        call_command("import_regions", str(path), "--only", only)
    assert Region.objects.count() == 0
