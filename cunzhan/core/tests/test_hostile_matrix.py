"""The hostile-input matrix of test_hostile_input.py carried to every way in that it did not reach: every
ledger kind (API, page, command line; 代购 is there), the attendance API, the history-import API with
every kind (and the page and command line for the kinds other than 报表, which
onboarding/tests/test_hostile_input.py feeds), and the photo uploads (察看照片 by API and page, the
evidence photo of a complaint's verification and of a supervision event). For each bad file: a Chinese
message, no 5xx, no English exception text, nothing saved."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image

from cunzhan.activities.models import Attendance, Participation
from cunzhan.core.tests.test_hostile_input import (
    ATTENDANCE_HEADER,
    ATTENDANCE_ROW,
    CHINESE,
    LEAKS,
    Bad,
    Path_,
    _command,
    _training,
    _upload,
    _visible_text,
    bad_files,
    csv_of,
)
from cunzhan.ledgers.models import ImportBatch
from cunzhan.ledgers.specs import SPECS, spec_for
from cunzhan.onboarding.api import unknown_kind
from cunzhan.onboarding.models import HistoryImport, HistoryKind
from cunzhan.onboarding.tests import conftest as history
from cunzhan.reports.models import Report
from cunzhan.stations.models import FaultReport
from cunzhan.supervision import services as supervision
from cunzhan.supervision.models import Complaint, InspectionPhoto, SupervisionEvent
from cunzhan.supervision.tests.conftest import WHEN, full_marks, jpeg_bytes

# -- checking one way in -------------------------------------------------------------------------


def refusals(path: Path_, tmp_path: Path, files: list[Bad]) -> list[str]:
    """What went wrong for each bad file sent the way ``path`` goes in: a 5xx or an unexpected status,
    the expected message missing, no Chinese, English exception text, something saved."""
    before = path.saved()
    problems = []
    for bad in files:
        with override_settings(**bad.limits):
            status, text = path.send(bad.name, bad.data, tmp_path)
        shown = _visible_text(text)
        if status >= 500 or status not in (0, 200, 400, 422):
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
    return problems


def table_files(tmp_path: Path, header: list[str], row: list[str], required: str | None = None) -> list[Bad]:
    """The bad table files, the formulas' message made general: which column a formula's cached 0 upsets
    first depends on the table (a code, a date, an activity number); the message names the row.
    ``required``: the column the missing-header file lacks, when the first column may be left out."""
    files = bad_files(tmp_path, header, row)
    for bad in files:  # a formula's cached value is 0
        if bad.name == "missing-header.csv" and required:
            at = header.index(required)
            bad.data = csv_of(header[:at] + header[at + 1 :], [row[:at] + row[at + 1 :]])
        if bad.name == "formulas.xlsx":
            bad.says = ("第 2 行", "“0")  # the page names the row, the API quotes the cached value
    return files


def _api_text(answer) -> str:
    """The API's answer as a person reads it: the detail and each error's message (an import's errors
    are a list of cells, a form's a dict of fields)."""
    body = answer.json()
    errors = body.get("errors") or []
    if isinstance(errors, dict):
        messages = [m for field in errors.values() for m in field]
    else:
        messages = [e["message"] for e in errors]
    return " ".join([str(body.get("detail", "")), *messages])


# -- every ledger kind ---------------------------------------------------------------------------

# one good row per kind, as text (the bad files are built around it)
LEDGER_ROWS = {
    "sale": ["JX-0001", "2025-03-01", "苹果", "10", "50.00", "拼多多", "否", "王大", "是", "是"],
    "parcel": ["JX-0001", "收", "中通", "ZT123456789", "2025-03-01 09:00", "2025-03-01 10:00", "", "", ""],
    "service": ["JX-0001", "2025-03-01", "缴费充值", "50.00", "", "", ""],
}


def test_every_ledger_kind_is_in_the_matrix():
    assert set(LEDGER_ROWS) | {"purchase"} == set(SPECS)  # 代购: test_hostile_input.py


def _ledger_path(kind: str, send) -> Path_:
    model = spec_for(kind).model

    def saved() -> tuple[int, ...]:
        return model.objects.count(), ImportBatch.objects.count()

    return Path_(list(spec_for(kind).headers), LEDGER_ROWS[kind], send, saved)


def ledger_api(kind, world, client, monkeypatch) -> Path_:
    client.force_login(world.keeper)

    def send(name, data, tmp):
        answer = client.post(f"/api/v1/ledgers/{kind}/import", {"file": _upload(name, data)})
        return answer.status_code, _api_text(answer)

    return _ledger_path(kind, send)


def ledger_page(kind, world, client, monkeypatch) -> Path_:
    monkeypatch.setattr("cunzhan.ledgers.views.SYNC_IMPORT_BYTES", 10**9)  # every file on the page itself
    client.force_login(world.keeper)

    def send(name, data, tmp):
        answer = client.post(f"/ledgers/{kind}/import/", {"file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return _ledger_path(kind, send)


def ledger_cli(kind, world, client, monkeypatch) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_ledger", kind, str(path), "--user", "keeper", "--no-progress")

    return _ledger_path(kind, send)


@pytest.mark.parametrize("kind", sorted(LEDGER_ROWS))
@pytest.mark.parametrize("way_in", [ledger_api, ledger_page, ledger_cli], ids=lambda p: p.__name__)
def test_every_bad_ledger_file_of_every_kind_is_refused(way_in, kind, world, client, tmp_path, monkeypatch):
    path = way_in(kind, world, client, monkeypatch)
    assert refusals(path, tmp_path, table_files(tmp_path, path.header, path.row)) == []


# -- the attendance API --------------------------------------------------------------------------


def test_every_bad_attendance_file_is_refused_by_the_api(world, client, tmp_path):
    training = _training(world)
    client.force_login(world.operator)

    def send(name, data, tmp):
        answer = client.post(
            f"/api/v1/activities/trainings/{training.pk}/attendance/import", {"file": _upload(name, data)}
        )
        return answer.status_code, _api_text(answer)

    path = Path_(ATTENDANCE_HEADER, ATTENDANCE_ROW, send, lambda: (Attendance.objects.count(),))
    assert refusals(path, tmp_path, table_files(tmp_path, path.header, path.row)) == []


# -- the history imports, every kind -------------------------------------------------------------


def _history_table(kind: str) -> tuple[list[str], list[str]]:
    if kind == HistoryKind.INSPECTIONS:
        return history.inspection_header(), [str(v) for v in history.inspection_row("JX-0001", "supervisor")]
    return {
        HistoryKind.REPORTS: (history.REPORTS, ["JX-0001", "月报", "2025-03", "2025-04-08 09:00"]),
        HistoryKind.ATTENDANCE: (
            history.ATTENDANCE,
            ["T-1", "电商实操", "2025-03-10", "2", "是", "JX-0001", "张三", "13800000000", "出勤", "合格"],
        ),
        HistoryKind.PARTICIPATION: (history.PARTICIPATION, ["A-1", "JX-0001", "是", "2025-03-20 10:00", "3", "90"]),
        HistoryKind.FAULTS: (
            history.FAULTS,
            ["JX-0001", "路由器", "断网", "是", "2025-03-01 09:00", "2025-03-02 09:00", "更换"],
        ),
    }[kind]


def _history_saved() -> tuple[int, ...]:
    from cunzhan.supervision.models import Inspection

    return tuple(
        model.objects.count() for model in (HistoryImport, Report, Inspection, Attendance, Participation, FaultReport)
    )


def history_api(kind, world, client) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post(f"/api/v1/onboarding/{kind}", {"file": _upload(name, data)})
        return answer.status_code, _api_text(answer)

    return Path_(*_history_table(kind), send, _history_saved)


def history_page(kind, world, client) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post("/onboarding/", {"kind": kind, "file": _upload(name, data)})
        return answer.status_code, answer.content.decode()

    return Path_(*_history_table(kind), send, _history_saved)


def history_cli(kind, world, client) -> Path_:
    def send(name, data, tmp):
        path = tmp / name
        path.write_bytes(data)
        return _command("import_history", kind, str(path), "--as", "county")

    return Path_(*_history_table(kind), send, _history_saved)


# 报表 by page and command line: onboarding/tests/test_hostile_input.py
HISTORY_WAYS = [(history_api, kind) for kind in HistoryKind.values] + [
    (way, kind) for way in (history_page, history_cli) for kind in HistoryKind.values if kind != HistoryKind.REPORTS
]


@pytest.mark.parametrize(("way_in", "kind"), HISTORY_WAYS, ids=[f"{w.__name__}-{k}" for w, k in HISTORY_WAYS])
def test_every_bad_history_file_of_every_kind_is_refused(way_in, kind, world, client, tmp_path):
    path = way_in(kind, world, client)
    required = "站点编码" if kind == HistoryKind.ATTENDANCE else None  # a training is found by its topic and date too
    assert refusals(path, tmp_path, table_files(tmp_path, path.header, path.row, required)) == []


def test_an_unknown_history_kind_is_a_chinese_422(world, client):
    client.force_login(world.county)
    answer = client.post("/api/v1/onboarding/payroll", {"file": _upload("a.csv", b"a,b\r\n1,2\r\n")})
    assert answer.status_code == 422 and "未知的历史数据类型：payroll（可为：reports、" in answer.json()["detail"]
    assert _history_saved() == (0,) * 6
    with translation.override("en"):  # marked for translation, as every message
        assert unknown_kind("payroll").startswith("Unknown kind of past records: payroll")


# -- photos --------------------------------------------------------------------------------------


def _png_bomb() -> bytes:
    """A 200-byte PNG whose header declares 40,000 × 40,000 pixels: Pillow refuses it from the header
    (a decompression bomb), before any pixel is inflated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    return buffer.getvalue()


def bad_photos() -> list[Bad]:
    big = jpeg_bytes(size=(600, 600))
    return [
        Bad("合同.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n", "不是有效的图片文件"),
        Bad("门头.jpg", b"<?php system($_GET['c']); ?>", "不是有效的图片文件"),  # a script named .jpg
        Bad("门头.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是有效的图片文件"),  # a PNG's magic, then junk
        Bad("门头.jpg", jpeg_bytes()[:40], "不是有效的图片文件"),  # truncated
        Bad("动图.gif", _gif(), "GIF 格式"),  # an image, of a format not taken
        Bad("炸弹.png", _png_bomb(), "不是有效的图片文件"),
        Bad("大图.jpg", big, "超过", limits={"PHOTO_MAX_BYTES": len(big) - 1}),
        Bad("空.jpg", b"", ("空文件", "所提交的是空文件")),  # the form says it first
    ]


def _photo_upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")  # what the browser claims is not trusted


def _media_files(settings) -> tuple[int, ...]:
    root = Path(settings.MEDIA_ROOT)
    return (sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0,)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def inspection(world):
    return supervision.inspection_save(
        acting_user=world.supervisor, station=world.station_keng, year=2026, half="H1", inspected_at=WHEN,
        ratings=full_marks(),
    )  # fmt: skip


def _photos_saved(settings):
    def saved() -> tuple[int, ...]:
        evidence = (
            Complaint.objects.exclude(evidence_photo="").count()
            + SupervisionEvent.objects.exclude(evidence_photo="").count()
        )
        return InspectionPhoto.objects.count(), evidence, *_media_files(settings)

    return saved


def photo_api(world, client, settings, inspection) -> Path_:
    client.force_login(world.supervisor)

    def send(name, data, tmp):
        answer = client.post(
            f"/api/v1/supervision/inspections/{inspection.pk}/photos",
            {"kind": "storefront", "photo": _photo_upload(name, data)},
        )
        return answer.status_code, _api_text(answer)

    return Path_([], [], send, _photos_saved(settings))


def photo_page(world, client, settings, inspection) -> Path_:
    client.force_login(world.supervisor)

    def send(name, data, tmp):
        answer = client.post(
            f"/supervision/inspections/{inspection.pk}/photos/",
            {"kind": "storefront", "photo": _photo_upload(name, data)},
            follow=True,
        )
        return answer.status_code, answer.content.decode()

    return Path_([], [], send, _photos_saved(settings))


def complaint_photo_page(world, client, settings, inspection) -> Path_:
    complaint = supervision.complaint_record(
        acting_user=world.county, station=world.station_keng, kind="parcel", received_at=WHEN, description="快递慢"
    )
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post(
            f"/supervision/complaints/{complaint.pk}/",
            {"decision": "verify", "evidence": "电话回访属实", "photo": _photo_upload(name, data)},
        )
        return answer.status_code, answer.content.decode()

    return Path_([], [], send, _photos_saved(settings))


def event_photo_page(world, client, settings, inspection) -> Path_:
    client.force_login(world.county)

    def send(name, data, tmp):
        answer = client.post(
            "/supervision/events/new/",
            {
                "station": world.station_keng.pk,
                "kind": "poor_performance",
                "occurred_on": "2026-03-01",
                "description": "督查发现台账不全",
                "evidence": "",
                "photo": _photo_upload(name, data),
            },
        )
        return answer.status_code, answer.content.decode()

    return Path_([], [], send, _photos_saved(settings))


@pytest.mark.parametrize(
    "way_in", [photo_api, photo_page, complaint_photo_page, event_photo_page], ids=lambda p: p.__name__
)
def test_every_bad_photo_is_refused_in_chinese_and_nothing_is_stored(
    way_in, world, client, settings, media, inspection, tmp_path
):
    path = way_in(world, client, settings, inspection)
    assert refusals(path, tmp_path, bad_photos()) == []


def test_a_good_photo_still_goes_every_way(world, client, settings, media, inspection, tmp_path):
    """The ways in of the photo matrix do store a real photo (the refusals above are not a form that
    refuses everything)."""
    for way_in in (photo_api, photo_page, complaint_photo_page, event_photo_page):
        path = way_in(world, client, settings, inspection)
        before = path.saved()
        status, _text = path.send("门头.jpg", jpeg_bytes(), tmp_path)
        assert status in (200, 201, 302) and path.saved() != before, way_in.__name__
