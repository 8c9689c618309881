"""A scheme a clerk can read and edit: the document's table, the editor's checks in Chinese, adoption as a
new version with its reason, the difference between two versions — on the pages and through the API."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cunzhan.assessment.engine import load_scheme
from cunzhan.assessment.models import SchemeVersion
from cunzhan.assessment.scheme_services import scheme_adopt
from cunzhan.assessment.scheme_table import scheme_diff
from cunzhan.assessment.scheme_validation import problems_of
from cunzhan.assessment.selectors import default_scheme, scheme_for_county
from cunzhan.assessment.tests.test_whatif import _posted


def shipped() -> dict[str, Any]:
    return copy.deepcopy(load_scheme("jia-2020").raw)


def item(data: dict[str, Any], no: int) -> dict[str, Any]:
    return next(i for i in data["items"] if i["no"] == no)


def band(data: dict[str, Any], lowest: int) -> dict[str, Any]:
    return next(t for t in data["targets"] if t["min_population"] == lowest)


def send(client, method, path, data=None):
    return getattr(client, method)(path, data or {}, content_type="application/json")


def test_the_shipped_scheme_has_no_problem():
    assert problems_of(shipped()) == []


def _sub_above_item(d):
    item(d, 2)["sub"][0]["max"] = "6"


def _maxima_101(d):
    item(d, 1)["max"] = "6"
    item(d, 1)["sub"][0]["max"] = "6"


def _gap(d):
    band(d, 500)["min_population"] = 600


def _overlap(d):
    band(d, 0)["max_population"] = 700


def _negative(d):
    item(d, 4)["per_absence"] = "-2"


def _three_places(d):
    item(d, 6)["per_late"] = "0.125"


def _no_grade_from_zero(d):
    next(g for g in d["grades"] if g["name"] == "不合格")["min"] = "10"


def _weights(d):
    d["periods"]["h1_weight"] = "0.6"


def _top_band_closed(d):
    band(d, 2001)["max_population"] = 5000


def _sub_above_the_inspection_form(d):
    item(d, 9)["sub"][1]["max"] = "12"
    item(d, 9)["sub"][0]["max"] = "3"


def _zero_target(d):
    band(d, 1000)["sale"] = 0


def _threshold(d):
    d["integrity"] = {"burst_orders": 0}


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            _sub_above_item,
            "items.2.sub.item2_public_facilities.max",
            "子项“公共设施干净整洁”满分 6 超过第2项“营业场所卫生保洁”的满分 5",
        ),
        (_maxima_101, "items.total", "各项满分之和须为 100 分，现为 101 分"),
        (_gap, "targets", "人口段“0–499 人”与“600–999 人”之间缺 500–599 人"),
        (_overlap, "targets", "人口段“0–700 人”与“500–999 人”重叠"),
        (_negative, "items.4.per_absence", "不能为负数"),
        (_three_places, "items.6.per_late", "最多保留两位小数"),
        (_no_grade_from_zero, "grades", "须有一个从 0 分起的等级"),
        (_weights, "periods.h2_weight", "权重之和须为 1（现为 1.1）"),
        (_top_band_closed, "targets", "最高的人口段须不设上限"),
        (_sub_above_the_inspection_form, "items.9.sub.item9_no_delay.max", "超过实地察看表上该子项的满分 10"),
        (_zero_target, "targets.2.sale", "代销年目标不能小于 1"),
        (_threshold, "integrity.burst_orders", "不能小于 1"),
    ],
)
def test_each_problem_is_named_in_chinese_where_it_is(change, path, message):
    data = shipped()
    change(data)
    problems = problems_of(data)
    assert [p for p in problems if p.path == path and message in p.message], problems


def test_a_sub_item_s_maximum_must_add_up_to_its_item_s():
    data = shipped()
    item(data, 10)["sub"][1]["max"] = "4"  # 10 + 4 of 15
    messages = [p.message for p in problems_of(data) if p.path == "items.10.max"]
    assert messages == ["第10项“提供便民服务情况”各部分满分之和为 14，与本项满分 15 不一致。"]


def test_the_scheme_page_reads_as_the_document(world, client):
    client.force_login(world.county)
    page = client.get(f"/assessment/schemes/{default_scheme().pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    for words in (
        "设施设备使用维护",
        "请假 1 次扣 <strong>1</strong> 分",
        "旷课 1 次扣 <strong>2</strong> 分",
        "0–499 人",
        "2001 人及以上",
        "因服务不到位每投诉 1 件扣 <strong>1</strong> 分，直至本项扣完",
        "“公共设施干净整洁”视现场情况酌情打分",
        "同一日期的订单在 <strong>10</strong> 分钟内登记",
    ):
        assert words in text, words
    assert "方案内容（JSON）" not in text


def test_the_editor_refuses_a_sum_above_100_on_its_field_and_saves_nothing(world, client):
    client.force_login(world.county)
    editor = client.get("/assessment/schemes/edit/").context["editor"]
    data = _posted(editor)
    data.update({"item1-max": "6", "item1-sub_item1_facilities_max": "6", "band-1-min_population": "450"})
    data.update(action="adopt", note="试试")
    before = SchemeVersion.objects.count()
    page = client.post("/assessment/schemes/edit/", data)
    text = page.content.decode()
    assert page.status_code == 200 and SchemeVersion.objects.count() == before
    assert "各项满分之和须为 100 分，现为 101 分" in text
    assert "人口段“0–499 人”与“450–999 人”重叠" in text


def test_a_band_added_and_one_deleted_in_the_editor(world, client):
    client.force_login(world.county)
    editor = client.get("/assessment/schemes/edit/").context["editor"]
    data = _posted(editor)
    # the top band (2001 and more) deleted, 1000–2000 made the open one; then the spare row brings it back
    data.update({"band-3-DELETE": "on", "band-2-max_population": ""})
    data.update(action="adopt", note="取消 2000 人以上的人口段")
    page = client.post("/assessment/schemes/edit/", data)
    assert page.status_code == 302, page.content.decode()[:2000]
    adopted = scheme_for_county(world.regions["610828"])
    assert [(t["min_population"], t.get("max_population")) for t in adopted.data["targets"]] == [
        (0, 499),
        (500, 999),
        (1000, None),
    ]
    data = _posted(client.get("/assessment/schemes/edit/").context["editor"])
    data.update({"band-2-max_population": "2000", "band-3-min_population": "2001", "band-3-purchase": "900"})
    data.update({"band-3-sale": "250", "action": "adopt", "note": "恢复 2001 人以上的人口段，目标提高"})
    assert client.post("/assessment/schemes/edit/", data).status_code == 302
    assert scheme_for_county(world.regions["610828"]).data["targets"][-1] == {
        "min_population": 2001,
        "purchase": 900,
        "sale": 250,
    }


def test_two_versions_differ_parameter_by_parameter(world, client):
    data = shipped()
    band(data, 0)["purchase"] = 150
    item(data, 4)["per_late"] = "1"
    data["integrity"]["burst_orders"] = 20
    adopted = scheme_adopt(acting_user=world.county, county=world.regions["610828"], data=data, note="调整")
    changes = scheme_diff(default_scheme().data, adopted.data)
    assert [(c.label, c.old, c.new) for c in changes] == [
        ("第4项 参加培训学习活动 · 迟到 1 次扣 … 分", "0.5", "1"),
        ("服务人口 0–499 人 · 代购年目标（单）", "200", "150"),
        ("刷单提示 · 达到 … 单的，提示“集中登记”", "15", "20"),
    ]
    client.force_login(world.county)
    page = client.get(f"/assessment/schemes/diff/?old={default_scheme().pk}&new={adopted.pk}")
    assert page.status_code == 200 and "共 3 处不同" in page.content.decode()
    api = client.get(f"/api/v1/assessments/schemes/diff?old={default_scheme().pk}&new={adopted.pk}").json()
    assert [(c["old"], c["new"]) for c in api] == [("0.5", "1"), ("200", "150"), ("15", "20")]


def test_adopting_the_scheme_in_use_again_is_refused(world):
    current = scheme_for_county(world.regions["610828"])
    with pytest.raises(Exception, match="内容相同，无需采用"):
        scheme_adopt(acting_user=world.county, county=world.regions["610828"], data=current.data, note="再来一次")


def test_the_api_checks_tries_and_adopts(world, client):
    client.force_login(world.county)
    data = shipped()
    item(data, 1)["max"] = "6"
    checked = send(client, "post", "/api/v1/assessments/schemes/check", {"data": data}).json()
    assert checked["valid"] is False
    assert {"path": "items.total", "message": "各项满分之和须为 100 分，现为 101 分。"} in checked["problems"]
    data = shipped()
    band(data, 0)["purchase"] = 150
    checked = send(client, "post", "/api/v1/assessments/schemes/check", {"data": data}).json()
    assert checked == {
        "valid": True,
        "problems": [],
        "changes": [
            {"key": "targets.0.purchase", "label": "服务人口 0–499 人 · 代购年目标（单）", "old": "200", "new": "150"}
        ],
    }
    refused = send(client, "post", "/api/v1/assessments/schemes/adopt", {"data": data, "note": " "})
    assert refused.status_code == 422 and "note" in refused.json()["errors"]
    adopted = send(client, "post", "/api/v1/assessments/schemes/adopt", {"data": data, "note": "小村目标下调"})
    assert adopted.status_code == 201 and adopted.json()["county"] == "610828"
    table = client.get(f"/api/v1/assessments/schemes/{adopted.json()['id']}/table").json()
    assert table["bands"][0] == {"min": 0, "max": 499, "purchase": 150, "sale": 50}
    # back to the shipped one: another version adopted by its id
    back = send(
        client, "post", "/api/v1/assessments/schemes/adopt", {"scheme": default_scheme().pk, "note": "恢复默认目标"}
    )
    assert back.status_code == 201 and back.json()["version"] == 2
    assert scheme_for_county(world.regions["610828"]).data["targets"][0]["purchase"] == 200


def test_the_scheme_operations_are_the_county_office_s_within_its_county(world, client):
    theirs = scheme_adopt(
        acting_user=world.other_county,
        county=world.regions["360734"],
        data={**shipped(), "name": "寻乌县方案"},
        note="本县方案",
    )
    client.force_login(world.county)
    assert client.get(f"/api/v1/assessments/schemes/{theirs.pk}/table").status_code == 404
    assert client.get(f"/assessment/schemes/{theirs.pk}/").status_code == 404
    adopt = {"scheme": theirs.pk, "note": "照抄"}
    assert send(client, "post", "/api/v1/assessments/schemes/adopt", adopt).status_code == 404
    client.force_login(world.keeper)
    assert send(client, "post", "/api/v1/assessments/schemes/check", {"data": shipped()}).status_code == 403
    assert client.get("/assessment/schemes/edit/").status_code == 403
