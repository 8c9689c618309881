"""What-if (试算): a scheme run over a published period's frozen facts, set beside the published result —
through the editor page, the API and ``cunzhan assess --scheme FILE --compare``. Nothing is saved."""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from cunzhan.assessment import services
from cunzhan.assessment.engine import load_scheme, parse_scheme
from cunzhan.assessment.models import AssessmentResult, SchemeVersion
from cunzhan.assessment.tests.test_services import certify, inspect, no_report_duties, purchases  # noqa: F401
from cunzhan.assessment.whatif import compare
from cunzhan.regions.models import Region, level_of
from cunzhan.stations.models import Station, Status, Tier

# (population, H1 2025 purchases, ratings short of full) of 佳县's stations beside the personas' two: chosen
# around the 500 boundary and the half-year target of 100 (200 a year), and near the 60/90 grade lines
# (no sales: items 8 keep their 5 ledger points, so a full-rated station without orders has 80)
LOW = {"item3_policy_promotion": D(0), "item3_government_info": D(0), "item3_entrepreneurship": D(0)}
STATIONS = [
    (300, 0, {}),
    (450, 50, {}),
    (499, 99, {}),  # 89.90 → 90.00 with a target of 75
    (499, 100, {}),
    (480, 80, {"item2_public_facilities": D(0)}),
    (500, 50, {}),
    (800, 120, {}),
    (1200, 30, {}),
    (400, 60, {**LOW, "item2_public_facilities": D(0), "item10_services": D(0), "item9_no_delay": D(0)}),  # 58 → 60
]


def add_station(world, n: int, population: int) -> Station:
    code = f"610828101{300 + n}"
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": f"试算{n}村", "level": level_of(code), "parent_id": "610828101"}
    )
    station = Station.objects.create(
        code=f"JX-1{n:03d}",
        name=f"试算{n}村站",
        tier=Tier.VILLAGE,
        region=region,
        county_code="610828",
        operating_unit=world.unit,
        status=Status.OPERATING,
    )
    certify(station, population=population)
    return station


@pytest.fixture
def published_h1(world):
    """佳县 2025 H1 computed and published with the shipped scheme: the personas' two stations and eight
    more, every one inspected (some short of full marks), with purchases as STATIONS says."""
    certify(world.station_keng, population=450)
    certify(world.station_dian, population=1000)
    inspect(world.station_keng, world.supervisor, scores={"item1_facilities": D(0)})
    inspect(world.station_dian, world.other_supervisor)
    purchases(world.station_keng, 70)
    for n, (population, orders, scores) in enumerate(STATIONS):
        station = add_station(world, n, population)
        inspect(station, world.supervisor, scores=scores)
        purchases(station, orders, day=date(2025, 4, 2))
    county = world.regions["610828"]
    assessment = services.assessment_compute(acting_user=world.county, county=county, year=2025, period="H1")
    services.assessment_submit_review(acting_user=world.county, assessment=assessment)
    return services.assessment_publish(acting_user=world.county, assessment=assessment)


