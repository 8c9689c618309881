"""The assessment through its services and pages: compute, fill, publish, freeze, correct, rectify."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cunzhan.assessment import computation, selectors, services
from cunzhan.assessment.computation import period_of
from cunzhan.assessment.facts import gather_period
from cunzhan.assessment.models import Assessment, Status
from cunzhan.core.scoping import OutOfScope
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.stations.models import Station
from cunzhan.supervision.models import Inspection, InspectionRating
from cunzhan.supervision.rating_items import RATING_ITEMS

TZ = timezone.get_default_timezone()


def certify(station, *, on=date(2023, 6, 1), population=800):
    Station.objects.filter(pk=station.pk).update(
        certified_at=datetime(on.year, on.month, on.day, 10, tzinfo=TZ), resident_population=population
    )


def inspect(station, inspector, *, year=2025, half="H1", scores=None):
    inspection = Inspection.objects.create(
        station=station,
        year=year,
        half=half,
        inspector=inspector,
        inspected_at=datetime(year, 6 if half == "H1" else 12, 20, 10, tzinfo=TZ),
    )
    scores = scores or {}
    InspectionRating.objects.bulk_create(
        [
            InspectionRating(
                inspection=inspection,
                key=item.key,
                score=scores.get(item.key, item.max),
                comment="" if scores.get(item.key, item.max) == item.max else "扣分",
            )
            for item in RATING_ITEMS
        ]
    )
    return inspection


def purchases(station, n, day=date(2025, 3, 1)):
    ProxyPurchase.objects.bulk_create(
        [
            ProxyPurchase(
                station=station,
                county_code=station.county_code,
                occurred_on=day,
                row_key=uuid.uuid4().hex,
                product_name="化肥",
                quantity=D(1),
                amount=D("10.00"),
                platform="拼多多",
            )
            for _ in range(n)
        ]
    )


@pytest.fixture(autouse=True)
def no_report_duties(monkeypatch):
    """These tests are about the assessment workflow; reporting duties (item 6) have their own test
    below and in the reports app. The test stations never file reports, which would cost them item 6."""
    monkeypatch.setattr("cunzhan.assessment.evidence.report_lapses", lambda *args, **kwargs: {})


@pytest.fixture
def county_world(world):
    for s in (world.station_keng, world.station_dian):
        certify(s)
    return world


def result_of(assessment, code):
    return assessment.results.get(station__code=code)


def test_a_station_without_ratings_is_incomplete_and_blocks_publication(county_world):
    w = county_world
    inspect(w.station_keng, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    assert result_of(a, "JX-0001").status == "assessed"
    assert result_of(a, "JX-0002").status == "incomplete"
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    with pytest.raises(ValidationError, match="JX-0002"):
        services.assessment_publish(acting_user=w.county, assessment=a)


def test_fill_publish_then_a_ledger_change_leaves_the_published_result_alone(county_world, client):
    w = county_world
    county = w.regions["610828"]
    inspect(w.station_keng, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="H1")
    inspect(w.station_dian, w.other_supervisor, scores={"item2_public_facilities": D(1)})
    a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="H1")
    keng, dian = result_of(a, "JX-0001"), result_of(a, "JX-0002")
    assert keng.total == D("80.00")  # no orders: items 7 and 8 keep only their ledger 5 points
    assert dian.total == D("78.00")
    assert (keng.rank, dian.rank) == (1, 2)
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    services.assessment_publish(acting_user=w.county, assessment=a)
    purchases(w.station_dian, 400)  # a late ledger import after publication
    a.refresh_from_db()
    assert result_of(a, "JX-0002").total == D("78.00")
    page = client.get("/public/assessments/610828/2025/H1/").content.decode()
    assert "78.00" in page and "88.00" not in page
    correction = services.assessment_correct(acting_user=w.county, assessment=a, reason="补录代购台账")
    assert result_of(correction, "JX-0002").total == D("88.00") and correction.version == 2
    assert "78.00" in client.get("/public/assessments/610828/2025/H1/").content.decode()
    services.assessment_submit_review(acting_user=w.county, assessment=correction)
    services.assessment_publish(acting_user=w.county, assessment=correction)
    a.refresh_from_db()
    assert a.status == Status.SUPERSEDED
    page = client.get("/public/assessments/610828/2025/H1/").content.decode()
    assert "88.00" in page and "补录代购台账" in page


def test_a_published_period_cannot_be_recomputed_in_place(county_world):
    w = county_world
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    services.assessment_publish(acting_user=w.county, assessment=a)
    with pytest.raises(ValidationError, match="更正"):
        services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    with pytest.raises(ValidationError, match="理由"):
        services.assessment_correct(acting_user=w.county, assessment=a, reason="  ")
    from cunzhan.core.periods import is_frozen

    assert is_frozen("610828", date(2025, 3, 1)) and not is_frozen("610828", date(2025, 8, 1))


def test_other_roles_cannot_compute_or_publish(county_world):
    from django.core.exceptions import PermissionDenied

    w = county_world
    for persona in ("supervisor", "operator", "keeper", "city"):
        with pytest.raises(PermissionDenied):
            services.assessment_compute(
                acting_user=w.users[persona], county=w.regions["610828"], year=2025, period="H1"
            )
    with pytest.raises(OutOfScope, match="管辖范围"):
        services.assessment_compute(acting_user=w.other_county, county=w.regions["610828"], year=2025, period="H1")


def test_incubation_is_listed_not_ranked(county_world):
    w = county_world
    certify(w.station_dian, on=date(2025, 2, 1))
    inspect(w.station_keng, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    dian = result_of(a, "JX-0002")
    assert dian.status == "incubation" and dian.rank is None and dian.total is None


def test_annual_composite_uses_the_published_halves_and_daily_supervision(county_world):
    from cunzhan.supervision.models import SupervisionEvent

    w = county_world
    county = w.regions["610828"]
    for half in ("H1", "H2"):
        inspect(w.station_keng, w.supervisor, half=half)
        inspect(w.station_dian, w.supervisor, half=half, scores={"item10_services": D(5)} if half == "H2" else {})
        a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period=half)
        services.assessment_submit_review(acting_user=w.county, assessment=a)
        services.assessment_publish(acting_user=w.county, assessment=a)
    SupervisionEvent.objects.create(
        station=w.station_keng,
        kind="not_cooperating",
        occurred_on=date(2025, 9, 1),
        description="拒绝配合",
        status="verified",
        recorded_by=w.supervisor,
        recorded_at=timezone.now(),
    )
    annual = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="annual")
    keng, dian = result_of(annual, "JX-0001"), result_of(annual, "JX-0002")
    assert (keng.h1, keng.h2, keng.deductions, keng.total) == (D("80.00"), D("80.00"), D("10.00"), D("70.00"))
    assert (dian.h1, dian.h2, dian.total, dian.rank) == (D("80.00"), D("75.00"), D("77.50"), 1)


def test_a_failing_station_is_ordered_to_rectify_and_revoked_when_it_fails_again(county_world):
    w = county_world
    low = {item.key: D(0) for item in RATING_ITEMS}
    inspect(w.station_keng, w.supervisor, scores=low)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    keng = result_of(a, "JX-0001")
    assert keng.grade == "不合格"
    with pytest.raises(ValidationError):
        services.rectification_order(acting_user=w.county, result=keng, deadline=date(2030, 1, 1), requirements="x")
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    services.assessment_publish(acting_user=w.county, assessment=a)
    with pytest.raises(ValidationError, match="不合格"):
        services.rectification_order(
            acting_user=w.county, result=result_of(a, "JX-0002"), deadline=date(2030, 1, 1), requirements="x"
        )
    order = services.rectification_order(
        acting_user=w.county, result=keng, deadline=date(2030, 1, 1), requirements="一个月内补齐台账"
    )
    w.station_keng.refresh_from_db()
    assert w.station_keng.status == "rectifying"
    services.rectification_close(acting_user=w.county, rectification=order, passed=False, note="复查仍不达标")
    w.station_keng.refresh_from_db()
    assert w.station_keng.status == "revoked"


def test_a_keeper_reads_why_they_lost_points(county_world, client):
    w = county_world
    inspect(w.station_keng, w.supervisor, scores={"item2_public_facilities": D(0)})
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    services.assessment_publish(acting_user=w.county, assessment=a)
    client.force_login(w.keeper)
    page = client.get(f"/assessment/results/{result_of(a, 'JX-0001').pk}/").content.decode()
    assert "公共设施干净整洁" in page and "-3.00" in page
    assert client.get(f"/assessment/results/{result_of(a, 'JX-0002').pk}/").status_code == 404


def test_the_scheme_is_locked_once_used_by_a_published_result(county_world):
    w = county_world
    county = w.regions["610828"]
    scheme = services.scheme_copy(acting_user=w.county, county=county)
    data = dict(scheme.data)
    data["items"] = [dict(i) for i in data["items"]]
    data["items"][5]["per_late"] = "1"
    services.scheme_update(acting_user=w.county, scheme=scheme, data=data)
    assert selectors.scheme_for_county(county).pk == scheme.pk
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="H1")
    assert a.scheme_id == scheme.pk
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    services.assessment_publish(acting_user=w.county, assessment=a)
    with pytest.raises(ValidationError, match="复制"):
        services.scheme_update(acting_user=w.county, scheme=scheme, data=data)
    bad = {**data, "items": [{**data["items"][0], "max": "abc"}]}
    fresh = services.scheme_copy(acting_user=w.county, county=county)
    with pytest.raises(ValidationError, match="不是数字"):
        services.scheme_update(acting_user=w.county, scheme=fresh, data=bad)


def test_facts_are_gathered_with_a_fixed_number_of_queries(county_world, django_assert_max_num_queries):
    w = county_world
    scheme = selectors.default_scheme()
    from cunzhan.assessment.engine import parse_scheme

    period = period_of(parse_scheme(scheme.data), 2025, "H1")
    gather_period("610828", period)  # builds the monthly aggregates the order counts come from
    # 13 aggregate queries, plus 9 to find that the aggregates are current (each ledger's newest id, a
    # probe per ledger, the log)
    with django_assert_max_num_queries(22) as few:
        gather_period("610828", period)
    for n in range(30):
        s = Station.objects.create(
            code=f"JX-1{n:03d}",
            name="x",
            tier="village",
            region=w.regions["610828101201"],
            county_code="610828",
            status="operating",
        )
        certify(s)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(gather_period("610828", period)) == 32


def test_the_command_prints_the_documented_json(county_world, capsys):
    w = county_world
    inspect(w.station_keng, w.supervisor)
    purchases(w.station_keng, 200)  # the half-year target of a 800-person village
    call_command("assess", county="610828", year=2025, period="H1", json=True, username="county")
    out = json.loads(capsys.readouterr().out)
    assert out["county"] == "610828" and out["year"] == 2025 and out["period"] == "H1" and out["scheme"] == "jia-2020"
    assert out["as"] == "county" and out["writes"] == {"assessment_results": 0, "ledger_station_months_recounted": 1}
    keng = next(s for s in out["stations"] if s["station"] == "JX-0001")
    assert keng == {
        "station": "JX-0001",
        "status": "assessed",
        "items": {
            "1": "5.00",
            "2": "5.00",
            "3": "5.00",
            "4": "5.00",
            "5": "10.00",
            "6": "10.00",
            "7": "15.00",
            "8": "5.00",
            "9": "15.00",
            "10": "15.00",
        },
        "total": "90.00",
        "grade": "优秀",
        "rank": 1,
    }
    dian = next(s for s in out["stations"] if s["station"] == "JX-0002")
    assert dian["status"] == "incomplete" and dian["total"] is None and dian["rank"] is None
    call_command("assess", county="610828", year=2025, period="annual", json=True, username="county")
    annual = json.loads(capsys.readouterr().out)
    assert set(annual["stations"][0]) == {"station", "status", "h1", "h2", "deductions", "total", "grade", "rank"}
    assert Assessment.objects.count() == 0  # the command computes, it does not save


# -- many counties at once (a province) -------------------------------------------------------------


def _two_counties_with_facts(w):
    """佳县 and 寻乌县 with certified, inspected stations and a little of every kind of fact."""
    from cunzhan.activities.models import Attendance, MarketingActivity, Training
    from cunzhan.supervision.models import Complaint

    certify(w.station_xunwu)
    inspect(w.station_keng, w.supervisor, scores={"item2_public_facilities": D(1)})
    inspect(w.station_dian, w.supervisor)
    inspect(w.station_xunwu, w.supervisor, scores={"item10_services": D(3)})
    purchases(w.station_keng, 150)
    purchases(w.station_xunwu, 30)
    training = Training.objects.create(
        organiser="运营单位",
        topic="直播带货",
        start_date=date(2025, 3, 10),
        days=D(1),
        county=w.regions["610828"],
        created_by=w.admin,
    )
    training.required_stations.set([w.station_keng, w.station_dian])
    Attendance.objects.create(
        training=training,
        station=w.station_keng,
        person_name="站长",
        status="late",
        test_result="fail",
        recorded_by=w.admin,
        recorded_at=timezone.now(),
    )
    activity = MarketingActivity.objects.create(
        county=w.regions["360734"],
        organiser="县电商中心",
        title="年货节",
        start_date=date(2025, 1, 10),
        end_date=date(2025, 1, 20),
        report_due_at=datetime(2025, 1, 25, tzinfo=TZ),
        created_by=w.admin,
    )
    activity.required_stations.set([w.station_xunwu])
    Complaint.objects.create(
        station=w.station_xunwu,
        kind="parcel",
        received_at=datetime(2025, 4, 1, 10, tzinfo=TZ),
        description="丢件",
        status="verified",
        recorded_by=w.admin,
        recorded_at=timezone.now(),
    )
    return [w.regions["610828"], w.regions["360734"]]


def _snapshot(assessments):
    from cunzhan.assessment.models import AssessmentResult

    fields = ("status", "total", "grade", "rank", "items", "lines", "missing", "facts", "subsidy", "h1", "h2")
    rows = AssessmentResult.objects.filter(assessment__in=assessments).select_related("station")
    return {r.station.code: {f: getattr(r, f) for f in fields} for r in rows}


@pytest.mark.parametrize("processes", [1, 2])
def test_many_counties_at_once_give_the_per_county_results(county_world, monkeypatch, processes):
    w = county_world
    counties = _two_counties_with_facts(w)
    now = datetime(2026, 1, 10, tzinfo=TZ)
    one_by_one = [
        services.assessment_compute(acting_user=w.admin, county=c, year=2025, period="H1", now=now) for c in counties
    ]
    expected = _snapshot(one_by_one)
    assert set(expected) == {"JX-0001", "JX-0002", "XW-0001"}
    assert expected["JX-0001"]["facts"]["late"] == 1 and expected["XW-0001"]["facts"]["parcel_complaints"] == 1
    assert expected["XW-0001"]["facts"]["missed_activities"] == 1 and expected["XW-0001"]["rank"] == 1
    # the batch recomputes the same open drafts; with processes=2 a forked process takes one county
    monkeypatch.setattr(computation, "PARALLEL_MIN_STATIONS", 0)
    monkeypatch.setattr("django.conf.settings.ASSESSMENT_PROCESSES", processes, raising=False)
    many = services.assessment_compute_many(acting_user=w.admin, counties=counties, year=2025, period="H1", now=now)
    assert [a.pk for a in many] == [a.pk for a in one_by_one]
    assert all(a.computed_at == now and a.status == Status.DRAFT for a in many)
    assert _snapshot(many) == expected
    # and from nothing: new drafts, the same results
    Assessment.objects.all().delete()
    fresh = services.assessment_compute_many(acting_user=w.admin, counties=counties, year=2025, period="H1", now=now)
    assert _snapshot(fresh) == expected


def test_many_counties_refuse_a_published_period(county_world):
    w = county_world
    counties = _two_counties_with_facts(w)
    a = services.assessment_compute(acting_user=w.admin, county=counties[0], year=2025, period="H1")
    services.assessment_submit_review(acting_user=w.admin, assessment=a)
    services.assessment_publish(acting_user=w.admin, assessment=a)
    with pytest.raises(ValidationError, match="更正"):
        services.assessment_compute_many(acting_user=w.admin, counties=counties, year=2025, period="H1")
    with pytest.raises(OutOfScope, match="管辖范围"):
        services.assessment_compute_many(acting_user=w.county, counties=counties, year=2025, period="H1")
    assert not Assessment.objects.filter(county=counties[1]).exists()  # all or nothing


def test_gathering_many_counties_takes_a_fixed_number_of_queries(county_world, django_assert_max_num_queries):
    from cunzhan.assessment.engine import parse_scheme
    from cunzhan.assessment.facts import gather_period_many

    w = county_world
    _two_counties_with_facts(w)
    period = period_of(parse_scheme(selectors.default_scheme().data), 2025, "H1")
    gather_period_many(["610828", "360734"], period)  # builds the monthly aggregates
    with django_assert_max_num_queries(22) as one:
        gather_period_many(["610828"], period)
    with django_assert_max_num_queries(len(one.captured_queries)):
        both = gather_period_many(["610828", "360734"], period)
    assert [len(both[c]) for c in ("610828", "360734")] == [2, 1]
    for n in range(40):
        s = Station.objects.create(
            code=f"ZZ-{n:03d}",
            name="x",
            tier="village",
            region=w.regions["610828101201" if n % 2 else "360734100201"],
            county_code="610828" if n % 2 else "360734",
            status="operating",
        )
        certify(s)
        inspect(s, w.supervisor)
        purchases(s, 2)
    from cunzhan.ledgers.aggregates import refresh_counties

    assert refresh_counties(["610828", "360734"]) == 40  # the new station-months, recounted
    with django_assert_max_num_queries(len(one.captured_queries)):
        both = gather_period_many(["610828", "360734"], period)
    assert [len(both[c]) for c in ("610828", "360734")] == [22, 21]
    assert all(f.ratings and f.purchase_orders == 2 for f in both["360734"] if f.station.startswith("ZZ"))


def test_an_explanation_reads_in_the_pages_language(county_world, client):
    """The engine keeps each line's message and arguments: an English page shows the line in English;
    the stored text (and a line stored before messages were kept) stays the Chinese."""
    from cunzhan.assessment.links import line_text

    w = county_world
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    result = result_of(a, "JX-0001")
    orders = next(line for item in result.items for line in item["lines"] if line["message"].startswith("代购"))
    assert orders["text"].startswith("代购 0 单，服务人口 800 人对应年目标 400 单，本期 6 个月目标 200 单")
    client.force_login(w.county)
    chinese = client.get(f"/assessment/results/{result.pk}/").content.decode()
    assert orders["text"] in chinese
    client.cookies["django_language"] = "en"
    english = client.get(f"/assessment/results/{result.pk}/").content.decode()
    assert "Proxy purchases: 0 orders; a population of 800 sets a yearly target of 400" in english
    assert orders["text"] not in english
    assert line_text({"text": "旧的说明", "points": "-1.00", "refs": []}) == "旧的说明"


def test_the_results_table_names_its_items(county_world, client):
    """Columns headed by the items' short names, the full name and maximum on hover and in a legend a
    phone or a printout can read; the Excel export names them too."""
    from python_calamine import CalamineWorkbook

    w = county_world
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=w.regions["610828"], year=2025, period="H1")
    client.force_login(w.county)
    page = client.get(f"/assessment/{a.pk}/").content.decode()
    assert '<abbr title="第1项 设施设备使用维护（满分 5）">设施设备</abbr>' in page
    assert "10. 提供便民服务情况（满分 15）" in page
    assert ">1</th>" not in page
    export = b"".join(client.get(f"/assessment/{a.pk}/export.xlsx").streaming_content)
    header = CalamineWorkbook.from_filelike(io.BytesIO(export)).get_sheet_by_index(0).to_python()[0]
    assert header[4:6] == ["第1项 设施设备", "第2项 卫生保洁"]


def test_with_the_four_eyes_rule_another_account_must_publish(county_world, client):
    """A county starting now has the rule on: the clerk who computed cannot publish; another account
    with the right can, after a confirmation saying what becomes public."""
    from cunzhan.accounts.models import User
    from cunzhan.assessment.models import PublicationSettings
    from cunzhan.conftest import PASSWORD
    from cunzhan.core.roles import Role

    w = county_world
    county = w.regions["610828"]
    PublicationSettings.objects.filter(county=county).delete()  # a county with no settings: the default
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="H1")
    assert a.computed_by == w.county
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    with pytest.raises(ValidationError, match="四眼原则"):
        services.assessment_publish(acting_user=w.county, assessment=a)
    client.force_login(w.county)
    page = client.get(f"/assessment/{a.pk}/publish/").content.decode()
    assert "须由本县另一有发布权限的账号审核发布" in page and "确认发布</button>" not in page
    colleague = User.objects.create_user(
        username="county2", password=PASSWORD, display_name="县电商办二", role=Role.COUNTY_OFFICE, region=county,
        must_change_password=False,
    )  # fmt: skip
    client.force_login(colleague)
    page = client.get(f"/assessment/{a.pk}/publish/").content.decode()
    assert "发布后，以下内容将在公示页面向公众公开" in page and "等级：优秀 0 个，合格 2 个，不合格 0 个" in page
    assert "公示期 7 天" in page and "尚未设置监督电话" in page
    # a county that set nothing has no supervision phone either: no 公示 without one (below)
    assert "确认发布</button>" not in page and "公示须载明监督电话" in page
    services.publication_settings_update(acting_user=colleague, county=county, supervision_phone="0912-7212345")
    assert client.post(f"/assessment/{a.pk}/publish/").status_code == 302
    a.refresh_from_db()
    assert a.status == Status.PUBLISHED and a.published_by == colleague


def test_a_result_is_not_published_without_a_supervision_phone(county_world, client):
    """A 公示 names whom to call: with no supervision phone set, publishing is refused in Chinese — by
    the service (and so the API), and the confirmation offers no button but the way to the settings."""
    from cunzhan.assessment.models import PublicationSettings

    w = county_world
    county = w.regions["610828"]
    PublicationSettings.objects.filter(county=county).update(supervision_phone="  ")
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor)
    a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="H1")
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    with pytest.raises(ValidationError) as refused:
        services.assessment_publish(acting_user=w.county, assessment=a)
    assert refused.value.messages == [
        "本县尚未设置监督电话，不能发布：公示须载明监督电话。请先在“考核结果发布设置”中填写监督电话。"
    ]
    client.force_login(w.county)
    page = client.get(f"/assessment/{a.pk}/publish/").content.decode()
    assert "公示须载明监督电话" in page and "确认发布</button>" not in page and 'href="/assessment/settings/"' in page
    page = client.post(f"/assessment/{a.pk}/publish/").content.decode()
    assert page.count("公示须载明监督电话") == 1  # said once, not as an error and a warning both
    answer = client.post(f"/api/v1/assessments/{a.pk}/publish")
    assert answer.status_code == 422 and "监督电话" in str(answer.json())
    a.refresh_from_db()
    assert a.status == Status.REVIEW and a.published_at is None
    services.publication_settings_update(acting_user=w.county, county=county, supervision_phone="0912-7212345")
    services.assessment_publish(acting_user=w.county, assessment=a)
    assert a.status == Status.PUBLISHED


def test_the_county_office_sets_how_it_publishes(county_world, client):
    from cunzhan.assessment.selectors import publication_settings

    w = county_world
    client.force_login(w.county)
    answer = client.post(
        "/assessment/settings/",
        {"separate_reviewer": "on", "publicity_days": "5", "supervision_phone": "0912-1234567", "issuing_office": ""},
    )
    assert answer.status_code == 302
    rules = publication_settings(w.regions["610828"])
    assert (rules.separate_reviewer, rules.publicity_days, rules.supervision_phone) == (True, 5, "0912-1234567")
    bad = client.post("/assessment/settings/", {"publicity_days": "0"}).content.decode()
    assert "确保该值大于或等于1" in bad or "大于或等于" in bad
    client.force_login(w.operator)
    assert client.get("/assessment/settings/").status_code == 403


def test_the_public_ranking_states_its_publicity_period_and_supervision_phone(county_world, client):
    """A 公示 says how long it stands and whom to call; every row keeps its subsidy cell, even empty."""
    from cunzhan.assessment.models import PublicationSettings

    w = county_world
    county = w.regions["610828"]
    PublicationSettings.objects.filter(county=county).update(publicity_days=5, supervision_phone="0912-7212345")
    services.subsidy_rules_set(acting_user=w.county, county=county, amounts={("合格", "village"): D(1500)})
    inspect(w.station_keng, w.supervisor)
    inspect(w.station_dian, w.supervisor, scores={"item2_public_facilities": D(0), "item3_policy_promotion": D(0)})
    Station.objects.filter(pk=w.station_dian.pk).update(tier="township")  # a tier with no subsidy set
    a = services.assessment_compute(acting_user=w.county, county=county, year=2025, period="H1")
    services.assessment_submit_review(acting_user=w.county, assessment=a)
    with time_machine.travel(datetime(2025, 7, 10, 9, tzinfo=TZ), tick=False):
        services.assessment_publish(acting_user=w.county, assessment=a)
    page = client.get("/public/assessments/610828/2025/H1/").content.decode()
    assert "公示期：2025-07-10 至 2025-07-15" in page and "监督电话：0912-7212345" in page
    assert "佳县电商办" in page
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    assert len(rows) == 2 and all(row.count("<td") == 5 for row in rows)  # the empty subsidy is a cell too
    assert "1,500.00" in page
