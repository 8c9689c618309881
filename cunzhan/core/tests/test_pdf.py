"""The three print-ready documents render as PDF, and reading them back (pypdf) finds what a county puts
on paper: A4 pages, each numbered "第 n 页，共 N 页"; the Chinese title, the scheme's name and version, every
station with its total and grade, every explanation line, the totals, the publicity period and the
phone; and a table long enough to run over pages has its header again at the top of each."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from cunzhan.assessment import services as assessment
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.links import line_text
from cunzhan.assessment.models import PublicationSettings
from cunzhan.assessment.tests.test_services import certify, inspect

TZ = timezone.get_default_timezone()


A4 = (595.28, 841.89)  # points, portrait


def pages_of(response) -> list[str]:
    """Each page's text, its whitespace removed (wrapped cells joined), after checking that every page
    is A4 (upright or landscape) and numbered."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    texts = ["".join(page.extract_text().split()) for page in reader.pages]
    for n, page in enumerate(reader.pages, start=1):
        size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert size == pytest.approx(list(A4), abs=0.5), (n, size)
        assert f"第{n}页，共{len(texts)}页" in texts[n - 1]
    return texts


def text_of(response) -> str:
    return "".join(pages_of(response))


@pytest.fixture
def published(world):
    county = world.regions["610828"]
    PublicationSettings.objects.filter(county=county).update(supervision_phone="0912-7212345", publicity_days=7)
    for station in (world.station_keng, world.station_dian):
        certify(station)
    inspect(world.station_keng, world.supervisor)
    inspect(world.station_dian, world.supervisor, scores={"item2_public_facilities": D(1)})
    a = assessment.assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
    assessment.assessment_submit_review(acting_user=world.county, assessment=a)
    with time_machine.travel(datetime(2025, 7, 10, 9, tzinfo=TZ), tick=False):
        assessment.assessment_publish(acting_user=world.county, assessment=a)
    return a


def test_the_published_ranking_notice(published, client):
    text = text_of(client.get("/public/assessments/610828/2025/H1/notice.pdf"))
    assert "佳县农村电子商务服务站2025年上半年考核结果公示" in text
    scheme = published.scheme
    assert f"考核方案：{scheme.name}（方案第{scheme.version}版）".replace(" ", "") in text
    for result in published.results.select_related("station"):
        assert result.station.name in text and str(result.total) in text
        # the row reads rank, station, the ten items' scores, total, grade
        row = f"{result.rank}{result.station.name}" + "".join(str(i["score"]) for i in result.items)
        assert f"{row}{result.total}{result.grade}" in text
    assert "设施设备" in text and "公示期：2025年7月10日至2025年7月17日" in text
    assert "监督电话：0912-7212345" in text and "佳县电商办" in text and "（盖章）" in text
    assert "第1页，共" in text


def test_a_stations_result_sheet_with_every_explanation_line(published, client):
    result = published.results.get(station__code="JX-0002")
    client.force_login(published.created_by)
    text = text_of(client.get(f"/assessment/results/{result.pk}/sheet.pdf"))
    assert "刘家坪村站考核结果" in text and str(result.total) in text and result.grade in text
    assert "“公共设施干净整洁”实地察看评分1/3" in text  # an explanation line, as the page shows it
    lines = [line for item in result.items for line in item["lines"]] + list(result.lines)
    assert len(lines) >= 4  # the rating lost, and the orders short of their targets
    for line in lines:  # every one of them
        assert "".join(line_text(line).split()) in text, line_text(line)
    for item in result.items:
        assert f"{item['no']}.{item['name']}{item['score']}" in text
    client.force_login(published.created_by)
    assert client.get(f"/assessment/results/{result.pk}/sheet.pdf").status_code == 200


def test_the_operating_units_monthly_statistics_table(world, client):
    from datetime import date

    from cunzhan.ledgers import services as ledgers

    ledgers.entry_create(
        acting_user=world.keeper, kind="purchase", station=world.station_keng, occurred_on=date(2025, 3, 2),
        product_name="复合肥", quantity=2, amount="236.50", platform="拼多多",
    )  # fmt: skip
    client.force_login(world.operator)
    text = text_of(client.get("/reports/consolidated.pdf?county=610828&month=2025-03"))
    assert "佳县2025年3月站点运营情况统计报表" in text and "佳县运营公司" in text
    assert "高家坬村站" in text and "刘家坪村站" in text and "236.50" in text
    assert "制表人：" in text and "审核人：" in text and "品名明细" in text and "复合肥" in text


def test_a_long_ranking_repeats_its_header_on_every_page(world, client):
    """Forty-odd stations fill more than one page of the notice: each page starts with the table's header
    (the items' short names), and every station is there once."""
    from cunzhan.stations.models import Station

    county = world.regions["610828"]
    template = world.station_keng
    for n in range(3, 46):
        Station.objects.create(
            code=f"JX-{n:04d}", name=f"测试{n}号站", tier=template.tier, region=template.region,
            county_code="610828", operating_unit=world.unit, status=template.status,
        )  # fmt: skip
    stations = list(Station.objects.filter(county_code="610828"))
    for station in stations:
        certify(station)
        inspect(station, world.supervisor)
    a = assessment.assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
    assessment.assessment_submit_review(acting_user=world.county, assessment=a)
    assessment.assessment_publish(acting_user=world.county, assessment=a)
    pages = pages_of(client.get("/public/assessments/610828/2025/H1/notice.pdf"))
    assert len(pages) >= 2
    first_item = parse_scheme(a.scheme.data).items[0].short
    header = f"排名服务站{first_item}"
    assert all(header in page for page in pages[:-1]), [page[:80] for page in pages]
    text = "".join(pages)
    for station in stations:
        assert text.count(station.name) == 1, station.name


def test_a_long_product_list_repeats_its_header_and_the_totals_are_printed(world, client):
    from datetime import date

    from cunzhan.ledgers import services as ledgers

    for n in range(70):
        ledgers.entry_create(
            acting_user=world.keeper, kind="purchase", station=world.station_keng,
            occurred_on=date(2025, 3, 1 + n % 28), product_name=f"商品{n:02d}", quantity=1, amount="10.25",
            platform="拼多多",
        )  # fmt: skip
    client.force_login(world.operator)
    pages = pages_of(client.get("/reports/consolidated.pdf?county=610828&month=2025-03"))
    detail = [page for page in pages if "商品" in page]
    assert len(detail) >= 2
    assert all("品名" in page and "金额" in page for page in detail)  # the header again on each page
    text = "".join(pages)
    assert all(f"商品{n:02d}" in text for n in range(70))
    assert "合计" in text and "717.50" in text  # 70 × 10.25, the station's and the total's row
