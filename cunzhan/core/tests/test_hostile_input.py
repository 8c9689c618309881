"""Every import path (the page, the API, the command line; ledgers, stations, attendance) fed with
generated bad files: decompression bombs, a zip that lies about its size, a huge CSV cell, wrong
encodings, formulas, duplicate and missing headers, binary junk, empty and header-only files, a file
over the size or row limit. For each: a Chinese message, no 5xx, no traceback or English exception
text, nothing saved, and the bomb refused before it is parsed, memory flat. (How fast: the benchmark
benchmarks/bench_uploads.py; timed assertions have no place in tests on a shared machine.)"""

from __future__ import annotations

import io
import random
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from cunzhan.activities import services as activity_services
from cunzhan.activities.models import Attendance
from cunzhan.ledgers.models import ImportBatch, ProxyPurchase
from cunzhan.ledgers.specs import spec_for
from cunzhan.stations.importers import HEADERS as STATION_HEADERS
from cunzhan.stations.models import Station

ROOT = Path(__file__).resolve().parents[3]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# what an exception's own text would leak onto a page: English words of calamine, zipfile, csv
LEAKS = re.compile(r"Traceback|Error|Cannot|calamine|zip file|field larger|line contains|codec|Exception")

PURCHASE_HEADER = list(spec_for("purchase").headers)
PURCHASE_ROW = ["JX-0001", "2025-03-01", "复合肥 50kg", "2", "236.50", "拼多多", "", "", ""]
ATTENDANCE_HEADER = ["站点编码", "姓名", "手机号", "出勤情况", "测试结果"]
ATTENDANCE_ROW = ["JX-0001", "张三", "13800000000", "出勤", "合格"]


# -- the bad files -------------------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _row_xml(values: list[str]) -> bytes:
    return b"<row>" + b"".join(b'<c t="inlineStr"><is><t>' + v.encode() + b"</t></is></c>" for v in values) + b"</row>"


