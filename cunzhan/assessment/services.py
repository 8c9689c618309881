"""Every write of the assessment: schemes, computing, review, publication, corrections, rectification."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import traceback
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from cunzhan.assessment.engine import (
    Period,
    PeriodResult,
    assess_annual,
    assess_period,
    parse_scheme,
    rank,
)
from cunzhan.assessment.engine.evaluate import ASSESSED, INCOMPLETE
from cunzhan.assessment.engine.scheme import SchemeError, load_scheme
from cunzhan.assessment.facts import gather_period, gather_period_many, gather_supervision, json_text, to_json
from cunzhan.assessment.models import (
    Assessment,
    AssessmentResult,
    PeriodKind,
    Rectification,
    RectificationOutcome,
    SchemeVersion,
    Status,
    SubsidyRule,
)
from cunzhan.core.audit import acting
from cunzhan.regions.models import Level, Region
from cunzhan.stations.models import Station

DEFAULT_SCHEME = "jia-2020"

logger = logging.getLogger(__name__)


# -- schemes ---------------------------------------------------------------------------------------


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


@transaction.atomic
def scheme_copy(*, acting_user, county: Region, source: SchemeVersion | None = None, name: str = "") -> SchemeVersion:
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
def scheme_update(*, acting_user, scheme: SchemeVersion, data: dict) -> SchemeVersion:
    """Change a county's own, unused scheme version. Validated whole; a locked version is refused."""
    acting_user.scope.require("assessment.manage")
    if scheme.county_id is None:
        raise ValidationError(_("系统默认方案不能修改，请先复制为本县方案。"))
    _require_county(acting_user, scheme.county)
    scheme = SchemeVersion.objects.select_for_update().get(pk=scheme.pk)  # the lock is decided in the database
    if scheme.locked_at:
        raise ValidationError(_("该方案版本已被发布的考核结果使用，不能再修改；请复制出新版本后修改。"))
    try:
        parse_scheme({**data, "code": scheme.code, "version": scheme.version})
    except SchemeError as exc:
        raise ValidationError(str(exc)) from None
    scheme.data = {**data, "code": scheme.code, "version": scheme.version}
    scheme.name = data.get("name", scheme.name)
    with acting(acting_user):
        scheme.save()
    return scheme


def _require_county(user, county: Region) -> None:
    if county.level != Level.COUNTY or not user.scope.covers_region(county.code):
        raise ValidationError(_("只能操作本县的考核。"))


# -- computing -------------------------------------------------------------------------------------


def period_of(scheme, year: int, half: str) -> Period:
    full_year = half == "H2" and scheme.year_end_scope == "full_year"
    return Period.of(year, half, scheme.periods[half], full_year=full_year)


def compute_period(
    county_code: str, year: int, half: str, scheme_version: SchemeVersion, *, now: datetime | None = None
) -> tuple[list[PeriodResult], dict[str, dict]]:
    scheme = parse_scheme(scheme_version.data)
    period = period_of(scheme, year, half)
    facts = gather_period(county_code, period, now=now)
    results = rank(assess_period(scheme, period, f) for f in facts)
    return results, {f.station: to_json(f) for f in facts}


def _current(county: Region, year: int, period: str) -> Assessment | None:
    return Assessment.objects.filter(county=county, year=year, period=period).order_by("-version").first()


def current_published(county: Region, year: int, period: str) -> Assessment | None:
    return (
        Assessment.objects.filter(county=county, year=year, period=period, status=Status.PUBLISHED)
        .order_by("-version")
        .first()
    )


def _half_results(county: Region, year: int, half: str, scheme_version: SchemeVersion, now) -> list[PeriodResult]:
    """A half's results for the annual composite: its published snapshot if there is one, else live."""
    published = current_published(county, year, half)
    if published is None:
        return compute_period(county.code, year, half, scheme_version, now=now)[0]
    return [
        PeriodResult(station=r.station.code, status=r.status, total=r.total, grade=r.grade or None)
        for r in published.results.select_related("station")
    ]


