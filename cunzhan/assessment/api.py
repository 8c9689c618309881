"""/api/v1/assessments: results to read, and the workflow of the 考核 pages as operations — compute (or
recompute) a period's draft, submit it for review, publish it, open a correction; order and close a
rectification; copy and edit the county's scheme; set the subsidies. Through the same services and
scoping (outside the scope 404, not the role's 403, refused 422 in Chinese)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Reply

from cunzhan.assessment import selectors, services
from cunzhan.assessment.models import SchemeVersion, Status, SubsidyRule
from cunzhan.core.api import JobStartedOut
from cunzhan.core.jobs import job_enqueue
from cunzhan.core.money import round_money
from cunzhan.regions.selectors import county_for_user
from cunzhan.stations.models import Tier

router = Router(tags=["考核"])
GRADES = ("优秀", "合格", "不合格")


class AssessmentOut(Schema):
    id: int
    county: str = Field(..., alias="county_id")
    year: int
    period: str
    version: int
    status: str
    scheme: str = Field(..., alias="scheme.code")
    reason: str
    published_at: datetime | None


class ResultOut(Schema):
    id: int
    station: str = Field(..., alias="station.code")
    status: str
    total: Decimal | None
    grade: str
    rank: int | None
    h1: Decimal | None
    h2: Decimal | None
    deductions: Decimal | None
    items: list[dict] = Field(..., description="各项得分及扣分说明；每条说明附其依据的记录 refs: [{kind, id, …}]")
    lines: list[dict]
    missing: list[str]
    changes: list[dict] = Field(..., description="更正版本：与上一版本相比变化的事实和分数（含补录记录）")


class ComputeIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    year: int = Field(..., ge=2015, le=2100)
    period: str = Field(..., description="H1 上半年 / H2 年终 / annual 年度综合")


class CorrectIn(Schema):
    reason: str = Field(..., description="更正理由（必填，随更正版本保存并公示）")


class RectifyIn(Schema):
    deadline: date = Field(..., description="整改期限（须晚于今天）")
    requirements: str


class CloseRectificationIn(Schema):
    passed: bool = Field(..., description="true 复查通过，服务站恢复运营；false 仍不达标，撤销资格")
    note: str = Field(..., description="复查意见")


class RectificationOut(Schema):
    id: int
    station: str = Field(..., alias="station.code")
    result_id: int
    requirements: str
    deadline: date
    ordered_at: datetime
    outcome: str
    reinspected_at: datetime | None
    note: str


class SchemeOut(Schema):
    id: int
    code: str
    county: str | None = Field(None, alias="county_id")
    version: int
    name: str
    based_on_id: int | None
    created_at: datetime
    locked_at: datetime | None


class SchemeDetailOut(SchemeOut):
    data: dict[str, Any]


class SchemeCopyIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    name: str = Field("", description="新方案的名称（不填则为“县名 + 原方案名”）")


class SchemeUpdateIn(Schema):
    data: dict[str, Any] = Field(..., description="方案内容（与 GET 得到的 data 同一格式，整体校验）")


class SubsidyIn(Schema):
    grade: str = Field(..., description="优秀 / 合格 / 不合格")
    tier: str = Field(..., description="county 县级运营中心 / township 乡镇服务站 / village 村级服务点")
    amount: Decimal | None = Field(None, description="补贴金额（元）；null 为取消该项补贴")


class SubsidiesIn(Schema):
    county: str | None = Field(None, description="县级区划代码（管辖多个县的账号须给出）")
    amounts: list[SubsidyIn]


class SubsidyOut(Schema):
    grade: str
    tier: str
    amount: Decimal


def _visible(user, assessment) -> None:
    if assessment.status not in (Status.PUBLISHED, Status.SUPERSEDED) and not user.scope.can("assessment.manage"):
        raise Http404


@router.get("", response=list[AssessmentOut], summary="我辖区的考核")
def list_assessments(request, year: int | None = None, period: str | None = None):
    rows = selectors.assessments_for_user(request.user)
    if not request.user.scope.can("assessment.manage"):
        rows = rows.filter(status__in=[Status.PUBLISHED, Status.SUPERSEDED])
    if year:
        rows = rows.filter(year=year)
    if period:
        rows = rows.filter(period=period)
    return list(rows[:500])


@router.get("/{pk}/results", response=list[ResultOut], summary="一次考核的结果（逐项、含扣分说明）")
def list_results(request, pk: int):
    assessment = selectors.get_assessment_for_user_or_404(request.user, pk)
    _visible(request.user, assessment)
    return list(selectors.results_for_user(request.user, assessment))


@router.get("/results/{pk}", response=ResultOut, summary="一个服务站的考核结果")
def get_result(request, pk: int):
    result = selectors.get_result_for_user_or_404(request.user, pk)
    _visible(request.user, result.assessment)
    return result


# -- the workflow ---------------------------------------------------------------------------------


@router.post(
    "",
    response=AssessmentOut,
    summary="计算考核（新建该考核期的草稿，或按当前数据重算草稿）",
    description="已发布的考核期不重算，请发起更正。审核中的考核重算后退回草稿。",
)
def compute_assessment(request, payload: ComputeIn):
    county = county_for_user(request.user, payload.county)
    return services.assessment_compute(
        acting_user=request.user, county=county, year=payload.year, period=payload.period
    )


class BatchIn(Schema):
    region: str = Field(..., description="省、市或县的区划代码：其下有服务站的各县一并计算")
    year: int = Field(..., ge=2015, le=2100)
    period: str = Field(..., description="H1 上半年 / H2 年终 / annual 年度综合")


@router.post(
    "/batch",
    response={202: JobStartedOut},
    summary="在后台计算一个省（市）各县的考核草稿",
    description="系统管理员用：各县全部成功才保存（已发布的考核期使整批不保存）；进度和结果见后台任务。",
)
def compute_batch(request, payload: BatchIn):
    user = request.user
    user.scope.require("assessment.manage")
    user.scope.require_region(payload.region)
    if payload.period not in ("H1", "H2", "annual"):
        raise ValidationError(_("考核期只能是 H1、H2 或 annual。"))
    job = job_enqueue(
        kind="assessment.compute_many",
        params={"region": payload.region, "year": payload.year, "period": payload.period, "label": _("批量计算考核")},
        acting_user=user,
    )
    return Reply(202, {"job": job.pk, "status_url": f"/api/v1/jobs/{job.pk}"})


@router.post("/{int:pk}/review", response=AssessmentOut, summary="提交审核")
def submit_assessment_for_review(request, pk: int):
    assessment = selectors.get_assessment_for_user_or_404(request.user, pk)
    return services.assessment_submit_review(acting_user=request.user, assessment=assessment)


@router.post(
    "/{int:pk}/publish",
    response=AssessmentOut,
    summary="发布考核结果（冻结，并在公示页面公开）",
    description="只有审核中的考核可以发布；有服务站缺少评分（结果不完整）时不能发布。",
)
def publish_assessment(request, pk: int):
    assessment = selectors.get_assessment_for_user_or_404(request.user, pk)
    return services.assessment_publish(acting_user=request.user, assessment=assessment)


@router.post(
    "/{int:pk}/correct",
    response={201: AssessmentOut},
    summary="更正已发布的考核（新建更正版本，发布后替换原结果）",
)
def correct_assessment(request, pk: int, payload: CorrectIn):
    assessment = selectors.get_assessment_for_user_or_404(request.user, pk)
    correction = services.assessment_correct(acting_user=request.user, assessment=assessment, reason=payload.reason)
    return Reply(201, correction)


# -- rectification --------------------------------------------------------------------------------


@router.get("/rectifications", response=list[RectificationOut], summary="整改记录")
def list_rectifications(request):
    return list(selectors.rectifications_for_user(request.user)[:500])


@router.post(
    "/results/{int:pk}/rectification",
    response={201: RectificationOut},
    summary="对不合格的服务站下达整改（服务站转入整改状态）",
)
def order_rectification(request, pk: int, payload: RectifyIn):
    result = selectors.get_result_for_user_or_404(request.user, pk)
    _visible(request.user, result.assessment)
    rectification = services.rectification_order(acting_user=request.user, result=result, **payload.dict())
    return Reply(201, rectification)


@router.post(
    "/rectifications/{int:pk}/close",
    response=RectificationOut,
    summary="记录整改复查结论（通过则恢复运营，不通过则撤销）",
)
def close_rectification(request, pk: int, payload: CloseRectificationIn):
    rectification = request.user.scope.get_or_404(selectors.rectifications_for_user(request.user), pk=pk)
    return services.rectification_close(acting_user=request.user, rectification=rectification, **payload.dict())


# -- schemes and subsidies ------------------------------------------------------------------------


def _schemes(request):
    request.user.scope.require("assessment.manage")
    return request.user.scope.filter(SchemeVersion.objects.all())


def _scheme(request, pk: int) -> SchemeVersion:
    default = selectors.default_scheme()
    if pk == default.pk:
        request.user.scope.require("assessment.manage")
        return default
    return request.user.scope.get_or_404(_schemes(request), pk=pk)


@router.get("/schemes", response=list[SchemeOut], summary="考核方案（系统默认方案及本县的方案）")
def list_schemes(request):
    return [selectors.default_scheme(), *_schemes(request).order_by("county_id", "code", "version")]


@router.get("/schemes/{int:pk}", response=SchemeDetailOut, summary="一个考核方案及其内容")
def get_scheme(request, pk: int):
    return _scheme(request, pk)


@router.post("/schemes", response={201: SchemeDetailOut}, summary="把本县当前使用的方案复制为可修改的新方案")
def copy_scheme(request, payload: SchemeCopyIn):
    request.user.scope.require("assessment.manage")
    county = county_for_user(request.user, payload.county)
    return Reply(201, services.scheme_copy(acting_user=request.user, county=county, name=payload.name))


@router.put(
    "/schemes/{int:pk}",
    response=SchemeDetailOut,
    summary="修改本县的考核方案（已被发布结果使用的版本不能修改）",
)
def update_scheme(request, pk: int, payload: SchemeUpdateIn):
    return services.scheme_update(acting_user=request.user, scheme=_scheme(request, pk), data=payload.data)


@router.get("/subsidies", response=list[SubsidyOut], summary="补贴标准（按等级和层级）")
def list_subsidies(request, county: str | None = None):
    request.user.scope.require("assessment.manage")
    region = county_for_user(request.user, county)
    return list(SubsidyRule.objects.filter(county=region).order_by("grade", "tier"))


@router.put(
    "/subsidies",
    response=list[SubsidyOut],
    summary="设定补贴标准（重新计算考核后生效）",
    description="只改给出的等级和层级；amount 为 null 则取消该项补贴。",
)
def set_subsidies(request, payload: SubsidiesIn):
    request.user.scope.require("assessment.manage")
    region = county_for_user(request.user, payload.county)
    amounts = {}
    for item in payload.amounts:
        if item.grade not in GRADES or item.tier not in Tier.values:
            raise ValidationError(
                {
                    "amounts": _("等级应为 %(grades)s，层级应为 %(tiers)s")
                    % {"grades": "、".join(GRADES), "tiers": "、".join(Tier.values)}
                }
            )
        amounts[(item.grade, item.tier)] = None if item.amount is None else round_money(item.amount)
    services.subsidy_rules_set(acting_user=request.user, county=region, amounts=amounts)
    return list(SubsidyRule.objects.filter(county=region).order_by("grade", "tier"))


class PublicationSettingsOut(Schema):
    county: str = Field(..., alias="county_id")
    separate_reviewer: bool
    publicity_days: int
    supervision_phone: str
    issuing_office: str


class PublicationSettingsIn(Schema):
    county: str | None = None
    separate_reviewer: bool | None = None
    publicity_days: int | None = None
    supervision_phone: str | None = None
    issuing_office: str | None = None


@router.get(
    "/publication-settings", response=PublicationSettingsOut, summary="考核结果发布设置（四眼原则、公示期、监督电话）"
)
def get_publication_settings(request, county: str | None = None):
    request.user.scope.require("assessment.manage")
    return selectors.publication_settings(county_for_user(request.user, county))


@router.put(
    "/publication-settings",
    response=PublicationSettingsOut,
    summary="修改考核结果发布设置（只改给出的项）",
    description="separate_reviewer 开启后，计算结果的账号不能发布该结果（四眼原则）。",
)
def put_publication_settings(request, payload: PublicationSettingsIn):
    values = payload.dict(exclude_none=True)
    region = county_for_user(request.user, values.pop("county", None))
    return services.publication_settings_update(acting_user=request.user, county=region, **values)
