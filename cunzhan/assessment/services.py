"""Every write of the assessment: schemes, computing a draft, review, publication, corrections,
rectification and subsidy rules. The computation itself (facts, engine, results) is
:mod:`cunzhan.assessment.computation`; the reads are in :mod:`cunzhan.assessment.selectors`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cunzhan.accounts.models import User
from cunzhan.assessment import changes
from cunzhan.assessment.computation import fill, fill_halves
from cunzhan.assessment.engine import parse_scheme
from cunzhan.assessment.engine.evaluate import ASSESSED, INCOMPLETE
from cunzhan.assessment.engine.scheme import SchemeError
from cunzhan.assessment.models import (
    Assessment,
    AssessmentResult,
    PeriodKind,
    PublicationSettings,
    Rectification,
    RectificationOutcome,
    SchemeVersion,
    Status,
    SubsidyRule,
)
from cunzhan.assessment.selectors import (
    current_published,
    current_version,
    default_scheme,
    publication_settings,
    scheme_for_county,
)
from cunzhan.core import dates
from cunzhan.core.audit import acting
from cunzhan.regions.models import Level, Region

# -- schemes ---------------------------------------------------------------------------------------


@transaction.atomic
def scheme_copy(
    *, acting_user: User, county: Region, source: SchemeVersion | None = None, name: str = ""
) -> SchemeVersion:
    acting_user.scope.require("assessment.manage")
    _require_county(acting_user, county)
    source = source or scheme_for_county(county)
    code = f"{county.code}-{source.code.split('-', 1)[-1]}" if source.county_id is None else source.code
    version = (SchemeVersion.objects.filter(code=code, county=county).aggregate(v=Max("version"))["v"] or 0) + 1
    data = {**source.data, "code": code, "version": version, "name": name or f"{county.name}{source.name}"}
    with acting(acting_user):
        return SchemeVersion.objects.create(
            code=code,
            county=county,
            version=version,
            name=data["name"],
            data=data,
            based_on=source,
            created_by=acting_user,
        )


@transaction.atomic
def scheme_update(*, acting_user: User, scheme: SchemeVersion, data: dict) -> SchemeVersion:
    """Change a county's own, unused scheme version. Validated whole; a locked version is refused."""
    acting_user.scope.require("assessment.manage")
    if scheme.county is None:
        raise ValidationError(_("系统默认方案不能修改，请先复制为本县方案。"))
    _require_county(acting_user, scheme.county)
    scheme = SchemeVersion.objects.select_for_update().get(pk=scheme.pk)  # the lock is decided in the database
    if scheme.locked_at:
        raise ValidationError(_("该方案版本已被发布的考核结果使用，不能再修改；请复制出新版本后修改。"))
    try:
        parse_scheme({**data, "code": scheme.code, "version": scheme.version})
    except SchemeError as exc:
        raise ValidationError(str(exc)) from None
    except (TypeError, AttributeError, KeyError, ValueError):
        # the engine reads a well-formed scheme; a list where an object belongs (or the like) ends here
        raise ValidationError(
            _("方案内容的结构不正确：有字段的类型不对（如应为列表或对象），请对照系统默认方案修改。")
        ) from None
    scheme.data = {**data, "code": scheme.code, "version": scheme.version}
    scheme.name = data.get("name", scheme.name)
    with acting(acting_user):
        scheme.save()
    return scheme


def _require_county(user: User, county: Region) -> None:
    if county.level != Level.COUNTY:
        raise ValidationError(_("考核按县进行，请选择县级区划。"))
    user.scope.require_region(county.code)


# -- computing -------------------------------------------------------------------------------------


@transaction.atomic
def assessment_compute(
    *, acting_user: User, county: Region, year: int, period: str, now: datetime | None = None
) -> Assessment:
    """Create or recompute the open draft for the period from the current data."""
    acting_user.scope.require("assessment.manage")
    _require_county(acting_user, county)
    if period not in PeriodKind.values:
        raise ValidationError(_("考核期只能是 H1、H2 或 annual。"))
    now = now or timezone.now()
    assessment = _open_drafts(acting_user, [county], year, period)[0]
    fill(assessment, now)
    changes.record(assessment, now)  # a correction's: what changed since the version before
    assessment.computed_at = now
    assessment.computed_by = acting_user
    with acting(acting_user):
        assessment.save()
    return assessment


