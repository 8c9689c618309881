"""What a correction changed: for each station, the facts and points that differ from the version before,
with the records entered since that version (补录, who and when) and the corrections of its inspection
(the reason, who and when) beside the facts they moved.

A correction (version n > 1) keeps these lines on each result (``AssessmentResult.changes``), written when
it is computed and frozen with it when it is published. Each line keeps its text (Chinese, as stored and
exported), its message and arguments (a page in another language translates it, as the explanation lines
are), the fact and item it is about, the values before and after, and the points it moved.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_noop as N_

from cunzhan.assessment.engine import Scheme, parse_scheme
from cunzhan.assessment.models import Assessment, AssessmentResult
from cunzhan.core import late_entries
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.money import format_score

FACT_NAMES = {
    "purchase_orders": N_("代购单数"),
    "sale_orders": N_("代销单数"),
    "population": N_("服务人口"),
    "leave": N_("培训请假次数"),
    "absent": N_("培训旷课次数"),
    "late": N_("培训迟到次数"),
    "early_leave": N_("培训早退次数"),
    "failed_tests": N_("现场测试不合格次数"),
    "missed_activities": N_("缺少的营销活动"),
    "missed_activity_reports": N_("漏报的活动数据"),
    "late_reports": N_("报表迟报次数"),
    "missed_reports": N_("报表漏报次数"),
    "parcel_complaints": N_("经核实的快递投诉"),
    "faults": N_("涉及本期的报修记录"),
    # the annual composite
    "h1": N_("上半年得分"),
    "h2": N_("年终考核得分"),
    "deductions": N_("日常督查扣分"),
    "not_cooperating": N_("不配合日常督查次数"),
    "poor_performance": N_("督查发现工作较差次数"),
    "public_report": N_("经核实的群众举报次数"),
    "leader_criticism_or_media": N_("领导批评或媒体曝光次数"),
}
RATING = N_("“%(name)s”评分")
STATUS_NAMES = {"assessed": N_("参加考核"), "incubation": N_("培育期"), "incomplete": N_("评分不完整")}
# the records whose late entry moves a fact (model label -> facts)
ENTRY_FACTS = {
    "ledgers.ProxyPurchase": ("purchase_orders",),
    "ledgers.ProxySale": ("sale_orders",),
    "reports.Report": ("late_reports", "missed_reports"),
    "activities.Attendance": ("leave", "absent", "late", "early_leave", "failed_tests"),
    "activities.Participation": ("missed_activities", "missed_activity_reports"),
    "activities.ActivityReport": ("missed_activity_reports",),
}
ENTRY_NAMES = {
    "ledgers.ProxyPurchase": N_("代购台账"),
    "ledgers.ProxySale": N_("代销台账"),
    "ledgers.Parcel": N_("快递收发台账"),
    "ledgers.ConvenienceService": N_("便民服务台账"),
    "reports.Report": N_("报表"),
    "activities.Attendance": N_("培训出勤"),
    "activities.Participation": N_("活动参与"),
    "activities.ActivityReport": N_("活动数据"),
}


def line(message: str, *, points: Decimal | None = None, **fields: Any) -> dict[str, Any]:
    """A change line: ``message % args`` as its Chinese text, the points it moved ("+0.05"), and the rest."""
    args = {k: str(v) for k, v in fields.pop("args", {}).items()}
    return {
        "text": message % args,
        "message": message,
        "args": sorted(args.items()),
        "points": _signed(points) if points is not None else "",
        **fields,
    }


def _signed(value: Decimal) -> str:
    return format_score(value, sign=True)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def record(assessment: Assessment, now: datetime) -> None:
    """Write each result's changes against the version before (a correction only), in one statement."""
    if assessment.version <= 1:
        return
    previous = Assessment.objects.filter(
        county=assessment.county_id, year=assessment.year, period=assessment.period, version=assessment.version - 1
    ).first()
    if previous is None:
        return
    since = previous.computed_at or previous.created_at
    scheme = parse_scheme(assessment.scheme.data)
    before = {r.station_id: r for r in previous.results.all()}
    after = list(assessment.results.all())
    entries = _entries(assessment, scheme, since, now)
    corrected = _inspection_corrections(assessment, since, now)
    for result in after:
        old = before.pop(result.station_id, None)
        result.changes = station_changes(
            scheme,
            old,
            result,
            entries.get(result.station_id, []),
            corrected.get(result.station_id, []),
            annual=assessment.period == "annual",
        )
    AssessmentResult.objects.bulk_update(after, ["changes"], batch_size=500)


