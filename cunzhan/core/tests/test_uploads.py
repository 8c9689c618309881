"""The limits on a table file before it is parsed (cunzhan/core/uploads.py): the compression ratio, and
the rows and columns of a sheet counted from its XML before python-calamine builds the sheet's grid."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings

from cunzhan.core import tabular
from cunzhan.core.tabular import ImportRejected, read_table
from cunzhan.core.tests.test_hostile_input import (
    CONTENT_TYPES,
    PURCHASE_HEADER,
    PURCHASE_ROW,
    RELS,
    ROOT,
    SHEET_HEAD,
    SHEET_TAIL,
    WORKBOOK,
    WORKBOOK_RELS,
    bomb_xlsx,
    xlsx_of,
)


def far_cell_xlsx(ref: str, row: int, *, dimension: bool = True) -> bytes:
    """A workbook of two cells, A1 and ``ref`` (in row ``row``): some 1.5 kB that python-calamine would
    open as a dense grid reaching to ``ref``."""
    head = SHEET_HEAD
    if dimension:
        head = head.replace(b"<sheetData>", b'<dimension ref="A1:%s"/><sheetData>' % ref.encode())
    sheet = (
        head
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        + b'<row r="%d"><c r="%s" t="inlineStr"><is><t>b</t></is></c></row>' % (row, ref.encode())
        + SHEET_TAIL
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
        ):
            archive.writestr(name, data)
    return buffer.getvalue()


ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
    '<office:spreadsheet><table:table table:name="Sheet1">'
)
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods_cell(value: str = "", repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if not value:
        return f"<table:table-cell{repeated}/>"
    return f'<table:table-cell{repeated} office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def ods_row(cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{repeated}>{cells}</table:table-row>"


def ods_of(*rows: str) -> bytes:
    """An OpenDocument spreadsheet of these rows (ods_row): a row or cell may stand for many."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", ODS_HEAD + "".join(rows) + ODS_TAIL)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    return buffer.getvalue()


HEADER_ROW = ods_row(ods_cell("站点编码") + ods_cell("日期"))


def refusal(data: bytes, name: str = "file.xlsx") -> str:
    with pytest.raises(ImportRejected) as caught:
        _header, rows = read_table(io.BytesIO(data), name=name)
        list(rows)
    return str(caught.value)


@pytest.fixture
def calamine_not_called(monkeypatch):
    """python-calamine's workbook, made to fail the test if the file gets as far as being opened."""

    class Opened:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("the file reached python-calamine")

        from_path = from_filelike

    monkeypatch.setattr(tabular, "CalamineWorkbook", Opened)


