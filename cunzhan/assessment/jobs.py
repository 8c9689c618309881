"""An assessment of many counties at once (a whole province's, an administrator's) on the job engine
(:mod:`cunzhan.core.jobs`): the same batch computation as ``cunzhan assess`` for all of them, all or
nothing; run again, it recomputes the same drafts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from cunzhan.assessment import services
from cunzhan.core.jobs import Progress, Refused, handler
from cunzhan.core.models import Job
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import Station


def counties_of(region_code: str) -> list[Region]:
    """The counties under a region (itself, when a county) that have stations."""
    with_stations = Station.objects.filter(county_code__startswith=region_code).values("county_code")
    return list(
        Region.objects.filter(level=Level.COUNTY, code__startswith=region_code, code__in=with_stations).order_by("code")
    )


@handler("assessment.compute_many")
def compute_many(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    counties = counties_of(params["region"])
    if not counties:
        raise Refused(_("该区划下没有服务站。"))
    progress("compute", 0, len(counties))
    try:
        drafts = services.assessment_compute_many(
            acting_user=job.created_by, counties=counties, year=params["year"], period=params["period"]
        )
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from exc
    progress("compute", len(counties), len(counties))
    return {
        "summary": _("已计算 %(n)d 个县的考核草稿。") % {"n": len(drafts)},
        "assessments": [a.pk for a in drafts],
        "next": reverse("assessment:list"),
    }
