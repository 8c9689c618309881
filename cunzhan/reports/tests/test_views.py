from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from python_calamine import CalamineWorkbook

from cunzhan.reports import services
from cunzhan.reports.models import Report, TransmissionStatus, UpwardTransmission
from cunzhan.reports.tests.conftest import at, parcel, purchase, revision_on, sale, service


@pytest.mark.django_db
def test_a_keeper_reviews_corrects_and_submits_on_the_page(world, client):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    client.force_login(world.keeper)
    url = "/reports/JX-0001/monthly/2025-01/"
    with time_machine.travel(at(2025, 2, 3, 10, 0), tick=False):
        page = client.get(url).content.decode()
        assert "化肥 · 拼多多" in page and "10.00" in page
        fix = {"key": "purchase|化肥|拼多多", "count": "2", "amount": "20.00", "reason": "漏记"}
        response = client.post(url, {"action": "correct", "revision": revision_on(page), **fix})
        assert response.status_code == 302
        client.post(url, {"action": "submit", "text": "", "revision": revision_on(client.get(url).content.decode())})
        page = client.get(url).content.decode()
    assert "按时报送" in page and "漏记" in page
    client.force_login(world.keeper)  # the session idled out when the clock came back
    assert client.get("/reports/").url == "/reports/JX-0001/"
    assert client.get("/reports/JX-0002/monthly/2025-01/").status_code == 404


@pytest.mark.django_db
def test_the_operating_unit_board_on_the_6th_with_one_click_to_the_missing(world, client):
    with time_machine.travel(at(2025, 2, 3), tick=False):
        report = services.report_obtain(
            station=world.station_keng,
            period=__import__("cunzhan.reports.status", fromlist=["x"]).monthly_period(
                services.ReportSettings.for_county("610828"), 2025, 1
            ),
        )
        services.report_submit(acting_user=world.keeper, report=report, revision=0)
    client.force_login(world.operator)
    with time_machine.travel(at(2025, 2, 6, 9, 0), tick=False):
        page = client.get("/reports/board/?month=2025-01&only=outstanding").content.decode()
        assert "JX-0002" in page and "JX-0001" not in page and "逾期未报" in page
        api = client.get("/api/v1/reports/status?month=2025-01").json()
    assert {r["station_code"]: r["status"] for r in api["rows"]} == {"JX-0001": "on_time", "JX-0002": "pending"}
    assert api["counts"]["pending"] == 1


@pytest.mark.django_db
def test_consolidated_and_county_statistics_export_to_excel(world, client):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.50")
    sale(world.station_keng, date(2025, 1, 6), amount="8.00", farm=True)
    sale(world.station_dian, date(2025, 1, 6), amount="3.00", farm=False)
    parcel(world.station_keng, date(2025, 1, 7), "in")
    service(world.station_keng, date(2025, 1, 8))
    purchase(world.station_xunwu, date(2025, 1, 5), amount="999.00")  # other county
    client.force_login(world.operator)
    response = client.get("/reports/consolidated.xlsx?month=2025-01")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert "站点运营情况统计报表" in rows[0][0]
    assert any(r[2] == "JX-0001" and r[5] == 10.5 for r in rows)
    client.force_login(world.county)
    api = client.get("/api/v1/reports/statistics?month=2025-01").json()
    assert api["total"]["purchase_amount"] == "10.50" and api["total"]["farm_amount"] == "8.00"
    assert api["total"]["goods_amount"] == "3.00" and api["total"]["active"] == 2
    page = client.get("/reports/statistics/?month=2025-01&group=station").content.decode()
    assert "JX-0001" in page and "XW-0001" not in page
    assert client.get("/reports/statistics.xlsx?month=2025-01&mode=ytd").status_code == 200


@pytest.mark.django_db
def test_a_keeper_sees_only_its_own_station_in_statistics(world, client):
    purchase(world.station_dian, date(2025, 1, 5), amount="7.00")
    client.force_login(world.keeper)
    api = client.get("/api/v1/reports/statistics?month=2025-01").json()
    assert [s["code"] for s in api["stations"]] == ["JX-0001"]
    assert api["total"]["purchase_amount"] == "0.00"


@pytest.mark.django_db
def test_the_api_submits_with_corrections_and_then_corrects_with_a_reason(world, client):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    client.force_login(world.keeper)
    url = "/api/v1/reports/stations/JX-0001/monthly/2025-01"
    with time_machine.travel(at(2025, 2, 7), tick=False):
        body = {
            "revision": client.get(url).json()["revision"],
            "corrections": {"parcel|out": {"count": 1, "reason": "漏登"}},
        }
        out = client.post(f"{url}/submit", json.dumps(body), content_type="application/json").json()
        assert out["status"] == "late" and out["version"] == 1
        refused = client.post(
            f"{url}/submit", json.dumps({"revision": out["revision"]}), content_type="application/json"
        )
        assert refused.status_code == 422
        body = {"revision": out["revision"], "corrections": {"parcel|out": {"count": 2, "reason": "又补一件"}}}
        out = client.post(f"{url}/submit", json.dumps(body), content_type="application/json").json()
    client.force_login(world.keeper)
    assert out["version"] == 2 and datetime.fromisoformat(out["first_submitted_at"]) == at(2025, 2, 7)
    assert out["document"]["totals"]["parcel"]["out"] == 2
    client.force_login(world.operator)
    assert client.post(f"{url}/submit", '{"revision": 2}', content_type="application/json").status_code == 403


