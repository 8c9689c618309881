"""The 历史数据导入 page: the county office's (and the administrator's) alone, each kind with its guided
template and its upload; and the 历史导入 mark on the pages that show the records."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from python_calamine import CalamineWorkbook

from cunzhan.activities import services as activity_services
from cunzhan.activities.models import Training
from cunzhan.core.import_templates import REFERENCE_SHEET
from cunzhan.core.tabular import EXPLANATION_MARK
from cunzhan.onboarding.kinds import IMPORTERS
from cunzhan.onboarding.models import HistoryImport
from cunzhan.onboarding.tests.conftest import (
    FAULTS,
    PARTICIPATION,
    REPORTS,
    SH,
    inspection_header,
    inspection_row,
    upload,
)
from cunzhan.reports.models import Report
from cunzhan.supervision.models import Inspection

ALL = ("admin", "province", "city", "county", "other_county", "operator", "supervisor", "keeper", "other_keeper")
IMPORTERS_OF_HISTORY = {"admin", "county", "other_county"}


@pytest.mark.parametrize("persona", ALL)
def test_the_page_and_its_templates_are_the_county_office_s(world, client, persona):
    client.force_login(world.users[persona])
    allowed = persona in IMPORTERS_OF_HISTORY
    assert client.get("/onboarding/").status_code == (200 if allowed else 403)
    assert client.get("/onboarding/reports/template.xlsx").status_code == (200 if allowed else 403)
    home = client.get("/").content.decode()
    assert ('href="/onboarding/"' in home) == allowed


def test_an_unknown_kind_has_no_template(world, client):
    client.force_login(world.county)
    assert client.get("/onboarding/gossip/template.xlsx").status_code == 404


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_each_template_guides_with_the_county_s_own_stations(world, client, kind):
    client.force_login(world.county)
    answer = client.get(f"/onboarding/{kind}/template.xlsx")
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(answer.streaming_content)))
    assert book.sheet_names[1] == REFERENCE_SHEET
    header, explanation, *examples = book.get_sheet_by_index(0).to_python()
    assert header == IMPORTERS[kind].headers()
    assert str(explanation[0]).startswith(EXPLANATION_MARK)
    station = header.index("站点编码")
    assert examples and {row[station] for row in examples} <= {"JX-0001", "JX-0002"}
    reference = book.get_sheet_by_name(REFERENCE_SHEET).to_python()
    assert reference[0][0] in ("站点编码", "活动编号") and "XW-0001" not in str(reference)


def test_a_template_s_examples_import_as_they_stand(world, client, tmp_path):
    """The clerk replaces the examples; left as they are they still make a valid file (a year ago)."""
    from cunzhan.onboarding.services import history_import

    client.force_login(world.county)
    for kind in ("reports", "inspections", "attendance", "faults"):
        data = b"".join(client.get(f"/onboarding/{kind}/template.xlsx").streaming_content)
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(data)
        outcome = history_import(acting_user=world.county, kind=kind, source=path)
        assert outcome.created >= 2, kind


def test_an_upload_is_imported_and_listed_with_who_when_and_which_file(world, client):
    client.force_login(world.county)
    answer = client.post(
        "/onboarding/",
        {"kind": "reports", "file": upload(REPORTS, [["JX-0001", "月报", "2025-03", "2025-04-08 09:00"]], "三月.csv")},
        follow=True,
    )
    page = answer.content.decode()
    assert "报表报送：已导入 1 行" in page and "三月.csv" in page and Report.objects.get().is_submitted
    again = client.post(
        "/onboarding/",
        {"kind": "reports", "file": upload(REPORTS, [["JX-0001", "月报", "2025-03", "2025-04-08 09:00"]], "三月.csv")},
        follow=True,
    )
    assert "此文件已于" in again.content.decode() and HistoryImport.objects.count() == 1


def test_a_bad_upload_shows_every_error_under_its_kind_and_saves_nothing(world, client):
    client.force_login(world.county)
    rows = [["JX-0001", "月报", "2025-13", "2025-04-08 09:00"], ["XW-0001", "月报", "2025-03", "2025-04-08 09:00"]]
    answer = client.post("/onboarding/", {"kind": "reports", "file": upload(REPORTS, rows)})
    page = answer.content.decode()
    assert answer.status_code == 200 and "发现 2 处错误，未导入任何数据" in page
    assert "第 2 行“统计期”列：“2025-13”不是统计期，应写成 2025-03" in page
    assert "第 3 行“站点编码”列：服务站“XW-0001”不存在或不是佳县的服务站" in page
    assert not Report.objects.exists()
    empty = client.post("/onboarding/", {"kind": "reports"})
    assert empty.status_code == 200 and "这个字段是必填项" in empty.content.decode()


def test_the_administrator_picks_the_county(world, client):
    client.force_login(world.admin)
    page = client.get("/onboarding/?county=360734").content.decode()
    assert "寻乌县" in page and 'action="?county=360734"' in page
    rows = [["XW-0001", "月报", "2025-03", "2025-04-03 10:30"]]
    answer = client.post("/onboarding/?county=360734", {"kind": "reports", "file": upload(REPORTS, rows)}, follow=True)
    assert "已导入 1 行" in answer.content.decode()
    assert HistoryImport.objects.get().county_id == "360734"


# -- the mark on the records' pages ------------------------------------------------------------


def imported(world, client):
    client.force_login(world.county)
    activity = activity_services.activity_create(
        acting_user=world.county,
        county=world.regions["610828"],
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, 23, 59, tzinfo=SH),
        required_stations=[world.station_keng],
    )
    files = {
        # within the year the station's report page lists
        "reports": upload(REPORTS, [["JX-0001", "月报", "2026-03", "2026-04-08 09:00"]]),
        "inspections": upload(inspection_header(), [inspection_row("JX-0001", "supervisor")]),
        "participation": upload(PARTICIPATION, [[str(activity.pk), "JX-0001", "是", "2025-01-24 18:00", "", ""]]),
        "faults": upload(FAULTS, [["JX-0001", "电脑", "无法开机", "是", "2025-03-02 09:00", "2025-03-05 16:00", ""]]),
        "attendance": upload(
            ["培训主题", "培训日期", "站点编码", "姓名", "出勤情况"],
            [["电商实操培训", "2025-03-12", "JX-0001", "张三", "出勤"]],
        ),
    }
    for kind, file in files.items():
        answer = client.post("/onboarding/", {"kind": kind, "file": file}, follow=True)
        assert "已导入" in answer.content.decode(), kind
    return activity


def test_the_records_pages_mark_what_was_imported(world, client):
    activity = imported(world, client)
    inspection = Inspection.objects.get()
    training = Training.objects.get()
    pages = [
        "/supervision/",
        f"/supervision/inspections/{inspection.pk}/",
        "/supervision/stations/JX-0001/?year=2025",
        "/reports/JX-0001/",
        "/reports/JX-0001/monthly/2026-03/",
        f"/activities/trainings/{training.pk}/",
        f"/activities/marketing/{activity.pk}/",
        "/stations/JX-0001/",
    ]
    for persona in ("county", "keeper"):
        client.force_login(world.users[persona])
        for address in pages:
            answer = client.get(address)
            assert answer.status_code == 200, (persona, address)
            page = answer.content.decode()
            assert ">历史导入</span>" in page and "历史导入：county 于" in page, (persona, address)


def test_a_record_made_on_the_page_bears_no_mark(world, client):
    client.force_login(world.supervisor)
    Inspection.objects.create(
        station=world.station_keng,
        year=2026,
        half="H1",
        inspector=world.supervisor,
        inspected_at=datetime(2026, 6, 20, 10, tzinfo=SH),
    )
    assert ">历史导入</span>" not in client.get("/supervision/").content.decode()
