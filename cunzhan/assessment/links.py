"""An assessment's explanation lines on the pages: their text in the page's language, and each record
behind a line (a reference, :class:`~cunzhan.assessment.engine.Ref` as stored) named so a reader knows it
without opening it, and linked to its page where the viewer may open that page.

The names carry no personal data (a training's topic, an activity's title, dates, a status): the public
reads them too, without links. Which references a viewer may open is decided by the records' own scoping,
one query per kind of record, so that every link shown opens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

# kinds whose page is a record of its own, read through that record's scoping (kind -> model label)
RECORD_MODELS = {
    "training": "activities.Training",
    "activity": "activities.MarketingActivity",
    "activity_report": "activities.MarketingActivity",  # the activity's page shows each station's report
    "complaint": "supervision.Complaint",
    "event": "supervision.SupervisionEvent",
    "inspection": "supervision.Inspection",
    "photo": "supervision.InspectionPhoto",
    "adhoc": "reports.Report",
    "order_flag": "assessment.OrderFlag",  # a confirmed 刷单 flag that took orders out of items 7-8
}
# kinds whose page is the station's (its reports, faults, ledgers): open where the station is
STATION_KINDS = {"report", "fault", "ledger"}

TRAINING_STATUS = {
    "leave": N_("请假"),
    "absent": N_("旷课"),
    "late": N_("迟到"),
    "early_leave": N_("早退"),
    "unrecorded": N_("未登记出勤（计为旷课）"),
    "failed": N_("现场测试不合格"),
}
SUPERVISION_STATUS = {
    "parcel": N_("快递服务投诉"),
    "public_report": N_("群众举报"),
    "not_cooperating": N_("不配合日常督查"),
    "poor_performance": N_("督查发现工作较差"),
    "leader_criticism_or_media": N_("县级以上领导批评或媒体曝光"),
}
PHOTO_KINDS = {"storefront": N_("门头"), "interior": N_("店内"), "ledger": N_("台账"), "equipment": N_("设备")}
LEDGERS = {"purchase": N_("代购台账"), "sale": N_("代销台账")}


def line_text(line: dict) -> str:
    """An explanation line as the page's language reads it: its message translated with its arguments
    (the stored text is the Chinese of the same). Lines stored before messages were kept show their text."""
    message = line.get("message")
    if not message:
        return line["text"]
    return _(message) % dict(line.get("args") or ())


def as_ref(ref: Any) -> dict[str, str]:
    """A stored reference as a dict: results stored before references had fields kept "kind:id"."""
    if isinstance(ref, str):
        kind, _sep, key = ref.partition(":")
        return {"kind": kind, "id": key}
    return ref


def _minute(moment: str) -> str:
    """An ISO time as the pages show it, to the minute ("2025-04-05 23:59")."""
    return moment[:16].replace("T", " ")


def ref_label(ref: Any) -> str:
    """What a reference names, in the page's language: which record, and what about it cost points."""
    ref = as_ref(ref)
    kind, day, due, at, status, title = (ref.get(k, "") for k in ("kind", "day", "due", "at", "status", "title"))
    if kind == "report":
        return _report_label(ref)
    if kind == "training":
        what = _(TRAINING_STATUS[status]) if status in TRAINING_STATUS else status
        return _("%(day)s 培训“%(title)s”：%(status)s") % {"day": day, "title": title, "status": what}
    if kind == "activity":
        return _("%(day)s 营销活动“%(title)s”：未参加") % {"day": day, "title": title}
    if kind == "activity_report":
        if at:
            return _("“%(title)s”活动数据：应于 %(due)s 前上报，%(at)s 才上报") % {
                "title": title,
                "due": _minute(due),
                "at": _minute(at),
            }
        return _("“%(title)s”活动数据：应于 %(due)s 前上报，未上报") % {"title": title, "due": _minute(due)}
    if kind in ("complaint", "event"):
        what = _(SUPERVISION_STATUS[status]) if status in SUPERVISION_STATUS else status
        return _("%(day)s %(what)s（经核实）") % {"day": day, "what": what}
    if kind == "fault":
        if at:
            return _("%(day)s 报修，%(at)s 修复") % {"day": _minute(day), "at": _minute(at)}
        return _("%(day)s 报修，尚未修复") % {"day": _minute(day)} if day else _("报修记录")
    if kind == "inspection":
        return _("%(day)s 实地察看记录") % {"day": day} if day else _("实地察看记录")
    if kind == "photo":
        return _("察看照片（%(kind)s）") % {"kind": _(PHOTO_KINDS[status]) if status in PHOTO_KINDS else status}
    if kind == "order_flag":
        from cunzhan.assessment.integrity_models import FlagKind

        what = FlagKind(status).label if status in FlagKind.values else status
        return _("%(day)s 核实为刷单（%(kind)s），所涉订单不计") % {"day": day, "kind": what}
    if kind == "ledger":
        name = _(LEDGERS[ref["id"]]) if ref["id"] in LEDGERS else ref["id"]
        return _("%(ledger)s %(day)s 至 %(end)s") % {"ledger": name, "day": day, "end": ref.get("end", "")}
    return f"{kind} {ref.get('id', '')}"


