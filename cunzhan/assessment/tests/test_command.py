"""``cunzhan assess``: it acts as a named account, scoped as the pages are, says what it writes, and with
``--explain`` gives each item's lines with the records behind them — the lines and records the result page
and the printed sheet show."""

from __future__ import annotations

import html
import io
import json
import os
import re

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from cunzhan.assessment import services
from cunzhan.assessment.links import line_text, ref_label
from cunzhan.assessment.models import Assessment
from cunzhan.assessment.tests.test_services import certify, inspect, purchases
from cunzhan.ledgers.models import StationMonth


def assess(*args: str, **options) -> dict:
    out = io.StringIO()
    call_command("assess", *args, stdout=out, **options)
    return json.loads(out.getvalue()) if options.get("json") else out.getvalue()


@pytest.fixture
def county_world(world, monkeypatch):
    monkeypatch.setattr("cunzhan.assessment.evidence.report_lapses", lambda *args, **kwargs: {})
    for station in (world.station_keng, world.station_dian):
        certify(station)
        inspect(station, world.supervisor)
    return world


def test_the_county_office_assesses_its_own_county_and_no_other(county_world):
    out = assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "county", json=True)
    assert out["as"] == "county" and len(out["stations"]) == 2
    assert assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "admin", json=True)["stations"]
    with pytest.raises(CommandError, match="管辖范围"):
        assess("--county", "360734", "--year", "2025", "--period", "H1", "--as", "county")
    for refused in ("keeper", "operator", "supervisor", "city"):
        with pytest.raises(CommandError, match="无权"):
            assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", refused)
    with pytest.raises(CommandError, match="不存在或已停用"):
        assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "nobody")
    with pytest.raises(CommandError):
        assess("--county", "610828", "--year", "2025", "--period", "H1")  # --as is required
    assert Assessment.objects.count() == 0


def test_it_says_what_it_writes(county_world):
    """It saves no result; it recounts the ledgers' monthly summaries the boards read too, and says so."""
    w = county_world
    purchases(w.station_keng, 3)
    first = assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "county", json=True)
    assert first["writes"] == {"assessment_results": 0, "ledger_station_months_recounted": 1}
    assert StationMonth.objects.get(station=w.station_keng).purchase_orders == 3
    text = assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "county")
    assert text.rstrip().endswith("未保存考核结果；本县台账月度汇总已是最新，未重算。")
    purchases(w.station_dian, 1)
    text = assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "county")
    assert "未保存考核结果；已刷新本县台账月度汇总（看板与考核共用），重算 1 个站点月份。" in text
    assert Assessment.objects.count() == 0


def _lines(station: dict) -> list[dict]:
    return [line for item in station["items"].values() for line in item["lines"]]


def _in_order(text: str, parts: list[str]) -> list[str]:
    """The parts not found in ``text`` one after the other (whitespace ignored)."""
    squeeze = re.compile(r"\s+")
    text, position, missing = squeeze.sub("", text), 0, []
    for part in parts:
        found = text.find(squeeze.sub("", part), position)
        if found < 0:
            missing.append(part)
        else:
            position = found + 1
    return missing


@pytest.mark.django_db(transaction=False)
def test_every_deduction_of_the_demo_county_names_its_records_on_the_page_the_sheet_and_in_json(client):
    """The demo county, 2025 H1 and H2: every line that costs points has at least one record behind it. For
    the station with the most records, the result page, the printed sheet and ``--explain`` give the same
    lines in the same order, each with the same records; and every record the county office is shown a link
    to opens."""
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    kinds: set[str] = set()
    for half in ("H1", "H2"):
        out = assess(
            "--county", "610828", "--year", "2025", "--period", half, "--as", "jiaxian", "--explain", json=True
        )
        negative = [(s["station"], line) for s in out["stations"] for line in _lines(s) if line["points"][0] == "-"]
        assert negative and [(code, line["text"]) for code, line in negative if not line["refs"]] == []
        kinds |= {ref["kind"] for _code, line in negative for ref in line["refs"]}
    assert {"report", "training", "activity", "inspection", "ledger", "complaint"} <= kinds

    from cunzhan.accounts.models import User

    office = User.objects.get(username="jiaxian")
    draft = services.assessment_compute(acting_user=office, county=office.region, year=2025, period="H1")
    out = assess("--county", "610828", "--year", "2025", "--period", "H1", "--as", "jiaxian", "--explain", json=True)
    station = max(out["stations"], key=lambda s: sum(len(line["refs"]) for line in _lines(s)))
    result = draft.results.get(station__code=station["station"])
    stored = [
        {"text": line["text"], "points": line["points"], "refs": line["refs"]}
        for item in result.items
        for line in item["lines"]
    ]
    assert stored == _lines(station)  # what the pages show is what the command gives
    expected = []
    for item in result.items:
        for line in item["lines"]:
            expected.append(line_text(line))
            expected.extend(ref_label(ref) for ref in line["refs"])
    client.force_login(office)
    page = client.get(f"/assessment/results/{result.pk}/").content.decode()
    assert _in_order(html.unescape(re.sub(r"<[^>]+>", " ", page)), expected) == []
    sheet = client.get(f"/assessment/results/{result.pk}/sheet.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.content)).pages)
    assert _in_order(text, expected) == []
    links = re.findall(r'<a class="ref" href="([^"]+)"', page)
    assert links and all(client.get(html.unescape(link)).status_code == 200 for link in set(links))


def test_the_annual_deductions_name_their_events(county_world):
    """The composite's daily-supervision lines carry the verified events and public reports behind them;
    an event not verified is in none."""
    from datetime import date, datetime

    from django.utils import timezone

    from cunzhan.supervision.models import Complaint, SupervisionEvent

    w = county_world
    inspect(w.station_keng, w.supervisor, half="H2")
    inspect(w.station_dian, w.supervisor, half="H2")
    event = SupervisionEvent.objects.create(
        station=w.station_keng,
        kind="not_cooperating",
        occurred_on=date(2025, 9, 1),
        description="拒绝配合",
        status="verified",
        recorded_by=w.supervisor,
        recorded_at=timezone.now(),
    )
    SupervisionEvent.objects.create(
        station=w.station_keng,
        kind="poor_performance",
        occurred_on=date(2025, 9, 2),
        description="待核实",
        recorded_by=w.supervisor,
        recorded_at=timezone.now(),
    )
    report = Complaint.objects.create(
        station=w.station_keng,
        kind="public_report",
        received_at=datetime(2025, 10, 8, 9, tzinfo=timezone.get_default_timezone()),
        description="不按规定收费",
        status="verified",
        recorded_by=w.supervisor,
        recorded_at=timezone.now(),
    )
    out = assess("--county", "610828", "--year", "2025", "--period", "annual", "--as", "county", "--explain", json=True)
    keng = next(s for s in out["stations"] if s["station"] == "JX-0001")
    deductions = {line["text"]: line["refs"] for line in keng["lines"] if line["points"] != "0.00"}
    assert deductions == {
        "不配合日常督查 1 次，每次扣 10 分": [
            {"kind": "event", "id": str(event.pk), "day": "2025-09-01", "status": "not_cooperating"}
        ],
        "经核实的群众举报 1 次，每次扣 5 分": [
            {"kind": "complaint", "id": str(report.pk), "day": "2025-10-08", "status": "public_report"}
        ],
    }
    assert keng["deductions"] == "15.00"