def _open_drafts(acting_user: User, counties: list[Region], year: int, period: str) -> list[Assessment]:
    """Per county, the open draft of the period: the current version when still open (one in review goes
    back to draft, as a recomputation changes it), else a new version 1. A published period is refused
    (it is corrected, with a reason, not recomputed in place). A fixed number of queries plus one insert
    per new draft."""
    current: dict[str, Assessment] = {}
    for version in (
        Assessment.objects.filter(county__in=counties, year=year, period=period)
        .select_related("scheme")
        .order_by("county_id", "-version")
    ):
        current.setdefault(version.county_id, version)
    schemes = None
    drafts = []
    for county in counties:
        assessment = current.get(county.pk)
        if assessment is None or not assessment.is_open:
            if assessment is not None:
                message = _("该考核期已发布；如需修改，请发起更正并说明理由。")
                raise ValidationError(message if len(counties) == 1 else f"{county.name}：{message}")
            schemes = schemes if schemes is not None else _schemes_for_counties(counties)
            assessment = Assessment.objects.create(
                county=county, year=year, period=period, version=1, scheme=schemes[county.pk], created_by=acting_user
            )
        if assessment.status == Status.REVIEW:
            assessment.status = Status.DRAFT  # a recomputation sends it back to draft
        assessment.county = county
        drafts.append(assessment)
    return drafts


def _schemes_for_counties(counties: list[Region]) -> dict[str, SchemeVersion]:
    """:func:`scheme_for_county` for many counties: by county code."""
    schemes: dict[str | None, SchemeVersion] = {}  # by county code (no None: they are the counties' own)
    for scheme in SchemeVersion.objects.filter(county__in=counties).order_by("county_id", "-created_at", "-version"):
        schemes.setdefault(scheme.county_id, scheme)
    if any(county.pk not in schemes for county in counties):
        default = default_scheme()
        for county in counties:
            schemes.setdefault(county.pk, default)
    return {county.pk: schemes[county.pk] for county in counties}


@transaction.atomic
def assessment_compute_many(
    *, acting_user: User, counties: Iterable[Region], year: int, period: str, now: datetime | None = None
) -> list[Assessment]:
    """:func:`assessment_compute` for many counties at once (e.g. all of a province's), with the same rules
    per county and the same results. For H1 and H2 the facts of all the counties are gathered together with
    a fixed number of aggregate queries, and all the results are written at once (COPY on PostgreSQL).
    The annual composite is computed county by county. All or nothing: one refused county refuses all."""
    acting_user.scope.require("assessment.manage")
    counties = list(counties)
    for county in counties:
        _require_county(acting_user, county)
    if period not in PeriodKind.values:
        raise ValidationError(_("考核期只能是 H1、H2 或 annual。"))
    now = now or timezone.now()
    if period == PeriodKind.ANNUAL:
        return [
            assessment_compute(acting_user=acting_user, county=county, year=year, period=period, now=now)
            for county in counties
        ]
    drafts = _open_drafts(acting_user, counties, year, period)
    fill_halves(drafts, now)
    for assessment in drafts:
        changes.record(assessment, now)  # corrections only
    with acting(acting_user):
        for assessment in drafts:
            assessment.computed_at = now
            assessment.computed_by = acting_user
            assessment.save()
    return drafts


@transaction.atomic
def assessment_submit_review(*, acting_user: User, assessment: Assessment) -> Assessment:
    acting_user.scope.require("assessment.manage")
    _require_county(acting_user, assessment.county)
    if assessment.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以提交审核。"))
    assessment.status = Status.REVIEW
    with acting(acting_user):
        assessment.save()
    return assessment


NO_SUPERVISION_PHONE = _lazy(
    "本县尚未设置监督电话，不能发布：公示须载明监督电话。请先在“考核结果发布设置”中填写监督电话。"
)