def half_up(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def lower_band_purchase_target(data: dict, target: int) -> dict:
    changed = copy.deepcopy(data)
    lowest = min(changed["targets"], key=lambda t: t["min_population"])
    lowest["purchase"] = target
    return changed


def test_a_lower_purchase_target_for_the_smallest_villages_moves_exactly_the_stations_short_of_the_old_one(
    published_h1,
):
    edited = lower_band_purchase_target(load_scheme("jia-2020").raw, 150)
    stored_before = list(AssessmentResult.objects.order_by("pk").values_list("pk", "total", "grade", "rank"))

    comparison = compare(published_h1, parse_scheme(edited))

    # expected from the frozen facts alone: below 500 people, some purchases but fewer than the old half-year
    # target (200 × 6/12 = 100); no purchases earn nothing either way, and 100 or more earned the full 10
    published = list(published_h1.results.select_related("station"))
    expected = {
        r.station.code
        for r in published
        if r.status == "assessed" and r.facts["population"] < 500 and 0 < r.facts["purchase_orders"] < 100
    }
    assert expected == {"JX-0001", "JX-1001", "JX-1002", "JX-1004", "JX-1008"}
    assert {r.station for r in comparison.moved} == expected
    # and by how much: the document's rule, 10 × min(1, orders / half-year target), target 100 → 75
    rows = {r.station: r for r in comparison.rows}
    for r in published:
        orders = D(r.facts["purchase_orders"])
        if r.station.code in expected:
            gained = half_up(10 * min(D(1), orders / 75)) - half_up(10 * min(D(1), orders / 100))
            assert rows[r.station.code].delta == gained, r.station.code
    assert rows["JX-1001"].delta == D("1.67")  # 50 purchases: 5.00 → 6.67
    # the lines crossed, from the published totals and those gains
    assert {code: [str(c) for c in row.crossings] for code, row in rows.items() if row.crossings} == {
        "JX-1002": ["升过 90 分"],  # 89.90 → 90.00
        "JX-1008": ["升过 60 分"],  # 58.00 → 60.00
    }
    assert (rows["JX-1002"].before.grade, rows["JX-1002"].after.grade) == ("合格", "优秀")
    # nothing saved: the published results are as they were
    assert list(AssessmentResult.objects.order_by("pk").values_list("pk", "total", "grade", "rank")) == stored_before


def test_a_higher_line_for_excellent_regrades_the_stations_between_without_moving_their_points(published_h1):
    data = copy.deepcopy(load_scheme("jia-2020").raw)
    next(g for g in data["grades"] if g["name"] == "优秀")["min"] = "95"
    comparison = compare(published_h1, parse_scheme(data))
    assert comparison.moved == []
    between = {r.station.code for r in published_h1.results.select_related("station") if D(90) <= (r.total or 0) < 95}
    assert between and {r.station for r in comparison.rows if r.grade_changed} == between


def test_the_editor_tries_an_edit_on_the_published_period_and_saves_nothing(published_h1, client):
    client.force_login(published_h1.computed_by)
    page = client.get("/assessment/schemes/edit/")
    assert page.status_code == 200
    form = page.context["editor"]
    data = _posted(form)
    data["band-0-purchase"] = "150"
    data.update(action="check", try_on=str(published_h1.pk), note="")
    versions = SchemeVersion.objects.count()
    tried = client.post("/assessment/schemes/edit/", data)
    assert tried.status_code == 200
    text = tried.content.decode()
    assert "检查通过" in text
    changes = tried.context["changes"]
    assert [(c.old, c.new) for c in changes] == [("200", "150")]
    assert "代购年目标" in changes[0].label and "0–499 人" in changes[0].label
    comparison = tried.context["comparison"]
    assert {r.station for r in comparison.moved} == {"JX-0001", "JX-1001", "JX-1002", "JX-1004", "JX-1008"}
    assert SchemeVersion.objects.count() == versions  # nothing saved

    data.update(action="adopt", note="")
    refused = client.post("/assessment/schemes/edit/", data)
    assert refused.status_code == 200 and "请说明采用此方案的理由" in refused.content.decode()
    data["note"] = "按 2026 年县政府文件，小村代购目标下调"
    adopted = client.post("/assessment/schemes/edit/", data)
    assert adopted.status_code == 302
    new = SchemeVersion.objects.get(pk=adopted.url.rstrip("/").rsplit("/", 1)[-1])
    assert min(new.data["targets"], key=lambda t: t["min_population"])["purchase"] == 150
    assert new.note.startswith("按 2026 年") and new.created_by == published_h1.computed_by


def _posted(editor) -> dict:
    """What the editor's page would send back unchanged: every field's initial value, and the formsets'
    management forms."""
    data = {}
    for form in editor.forms():
        if hasattr(form, "management_form"):
            for field in form.management_form:
                data[field.html_name] = field.value()
            members = form.forms
        else:
            members = [form]
        for member in members:
            for field in member:
                value = field.value()
                if value is not None and value is not False:
                    data[field.html_name] = value
    return data


def test_assess_compare_prints_the_stations_that_move_as_json(published_h1, world, tmp_path):
    edited = lower_band_purchase_target(load_scheme("jia-2020").raw, 150)
    path = tmp_path / "county.json"
    path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "assess", county="610828", year=2025, period="H1", username=world.county.username,
        scheme=str(path), compare=True, json=True, stdout=out,
    )  # fmt: skip
    payload = json.loads(out.getvalue())
    assert set(payload["moved"]) == {"JX-0001", "JX-1001", "JX-1002", "JX-1004", "JX-1008"}
    station = next(s for s in payload["stations"] if s["station"] == "JX-1001")
    assert (station["before"]["items"]["7"], station["after"]["items"]["7"], station["delta"]) == (
        "10.00",
        "11.67",
        "1.67",
    )


def test_assess_compare_refuses_a_scheme_file_with_problems_and_a_period_not_published(published_h1, world, tmp_path):
    broken = copy.deepcopy(load_scheme("jia-2020").raw)
    broken["items"][0]["max"] = "6"  # 101 in all
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="各项满分之和须为 100"):
        call_command("assess", county="610828", year=2025, period="H1", username=world.county.username,
                     scheme=str(path), compare=True)  # fmt: skip
    with pytest.raises(CommandError, match="尚未发布"):
        call_command("assess", county="610828", year=2025, period="H2", username=world.county.username, compare=True)


def test_the_annual_composite_is_tried_from_both_halves_frozen_facts(published_h1, world):
    county = world.regions["610828"]
    for result in published_h1.results.select_related("station"):
        inspect(result.station, world.supervisor, half="H2")
    h2 = services.assessment_compute(acting_user=world.county, county=county, year=2025, period="H2")
    services.assessment_submit_review(acting_user=world.county, assessment=h2)
    services.assessment_publish(acting_user=world.county, assessment=h2)
    annual = services.assessment_compute(acting_user=world.county, county=county, year=2025, period="annual")
    services.assessment_submit_review(acting_user=world.county, assessment=annual)
    annual = services.assessment_publish(acting_user=world.county, assessment=annual)
    data = copy.deepcopy(load_scheme("jia-2020").raw)
    data["periods"]["h1_weight"], data["periods"]["h2_weight"] = "0.4", "0.6"

    comparison = compare(annual, parse_scheme(data))

    # expected from the published halves alone: 0.4 × H1 + 0.6 × H2 (no daily-supervision events here)
    h1 = {r.station.code: r.total for r in published_h1.results.select_related("station")}
    h2_totals = {r.station.code: r.total for r in h2.results.select_related("station")}
    for row in comparison.rows:
        assert row.after.total == half_up(D("0.4") * h1[row.station] + D("0.6") * h2_totals[row.station])
    assert comparison.moved and {r.station for r in comparison.moved} == {c for c in h1 if h1[c] != h2_totals[c]}
