"""The import templates guide whoever fills them in: the downloading user's own stations in the
examples and on a 参考 sheet, a row saying each column's format, drop-down lists (data validation) on
every column with a fixed set of values — and a template filled in from its example imports as it is,
its explanation row skipped and the sheet's row numbers kept."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.urls import URLResolver, get_resolver
from python_calamine import CalamineWorkbook

from cunzhan.activities import services as activity_services
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.import_templates import REFERENCE_SHEET
from cunzhan.core.tabular import EXPLANATION_MARK
from cunzhan.ledgers.models import Parcel, ProxyPurchase
from cunzhan.ledgers.specs import SPECS
from cunzhan.onboarding.kinds import IMPORTERS


def sheets(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def validations(data: bytes) -> list[str]:
    """The drop-down lists of the first sheet: each list's formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r'<dataValidation type="list"[^>]*>\s*<formula1>([^<]*)</formula1>', xml)


def test_a_ledger_template_is_made_for_the_downloading_keeper(world, client):
    client.force_login(world.keeper)
    data = client.get("/ledgers/parcel/template.xlsx").content
    book = sheets(data)
    main, reference = book["快递收发"], book["参考"]
    assert main[0][:3] == ["站点编码", "方向", "快递公司"]
    assert main[1][0].startswith(EXPLANATION_MARK) and "日期和时间" in " ".join(map(str, main[1]))
    assert main[2][0] == "JX-0001"  # the keeper's own station, not a made-up code
    assert reference[0][:2] == ["站点编码", "站点名称"] and reference[1][:2] == ["JX-0001", "高家坬村站"]
    lists = validations(data)
    assert "'参考'!$A$2:$A$2" in lists  # the station column: the keeper's one station
    assert any(f.startswith("'参考'!$D$2") for f in lists)  # the direction's list, beside the stations


def test_a_filled_in_template_imports_with_its_explanation_row_skipped(world, client):
    client.force_login(world.keeper)
    data = client.get("/ledgers/purchase/template.xlsx").content
    answer = client.post(
        "/api/v1/ledgers/purchase/import", {"file": _named(data, "代购模板.xlsx")}
    )  # the example row as downloaded
    assert answer.status_code == 200, answer.content
    assert answer.json()["rows_read"] == 1 and ProxyPurchase.objects.get().station == world.station_keng
    csv = client.get("/ledgers/purchase/template.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[1].startswith(EXPLANATION_MARK)
    again = client.post("/api/v1/ledgers/purchase/import", {"file": _named(csv.encode(), "代购模板.csv")})
    assert again.status_code == 200 and again.json()["rows_read"] == 1


def test_an_error_in_a_template_keeps_the_sheets_row_number(world, client):
    client.force_login(world.keeper)
    data = sheets(client.get("/ledgers/parcel/template.xlsx").content)["快递收发"]
    header, explanation, example = data[0], data[1], data[2]
    example[header.index("快递公司")] = ""
    lines = [",".join(map(str, row)) for row in (header, explanation, example)]
    answer = client.post("/api/v1/ledgers/parcel/import", {"file": _named("\r\n".join(lines).encode(), "a.csv")})
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["errors"]] == [(3, "快递公司")]
    assert not Parcel.objects.exists()


def test_the_attendance_template_lists_the_users_stations_and_the_attendance_values(world, client):
    client.force_login(world.operator)
    data = client.get("/activities/trainings/template.xlsx").content
    book = sheets(data)
    assert [row[0] for row in book["出勤登记"][2:]] == ["JX-0001", "JX-0002", "JX-0001"]
    reference = book["参考"]
    assert [row[0] for row in reference[1:3]] == ["JX-0001", "JX-0002"]
    assert "出勤" in [row[3] for row in reference[1:]] and "XW-0001" not in str(reference)
    assert len(validations(data)) == 3  # station, attendance, test result


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


# -- every template the app offers ---------------------------------------------------------------
#
# The templates are found where the app hands them out: every URL (pages and API) whose route names a
# template, and every command with a --template option. The test knows how to ask each for its
# templates (one per ledger or history kind); a new one it does not know fails
# test_the_test_asks_for_every_template_the_app_offers until it is added below, and so cannot escape
# the checks.

LEDGER_KINDS = sorted(SPECS)
HISTORY_KINDS = sorted(IMPORTERS)
ROUTES = {
    "accounts/users/import/template.xlsx": ["/accounts/users/import/template.xlsx"],
    "api/v1/users/import/template": ["/api/v1/users/import/template"],
    "stations/import/template.xlsx": ["/stations/import/template.xlsx"],
    "stations/import/assets/template.xlsx": ["/stations/import/assets/template.xlsx"],
    "activities/trainings/template.xlsx": ["/activities/trainings/template.xlsx"],
    # the .csv of a ledger is the same template without its 参考 sheet (tested above)
    "ledgers/<str:kind>/template.<str:fmt>": [f"/ledgers/{kind}/template.xlsx" for kind in LEDGER_KINDS],
    "onboarding/<str:kind>/template.xlsx": [f"/onboarding/{kind}/template.xlsx" for kind in HISTORY_KINDS],
    "api/v1/onboarding/<kind>/template": [f"/api/v1/onboarding/{kind}/template" for kind in HISTORY_KINDS],
}
COMMANDS = {
    "import_accounts": [["--as", "county"]],
    "import_attendance": [["--as", "county"]],
    "import_history": [[kind, "--as", "county"] for kind in HISTORY_KINDS],
}
TEMPLATES = [*(url for urls in ROUTES.values() for url in urls)] + [
    " ".join([command, *args]) for command, calls in COMMANDS.items() for args in calls
]