@transaction.atomic
def assessment_publish(*, acting_user: User, assessment: Assessment, now: datetime | None = None) -> Assessment:
    """Freeze the results. Refused while any station is incomplete (a rated input is missing), and
    while the county has no supervision phone: the public notice (公示) must say whom to call."""
    acting_user.scope.require("assessment.publish")
    _require_county(acting_user, assessment.county)
    if assessment.status != Status.REVIEW:
        raise ValidationError(_("请先提交审核，审核中的考核才能发布。"))
    rules = publication_settings(assessment.county)
    if rules.separate_reviewer and assessment.computed_by_id == acting_user.pk:
        raise ValidationError(
            _("本县实行四眼原则：计算考核结果的账号不能发布该结果，请由本县另一有发布权限的账号审核发布。")
        )
    if not rules.supervision_phone.strip():  # a 公示 names whom to call (the notice, the public page)
        raise ValidationError(NO_SUPERVISION_PHONE)
    if assessment.period == PeriodKind.ANNUAL:
        halves = {h: current_published(assessment.county, assessment.year, h) for h in ("H1", "H2")}
        unpublished = [h for h, half in halves.items() if half is None]
        if unpublished:
            raise ValidationError(
                _("年度综合考评须在上半年和年终考核都发布之后发布（尚未发布：%(halves)s）。")
                % {"halves": "、".join(unpublished)}
            )
        latest = max(half.published_at for half in halves.values() if half and half.published_at)
        if assessment.computed_at is None or assessment.computed_at < latest:
            raise ValidationError(_("半年考核结果在本次计算之后有新发布的版本，请先重新计算年度综合考评。"))
    incomplete = list(assessment.results.filter(status=INCOMPLETE).values_list("station__code", flat=True))
    if incomplete:
        raise ValidationError(
            _("以下服务站缺少实地察看评分，考核结果不完整，不能发布：%(codes)s") % {"codes": "、".join(incomplete)}
        )
    now = now or timezone.now()
    previous = Assessment.objects.filter(
        county=assessment.county, year=assessment.year, period=assessment.period, status=Status.PUBLISHED
    ).exclude(pk=assessment.pk)
    with acting(acting_user):
        for old in previous:
            old.status = Status.SUPERSEDED
            old.save()
        assessment.status = Status.PUBLISHED
        assessment.published_at = now
        assessment.publicity_ends_on = dates.local_date(now) + timedelta(days=rules.publicity_days)
        assessment.published_by = acting_user
        assessment.save()
        if assessment.scheme.locked_at is None:
            assessment.scheme.locked_at = now
            assessment.scheme.save()
    _freeze_period(assessment, now)
    return assessment


def _freeze_period(assessment: Assessment, now: datetime) -> None:
    """Records of a published half-year can no longer be edited (only corrected with a reason)."""
    from cunzhan.core.models import PublishedPeriod

    halves = ["H1", "H2"] if assessment.period == PeriodKind.ANNUAL else [assessment.period]
    for half in halves:
        PublishedPeriod.objects.get_or_create(
            county_code=assessment.county.code, year=assessment.year, half=half, defaults={"published_at": now}
        )


@transaction.atomic
def assessment_correct(
    *, acting_user: User, assessment: Assessment, reason: str, now: datetime | None = None
) -> Assessment:
    """Open a correction: a new draft version, recomputed from the current data, with the reason kept.
    The published version stays public until the correction is published."""
    acting_user.scope.require("assessment.publish")
    _require_county(acting_user, assessment.county)
    if assessment.status != Status.PUBLISHED:
        raise ValidationError(_("只有已发布的考核才能更正。"))
    if not reason.strip():
        raise ValidationError({"reason": _("更正须说明理由。")})
    newest = current_version(assessment.county, assessment.year, assessment.period)
    if newest is None or newest.pk != assessment.pk:
        raise ValidationError(_("已有更新的版本，请在最新版本上操作。"))
    now = now or timezone.now()
    correction = Assessment.objects.create(
        county=assessment.county,
        year=assessment.year,
        period=assessment.period,
        version=assessment.version + 1,
        scheme=assessment.scheme,
        reason=reason.strip(),
        created_by=acting_user,
    )
    fill(correction, now)
    changes.record(correction, now)
    correction.computed_at = now
    correction.computed_by = acting_user
    with acting(acting_user):
        correction.save()
    return correction


# -- rectification ---------------------------------------------------------------------------------