@pytest.mark.django_db
def test_upward_export_is_kept_sent_failed_and_resent(world, client):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    transmission = services.upward_prepare(
        acting_user=world.county, county=world.regions["610828"], kind="statistics", period="2025-01"
    )
    assert transmission.payload["format"] == "cunzhan-upward/1"
    assert transmission.payload["totals"]["purchase_amount"] == "10.00"
    sent = []

    def broken(endpoint, payload):
        raise ConnectionError("平台无响应")

    failed = services.upward_send(acting_user=world.county, transmission=transmission, transport=broken)
    assert failed.status == TransmissionStatus.FAILED and "平台无响应" in failed.last_error
    ok = services.upward_send(acting_user=world.county, transmission=failed, transport=lambda e, p: sent.append(p))
    assert ok.status == TransmissionStatus.SENT and ok.attempts == 2 and sent == [transmission.payload]
    register = services.upward_prepare(acting_user=world.county, county=world.regions["610828"], kind="register")
    assert [s["code"] for s in register.payload["stations"]] == ["JX-0001", "JX-0002"]
    client.force_login(world.county)
    assert client.get(f"/reports/upward/{register.pk}/payload.json").json()["kind"] == "register"
    assert client.get(f"/reports/upward/{register.pk}/payload.xlsx").status_code == 200
    # no endpoint configured: "send" explains that the file is downloaded and sent by hand
    response = client.post(f"/reports/upward/{register.pk}/send/", follow=True)
    assert "手动报送" in response.content.decode()
    client.force_login(world.other_county)
    assert client.get(f"/reports/upward/{register.pk}/payload.json").status_code == 404
    assert UpwardTransmission.objects.count() == 2


@pytest.mark.django_db
def test_report_status_command(world, monthly_only):
    with time_machine.travel(at(2025, 2, 6, 0, 0, 0), tick=False):
        report = services.report_obtain(
            station=world.station_keng,
            period=__import__("cunzhan.reports.status", fromlist=["x"]).monthly_period(monthly_only, 2025, 1),
        )
        services.report_submit(acting_user=world.keeper, report=report, revision=0)
    out = io.StringIO()
    call_command("report_status", county="610828", month="2025-01", at="2025-03-01T00:00:00+08:00", stdout=out)
    text = out.getvalue()
    assert "JX-0001\t坑镇" not in text  # names come from the station
    assert "迟报\tlate" in text and "漏报\tmissed" in text and "XW-0001" not in text
    out = io.StringIO()
    call_command("report_status", county="610828", month="2025-01", at="2025-02-10T00:00:00", format="json", stdout=out)
    data = json.loads(out.getvalue())
    assert {s["code"]: s["status"] for s in data["stations"]} == {"JX-0001": "late", "JX-0002": "pending"}


@pytest.mark.django_db
def test_export_statistics_command(world, tmp_path):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    target = tmp_path / "stats.xlsx"
    call_command("export_statistics", county="610828", month="2025-01", output=str(target), stderr=io.StringIO())
    assert target.stat().st_size > 1000
    target = tmp_path / "upward.json"
    call_command(
        "export_statistics",
        county="610828",
        month="2025-01",
        kind="upward",
        format="json",
        output=str(target),
        stderr=io.StringIO(),
    )
    assert json.loads(target.read_text())["totals"]["purchase_amount"] == "10.00"


# -- two keepers of one station ---------------------------------------------------------------


@pytest.fixture
def second_keeper(world):
    """Another keeper of 坑镇's station, named 张三."""
    from cunzhan.conftest import make_user
    from cunzhan.core.roles import Role

    keeper = make_user("keeper2", Role.KEEPER, region=world.station_keng.region, station=world.station_keng)
    keeper.display_name = "张三"
    keeper.save()
    return keeper


def test_of_two_keepers_correcting_one_draft_the_second_is_told_who_saved_first(world, client, second_keeper):
    purchase(world.station_keng, date(2025, 1, 5), amount="10.00")
    url = "/reports/JX-0001/monthly/2025-01/"
    fix = {"action": "correct", "key": "purchase|化肥|拼多多", "count": "2"}
    with time_machine.travel(at(2025, 2, 3, 10, 42), tick=False):
        client.force_login(second_keeper)
        other = Client()
        other.force_login(world.keeper)
        mine, theirs = revision_on(client.get(url).content.decode()), revision_on(other.get(url).content.decode())

        client.post(url, {**fix, "amount": "20.00", "reason": "漏记一单", "revision": mine})
        page = other.post(url, {**fix, "amount": "99.00", "reason": "看错了", "revision": theirs}, follow=True)
        page = page.content.decode()
        assert "该报表已被他人（张三，10:42）修改，请刷新后重新编辑，您的修改未保存。" in page
        # submitting the page loaded before the correction is refused the same way
        page = other.post(url, {"action": "submit", "revision": theirs}, follow=True).content.decode()
        assert "该报表已被他人（张三，10:42）修改" in page
    report = Report.objects.get(station=world.station_keng, period_start=date(2025, 1, 1), kind="monthly")
    assert report.pending_corrections["purchase|化肥|拼多多"]["amount"] == "20.00"
    assert report.revision == 1 and report.updated_by == second_keeper and not report.is_submitted