@transaction.atomic
def assessment_compute(
    *, acting_user, county: Region, year: int, period: str, now: datetime | None = None
) -> Assessment:
    """Create or recompute the open draft for the period from the current data."""
    acting_user.scope.require("assessment.manage")
    _require_county(acting_user, county)
    if period not in PeriodKind.values:
        raise ValidationError(_("考核期只能是 H1、H2 或 annual。"))
    now = now or timezone.now()
    assessment = _open_drafts(acting_user, [county], year, period)[0]
    _fill(assessment, now)
    assessment.computed_at = now
    with acting(acting_user):
        assessment.save()
    return assessment


def _open_drafts(acting_user, counties: list[Region], year: int, period: str) -> list[Assessment]:
    """Per county, the open draft of the period: the current version when still open (one in review goes
    back to draft, as a recomputation changes it), else a new version 1. A published period is refused
    (it is corrected, with a reason, not recomputed in place). A fixed number of queries plus one insert
    per new draft."""
    current: dict[str, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(county__in=counties, year=year, period=period)
        .select_related("scheme")
        .order_by("county_id", "-version")
    ):
        current.setdefault(assessment.county_id, assessment)
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
    own: dict[str, SchemeVersion] = {}
    for scheme in SchemeVersion.objects.filter(county__in=counties).order_by("county_id", "-created_at", "-version"):
        own.setdefault(scheme.county_id, scheme)
    default = default_scheme() if len(own) < len({c.pk for c in counties}) else None
    return {county.pk: own.get(county.pk, default) for county in counties}


