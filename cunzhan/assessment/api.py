from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import Http404
from ninja import Field, Router, Schema

from cunzhan.assessment import selectors
from cunzhan.assessment.models import Status

router = Router(tags=["考核"])


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
    items: list[dict]
    lines: list[dict]
    missing: list[str]


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