@transaction.atomic
def rectification_order(
    *, acting_user: User, result: AssessmentResult, deadline: date, requirements: str, now: datetime | None = None
) -> Rectification:
    """不合格 → order to rectify by a deadline; the station moves to 整改."""
    from cunzhan.stations.services import station_transition

    acting_user.scope.require("assessment.publish")
    acting_user.scope.require_station(result.station)  # before anything about it is told
    if result.assessment.status != Status.PUBLISHED or result.grade != "不合格":
        raise ValidationError(_("只能对已发布考核中不合格的服务站下达整改。"))
    if Rectification.objects.filter(station=result.station, outcome=RectificationOutcome.OPEN).exists():
        raise ValidationError(_("该服务站已有未完成的整改。"))
    now = now or timezone.now()
    if deadline <= timezone.localdate(now):
        raise ValidationError({"deadline": _("整改期限须晚于今天。")})
    if not requirements.strip():
        raise ValidationError({"requirements": _("请填写整改要求。")})
    station_transition(
        acting_user=acting_user,
        station=result.station,
        to="rectifying",
        reason=_("%(name)s考核不合格，责令整改") % {"name": result.assessment},
        now=now,
    )
    with acting(acting_user):
        return Rectification.objects.create(
            station=result.station,
            result=result,
            requirements=requirements,
            deadline=deadline,
            ordered_by=acting_user,
            ordered_at=now,
        )


@transaction.atomic
def rectification_close(
    *, acting_user: User, rectification: Rectification, passed: bool, note: str, now: datetime | None = None
) -> Rectification:
    """Re-inspection: passed → back to 运营; failed → revoked through the station lifecycle."""
    from cunzhan.stations.services import station_transition

    acting_user.scope.require("assessment.publish")
    acting_user.scope.require_station(rectification.station)  # before anything about it is told
    if rectification.outcome != RectificationOutcome.OPEN:
        raise ValidationError(_("该整改已结束。"))
    if not note.strip():
        raise ValidationError({"note": _("请填写复查意见。")})
    now = now or timezone.now()
    station_transition(
        acting_user=acting_user,
        station=rectification.station,
        to="operating" if passed else "revoked",
        reason=(_("整改复查合格：") if passed else _("整改后仍不达标，取消资格：")) + note,
        now=now,
    )
    rectification.outcome = RectificationOutcome.PASSED if passed else RectificationOutcome.FAILED
    rectification.reinspected_at = now
    rectification.reinspected_by = acting_user
    rectification.note = note
    with acting(acting_user):
        rectification.save()
    return rectification


@transaction.atomic
def subsidy_rules_set(*, acting_user: User, county: Region, amounts: dict[tuple[str, str], Decimal | None]) -> None:
    """Set (or clear, with None) the subsidy per grade and tier; applied to results computed afterwards."""
    acting_user.scope.require("assessment.manage")
    _require_county(acting_user, county)
    with acting(acting_user):
        for (grade, tier), amount in amounts.items():
            if amount is None:
                for rule in SubsidyRule.objects.filter(county=county, grade=grade, tier=tier):
                    rule.delete()
                continue
            if amount < 0:
                raise ValidationError(_("补贴金额不能为负数。"))
            SubsidyRule.objects.update_or_create(county=county, grade=grade, tier=tier, defaults={"amount": amount})


@transaction.atomic
def publication_settings_update(*, acting_user: User, county: Region, **values: Any) -> PublicationSettings:
    """Change how the county publishes (四眼原则, the public notice's publicity period, supervision phone
    and issuing office); validated as the model says."""
    acting_user.scope.require("assessment.manage")
    _require_county(acting_user, county)
    unknown = set(values) - PUBLICATION_FIELDS
    if unknown:
        raise ValidationError(_("未知的设置：%(names)s") % {"names": "、".join(sorted(unknown))})
    rules = publication_settings(county)
    for name, value in values.items():
        setattr(rules, name, value.strip() if isinstance(value, str) else value)
    rules.full_clean()
    with acting(acting_user):
        rules.save()
    return rules


PUBLICATION_FIELDS = {"separate_reviewer", "publicity_days", "supervision_phone", "issuing_office"}


__all__ = [
    "ASSESSED",
    "assessment_compute",
    "assessment_compute_many",
    "assessment_correct",
    "assessment_publish",
    "assessment_submit_review",
    "publication_settings_update",
    "rectification_close",
    "rectification_order",
    "scheme_copy",
    "scheme_update",
    "subsidy_rules_set",
]