def template_routes() -> set[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif "template" in str(pattern.pattern):
                yield prefix + str(pattern.pattern)

    return set(walk(get_resolver().url_patterns))


def template_commands() -> set[str]:
    found = set()
    for name, app in get_commands().items():
        if app.startswith("cunzhan"):
            parser = load_command_class(app, name).create_parser("cunzhan", name)
            if "--template" in parser._option_string_actions:
                found.add(name)
    return found


def test_the_test_asks_for_every_template_the_app_offers():
    assert template_routes() == set(ROUTES)
    assert template_commands() == set(COMMANDS)


def download(client, template: str, tmp_path) -> bytes:
    if template.startswith("/"):
        answer = client.get(template)
        assert answer.status_code == 200, (template, answer.content[:300])
        return b"".join(answer.streaming_content) if answer.streaming else answer.content
    command, *args = template.split()
    path = tmp_path / "template.xlsx"
    call_command(command, *args, "--template", str(path), stdout=io.StringIO())
    return path.read_bytes()


def drop_downs(data: bytes) -> list[dict]:
    """The first sheet's data validations: the column they cover, the 参考 range they draw from, and
    whether Excel refuses (warns of) another value."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    found = []
    for attributes, formula in re.findall(r"<dataValidation ([^>]*)>\s*<formula1>([^<]*)</formula1>", xml):
        assert 'type="list"' in attributes, attributes
        column = re.search(r'sqref="([A-Z]+)3:[A-Z]+\d+"', attributes).group(1)
        source = re.fullmatch(r"'参考'!\$([A-Z]+)\$2:\$[A-Z]+\$(\d+)", html.unescape(formula))
        assert source, formula
        found.append(
            {
                "column": column_index(column),
                "source": column_index(source.group(1)),
                "last_row": int(source.group(2)),
                "closed": 'showErrorMessage="1"' in attributes,
            }
        )
    return found


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_opens_lists_the_countys_places_and_draws_each_drop_down_from_its_list(
    world, client, tmp_path, template
):
    activity_services.activity_create(  # a marketing activity, for the participation's list of them
        acting_user=world.county,
        county=world.regions["610828"],
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, 23, 59, tzinfo=SHANGHAI),
        required_stations=[world.station_keng],
    )
    client.force_login(world.county)
    data = download(client, template, tmp_path)
    book = sheets(data)  # a real spreadsheet reader opens it
    main, reference = next(iter(book.values())), book[REFERENCE_SHEET]
    header, explanation, *examples = main
    assert all(isinstance(h, str) and h for h in header)
    assert str(explanation[0]).startswith(EXPLANATION_MARK) and examples

    # the 参考 sheet lists the county's townships, villages, operating units and stations — its own only
    listed = {str(cell) for row in reference for cell in row}
    assert {"610828101", "610828102", "610828101201", "佳县运营公司", "JX-0001", "JX-0002"} <= listed
    assert not {"360734100", "360734100201", "寻乌运营公司", "XW-0001"} & listed

    lists = drop_downs(data)
    assert lists, "no drop-down list"
    for drop in lists:
        title = reference[0][drop["source"]]
        values = [str(row[drop["source"]]) for row in reference[1:] if len(row) > drop["source"]]
        values = [v for v in values if v]
        # the list under the column's title (or the yes/no list), covered exactly by the range
        assert title in (header[drop["column"]], "是/否"), (header[drop["column"]], title)
        assert values, f"{title}: an empty list"
        assert drop["last_row"] == len(values) + 1, title
        if title == "是/否":
            assert values == ["是", "否"]
        if drop["closed"]:  # the examples hold what the list offers: the county's real codes and values
            for row in examples:
                cell = row[drop["column"]] if drop["column"] < len(row) else ""
                assert cell in ("", None) or str(cell) in values, (title, cell)


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("/ledgers/purchase/template.xlsx", "网店/平台"),
        ("/ledgers/sale/template.xlsx", "网店/平台"),
        ("/stations/import/template.xlsx", "合作平台"),
    ],
)
def test_a_platform_column_offers_the_configured_platforms_and_takes_any_other(world, client, settings, url, header):
    settings.IMPORT_PLATFORMS = ["淘宝", "邮乐购", "佳县优品小程序"]
    client.force_login(world.county)
    data = download(client, url, None)
    book = sheets(data)
    main, reference = next(iter(book.values())), book[REFERENCE_SHEET]
    (drop,) = [d for d in drop_downs(data) if d["column"] == main[0].index(header)]
    assert reference[0][drop["source"]] == header
    assert [row[drop["source"]] for row in reference[1:4]] == ["淘宝", "邮乐购", "佳县优品小程序"]
    assert not drop["closed"]  # a suggestion: Excel says nothing of a value not in the list
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 'promptTitle="可从列表中选择"' in xml and 'prompt="也可直接填写列表中没有的值。"' in xml


def test_a_platform_not_in_the_list_imports_as_any_other(world, client):
    client.force_login(world.keeper)
    book = sheets(client.get("/ledgers/purchase/template.xlsx").content)["代购"]
    header, explanation, example = book[0], book[1], book[2]
    example[header.index("网店/平台")] = "村里的团购群"
    lines = [",".join(map(str, row)) for row in (header, explanation, example)]
    answer = client.post("/api/v1/ledgers/purchase/import", {"file": _named("\r\n".join(lines).encode(), "a.csv")})
    assert answer.status_code == 200, answer.content
    assert ProxyPurchase.objects.get().platform == "村里的团购群"