def _report_label(ref: Mapping[str, str]) -> str:
    kind, _sep, key = ref["id"].partition("/")
    if kind == "monthly":
        year, month = key.split("-")
        name = _("%(year)s年%(month)s月月报") % {"year": year, "month": int(month)}
    elif kind == "weekly":
        year, week = key.split("-W")
        name = _("%(year)s年第%(week)s周周报") % {"year": year, "week": int(week)}
    else:
        name = _("临时报表“%(title)s”") % {"title": ref.get("title", "")}
    due, at = _minute(ref.get("due", "")), _minute(ref.get("at", ""))
    if ref.get("status") == "late":
        return _("%(name)s：应于 %(due)s 前报送，%(at)s 报送（迟报）") % {"name": name, "due": due, "at": at}
    if at:
        return _("%(name)s：应于 %(due)s 前报送，%(at)s 才报送，已过宽限期（漏报）") % {
            "name": name,
            "due": due,
            "at": at,
        }
    return _("%(name)s：应于 %(due)s 前报送，未报送（漏报）") % {"name": name, "due": due}


def ref_url(ref: Any, station_code: str) -> str | None:
    """The page of the record behind a reference (None where it has none)."""
    ref = as_ref(ref)
    kind, key = ref["kind"], ref.get("id", "")
    if kind == "report":
        report_kind, _sep, slug = key.partition("/")
        if report_kind == "adhoc":
            return reverse("reports:adhoc_report", args=[int(slug)]) if slug.isdigit() else None
        return reverse("reports:detail", args=[station_code, report_kind, slug])
    if kind == "fault":
        return reverse("stations:detail", args=[station_code]) + "#faults"
    if kind == "ledger":
        query = urlencode({"station": station_code, "from": ref.get("day", ""), "to": ref.get("end", "")})
        return reverse("ledgers:list", args=[key]) + "?" + query
    names = {
        "training": "activities:training",
        "activity": "activities:activity",
        "activity_report": "activities:activity",
        "complaint": "supervision:complaint",
        "event": "supervision:event",
        "inspection": "supervision:inspection",
        "photo": "supervision:photo",
        "order_flag": "assessment:order_flag_by_id",
    }
    if kind in names and key.isdigit():
        return reverse(names[kind], args=[int(key)])
    return None


def _record_key(ref: Mapping[str, str]) -> tuple[str, str] | None:
    """(model label, primary key) of the record whose scoping decides a reference, or None for the
    kinds opened on their station's pages."""
    kind, key = ref["kind"], ref.get("id", "")
    if kind == "report":
        report_kind, _sep, slug = key.partition("/")
        return (RECORD_MODELS["adhoc"], slug) if report_kind == "adhoc" else None
    if kind in RECORD_MODELS:
        return RECORD_MODELS[kind], key
    return None


class Links:
    """How one viewer sees the references of some results: every reference named, and linked where the
    viewer may open the record's page (:meth:`for_user`); the public sees the names only (:meth:`public`)."""

    def __init__(self, visible: dict[str, set[str]] | None, stations: set[str]) -> None:
        self._visible = visible  # model label -> primary keys the viewer may open; None: no links at all
        self._stations = stations  # station codes whose pages the viewer may open

    @classmethod
    def public(cls) -> Links:
        return cls(None, set())

    @classmethod
    def for_user(cls, user, results: Iterable[Any]) -> Links:
        """The links a signed-in viewer may follow among the references of ``results`` (stored results, or
        anything with ``items``, ``lines`` and ``station``): one query per kind of record."""
        from django.apps import apps

        from cunzhan.stations.models import Station

        wanted: dict[str, set[str]] = defaultdict(set)
        codes: set[str] = set()
        for result in results:
            codes.add(result.station.code)
            for ref in _refs_of(result):
                record = _record_key(ref)
                if record and record[1].isdigit():
                    wanted[record[0]].add(record[1])
        visible: dict[str, set[str]] = {}
        for label, keys in wanted.items():
            rows = user.scope.filter(apps.get_model(label).objects.filter(pk__in=[int(k) for k in keys]))
            visible[label] = {str(pk) for pk in rows.values_list("pk", flat=True)}
        stations = set(user.scope.filter(Station.objects.filter(code__in=codes)).values_list("code", flat=True))
        return cls(visible, stations)

    def opens(self, ref: Any, station_code: str) -> bool:
        """Whether the viewer may open the reference's page."""
        if self._visible is None:
            return False
        ref = as_ref(ref)
        record = _record_key(ref)
        if record is None:
            return ref["kind"] in STATION_KINDS and station_code in self._stations
        return record[1] in self._visible.get(record[0], set())

    def show(self, ref: Any, station_code: str) -> SafeString:
        """The reference as the page shows it: its name, a link where the viewer may open it."""
        label = ref_label(ref)
        url = ref_url(ref, station_code) if self.opens(ref, station_code) else None
        if url:
            return format_html('<a class="ref" href="{}">{}</a>', url, label)
        return format_html('<span class="ref">{}</span>', label)


def _refs_of(result: Any) -> Iterable[dict[str, str]]:
    for item in result.items or ():
        for line in item.get("lines", ()):
            yield from (as_ref(r) for r in line.get("refs", ()))
    for line in result.lines or ():
        yield from (as_ref(r) for r in line.get("refs", ()))


def ref_link(ref: Any, station_code: str = "") -> SafeString:
    """A reference named without a link (pages that have no viewer's :class:`Links` at hand)."""
    return Links.public().show(ref, station_code)