def station_changes(
    scheme: Scheme,
    old: AssessmentResult | None,
    new: AssessmentResult,
    entries: list[late_entries.Entry],
    corrections: list[dict[str, str]],
    *,
    annual: bool = False,
) -> list[dict[str, Any]]:
    """One station's change lines, the version before (``old``; None when the station was not in it) to now:
    its total, rank and grade; each fact that differs with the points its item moved, the records entered
    since beside the fact they feed and the inspection's corrections beside its ratings; the records entered
    that moved nothing."""
    if old is None:
        return [line(N_("新列入本期考核：%(status)s"), args={"status": STATUS_NAMES.get(new.status, new.status)})]
    lines = _summary(old, new)
    fact_item, item_names, sub_names = _scheme_maps(scheme)
    old_items = {int(i["no"]): Decimal(i["score"]) for i in old.items}
    new_items = {int(i["no"]): Decimal(i["score"]) for i in new.items}
    changed = _changed_facts(scheme, old.facts or {}, new.facts or {})
    if annual:
        changed.update(_changed_fields(old, new))
    by_fact: dict[str, list[late_entries.Entry]] = defaultdict(list)
    for entry in entries:
        for fact in ENTRY_FACTS.get(entry.model._meta.label, ()):
            by_fact[fact].append(entry)
    shown: set[tuple[str, int]] = set()
    facts_of_item: dict[int | None, list[str]] = defaultdict(list)
    for fact in changed:
        facts_of_item[fact_item.get(fact)].append(fact)
    for no in sorted(set(old_items) | set(new_items) | {n for n in facts_of_item if n is not None}):
        delta = new_items.get(no, Decimal(0)) - old_items.get(no, Decimal(0))
        facts = facts_of_item.pop(no, [])
        for fact in facts:
            beside = by_fact.get(fact, [])
            shown.update((e.model._meta.label, e.pk) for e in beside)
            alone = delta if len(facts) == 1 and delta else None
            lines.append(_fact_line(fact, changed[fact], alone, beside, corrections, no, sub_names))
        if delta and len(facts) != 1:
            args = {"no": no, "name": item_names[no], "old": old_items.get(no), "new": new_items.get(no)}
            lines.append(
                line(
                    N_("第%(no)s项 %(name)s %(old)s → %(new)s（%(delta)s）"),
                    points=delta,
                    item=no,
                    args={**args, "delta": _signed(delta)},
                )
            )
    for fact in facts_of_item.pop(None, []):
        beside = by_fact.get(fact, [])
        shown.update((e.model._meta.label, e.pk) for e in beside)
        lines.append(_fact_line(fact, changed[fact], None, beside, corrections, None, sub_names))
    unused: dict[str, list[late_entries.Entry]] = defaultdict(list)
    for entry in entries:
        if (entry.model._meta.label, entry.pk) not in shown:
            unused[entry.model._meta.label].append(entry)
    for label, group in unused.items():
        lines.append(
            line(
                N_("%(records)s%(entries)s（未改变本期得分）"),
                entries=[_entry_json(e) for e in group],
                args={"records": ENTRY_NAMES.get(label, label), "entries": _entries_text(group)},
            )
        )
    return lines


def _summary(old: AssessmentResult, new: AssessmentResult) -> list[dict[str, Any]]:
    """The status, total, rank and grade that differ."""
    lines = []
    if old.status != new.status:
        statuses = {"old": STATUS_NAMES.get(old.status, old.status), "new": STATUS_NAMES.get(new.status, new.status)}
        lines.append(line(N_("状态 %(old)s → %(new)s"), fact="status", args=statuses))
    if old.total != new.total:
        delta = (new.total or Decimal(0)) - (old.total or Decimal(0))
        values = {"old": _shown(old.total), "new": _shown(new.total)}
        lines.append(
            line(
                N_("总分 %(old)s → %(new)s（%(delta)s）"),
                points=delta,
                fact="total",
                old=values["old"],
                new=values["new"],
                args={**values, "delta": _signed(delta)},
            )
        )
    for name, message in (("rank", N_("排名 %(old)s → %(new)s")), ("grade", N_("等级 %(old)s → %(new)s"))):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            values = {"old": _shown(before), "new": _shown(after)}
            lines.append(line(message, fact=name, old=values["old"], new=values["new"], args=values))
    return lines


