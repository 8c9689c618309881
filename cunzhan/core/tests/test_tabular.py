"""Reading a table file: what a clerk is told about a file that cannot be read as it is."""

from __future__ import annotations

import io

import pytest

from cunzhan.core.tabular import CellError, ImportRejected, check_header, read_table, write_xlsx


def errors_of(data: bytes, name: str) -> list[CellError]:
    with pytest.raises(ImportRejected) as caught:
        _header, rows = read_table(io.BytesIO(data), name=name)
        list(rows)
    return caught.value.errors


def test_a_column_given_twice_is_refused_naming_it_and_where():
    with pytest.raises(ImportRejected) as caught:
        check_header(["站点编码", "商品名称", "数量", "商品名称"], ["站点编码", "商品名称", "金额（元）"])
    assert [str(e) for e in caught.value.errors] == [
        "第 1 行“商品名称”列：此列出现了 2 次（第 B、D 列），请只保留一列",
        "第 1 行“金额（元）”列：缺少此列，请使用下载的模板",
    ]


def test_an_unreadable_file_gets_a_sentence_saying_what_it_should_be():
    [error] = errors_of(b"this is no workbook", "台账.xlsx")
    assert error.row == 0
    assert str(error).startswith("无法读取此文件：它不是有效的 Excel 表格（.xlsx、.xls 或 .ods），也不是 CSV 文本。")
    assert "Cannot" not in str(error) and "第 0 行" not in str(error)


def test_a_csv_cell_over_the_field_limit_names_its_row():
    data = ("站点编码,商品名称\r\nJX-0001,短\r\nJX-0001," + "长" * 140_000 + "\r\n").encode()
    [error] = errors_of(data, "台账.csv")
    assert str(error) == "第 3 行：此行有一个单元格超过 131,072 个字符或引号不成对，文件不像是台账表格，未读取。"


def test_a_workbook_named_csv_is_read_as_the_workbook_it_is():
    buffer = io.BytesIO()
    write_xlsx(buffer, ["站点编码", "数量"], [["JX-0001", 2]])
    header, rows = read_table(io.BytesIO(buffer.getvalue()), name="台账.csv")
    assert header == ["站点编码", "数量"] and list(rows) == [["JX-0001", 2.0]]


def test_a_sheet_written_by_the_writer_thread_keeps_every_row_in_order_across_chunks(monkeypatch):
    from cunzhan.core import tabular

    monkeypatch.setattr(tabular, "WRITE_CHUNK_ROWS", 7)
    rows = [[f"JX-{i:04d}", i, None if i % 3 else "=1+1"] for i in range(50)]  # 8 chunks, the last short
    buffer = io.BytesIO()
    write_xlsx(buffer, ["站点编码", "数量", "备注"], iter(rows))
    header, read = read_table(io.BytesIO(buffer.getvalue()), name="台账.xlsx")
    assert header == ["站点编码", "数量", "备注"]
    # None is an empty cell; a leading "=" stays text, never a formula
    assert list(read) == [[f"JX-{i:04d}", float(i), "" if i % 3 else "=1+1"] for i in range(50)]


def test_an_error_while_reading_the_rows_or_while_writing_them_is_raised_to_the_caller(monkeypatch):
    from cunzhan.core import tabular

    monkeypatch.setattr(tabular, "WRITE_CHUNK_ROWS", 2)

    def failing_source():
        yield ["JX-0001", 1]
        yield ["JX-0002", 2]
        yield ["JX-0003", 3]
        raise RuntimeError("the cursor broke")

    with pytest.raises(RuntimeError, match="the cursor broke"):
        write_xlsx(io.BytesIO(), ["站点编码", "数量"], failing_source())
    # xlsxwriter refuses an object it cannot write, in the writer thread, after the first chunk
    rows = [["JX-0001", 1]] * 5 + [["JX-0002", object()]] + [["JX-0003", 3]] * 20
    with pytest.raises(TypeError):
        write_xlsx(io.BytesIO(), ["站点编码", "数量"], iter(rows))
