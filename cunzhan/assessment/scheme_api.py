"""/api/v1/assessments/schemes/…: the scheme editor's operations — a version as the document's table, a
scheme checked (every problem with where it is), two versions compared, a scheme tried on a published
period's frozen facts, and adopted. Only adopting writes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply

from cunzhan.assessment import selectors
from cunzhan.assessment.api import SchemeDetailOut
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.models import SchemeVersion
from cunzhan.assessment.scheme_services import scheme_adopt
from cunzhan.assessment.scheme_table import scheme_diff, scheme_table
from cunzhan.assessment.scheme_validation import problems_of, validate_scheme
from cunzhan.assessment.scheme_views import get_scheme_or_404
from cunzhan.assessment.whatif import compare, comparison_json
from cunzhan.regions.selectors import county_for_user

router = Router(tags=["考核方案"])


class ProblemOut(Schema):
    path: str = Field(..., description="出错的位置，如 items.7.max、targets.1.purchase；targets 为人口段整体")
    message: str


class ChangeOut(Schema):
    key: str
    label: str = Field(..., description="项目或参数，如“服务人口 0–499 人 · 代购年目标（单）”")
    old: str | None = Field(None, description="原值；null 为原版本没有此项")
    new: str | None = Field(None, description="新值；null 为新版本删除了此项")


class CheckIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    data: dict[str, Any] = Field(..., description="方案内容（与 GET /assessments/schemes/{pk} 的 data 同一格式）")


class CheckOut(Schema):
    valid: bool
    problems: list[ProblemOut]
    changes: list[ChangeOut] = Field(..., description="与本县当前使用的方案相比的不同（方案有误时为空）")


class TryIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    data: dict[str, Any] | None = Field(None, description="要试算的方案内容；与 scheme 二选一")
    scheme: int | None = Field(None, description="要试算的已有方案版本 id；与 data 二选一")
    assessment: int = Field(..., description="用哪一次已发布考核（id）的冻结数据试算")


class AdoptIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    data: dict[str, Any] | None = Field(None, description="要采用的方案内容；与 scheme 二选一")
    scheme: int | None = Field(None, description="要重新采用的已有方案版本 id（如以前的版本）；与 data 二选一")
    note: str = Field(..., description="采用说明（必填）")


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [asdict(c) for c in scheme_diff(old, new)]


def _content(request, data: dict[str, Any] | None, scheme: int | None) -> tuple[dict[str, Any], SchemeVersion | None]:
    if (data is None) == (scheme is None):
        raise ValidationError(_("请给出方案内容 data 或已有方案版本 scheme（二者之一）。"))
    if scheme is not None:
        version = get_scheme_or_404(request.user, scheme)
        return version.data, version
    return data or {}, None


@router.get("/schemes/{int:pk}/table", summary="一个考核方案，按文件的表格读（各项分值、评分标准、人口段目标、等级……）")
def scheme_as_table(request, pk: int) -> dict[str, Any]:
    return asdict(scheme_table(get_scheme_or_404(request.user, pk).data))


@router.post(
    "/schemes/check",
    response=CheckOut,
    summary="检查方案（不保存）：列出每处问题，及与本县当前方案的不同",
    description="问题如：子项满分超过本项满分、各项满分之和不为 100、人口段有缺口或重叠、扣分为负数。",
)
def check_scheme(request, payload: CheckIn):
    request.user.scope.require("assessment.manage")
    county = county_for_user(request.user, payload.county)
    problems = problems_of(payload.data)
    changes = [] if problems else _changes(selectors.scheme_for_county(county).data, payload.data)
    return {"valid": not problems, "problems": [asdict(p) for p in problems], "changes": changes}


@router.get("/schemes/diff", response=list[ChangeOut], summary="两个方案版本的不同（逐项、逐参数，原 → 新）")
def diff_schemes(request, old: int, new: int):
    return _changes(get_scheme_or_404(request.user, old).data, get_scheme_or_404(request.user, new).data)


@router.post(
    "/schemes/try",
    summary="试算（不保存）：用已发布考核的冻结数据按方案重算，逐站对比得分、等级、排名及跨过 60/90 分线",
)
def try_scheme(request, payload: TryIn) -> dict[str, Any]:
    request.user.scope.require("assessment.manage")
    data, _version = _content(request, payload.data, payload.scheme)
    validate_scheme(data)
    assessment = selectors.get_assessment_for_user_or_404(request.user, payload.assessment)
    if assessment.status != "published":
        raise ValidationError(_("只能用已发布的考核试算（发布后的数据已冻结）。"))
    return comparison_json(compare(assessment, parse_scheme(data)))


@router.post(
    "/schemes/adopt", response={201: SchemeDetailOut}, summary="采用方案：存为本县的新版本，此后新建的考核按它计算"
)
def adopt_scheme(request, payload: AdoptIn):
    county = county_for_user(request.user, payload.county)
    data, version = _content(request, payload.data, payload.scheme)
    adopted = scheme_adopt(acting_user=request.user, county=county, data=data, note=payload.note, based_on=version)
    return Reply(201, adopted)