def _fact_line(
    fact: str,
    values: tuple[Any, Any],
    delta: Decimal | None,
    entered: list[late_entries.Entry],
    corrections: list[dict[str, str]],
    item: int | None,
    sub_names: dict[str, str],
) -> dict[str, Any]:
    """ "代购单数 137 → 138（+0.05），补录 1 条，2026-08-03 张三"."""
    old, new = (_shown(v) for v in values)
    if fact.startswith("rating:"):
        name = RATING % {"name": sub_names.get(fact.removeprefix("rating:"), fact)}
    else:
        name = FACT_NAMES.get(fact, fact)
    args: dict[str, Any] = {"fact": name, "old": old, "new": new}
    message = N_("%(fact)s %(old)s → %(new)s")
    extra: dict[str, Any] = {}
    if delta is not None:
        message = N_("%(fact)s %(old)s → %(new)s（%(delta)s）")
        args["delta"] = _signed(delta)
    if entered:
        message = {
            N_("%(fact)s %(old)s → %(new)s"): N_("%(fact)s %(old)s → %(new)s，%(entries)s"),
            N_("%(fact)s %(old)s → %(new)s（%(delta)s）"): N_("%(fact)s %(old)s → %(new)s（%(delta)s），%(entries)s"),
        }[message]
        args["entries"] = _entries_text(entered)
        extra["entries"] = [_entry_json(e) for e in entered]
    if fact.startswith("rating:") and corrections:
        message = {
            N_("%(fact)s %(old)s → %(new)s"): N_("%(fact)s %(old)s → %(new)s，实地察看更正：%(reasons)s"),
            N_("%(fact)s %(old)s → %(new)s（%(delta)s）"): N_(
                "%(fact)s %(old)s → %(new)s（%(delta)s），实地察看更正：%(reasons)s"
            ),
        }.get(message, message)
        args["reasons"] = "；".join(f"{c['reason']}（{c['at'][:10]} {c['by']}）" for c in corrections)
        extra["corrections"] = corrections
    return line(message, points=delta, item=item, fact=fact, old=old, new=new, args=args, **extra)


def _entries_text(entries: list[late_entries.Entry]) -> str:
    """ "补录 1 条，2026-08-03 张三"; several days or people: "补录 3 条（2026-08-03 张三 2 条；2026-08-05 李四 1 条）".
    A record entered since the version before but before the half-year was published is 新登记."""
    parts = []
    for label, group in (("补录", [e for e in entries if e.late]), ("新登记", [e for e in entries if not e.late])):
        if not group:
            continue
        by_day: dict[tuple[str, str], int] = defaultdict(int)
        for e in group:
            by_day[(f"{e.entered_at.astimezone(SHANGHAI):%Y-%m-%d}", e.entered_by)] += 1
        if len(by_day) == 1:
            ((day, who),) = by_day
            parts.append(f"{label} {len(group)} 条，{day} {who}")
        else:
            each = "；".join(f"{day} {who} {n} 条" for (day, who), n in by_day.items())
            parts.append(f"{label} {len(group)} 条（{each}）")
    return "，".join(parts)


def _entry_json(entry: late_entries.Entry) -> dict[str, Any]:
    return {
        "kind": entry.model._meta.label,
        "id": entry.pk,
        "day": entry.day.isoformat(),
        "at": entry.entered_at.astimezone(SHANGHAI).replace(microsecond=0).isoformat(),
        "by": entry.entered_by,
        "late": entry.late,
    }


