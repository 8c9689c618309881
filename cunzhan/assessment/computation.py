"""The assessment's computation: the facts gathered for a period, the engine run over them (in a second
process for a province-sized batch, when ``ASSESSMENT_PROCESSES`` allows), and the results written (COPY
on PostgreSQL). The workflow around it — drafts, review, publication, corrections — is in
:mod:`cunzhan.assessment.services`, which calls :func:`fill` and :func:`fill_halves` inside its
transactions."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from cunzhan.assessment.engine import (
    Period,
    PeriodResult,
    Scheme,
    StationFacts,
    SupervisionFacts,
    assess_annual,
    assess_period,
    parse_scheme,
    rank,
)
from cunzhan.assessment.facts import gather_period, gather_period_many, gather_supervision, json_text, to_json
from cunzhan.assessment.models import Assessment, AssessmentResult, SchemeVersion, SubsidyRule
from cunzhan.assessment.selectors import current_published
from cunzhan.regions.models import Region
from cunzhan.stations.models import Station

logger = logging.getLogger(__name__)

Row = tuple[Any, ...]  # an AssessmentResult's values, in the order of RESULT_FIELDS
# an assessment, its county's facts and its subsidies by (grade, tier)
Job = tuple[Assessment, list[StationFacts], dict[tuple[str, str], Decimal]]
T = TypeVar("T")
R = TypeVar("R")


def period_of(scheme: Scheme, year: int, half: str) -> Period:
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


def _half_results(
    county: Region, year: int, half: str, scheme_version: SchemeVersion, now: datetime
) -> list[PeriodResult]:
    """A half's results for the annual composite: its published snapshot if there is one, else live."""
    published = current_published(county, year, half)
    if published is None:
        return compute_period(county.code, year, half, scheme_version, now=now)[0]
    return [
        PeriodResult(station=r.station.code, status=r.status, total=r.total, grade=r.grade or None)
        for r in published.results.select_related("station")
    ]


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


def fill_halves(assessments: list[Assessment], now: datetime) -> None:
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


def _gather(assessments: list[Assessment], now: datetime) -> dict[str, list[StationFacts]]:
    """The facts of every assessment's county, by county code: one batch per distinct period (counties on
    schemes with the same half-year months, i.e. normally one batch)."""
    by_period: dict[Period, list[str]] = defaultdict(list)
    for assessment in assessments:
        scheme = _parsed(assessment.scheme)
        by_period[period_of(scheme, assessment.year, assessment.period)].append(assessment.county_id)
    facts: dict[str, list[StationFacts]] = {}
    for period, codes in by_period.items():
        facts.update(gather_period_many(codes, period, now=now))
    return facts


def _parsed(scheme_version: SchemeVersion) -> Scheme:
    """The parsed scheme, kept on the instance (the same version serves many counties)."""
    parsed: Scheme | None = getattr(scheme_version, "_parsed_scheme", None)
    if parsed is None:
        # an attribute of this instance only, not a field of the model
        parsed = scheme_version._parsed_scheme = parse_scheme(scheme_version.data)  # type: ignore[attr-defined]
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
    "changes",  # a correction's, written after (cunzhan.assessment.changes)
)
# with ASSESSMENT_PROCESSES > 1: below this many stations a second process costs more than it saves
PARALLEL_MIN_STATIONS = 4000


def _evaluate(assessments: list[Assessment], facts: dict[str, list[StationFacts]]) -> Iterable[Row]:
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
    subsidies: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for rule in SubsidyRule.objects.filter(county__in=codes):
        subsidies[rule.county_id][(rule.grade, rule.tier)] = rule.amount
    encode: Callable[[Any], Any] = _TextEncoder() if connection.vendor == "postgresql" else to_json
    for assessment in assessments:
        _parsed(assessment.scheme)  # parsed once here, before a fork
    jobs: list[Job] = [(a, facts[a.county_id], subsidies.get(a.county_id, {})) for a in assessments]

    def evaluate(part: list[Job]) -> list[Row]:
        return [row for job in part for row in _evaluate_county(*job, stations, encode)]

    processes = min(settings.ASSESSMENT_PROCESSES, os.cpu_count() or 1)
    total = sum(len(f) for _a, f, _s in jobs)
    if processes < 2 or total < PARALLEL_MIN_STATIONS or "fork" not in multiprocessing.get_all_start_methods():
        # county by county as the writer asks: PostgreSQL stores one county while the next is computed
        return (row for job in jobs for row in _evaluate_county(*job, stations, encode))
    # two halves by number of stations (whole counties: ranks are per county)
    mine: list[Job] = []
    theirs: list[Job] = []
    counted = 0
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
        self.known: dict[Any, str] = {}

    def __call__(self, value: Any) -> str:
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
    assessment: Assessment,
    county_facts: list[StationFacts],
    subsidies: dict[tuple[str, str], Decimal],
    stations: dict[str, tuple[int, str]],
    encode: Callable[[Any], Any],
) -> list[Row]:
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
                *(encode(r.items), encode(()), encode(r.missing), encode(by_code[r.station]), subsidy, encode(())),
            )
        )
    return rows


def _forked(function: Callable[[T], R], argument: T) -> Callable[[], R | None]:
    """Start ``function(argument)`` in a forked process (it must not use the database); return a function
    that waits for the result, or returns None if the process failed (the caller then does the work)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, argument), daemon=True)
    process.start()
    sender.close()

    def result() -> R | None:
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


def _child(sender: Connection, function: Callable[[T], R], argument: T) -> None:
    try:
        sender.send((True, function(argument)))
    except BaseException:  # reported to the parent, which then does the work itself
        sender.send((False, traceback.format_exc()))
    finally:
        sender.close()


def _write_results(assessment_ids: list[int], rows: Iterable[Row]) -> None:
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
        # by attribute name (a foreign key's ends in _id); a concrete field always has a column
        column_of = {f.attname: f.column for f in AssessmentResult._meta.concrete_fields if f.column}
        columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in RESULT_FIELDS)
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
            for row in rows:
                copy.write_row(row)


def fill(assessment: Assessment, now: datetime) -> None:
    """Compute and store the results of one assessment (a draft): H1/H2 through :func:`fill_halves`, the
    annual composite from the published halves (else live ones) and the year's daily supervision."""
    if assessment.period in ("H1", "H2"):
        fill_halves([assessment], now)
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
                subsidy=subsidies.get((r.grade, tiers[r.station])) if r.grade else None,
            )
        )
    AssessmentResult.objects.filter(assessment=assessment).delete()
    AssessmentResult.objects.bulk_create(rows, batch_size=1000)


def _no_events(code: str) -> SupervisionFacts:
    return SupervisionFacts(station=code)
