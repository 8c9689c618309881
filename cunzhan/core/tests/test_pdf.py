"""The three print-ready documents render as PDF, and reading their text back finds what a county puts
on paper: the Chinese title, every station and every total, the publicity period and the phone."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from cunzhan.assessment import services as assessment
from cunzhan.assessment.models import PublicationSettings
from cunzhan.assessment.tests.test_services import certify, inspect

TZ = timezone.get_default_timezone()


def text_of(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)  # wrapped cells joined


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
    for result in published.results.select_related("station"):
        assert result.station.name in text and str(result.total) in text
    assert "设施设备" in text and "公示期：2025年7月10日至2025年7月17日" in text
    assert "监督电话：0912-7212345" in text and "佳县电商办" in text and "（盖章）" in text
    assert "第1页，共" in text


def test_a_stations_result_sheet_with_every_explanation_line(published, client):
    result = published.results.get(station__code="JX-0002")
    client.force_login(published.created_by)
    text = text_of(client.get(f"/assessment/results/{result.pk}/sheet.pdf"))
    assert "刘家坪村站考核结果" in text and str(result.total) in text
    assert "“公共设施干净整洁”实地察看评分1/3" in text  # an explanation line, as the page shows it
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
