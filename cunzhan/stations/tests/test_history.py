"""历史导入: a county brings its existing stations with their status and certification date. They enter
that status directly, with an event naming who, when and the file; incubation counts from the date as
for a certification made in the system; contradictions are refused; the same file twice changes nothing."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date, datetime

import pytest
import time_machine
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cunzhan.core.tabular import EXPLANATION_MARK, ImportRejected
from cunzhan.stations import selectors, services
from cunzhan.stations.importers import HEADERS, OPTIONAL_HEADERS, import_stations
from cunzhan.stations.lifecycle import SHANGHAI
from cunzhan.stations.models import ResponsiblePerson, Station, StationEvent, Status
from cunzhan.stations.tests.test_importers import COL, row

TODAY = datetime(2026, 1, 10, 10, 0, tzinfo=SHANGHAI)


def history_row(code: str, status: str = "运营", certified: str | date = "2024-05-10", **overrides) -> list:
    return row(code, **{"当前状态": status, "认定日期": certified, **overrides})


def xlsx(rows: list[list], header=HEADERS) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), dates)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def named(data: bytes, name: str = "存量站点.xlsx") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def errors_of(data: bytes, user) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as info:
        import_stations(named(data), acting_user=user, name="存量站点.xlsx")
    return [(e.row, e.column, e.message) for e in info.value.errors]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


# -- what an imported station is -------------------------------------------------------------------


def test_existing_stations_enter_their_status_directly_with_an_event_naming_who_when_and_the_file(world):
    data = xlsx(
        [
            row("NEW-001"),  # no status: a new application, as before
            history_row("OLD-001", "运营", "2024-05-10", 合作协议编号="XY-2024-01"),
            history_row("OLD-002", "培育期", date(2025, 10, 15)),  # an Excel date cell
            history_row("OLD-003", "整改", "2023/3/1"),
            history_row("OLD-004", "撤销", "2022年6月1日"),
        ]
    )
    summary = import_stations(named(data), acting_user=world.county, name="存量站点.xlsx")
    assert (summary.created, summary.history, summary.people) == (5, 4, 5)
    assert "4 个已认定的站点按历史导入直接进入其当前状态" in summary.message()
    statuses = dict(Station.objects.filter(code__in=["NEW-001", "OLD-001", "OLD-002"]).values_list("code", "status"))
    assert statuses == {"NEW-001": Status.APPLIED, "OLD-001": Status.OPERATING, "OLD-002": Status.INCUBATION}
    old = Station.objects.get(code="OLD-001")
    assert timezone.localtime(old.certified_at).date() == date(2024, 5, 10)
    assert (old.agreement_no, old.agreement_start, old.imported_at) == ("XY-2024-01", date(2024, 5, 10), TODAY)
    assert Station.objects.get(code="NEW-001").certified_at is None
    assert ResponsiblePerson.objects.get(station=old).pre_job_training_days == 3  # the person and training record

    event = StationEvent.objects.get(station=old)
    assert (event.from_status, event.to_status, event.reason) == ("", Status.OPERATING, "历史导入")
    assert event.actor == world.county and event.at == TODAY
    assert event.data["source"] == {"file": "存量站点.xlsx", "sha256": hashlib.sha256(data).hexdigest()}
    assert event.data["certified_on"] == "2024-05-10"
    assert StationEvent.objects.get(station__code="NEW-001").reason == "批量导入"


def test_the_station_page_shows_the_import_event_and_the_incubation_from_the_imported_date(world, client):
    import_stations(named(xlsx([history_row("OLD-002", "培育期", "2025-10-15")])), acting_user=world.county)
    client.force_login(world.county)
    page = client.get("/stations/OLD-002/").content.decode()
    assert "历史导入" in page and "来源文件 存量站点.xlsx" in page and "认定日期 2025-10-15" in page
    assert re.search(r"培育期至</dt><dd[^>]*>2026-04-15<", page)


def test_incubation_counts_from_the_imported_date_as_from_a_certification_in_the_system(world):
    import_stations(named(xlsx([history_row("OLD-002", "培育期", "2025-10-15")])), acting_user=world.county)
    station = Station.objects.get(code="OLD-002")
    assert selectors.lifecycle_dates(station)["incubation_ends_at"] == datetime(2026, 4, 15, tzinfo=SHANGHAI)
    with pytest.raises(ValidationError, match="培育期（自认定授牌起）到 2026-04-15 00:00 才结束"):
        services.station_transition(acting_user=world.county, station=station, to=Status.OPERATING)
    with time_machine.travel(datetime(2026, 4, 15, 0, 0, tzinfo=SHANGHAI), tick=False):
        event = services.station_transition(acting_user=world.county, station=station, to=Status.OPERATING)
    assert event.to_status == Status.OPERATING


def test_the_assessment_lists_a_station_certified_in_2025_10_as_incubation_and_assesses_one_of_2024(world):
    from cunzhan.assessment import services as assessment
    from cunzhan.assessment.tests.test_services import inspect

    Station.objects.filter(pk__in=[world.station_keng.pk, world.station_dian.pk]).update(status=Status.CLOSED)
    data = xlsx([history_row("OLD-001", "运营", "2024-05-10"), history_row("OLD-002", "培育期", "2025-10-15")])
    import_stations(named(data), acting_user=world.county)
    inspect(Station.objects.get(code="OLD-001"), world.supervisor, year=2025, half="H2")
    result = assessment.assessment_compute(
        acting_user=world.county, county=world.regions["610828"], year=2025, period="H2"
    )
    status = {r.station.code: r.status for r in result.results.select_related("station")}
    assert status == {"OLD-001": "assessed", "OLD-002": "incubation"}


def test_an_imported_station_is_not_a_zombie_for_the_years_before_the_system_knew_it(world):
    import_stations(named(xlsx([history_row("OLD-001", "运营", "2023-05-10")])), acting_user=world.county)
    station = Station.objects.get(code="OLD-001")
    assert not selectors.is_zombie(station)
    assert not selectors.zombie_stations_for_user(world.county).filter(code="OLD-001").exists()
    later = datetime(2026, 4, 11, 10, 1, tzinfo=SHANGHAI)  # 91 days after the import, with no ledger
    assert selectors.is_zombie(station, now=later)
    assert selectors.zombie_stations_for_user(world.county, now=later).filter(code="OLD-001").exists()


# -- what is refused -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"当前状态": "培育期", "认定日期": "2025-07-09"}, "当前状态", "培育期已于 2026-01-09 结束"),
        ({"当前状态": "运营", "认定日期": "2025-07-11"}, "当前状态", "到 2026-01-11 才结束，当前状态应为“培育期”"),
        ({"当前状态": "运营", "认定日期": ""}, "认定日期", "须填写认定日期"),
        ({"当前状态": "", "认定日期": "2024-01-01"}, "当前状态", "须同时填写当前状态"),
        ({"当前状态": "运营", "认定日期": "2026-01-11"}, "认定日期", "晚于今天"),
        ({"当前状态": "运营", "认定日期": "去年春天"}, "认定日期", "不是日期"),
        ({"当前状态": "运营", "认定日期": "2024-02-30"}, "认定日期", "不存在"),
        (
            {"当前状态": "正常营业", "认定日期": "2024-01-01"},
            "当前状态",
            "应为 认定授牌、培育期、运营、整改、撤销 或 关停",
        ),
        ({"当前状态": "申请", "认定日期": "2024-01-01"}, "当前状态", "新申请的站点此列留空"),
        ({"当前状态": "运营", "认定日期": "2024-01-01", "运营单位": "没有这家"}, "运营单位", "没有名为“没有这家”"),
        ({"当前状态": "", "认定日期": "", "合作协议编号": "XY-1"}, "合作协议编号", "只用于已认定的站点"),
        (
            {"当前状态": "运营", "认定日期": "2024-05-10", "申请日期": "2024-06-01"},
            "认定日期",
            "认定日期 2024-05-10 早于申请日期 2024-06-01：站点须先申请后认定",
        ),
        ({"当前状态": "运营", "认定日期": "2024-05-10", "申请日期": "2027-01-01"}, "认定日期", "早于申请日期"),
        ({"当前状态": "运营", "认定日期": "2024-05-10", "申请日期": "上个月"}, "申请日期", "不是日期"),
        ({"当前状态": "运营", "认定日期": "2024-05-10", "申请日期": "1999-12-31"}, "申请日期", "早于 2000 年"),
        ({"当前状态": "", "认定日期": "", "申请日期": "2024-03-01"}, "申请日期", "只用于已认定的站点（历史导入）"),
    ],
)
def test_each_contradiction_is_named_by_row_and_column_and_nothing_is_saved(world, overrides, column, fragment):
    rows = [history_row("OLD-001"), row("OLD-002")]
    for header, value in overrides.items():
        rows[1][COL[header]] = value
    errors = errors_of(xlsx(rows), world.county)
    assert len(errors) == 1, errors
    line, col, message = errors[0]
    assert (line, col) == (3, column) and fragment in message, errors
    assert not Station.objects.filter(code__startswith="OLD-").exists()


def test_the_application_date_is_recorded_as_given_or_as_of_the_certification(world, client):
    data = xlsx(
        [
            history_row("OLD-001", "运营", "2024-05-10", 申请日期="2024-03-01"),
            history_row("OLD-002", "运营", "2024-05-10", 申请日期="2024-05-10"),  # the same day: allowed
            history_row("OLD-003", "运营", "2024-05-10"),  # none given
        ]
    )
    import_stations(named(data), acting_user=world.county)
    applied = dict(StationEvent.objects.values_list("station__code", "data__applied_on"))
    assert applied == {"OLD-001": "2024-03-01", "OLD-002": "2024-05-10", "OLD-003": "2024-05-10"}
    client.force_login(world.county)
    page = client.get("/stations/OLD-001/").content.decode()
    assert "申请日期 2024-03-01" in page and "认定日期 2024-05-10" in page


def test_the_incubation_boundary_is_the_lifecycles(world):
    """Six months after 2025-07-10 is 2026-01-10, today: incubation is over this morning."""
    assert errors_of(xlsx([history_row("OLD-001", "培育期", "2025-07-10")]), world.county)[0][1] == "当前状态"
    import_stations(named(xlsx([history_row("OLD-001", "运营", "2025-07-10")])), acting_user=world.county)
    import_stations(named(xlsx([history_row("OLD-002", "培育期", "2025-07-11")])), acting_user=world.county)
    assert Station.objects.filter(code__in=["OLD-001", "OLD-002"]).count() == 2


def test_a_county_with_a_longer_incubation_is_read_with_its_own(world):
    services.county_settings_update(acting_user=world.county, county=world.regions["610828"], incubation_months=12)
    import_stations(named(xlsx([history_row("OLD-001", "培育期", "2025-03-01")])), acting_user=world.county)
    assert Station.objects.get(code="OLD-001").status == Status.INCUBATION


def test_duplicate_codes_in_the_file_and_codes_already_registered_are_refused(world):
    errors = errors_of(xlsx([history_row("OLD-001"), history_row("OLD-001"), history_row("JX-0001")]), world.county)
    assert errors == [(3, "站点编码", "与第 2 行的编码重复"), (4, "站点编码", "编码 JX-0001 已存在")]


def test_only_a_role_that_certifies_may_bring_certified_stations(world):
    errors = errors_of(xlsx([row("NEW-001", 运营单位=""), history_row("OLD-001", 运营单位="")]), world.operator)
    assert errors == [(3, "当前状态", "导入已认定的站点相当于认定授牌，只有县电商办可以导入；新申请的站点此列留空")]


def test_a_deactivated_unit_takes_no_imported_station(world):
    from cunzhan.stations.units import unit_create, unit_deactivate

    unit = unit_create(
        acting_user=world.county, county=world.regions["610828"], name="旧公司", credit_code="91610828MA70000B2U"
    )
    unit_deactivate(acting_user=world.county, unit=unit, reason="协议到期")
    errors = errors_of(xlsx([history_row("OLD-001", 运营单位="旧公司")]), world.county)
    assert errors == [(2, "运营单位", "运营单位“旧公司”已停用，不能再承接服务站")]


def test_an_older_file_without_the_new_columns_still_imports_as_applications(world):
    header = [h for h in HEADERS if h not in OPTIONAL_HEADERS]
    values = [v for h, v in zip(HEADERS, row("NEW-001"), strict=True) if h not in OPTIONAL_HEADERS]
    summary = import_stations(named(xlsx([values], header=header)), acting_user=world.county)
    assert (summary.created, summary.history) == (1, 0)
    assert Station.objects.get(code="NEW-001").status == Status.APPLIED


# -- the same file twice ---------------------------------------------------------------------------


def _counts() -> tuple[int, ...]:
    return Station.objects.count(), StationEvent.objects.count(), ResponsiblePerson.objects.count()


def test_a_second_import_of_the_same_file_changes_nothing_and_says_so(world, client, tmp_path):
    data = xlsx([row("NEW-001"), history_row("OLD-001")])
    import_stations(named(data), acting_user=world.county, name="第一次.xlsx")
    before = _counts()
    again = import_stations(named(data), acting_user=world.county, name="改了名字.xlsx")
    assert again.created == 0 and again.already.stations == 2
    assert again.message() == "此文件（SHA-256 相同）已于 2026-01-10 导入过，共 2 个服务站；本次未做任何修改。"
    assert _counts() == before
    # the page and the command line say the same, and change nothing either
    client.force_login(world.county)
    answer = client.post("/stations/import/", {"file": named(data)}, follow=True)
    assert "已于 2026-01-10 导入过" in answer.content.decode()
    path = tmp_path / "again.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_stations", str(path), "--as", "county", stdout=out)
    assert "本次未做任何修改" in out.getvalue()
    assert _counts() == before


def test_the_same_rows_in_another_file_are_refused_as_already_registered(world):
    import_stations(named(xlsx([history_row("OLD-001")])), acting_user=world.county)
    errors = errors_of(xlsx([history_row("OLD-001", 站点名称="改过名字")]), world.county)
    assert errors == [(2, "站点编码", "编码 OLD-001 已存在")]


def test_another_countys_import_of_the_same_file_is_not_revealed(world):
    """The earlier import is looked for within the user's scope: 寻乌 sees nothing of 佳县's, and its
    own rows are refused as outside its scope."""
    data = xlsx([history_row("OLD-001")])
    import_stations(named(data), acting_user=world.county)
    errors = errors_of(data, world.other_county)
    assert [(line, col) for line, col, _m in errors] == [(2, "站点编码"), (2, "服务区域代码")]


# -- the page, the command line, the template ------------------------------------------------------


def test_the_import_page_reports_the_historical_stations(world, client):
    client.force_login(world.county)
    answer = client.post("/stations/import/", {"file": named(xlsx([history_row("OLD-001")]))}, follow=True)
    assert "1 个已认定的站点按历史导入直接进入其当前状态" in answer.content.decode()


def test_the_command_imports_history_and_names_every_error(world, tmp_path):
    path = tmp_path / "stations.xlsx"
    path.write_bytes(xlsx([history_row("OLD-001", "培育期", "2024-01-01")]))
    with pytest.raises(CommandError, match="第 2 行“当前状态”列：认定日期 2024-01-01 起 6 个月的培育期已于"):
        call_command("import_stations", str(path), "--as", "county")
    path.write_bytes(xlsx([history_row("OLD-001")]))
    out = io.StringIO()
    call_command("import_stations", str(path), "--as", "county", stdout=out)
    assert "按历史导入" in out.getvalue() and Station.objects.get(code="OLD-001").status == Status.OPERATING


def _download(client, path: str) -> bytes:
    return b"".join(client.get(path).streaming_content)


def _sheets(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _lists(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r'<dataValidation type="list"[^>]*>\s*<formula1>([^<]*)</formula1>', xml)


def test_the_template_is_made_for_the_county_and_imports_as_downloaded(world, client):
    client.force_login(world.county)
    data = _download(client, "/stations/import/template.xlsx")
    book = _sheets(data)
    main, reference = book["服务站"], book["参考"]
    assert tuple(main[0]) == HEADERS and main[1][0].startswith(EXPLANATION_MARK)
    examples = [dict(zip(HEADERS, r, strict=True)) for r in main[2:]]
    assert [e["服务区域代码"] for e in examples] == ["610828101201", "610828101"]  # the county's real codes
    assert [e["当前状态"] for e in examples] == ["", "运营"] and examples[1]["认定日期"]
    listed = {r[0] for r in reference[1:]}
    assert {"610828", "610828101", "610828101201", "610828102201"} <= listed and "360734" not in listed
    assert "佳县运营公司" in {r[3] for r in reference[1:] if len(r) > 3} and "寻乌运营公司" not in str(reference)
    assert {"认定授牌", "培育期", "运营", "整改", "撤销", "关停"} <= {str(c) for r in reference for c in r}
    assert len(_lists(data)) == 5 + 5  # five yes/no columns; tier, status, unit, region and the platforms
    explanation = dict(zip(HEADERS, main[1], strict=True))
    assert "不填则按认定日期记为申请日期" in explanation["申请日期"]
    # filled in as it is, it imports: a new application and a station in 运营
    answer = client.post("/stations/import/", {"file": named(data, "模板.xlsx")}, follow=True)
    assert "1 个已认定的站点按历史导入" in answer.content.decode()
    assert Station.objects.get(code=examples[1]["站点编码"]).status == Status.OPERATING


def test_an_operators_template_offers_only_its_own_unit_and_no_certified_example(world, client):
    client.force_login(world.operator)
    book = _sheets(_download(client, "/stations/import/template.xlsx"))
    assert len(book["服务站"]) == 3 and "佳县运营公司" in str(book["参考"])
    answer = client.post(
        "/stations/import/", {"file": named(_download(client, "/stations/import/template.xlsx"))}, follow=True
    )
    assert "状态均为“申请”" in answer.content.decode()


def test_the_administrators_template_is_for_the_county_asked_for(world, client):
    client.force_login(world.admin)
    book = _sheets(_download(client, "/stations/import/template.xlsx?county=360734"))
    assert "360734100201" in str(book["参考"]) and "610828" not in str(book["参考"])