def _scheme_maps(scheme: Scheme) -> tuple[dict[str, int], dict[int, str], dict[str, str]]:
    """Which item each fact scores (a rating as ``rating:<key>``), the items' names, the sub-items' names."""
    items: dict[str, int] = {}
    subs: dict[str, str] = {}
    for item in scheme.items:
        for sub in item.sub:
            items[f"rating:{sub.key}"] = item.no
            subs[sub.key] = sub.name
        facts = {
            "training": ("leave", "absent", "late", "early_leave", "failed_tests"),
            "marketing": ("missed_activities", "missed_activity_reports"),
            "reporting": ("late_reports", "missed_reports"),
            "parcel": ("parcel_complaints",),
            "orders": (f"{item.params.get('orders')}_orders",),
            "rated": ("faults",) if item.params.get("zero_if_fault_unrepaired_days") is not None else (),
        }.get(item.rule, ())
        items.update(dict.fromkeys(facts, item.no))
    return items, {item.no: item.name for item in scheme.items}, subs


COUNTED = tuple(f for f in FACT_NAMES if f not in ("faults", "h1", "h2", "deductions"))


def _changed_facts(scheme: Scheme, old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The facts whose values differ: counts, the population, each rating, the number of faults; for the
    annual composite, the count of each kind of daily-supervision event."""
    changed: dict[str, tuple[Any, Any]] = {}
    for name in COUNTED:
        if (name in old or name in new) and old.get(name) != new.get(name):
            changed[name] = (old.get(name), new.get(name))
    counts_old, counts_new = old.get("counts") or {}, new.get("counts") or {}
    for kind in sorted(set(counts_old) | set(counts_new)):
        if counts_old.get(kind, 0) != counts_new.get(kind, 0):
            changed[kind] = (counts_old.get(kind, 0), counts_new.get(kind, 0))
    ratings_old, ratings_new = old.get("ratings") or {}, new.get("ratings") or {}
    for key in (s.key for item in scheme.items for s in item.sub):
        if ratings_old.get(key) != ratings_new.get(key):
            changed[f"rating:{key}"] = (ratings_old.get(key), ratings_new.get(key))
    if len(old.get("faults") or []) != len(new.get("faults") or []):
        changed["faults"] = (len(old.get("faults") or []), len(new.get("faults") or []))
    return changed


def _changed_fields(old: AssessmentResult, new: AssessmentResult) -> dict[str, tuple[Any, Any]]:
    """The annual composite's halves and deductions that differ."""
    return {
        name: (getattr(old, name), getattr(new, name))
        for name in ("h1", "h2", "deductions")
        if getattr(old, name) != getattr(new, name)
    }


def _entries(
    assessment: Assessment, scheme: Scheme, since: datetime, until: datetime
) -> dict[int, list[late_entries.Entry]]:
    """The records of the county dated in the period and entered since the version before, by station."""
    if assessment.period == "annual":
        return {}
    from django.apps import apps

    from cunzhan.assessment.computation import period_of

    period = period_of(scheme, assessment.year, assessment.period)
    found: dict[int, list[late_entries.Entry]] = defaultdict(list)
    for label in ENTRY_NAMES:
        model: type[Model] = apps.get_model(label)
        for entry in late_entries.entries(model, [assessment.county_id], period.start, period.end, since, until):
            found[entry.station_id].append(entry)
    return found


def _inspection_corrections(
    assessment: Assessment, since: datetime, until: datetime
) -> dict[int, list[dict[str, str]]]:
    """The corrections of the period's inspections made since the version before (reason, when, who), by station."""
    if assessment.period == "annual":
        return {}
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from cunzhan.supervision.models import Inspection

    stations = dict(
        Inspection.objects.filter(
            station__county_code=assessment.county_id, year=assessment.year, half=assessment.period
        ).values_list("pk", "station_id")
    )
    found: dict[int, list[dict[str, str]]] = defaultdict(list)
    logs = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Inspection),
        object_pk__in=[str(pk) for pk in stations],
        additional_data__event="correction",
        timestamp__gt=since,
        timestamp__lte=until,
    ).select_related("actor")
    for log in logs.order_by("timestamp"):
        who = (log.actor.display_name or log.actor.username) if log.actor else ""
        found[stations[int(log.object_pk)]].append(
            {
                "reason": (log.additional_data or {}).get("reason", ""),
                "at": log.timestamp.astimezone(SHANGHAI).replace(microsecond=0).isoformat(),
                "by": who,
            }
        )
    return found
