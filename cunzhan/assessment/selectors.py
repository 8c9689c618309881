"""Scoped reads for assessments and results."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q, QuerySet

from cunzhan.accounts.models import User
from cunzhan.assessment.engine.scheme import load_scheme
from cunzhan.assessment.models import (
    Assessment,
    AssessmentResult,
    PublicationSettings,
    Rectification,
    RectificationOutcome,
    SchemeVersion,
    Status,
)
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station

DEFAULT_SCHEME = "jia-2020"


def assessments_for_user(user: User) -> QuerySet[Assessment]:
    user.scope.require("assessment.view")
    return user.scope.filter(Assessment.objects.select_related("county", "scheme")).annotate(
        n_results=Count("results"),
        n_incomplete=Count("results", filter=Q(results__status="incomplete")),
    )


def get_assessment_for_user_or_404(user: User, pk: int) -> Assessment:
    return user.scope.get_or_404(assessments_for_user(user), pk=pk)


def results_for_user(user: User, assessment: Assessment) -> QuerySet[AssessmentResult]:
    """A keeper sees only their own station's row of an unpublished draft; everyone sees published ones
    within their scope."""
    user.scope.require("assessment.view")
    rows = AssessmentResult.objects.filter(assessment=assessment).select_related("station", "station__region")
    return user.scope.filter(rows)


def station_results_for_user(user: User, station: Station) -> QuerySet[AssessmentResult]:
    user.scope.require("assessment.view")
    rows = AssessmentResult.objects.filter(station=station).select_related("assessment", "assessment__county")
    return user.scope.filter(rows).order_by("-assessment__year", "assessment__period", "-assessment__version")


def get_result_for_user_or_404(user: User, pk: int) -> AssessmentResult:
    user.scope.require("assessment.view")
    rows = AssessmentResult.objects.select_related("station", "assessment", "assessment__county", "assessment__scheme")
    return user.scope.get_or_404(rows, pk=pk)


def rectifications_for_user(user: User) -> QuerySet[Rectification]:
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


def earlier_publications(assessment: Assessment) -> list[Assessment]:
    """The versions of the period published before this one (now superseded), oldest first."""
    return list(
        Assessment.objects.filter(
            county=assessment.county_id,
            year=assessment.year,
            period=assessment.period,
            version__lt=assessment.version,
            published_at__isnull=False,
        ).order_by("version")
    )


# -- schemes and published versions (read by the services, the computation, the views and the command) --


def default_scheme() -> SchemeVersion:
    """The shipped scheme as a stored version (created on first use)."""
    scheme = SchemeVersion.objects.filter(code=DEFAULT_SCHEME, county__isnull=True).order_by("-version").first()
    if scheme is None:
        data = load_scheme(DEFAULT_SCHEME).raw
        scheme = SchemeVersion.objects.create(
            code=DEFAULT_SCHEME, version=int(data.get("version", 1)), name=data["name"], data=data
        )
    return scheme


def scheme_for_county(county: Region) -> SchemeVersion:
    """The county's newest own version, else the shipped default."""
    own = SchemeVersion.objects.filter(county=county).order_by("-created_at", "-version").first()
    return own or default_scheme()


def current_version(county: Region, year: int, period: str) -> Assessment | None:
    return Assessment.objects.filter(county=county, year=year, period=period).order_by("-version").first()


def current_published(county: Region, year: int, period: str) -> Assessment | None:
    return (
        Assessment.objects.filter(county=county, year=year, period=period, status=Status.PUBLISHED)
        .order_by("-version")
        .first()
    )


def publication_settings(county: Region) -> PublicationSettings:
    """The county's publication settings; the defaults (四眼原则 on) for a county that set none."""
    return PublicationSettings.objects.filter(county=county).first() or PublicationSettings(county=county)


# -- deadlines the reminders read (cunzhan.notices): unscoped, every county at once ---------------------


def open_rectifications(deadline_from: date, deadline_to: date) -> QuerySet[Rectification]:
    """Rectification orders still open (整改中) whose deadline falls in [deadline_from, deadline_to]."""
    return Rectification.objects.filter(
        outcome=RectificationOutcome.OPEN, deadline__gte=deadline_from, deadline__lte=deadline_to
    ).select_related("station")


FAULT_DAYS_PARAM = "zero_if_fault_unrepaired_days"


def fault_repair_days(county_codes: list[str]) -> dict[str, int]:
    """Each county's N of item 1 (a fault unrepaired longer than N days zeroes it), from its scheme: a
    fault is overdue from then (DOMAIN.md). A county whose scheme has no such item has no such deadline."""
    own: dict[str, SchemeVersion] = {}
    for scheme in SchemeVersion.objects.filter(county_id__in=county_codes).order_by("created_at", "version"):
        if scheme.county_id:
            own[scheme.county_id] = scheme  # the newest last: as scheme_for_county
    default = default_scheme()
    days = {}
    for code in county_codes:
        for item in own.get(code, default).data.get("items", []):
            if item.get(FAULT_DAYS_PARAM) is not None:
                days[code] = int(item[FAULT_DAYS_PARAM])
                break
    return days
