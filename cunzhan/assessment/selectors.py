"""Scoped reads for assessments and results."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from cunzhan.assessment.models import Assessment, AssessmentResult, Rectification, Status
from cunzhan.regions.models import Region


def assessments_for_user(user) -> QuerySet[Assessment]:
    user.scope.require("assessment.view")
    return user.scope.filter(Assessment.objects.select_related("county", "scheme")).annotate(
        n_results=Count("results"),
        n_incomplete=Count("results", filter=Q(results__status="incomplete")),
    )


def get_assessment_for_user_or_404(user, pk: int) -> Assessment:
    return user.scope.get_or_404(assessments_for_user(user), pk=pk)


def results_for_user(user, assessment: Assessment) -> QuerySet[AssessmentResult]:
    """A keeper sees only their own station's row of an unpublished draft; everyone sees published ones
    within their scope."""
    user.scope.require("assessment.view")
    rows = AssessmentResult.objects.filter(assessment=assessment).select_related("station", "station__region")
    return user.scope.filter(rows)


def station_results_for_user(user, station) -> QuerySet[AssessmentResult]:
    user.scope.require("assessment.view")
    rows = AssessmentResult.objects.filter(station=station).select_related("assessment", "assessment__county")
    return user.scope.filter(rows).order_by("-assessment__year", "assessment__period", "-assessment__version")


def get_result_for_user_or_404(user, pk: int) -> AssessmentResult:
    user.scope.require("assessment.view")
    rows = AssessmentResult.objects.select_related("station", "assessment", "assessment__county", "assessment__scheme")
    return user.scope.get_or_404(rows, pk=pk)


def rectifications_for_user(user) -> QuerySet[Rectification]:
    user.scope.require("assessment.view")
    return user.scope.filter(Rectification.objects.select_related("station", "result__assessment"))


# -- public (no login): the current published version of each period ------------------------------


def published_assessments() -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(status=Status.PUBLISHED)
        .select_related("county")
        .order_by("county__code", "-year", "period")
    )


def public_results(county: Region, year: int, period: str) -> tuple[Assessment | None, QuerySet[AssessmentResult]]:
    assessment = (
        Assessment.objects.filter(county=county, year=year, period=period, status=Status.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if assessment is None:
        return None, AssessmentResult.objects.none()
    return assessment, assessment.results.select_related("station").order_by(
        F("rank").asc(nulls_last=True), "station__code"
    )