def test_of_two_keepers_submitting_one_report_the_first_wins(world, client, second_keeper):
    url = "/reports/JX-0001/monthly/2025-01/"
    with time_machine.travel(at(2025, 2, 3, 10, 42), tick=False):
        client.force_login(second_keeper)
        other = Client()
        other.force_login(world.keeper)
        mine, theirs = revision_on(client.get(url).content.decode()), revision_on(other.get(url).content.decode())

        client.post(url, {"action": "submit", "text": "张三的说明", "revision": mine})
        page = other.post(url, {"action": "submit", "text": "另一份说明", "revision": theirs}, follow=True)
        assert "该报表已被他人（张三，10:42）修改" in page.content.decode()
    report = Report.objects.get(station=world.station_keng, period_start=date(2025, 1, 1), kind="monthly")
    assert report.first_submitted_by == second_keeper and report.version == 1
    assert report.versions.get().data["text"] == "张三的说明"


def test_of_two_api_clients_correcting_one_submitted_report_the_second_gets_409(world, client, second_keeper):
    url = "/api/v1/reports/stations/JX-0001/monthly/2025-01"
    with time_machine.travel(at(2025, 2, 3, 10, 42), tick=False):
        client.force_login(world.keeper)
        out = client.post(f"{url}/submit", json.dumps({"revision": 0}), content_type="application/json").json()
        assert out["version"] == 1 and out["revision"] == 1
    with time_machine.travel(at(2025, 2, 20, 16, 5), tick=False):
        client.force_login(second_keeper)
        other = Client()
        other.force_login(world.keeper)
        revision = client.get(url).json()["revision"]
        assert other.get(url).json()["revision"] == revision

        first = {"revision": revision, "corrections": {"parcel|in": {"count": 3, "reason": "补录快递"}}}
        second = {"revision": revision, "corrections": {"parcel|in": {"count": 5, "reason": "另有两件"}}}
        first = client.post(f"{url}/submit", json.dumps(first), content_type="application/json")
        second = other.post(f"{url}/submit", json.dumps(second), content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    assert second.status_code == 409
    assert second.json() == {"detail": "该报表已被他人（张三，16:05）修改，请刷新后重新编辑，您的修改未保存。"}
    report = Report.objects.get(station=world.station_keng, period_start=date(2025, 1, 1), kind="monthly")
    assert report.version == 2 and report.versions.get(number=2).data["totals"]["parcel"]["in"] == 3


def test_an_api_submission_refused_after_its_corrections_leaves_nothing_saved(world, client):
    url = "/api/v1/reports/stations/JX-0001/monthly/2025-01"
    client.force_login(world.keeper)
    with time_machine.travel(at(2025, 1, 20), tick=False):  # the month has not ended: submission refused
        body = {"revision": 0, "corrections": {"parcel|in": {"count": 3, "reason": "补录快递"}}}
        response = client.post(f"{url}/submit", json.dumps(body), content_type="application/json")
        assert response.status_code == 422 and "尚未结束" in response.json()["detail"]
        out = client.get(url).json()
    assert out["revision"] == 0 and out["pending_corrections"] == {}


def test_the_board_names_each_stations_township_whatever_its_tier(world, client):
    """A village station's township is its village's parent; a township station's is its own region;
    the county's operations centre lies in no township (the board showed 佳县 and 榆林市 there)."""
    from cunzhan.stations.models import Station, Status, Tier

    Station.objects.create(
        code="JX-T01", name="坑镇服务站", tier=Tier.TOWNSHIP, region=world.regions["610828101"],
        county_code="610828", operating_unit=world.unit, status=Status.OPERATING,
    )  # fmt: skip
    Station.objects.create(
        code="JX-C01", name="佳县运营中心", tier=Tier.COUNTY_CENTRE, region=world.regions["610828"],
        county_code="610828", operating_unit=world.unit, status=Status.OPERATING,
    )  # fmt: skip
    client.force_login(world.county)
    with time_machine.travel(at(2025, 2, 6, 9, 0), tick=False):
        rows = client.get("/api/v1/reports/status?month=2025-01").json()["rows"]
        page = client.get("/reports/board/?month=2025-01").content.decode()
    townships = {r["station_code"]: r["township"] for r in rows}
    assert townships == {"JX-0001": "坑镇", "JX-0002": "店镇", "JX-T01": "坑镇", "JX-C01": ""}
    assert "<td>佳县</td>" not in page and "<td>榆林市</td>" not in page