def bomb_xlsx(path: Path, header: list[str], row: list[str], unpacked: int) -> Path:
    """A real workbook of identical rows, written in a stream: a few MB that inflate to ``unpacked``
    bytes of XML (390 MB: some 1.5 million rows), which python-calamine would hold cell by cell."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD + _row_xml(header))
            block = _row_xml(row) * 1_000
            for _ in range(unpacked // len(block)):
                sheet.write(block)
            sheet.write(SHEET_TAIL)
    return path


def lying_xlsx(header: list[str], row: list[str], rows: int = 150_000) -> bytes:
    """A workbook whose archive says its sheet is 1 kB while it inflates to ~20 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            archive.writestr(name, data)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + _row_xml(header) + _row_xml(row) * rows + SHEET_TAIL)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, sheet.header_offset + 22, 1000)  # the local header's size
    at = data.find(b"PK\x01\x02")
    while at != -1:  # and the central directory's
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, at + 24, 1000)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def xlsx_of(header: list[str], rows: list[list], *, formulas: dict[int, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if formulas and c in formulas:
                sheet.write_formula(r, c, formulas[c])
            else:
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def csv_of(header: list[str], rows: list[list], encoding: str = "utf-8") -> bytes:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@dataclass
class Bad:
    """A bad file: its name, its bytes, fragments of the message it may get (one must be shown),
    limits for the case."""

    name: str
    data: bytes
    says: str | tuple[str, ...]
    limits: dict[str, int] = field(default_factory=dict)


_BOMBS: dict[tuple[str, ...], Path] = {}


def real_bomb(tmp_dir: Path, header: list[str], row: list[str]) -> bytes:
    key = tuple(header)
    if key not in _BOMBS:  # ~1 s to write; once per importer and test process
        _BOMBS[key] = bomb_xlsx(tmp_dir / f"bomb-{len(_BOMBS)}.xlsx", header, row, 390_000_000)
    return _BOMBS[key].read_bytes()


FORMULAS = {0: "=A1&A1", 1: "=NOW()+1/0"}  # in the code and date columns: their cached values are 0


def bad_files(tmp_dir: Path, header: list[str], row: list[str]) -> list[Bad]:
    rng = random.Random(18)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    good_xlsx = xlsx_of(header, [row] * 50)
    twice = [*header, header[1]]
    return [
        Bad("bomb.xlsx", real_bomb(tmp_dir, header, row), "解压后有"),
        Bad("lying.xlsx", lying_xlsx(header, row), "无法读取此文件"),
        Bad("huge-cell.csv", csv_of(header, [[row[0], "长" * 200_000, *row[2:]]]), "超过 131,072 个字符"),
        Bad("junk.xlsx", junk, "无法读取此文件"),
        Bad("junk.csv", junk.replace(b"\x00", b"") + b"\x00", "二进制内容"),
        Bad("truncated.xlsx", good_xlsx[: len(good_xlsx) // 2], "文件已损坏"),
        Bad("no-sheet.xlsx", _zip_of({"hello.txt": b"hello"}), "无法读取此文件"),
        Bad("wrong-encoding.csv", ",".join(header).encode("utf-8") + b"\r\n\xff\xfe\xff\r\n", "编码无法识别"),
        Bad("formulas.xlsx", xlsx_of(header, [row] * 3, formulas=FORMULAS), ("不存在", "编码须为")),
        Bad("duplicate-header.csv", csv_of(twice, [[*row, row[1]]]), "此列出现了 2 次"),
        Bad("missing-header.csv", csv_of(header[1:], [row[1:]]), "缺少此列"),
        Bad("empty.csv", b"", ("文件是空的", "所提交的是空文件")),  # the page's form says it first
        Bad("header-only.xlsx", xlsx_of(header, []), "没有数据行"),
        Bad("too-many-rows.csv", csv_of(header, [row] * 30), "超过 20 行的上限", limits={"IMPORT_MAX_ROWS": 20}),
        Bad("too-many-rows.xlsx", xlsx_of(header, [row] * 30), "超过 20 行的上限", limits={"IMPORT_MAX_ROWS": 20}),
        Bad("too-big.csv", csv_of(header, [row] * 1000), "超过 9.8 KB 的上限", limits={"IMPORT_MAX_BYTES": 10_000}),
        Bad("unsupported.pdf", b"%PDF-1.4 ...", "不支持的文件类型"),
    ]


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# -- the import paths ----------------------------------------------------------------------------


@dataclass
class Path_:
    """One way in: sends a file, returns (HTTP status or 0 for the command line, the text shown)."""

    header: list[str]
    row: list[str]
    send: Callable[[str, bytes, Path], tuple[int, str]]
    saved: Callable[[], tuple[int, ...]]


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _command(*args: str) -> tuple[int, str]:
    try:
        call_command(*args)
    except CommandError as exc:
        return 0, str(exc)
    return 0, "(no error)"


def _ledger_saved() -> tuple[int, ...]:
    return ProxyPurchase.objects.count(), ImportBatch.objects.count()


def ledger_api(world, client, monkeypatch) -> Path_:
    client.force_login(world.keeper)

    def send(name, data, tmp):
        answer = client.post("/api/v1/ledgers/purchase/import", {"file": _upload(name, data)})
        body = answer.json()
        return answer.status_code, " ".join([body["detail"], *(e["message"] for e in body.get("errors", []))])

    return Path_(PURCHASE_HEADER, PURCHASE_ROW, send, _ledger_saved)


def ledger_page(world, client, monkeypatch) -> Path_:
    # every file on the page itself: a larger one would be checked in the background and its
    # rejection shown on the progress page (test_a_large_upload_over_a_limit_is_refused_at_once)
    monkeypatch.setattr("cunzhan.ledgers.views.SYNC_IMPORT_BYTES", 10**9)
    client.force_login(world.keeper)

    def send(name, data, tmp):
        answer = client.post("/ledgers/purchase/import/", {"file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(PURCHASE_HEADER, PURCHASE_ROW, send, _ledger_saved)


def ledger_cli(world, client, monkeypatch) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_ledger", "purchase", str(path), "--user", "keeper", "--no-progress")

    return Path_(PURCHASE_HEADER, PURCHASE_ROW, send, _ledger_saved)


def _station_row() -> list[str]:
    from cunzhan.stations.tests.test_importers import row

    return [str(v) for v in row("UP-001")]


def _stations_saved() -> tuple[int, ...]:
    return (Station.objects.count(),)


def stations_page(world, client, monkeypatch) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post("/stations/import/", {"file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(list(STATION_HEADERS), _station_row(), send, _stations_saved)


def stations_cli(world, client, monkeypatch) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_stations", str(path), "--as", "county")

    return Path_(list(STATION_HEADERS), _station_row(), send, _stations_saved)


def _training(world):
    from datetime import date
    from decimal import Decimal

    return activity_services.training_create(
        acting_user=world.operator,
        county=world.regions["610828"],
        topic="电商实操培训",
        start_date=date(2026, 3, 10),
        days=Decimal(2),
        is_pre_job=True,
        required_stations=[world.station_keng],
    )


def _attendance_saved() -> tuple[int, ...]:
    return (Attendance.objects.count(),)


def attendance_page(world, client, monkeypatch) -> Path_:
    training = _training(world)
    client.force_login(world.operator)

    def send(name, data, tmp):
        answer = client.post(f"/activities/trainings/{training.pk}/import/", {"file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(ATTENDANCE_HEADER, ATTENDANCE_ROW, send, _attendance_saved)


def attendance_cli(world, client, monkeypatch) -> Path_:
    training = _training(world)

    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_attendance", str(training.pk), str(path), "--user", "operator")

    return Path_(ATTENDANCE_HEADER, ATTENDANCE_ROW, send, _attendance_saved)


PATHS = [ledger_api, ledger_page, ledger_cli, stations_page, stations_cli, attendance_page, attendance_cli]


def _visible_text(html: str) -> str:
    """A page's text without its markup, scripts and the file name echoed back."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("way_in", PATHS, ids=lambda p: p.__name__)
def test_every_bad_file_is_refused_in_chinese_and_saves_nothing(way_in, world, client, tmp_path, monkeypatch):
    path = way_in(world, client, monkeypatch)
    before = path.saved()
    problems = []
    for bad in bad_files(tmp_path, path.header, path.row):
        with override_settings(**bad.limits):
            status, text = path.send(bad.name, bad.data, tmp_path)
        shown = _visible_text(text)
        if status >= 500 or status not in (0, 200, 422):
            problems.append(f"{bad.name}: HTTP {status}")
        says = (bad.says,) if isinstance(bad.says, str) else bad.says
        if not any(fragment in shown for fragment in says):
            problems.append(f"{bad.name}: none of {says} in {' '.join(shown.split())[-400:]!r}")
        if not CHINESE.search(shown):
            problems.append(f"{bad.name}: no Chinese message")
        if leak := LEAKS.search(shown):
            problems.append(f"{bad.name}: “{leak.group()}” shown")
        if path.saved() != before:
            problems.append(f"{bad.name}: something was saved")
    assert not problems, "\n".join(problems)


def test_a_bomb_is_refused_before_it_is_parsed_with_memory_flat(tmp_path):
    """In a fresh interpreter (a test process's peak memory says nothing of one call): reading the
    390 MB bomb grows the process by less than 50 MB against reading a small file — it is refused from
    the archive's directory, its rows never parsed."""
    bomb = bomb_xlsx(tmp_path / "bomb.xlsx", PURCHASE_HEADER, PURCHASE_ROW, 390_000_000)
    small = bomb_xlsx(tmp_path / "small.xlsx", PURCHASE_HEADER, PURCHASE_ROW, 1_000_000)
    assert zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml").file_size > 350_000_000
    probe = """
import resource, sys, time, django
django.setup()
from cunzhan.core.tabular import ImportRejected, read_table
started = time.perf_counter()
try:
    header, rows = read_table(sys.argv[1])
    outcome = f"read {sum(1 for _ in rows)} rows"
except ImportRejected as exc:
    outcome = str(exc)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, round(time.perf_counter() - started, 3), outcome)
"""

    def run(path: Path) -> tuple[int, float, str]:
        env = {"DJANGO_SETTINGS_MODULE": "cunzhan.settings_test", "PATH": "/usr/bin:/bin"}
        out = subprocess.run(
            [sys.executable, "-c", probe, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout.split(" ", 2)
        return int(out[0]), float(out[1]), out[2].strip()

    small_rss, _seconds, small_outcome = run(small)
    assert re.fullmatch(r"read \d{4} rows", small_outcome)  # the generator makes real workbooks
    bomb_rss, _seconds, outcome = run(bomb)
    assert "解压后有" in outcome and "超过 200 MB 的上限" in outcome
    assert bomb_rss - small_rss < 50 * 1024  # kB


def test_a_large_upload_over_a_limit_is_refused_at_once(world, client, tmp_path):
    """A file large enough to be imported in the background is still refused on the page itself
    when it is over a limit: no trip to the progress page, nothing saved."""
    client.force_login(world.keeper)
    bomb = real_bomb(tmp_path, PURCHASE_HEADER, PURCHASE_ROW)
    answer = client.post("/ledgers/purchase/import/", {"file": _upload("bomb.xlsx", bomb)})
    assert answer.status_code == 200 and "解压后有" in answer.content.decode()
    assert _ledger_saved() == (0, 0)