@transaction.atomic
def assessment_compute_many(
    *, acting_user, counties: Iterable[Region], year: int, period: str, now: datetime | None = None
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
    _fill_halves(drafts, now)
    with acting(acting_user):
        for assessment in drafts:
            assessment.computed_at = now
            assessment.save()
    return drafts


def _hold_ledger_imports(county_codes: Iterable[str]) -> None:
    """Take, until the transaction ends, the import lock of each ledger the facts count, in each county: an
    import under way is waited for, one starting now waits for this computation. Without it an import
    committing between the facts' queries (on PostgreSQL each query sees what was committed when it began),
    e.g. between the annual composite's H1 and H2, gives results computed half before it and half after."""
    from cunzhan.ledgers.importers import lock_county
    from cunzhan.ledgers.models import ProxyPurchase, ProxySale

    for model in (ProxyPurchase, ProxySale):  # in the importer's order (sorted counties): no deadlock
        for code in sorted(set(county_codes)):
            lock_county(model, code)


def _fill_halves(assessments: list[Assessment], now: datetime) -> None:
    """Compute and store the H1/H2 results of the assessments (any counties, the same period kind)."""
    _hold_ledger_imports(a.county_id for a in assessments)
    # A province's facts and results are millions of small objects that live until the end: without
    # this, the cyclic garbage collector walks all of them again and again as they are made.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        facts = _gather(assessments, now)
        rows = _evaluate(assessments, facts)
        _write_results([a.pk for a in assessments], rows)
    finally:
        if gc_was_enabled:
            gc.enable()


def _gather(assessments: list[Assessment], now: datetime) -> dict[str, list]:
    """The facts of every assessment's county, by county code: one batch per distinct period (counties on
    schemes with the same half-year months, i.e. normally one batch)."""
    by_period: dict[Period, list[str]] = defaultdict(list)
    for assessment in assessments:
        scheme = _parsed(assessment.scheme)
        by_period[period_of(scheme, assessment.year, assessment.period)].append(assessment.county_id)
    facts: dict[str, list] = {}
    for period, codes in by_period.items():
        facts.update(gather_period_many(codes, period, now=now))
    return facts


def _parsed(scheme_version: SchemeVersion):
    """The parsed scheme, kept on the instance (the same version serves many counties)."""
    parsed = getattr(scheme_version, "_parsed_scheme", None)
    if parsed is None:
        parsed = scheme_version._parsed_scheme = parse_scheme(scheme_version.data)
    return parsed


# AssessmentResult columns as written by _write_results, in this order
RESULT_FIELDS = (
    "assessment_id",
    "station_id",
    "status",
    "total",
    "grade",
    "rank",
    "h1",
    "h2",
    "deductions",
    "items",
    "lines",
    "missing",
    "facts",
    "subsidy",
)
# with ASSESSMENT_PROCESSES > 1: below this many stations a second process costs more than it saves
PARALLEL_MIN_STATIONS = 4000


def _evaluate(assessments: list[Assessment], facts: dict[str, list]) -> Iterable[tuple]:
    """The engine over the gathered facts, ranked per county: result rows (values of RESULT_FIELDS) to
    write, their JSON columns already encoded for the database (text for COPY on PostgreSQL).

    The engine is plain Python (≈ 150-300 µs a station). With ``settings.ASSESSMENT_PROCESSES = 2`` a forked
    process takes about half the counties of a province-sized batch; off by default, as on the shared
    2-core box it was slower (the other process waits for a core; see BENCHMARKS.md)."""
    codes = [a.county_id for a in assessments]
    stations = {
        code: (pk, tier)
        for code, pk, tier in Station.objects.filter(county_code__in=codes).values_list("code", "pk", "tier")
    }
    subsidies: dict[str, dict] = defaultdict(dict)
    for rule in SubsidyRule.objects.filter(county__in=codes):
        subsidies[rule.county_id][(rule.grade, rule.tier)] = rule.amount
    encode = _TextEncoder() if connection.vendor == "postgresql" else to_json
    for assessment in assessments:
        _parsed(assessment.scheme)  # parsed once here, before a fork
    jobs = [(a, facts[a.county_id], subsidies.get(a.county_id, {})) for a in assessments]

    def evaluate(part: list) -> list[tuple]:
        return [row for job in part for row in _evaluate_county(*job, stations, encode)]

    processes = min(getattr(settings, "ASSESSMENT_PROCESSES", 1), os.cpu_count() or 1)
    total = sum(len(f) for _a, f, _s in jobs)
    if processes < 2 or total < PARALLEL_MIN_STATIONS or "fork" not in multiprocessing.get_all_start_methods():
        # county by county as the writer asks: PostgreSQL stores one county while the next is computed
        return (row for job in jobs for row in _evaluate_county(*job, stations, encode))
    # two halves by number of stations (whole counties: ranks are per county)
    mine, theirs, counted = [], [], 0
    for job in jobs:
        (mine if counted < total / 2 else theirs).append(job)
        counted += len(job[1])
    other = _forked(evaluate, theirs)
    rows = evaluate(mine)
    return rows + (other() or evaluate(theirs))  # should the other process fail, this one does its share


class _TextEncoder:
    """:func:`json_text`, remembering the text of each distinct element of a sequence: many stations share
    item results (e.g. full marks), and encoding is a good part of the cost of a province."""

    def __init__(self) -> None:
        self.known: dict = {}

    def __call__(self, value) -> str:
        if type(value) is not tuple:
            return json_text(value)
        texts = []
        for element in value:
            try:
                text = self.known.get(element)
            except TypeError:  # not hashable
                text = json_text(element)
            if text is None:
                text = self.known[element] = json_text(element)
            texts.append(text)
        return "[" + ", ".join(texts) + "]"  # as json.dumps separates list elements


def _evaluate_county(
    assessment: Assessment, county_facts: list, subsidies: dict, stations: dict, encode
) -> list[tuple]:
    scheme = _parsed(assessment.scheme)
    period = period_of(scheme, assessment.year, assessment.period)
    by_code = {f.station: f for f in county_facts}
    rows = []
    for r in rank(assess_period(scheme, period, f) for f in county_facts):
        station_id, tier = stations[r.station]
        subsidy = subsidies.get((r.grade, tier)) if r.grade else None
        rows.append(
            (
                *(assessment.pk, station_id, r.status, r.total, r.grade or "", r.rank, None, None, None),
                *(encode(r.items), encode(()), encode(r.missing), encode(by_code[r.station]), subsidy),
            )
        )
    return rows


def _forked(function, argument):
    """Start ``function(argument)`` in a forked process (it must not use the database); return a function
    that waits for the result, or returns None if the process failed (the caller then does the work)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, argument), daemon=True)
    process.start()
    sender.close()

    def result():
        try:
            ok, value = receiver.recv()
        except (EOFError, OSError):
            ok, value = False, "the process ended without a result"
        finally:
            receiver.close()
            process.join()
        if not ok:
            logger.warning("assessment: the second process failed, computing its share here: %s", value)
            return None
        return value

    return result


def _child(sender, function, argument) -> None:
    try:
        sender.send((True, function(argument)))
    except BaseException:  # reported to the parent, which then does the work itself
        sender.send((False, traceback.format_exc()))
    finally:
        sender.close()


def _write_results(assessment_ids: list[int], rows: Iterable[tuple]) -> None:
    """Replace the results of the assessments (drafts) by ``rows`` (values of RESULT_FIELDS, JSON encoded
    by :func:`_evaluate`): the old ones deleted in one statement, the new ones copied in on PostgreSQL
    (COPY: no parameter quoting of the JSON; a writer thread sends the data, so the server stores rows
    while the next county's rows are computed), else bulk-inserted."""
    table = connection.ops.quote_name(AssessmentResult._meta.db_table)
    column = connection.ops.quote_name(AssessmentResult._meta.get_field("assessment").column)
    with connection.cursor() as cursor:
        # drafts' results: nothing refers to them (a rectification is ordered on a published result only)
        if assessment_ids:
            marks = ", ".join(["%s"] * len(assessment_ids))
            # names from the model, values as parameters; the ORM's delete() would load every row first
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", assessment_ids)  # noqa: S608
        if connection.vendor != "postgresql":
            objects = [AssessmentResult(**dict(zip(RESULT_FIELDS, row, strict=True))) for row in rows]
            AssessmentResult.objects.bulk_create(objects, batch_size=1000)
            return
        # the JSON of a result is 2-3 kB: lz4 compresses it several times faster than the default pglz
        cursor.execute(
            "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
            "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        fields = [AssessmentResult._meta.get_field(name.removesuffix("_id")) for name in RESULT_FIELDS]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
            for row in rows:
                copy.write_row(row)


def _fill(assessment: Assessment, now: datetime) -> None:
    if assessment.period in ("H1", "H2"):
        _fill_halves([assessment], now)
        return
    _hold_ledger_imports([assessment.county_id])
    scheme_version = assessment.scheme
    scheme = parse_scheme(scheme_version.data)
    county = assessment.county
    stations = dict(Station.objects.filter(county_code=county.code).values_list("code", "pk"))
    subsidies = {(s.grade, s.tier): s.amount for s in SubsidyRule.objects.filter(county=county)}
    tiers = dict(Station.objects.filter(county_code=county.code).values_list("code", "tier"))
    rows = []
    h1 = {r.station: r for r in _half_results(county, assessment.year, "H1", scheme_version, now)}
    h2 = {r.station: r for r in _half_results(county, assessment.year, "H2", scheme_version, now)}
    supervision = gather_supervision(county.code, assessment.year)
    annual = []
    for code in sorted(set(h1) | set(h2)):
        missing = PeriodResult(station=code, status="incubation")
        annual.append(
            assess_annual(
                scheme, h1.get(code, missing), h2.get(code, missing), supervision.get(code) or _no_events(code)
            )
        )
    for r in rank(annual):
        rows.append(
            AssessmentResult(
                assessment=assessment,
                station_id=stations[r.station],
                status=r.status,
                total=r.total,
                grade=r.grade or "",
                rank=r.rank,
                h1=r.h1,
                h2=r.h2,
                deductions=r.deductions,
                lines=[to_json(line) for line in r.lines],
                facts=to_json(supervision.get(r.station)) or {},
                subsidy=subsidies.get((r.grade, tiers.get(r.station))) if r.grade else None,
            )
        )
    AssessmentResult.objects.filter(assessment=assessment).delete()
    AssessmentResult.objects.bulk_create(rows, batch_size=1000)


def _no_events(code: str):
    from cunzhan.assessment.engine import SupervisionFacts

    return SupervisionFacts(station=code)


@transaction.atomic
def assessment_submit_review(*, acting_user, assessment: Assessment) -> Assessment:
    acting_user.scope.require("assessment.manage")
    if assessment.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以提交审核。"))
    assessment.status = Status.REVIEW
    with acting(acting_user):
        assessment.save()
    return assessment


@transaction.atomic
def assessment_publish(*, acting_user, assessment: Assessment, now: datetime | None = None) -> Assessment:
    """Freeze the results. Refused while any station is incomplete (a rated input is missing)."""
    acting_user.scope.require("assessment.publish")
    _require_county(acting_user, assessment.county)
    if assessment.status != Status.REVIEW:
        raise ValidationError(_("请先提交审核，审核中的考核才能发布。"))
    if assessment.period == PeriodKind.ANNUAL:
        unpublished = [h for h in ("H1", "H2") if current_published(assessment.county, assessment.year, h) is None]
        if unpublished:
            raise ValidationError(
                _("年度综合考评须在上半年和年终考核都发布之后发布（尚未发布：%(halves)s）。")
                % {"halves": "、".join(unpublished)}
            )
        latest = max(current_published(assessment.county, assessment.year, h).published_at for h in ("H1", "H2"))
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
def assessment_correct(*, acting_user, assessment: Assessment, reason: str, now: datetime | None = None) -> Assessment:
    """Open a correction: a new draft version, recomputed from the current data, with the reason kept.
    The published version stays public until the correction is published."""
    acting_user.scope.require("assessment.publish")
    _require_county(acting_user, assessment.county)
    if assessment.status != Status.PUBLISHED:
        raise ValidationError(_("只有已发布的考核才能更正。"))
    if not reason.strip():
        raise ValidationError({"reason": _("更正须说明理由。")})
    if _current(assessment.county, assessment.year, assessment.period).pk != assessment.pk:
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
    _fill(correction, now)
    correction.computed_at = now
    with acting(acting_user):
        correction.save()
    return correction


# -- rectification ---------------------------------------------------------------------------------


@transaction.atomic
def rectification_order(
    *, acting_user, result: AssessmentResult, deadline: date, requirements: str, now: datetime | None = None
) -> Rectification:
    """不合格 → order to rectify by a deadline; the station moves to 整改."""
    from cunzhan.stations.services import station_transition

    acting_user.scope.require("assessment.publish")
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
    *, acting_user, rectification: Rectification, passed: bool, note: str, now: datetime | None = None
) -> Rectification:
    """Re-inspection: passed → back to 运营; failed → revoked through the station lifecycle."""
    from cunzhan.stations.services import station_transition

    acting_user.scope.require("assessment.publish")
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


def subsidy_total(assessment: Assessment) -> Decimal:
    return sum((r.subsidy or Decimal(0) for r in assessment.results.all()), Decimal(0))


__all__ = [
    "ASSESSED",
    "assessment_compute",
    "assessment_correct",
    "assessment_publish",
    "assessment_submit_review",
    "compute_period",
    "current_published",
    "default_scheme",
    "rectification_close",
    "rectification_order",
    "scheme_copy",
    "scheme_for_county",
    "scheme_update",
]


@transaction.atomic
def subsidy_rules_set(*, acting_user, county: Region, amounts: dict[tuple[str, str], Decimal | None]) -> None:
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