def test_a_sheet_whose_ratio_is_over_the_limit_is_refused(tmp_path):
    bomb = bomb_xlsx(tmp_path / "ratio.xlsx", PURCHASE_HEADER, PURCHASE_ROW, 5_000_000).read_bytes()
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        unpacked = sum(m.file_size for m in archive.infolist())
        packed = sum(m.compress_size for m in archive.infolist())
    assert unpacked < 200 * 1024 * 1024 and unpacked > 100 * packed  # under the size limit, over the ratio
    assert "压缩比" in refusal(bomb) and "超过 100 倍的上限" in refusal(bomb)
    with override_settings(IMPORT_MAX_RATIO=unpacked // packed + 1):  # the limit, not the file, refused it
        header, rows = read_table(io.BytesIO(bomb), name="ratio.xlsx")
        assert header == PURCHASE_HEADER and sum(1 for _ in rows) > 1000


def test_a_sheet_over_the_row_limit_is_refused_before_calamine_opens_it(calamine_not_called):
    with override_settings(IMPORT_MAX_ROWS=20):
        message = refusal(xlsx_of(PURCHASE_HEADER, [PURCHASE_ROW] * 30))
    assert "表格有 30 行数据，超过 20 行的上限" in message


@pytest.mark.parametrize("dimension", [True, False], ids=["declared", "undeclared"])
def test_a_tiny_file_with_a_cell_far_down_is_refused_before_calamine_opens_it(calamine_not_called, dimension):
    message = refusal(far_cell_xlsx("B1000000", 1_000_000, dimension=dimension))
    assert "表格有 999,999 行数据，超过 250,000 行的上限" in message


def test_a_tiny_file_with_a_cell_far_right_is_refused_before_calamine_opens_it(calamine_not_called):
    message = refusal(far_cell_xlsx("XFD2", 2))
    assert "表格有 16,384 列，超过 200 列的上限" in message


def test_an_ods_declaring_a_million_filled_rows_is_refused_before_calamine_opens_it(calamine_not_called):
    data = ods_of(HEADER_ROW, ods_row(ods_cell("JX-0001") + ods_cell("2025-03-01"), repeat=1_000_000))
    assert len(data) < 2_000
    assert "表格有 1,000,000 行数据，超过 250,000 行的上限" in refusal(data, "file.ods")


def test_an_ods_declaring_a_wide_filled_row_is_refused_before_calamine_opens_it(calamine_not_called):
    data = ods_of(HEADER_ROW, ods_row(ods_cell("JX-0001", repeat=300)))
    assert "表格有 300 列，超过 200 列的上限" in refusal(data, "file.ods")


def test_an_ods_as_libreoffice_saves_it_reads_with_its_empty_rest_of_the_sheet():
    """LibreOffice writes the sheet's unused rest as repeated empty rows and cells: not data."""
    data = ods_of(
        ods_row(ods_cell("站点编码") + ods_cell("日期") + ods_cell(repeat=1022)),
        ods_row(ods_cell("JX-0001") + ods_cell("2025-03-01") + ods_cell(repeat=1022), repeat=2),
        ods_row(ods_cell(repeat=1024), repeat=1_048_573),
    )
    header, rows = read_table(io.BytesIO(data), name="file.ods")
    assert header[:2] == ["站点编码", "日期"] and [r[:2] for r in rows] == [["JX-0001", "2025-03-01"]] * 2


def test_a_good_workbook_still_reads():
    header, rows = read_table(io.BytesIO(xlsx_of(PURCHASE_HEADER, [PURCHASE_ROW] * 30)), name="good.xlsx")
    assert header == PURCHASE_HEADER and len(list(rows)) == 30


def test_the_far_cell_files_leave_memory_flat(tmp_path):
    """In a fresh interpreter: python-calamine would hold a 1,000,000 × 26 grid for the first file (some
    hundreds of MB), abort the process for the second (a grid 16,384 columns wide) and grow to 2.5 GB for
    the .ods of 1,000,000 repeated rows; each is refused with the memory of reading a small file."""
    files = {
        "small": xlsx_of(PURCHASE_HEADER, [PURCHASE_ROW] * 30),
        "far-down": far_cell_xlsx("Z1000000", 1_000_000, dimension=False),
        "far-right": far_cell_xlsx("XFD200000", 200_000),  # within the row limit
        "ods-rows": ods_of(HEADER_ROW, ods_row(ods_cell("JX-0001") * 20, repeat=1_000_000)),
    }
    probe = """
import resource, sys, django
django.setup()
from cunzhan.core.tabular import ImportRejected, read_table
try:
    header, rows = read_table(sys.argv[1])
    outcome = f"read {sum(1 for _ in rows)} rows"
except ImportRejected as exc:
    outcome = str(exc)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, outcome)
"""
    seen: dict[str, tuple[int, str]] = {}
    for name, data in files.items():
        path = Path(tmp_path / f"{name}.{'ods' if name.startswith('ods') else 'xlsx'}")
        path.write_bytes(data)
        env = {"DJANGO_SETTINGS_MODULE": "cunzhan.settings_test", "PATH": "/usr/bin:/bin"}
        run = subprocess.run(
            [sys.executable, "-c", probe, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, (name, run.stderr[-500:])
        rss, outcome = run.stdout.split(" ", 1)
        seen[name] = int(rss), outcome.strip()
    assert seen["small"][1] == "read 30 rows"
    assert "超过 250,000 行的上限" in seen["far-down"][1]
    assert "超过 200 列的上限" in seen["far-right"][1]
    assert "超过 250,000 行的上限" in seen["ods-rows"][1]
    for name in ("far-down", "far-right", "ods-rows"):
        assert seen[name][0] - seen["small"][0] < 50 * 1024, name  # kB
