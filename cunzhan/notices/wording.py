"""How a notice reads: phrased from its kind, phase and parameters in the reader's language, at the moment
it is shown or sent. A deadline reads as what to do ("请在 12月5日 前提交 11月 月报"), with the label of
the button that does it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cunzhan.core import dates
from cunzhan.notices.models import NoticeKind


@dataclass(frozen=True)
class Phrase:
    title: str
    body: str
    action: str  # the button's label; empty for a notice with nothing to do


def day_label(value: str | date | datetime | None) -> str:
    """``2026-12-05`` → 12月5日 (in English 5 Dec)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    day = dates.local_date(value)
    return _("%(month)d月%(day)d日") % {"month": day.month, "day": day.day}


def period_label(params: dict[str, Any]) -> str:
    """The report the notice is about: 11月 月报, 第48周 周报, or an ad-hoc report's title."""
    kind = params.get("report")
    if kind == "monthly":
        return _("%(month)d月 月报") % {"month": int(params["period"][5:7])}
    if kind == "weekly":
        return _("第%(week)d周 周报") % {"week": int(params["period"][6:])}
    return _("「%(title)s」") % {"title": params.get("title", "")}


def phrase(kind: str, phase: str, params: dict[str, Any], *, sender: str = "", note: str = "") -> Phrase:
    what = period_label(params) if "report" in params else ""
    due = day_label(params.get("due"))
    station = params.get("station_name", "")
    n = int(params.get("count", 0))
    submit = _("去提交")
    if kind == NoticeKind.REPORT_DUE:
        return Phrase(_("请在 %(due)s 前提交 %(what)s") % {"due": due, "what": what}, "", submit)
    if kind == NoticeKind.REPORT_LATE:
        return Phrase(
            _("%(what)s 已过截止时间（%(due)s），请尽快提交") % {"what": what, "due": due},
            _("现在提交计为迟报；%(grace)s 后仍未提交计为漏报。") % {"grace": day_label(params.get("grace"))},
            submit,
        )
    if kind == NoticeKind.REPORT_MISSED:
        return Phrase(_("%(what)s 已计为漏报") % {"what": what}, _("仍可补报，但不改变漏报的认定。"), _("去补报"))
    if kind == NoticeKind.REPORT_CHASE:
        body = _("附言：%(note)s") % {"note": note} if note else ""
        title = _("%(sender)s 提醒您：请在 %(due)s 前提交 %(what)s") % {"sender": sender, "due": due, "what": what}
        if params.get("overdue"):
            title = _("%(sender)s 提醒您：请尽快提交 %(what)s（已逾期）") % {"sender": sender, "what": what}
        return Phrase(title, body, submit)
    if kind == NoticeKind.REPORT_DIGEST:
        behind = "；".join(f"{row['name']} {row['count']}" for row in params.get("behind", []))
        if phase == "missed":
            title = ngettext("%(what)s：%(n)d 个站点漏报", "%(what)s：%(n)d 个站点漏报", n)
        else:
            title = ngettext("%(what)s：%(n)d 个站点逾期未报", "%(what)s：%(n)d 个站点逾期未报", n)
        body = _("未报最多的：%(behind)s") % {"behind": behind} if behind else ""
        return Phrase(title % {"what": what, "n": n}, body, _("查看报送情况"))
    if kind == NoticeKind.RECTIFICATION:
        if phase == "passed":
            return Phrase(
                _("%(station)s 的整改期限（%(due)s）已到，请安排复查") % {"station": station, "due": due},
                params.get("requirements", ""),
                _("去复查"),
            )
        if phase == "expired":
            return Phrase(_("整改期限（%(due)s）已到，等待复查") % {"due": due}, params.get("requirements", ""), "")
        return Phrase(_("请在 %(due)s 前完成整改") % {"due": due}, params.get("requirements", ""), _("查看整改要求"))
    if kind == NoticeKind.PUBLICITY:
        return Phrase(
            _("%(station)s 公示期已满（%(due)s），可以认定授牌") % {"station": station, "due": due},
            _("公示期间如有异议，请先处理。"),
            _("去认定"),
        )
    if kind == NoticeKind.FAULT:
        return Phrase(
            _("%(station)s 的%(asset)s报修已超过 %(days)d 天未修复")
            % {
                "station": station,
                "asset": params.get("asset", ""),
                "days": int(params.get("days", 0)),
            },
            _("报修时间：%(day)s。影响正常营业的故障超期未修复，设施设备一项不得分。")
            % {"day": day_label(params.get("reported"))},
            _("去登记修复"),
        )
    if kind == NoticeKind.PARCELS:
        return Phrase(
            ngettext(
                "有 %(n)d 件快递超过 48 小时未交付，请通知取件", "有 %(n)d 件快递超过 48 小时未交付，请通知取件", n
            )
            % {"n": n},
            "",
            _("查看积压快递"),
        )
    if kind == NoticeKind.GUIDANCE:
        quarter = int(params.get("quarter", 0))
        if phase == "overdue":
            title = ngettext("第%(q)d季度有 %(n)d 个站点没有指导走访", "第%(q)d季度有 %(n)d 个站点没有指导走访", n)
            return Phrase(title % {"q": quarter, "n": n}, "", _("查看指导情况"))
        title = ngettext(
            "请在 %(due)s 前走访本季度尚未指导的 %(n)d 个站点", "请在 %(due)s 前走访本季度尚未指导的 %(n)d 个站点", n
        )
        return Phrase(title % {"due": due, "n": n}, "", _("查看指导情况"))
    if kind == NoticeKind.ZOMBIE:
        return Phrase(
            _("%(station)s 已 %(days)d 天没有台账活动（僵尸站点）")
            % {
                "station": station,
                "days": int(params.get("days", 0)),
            },
            _("请核实站点是否正常营业，必要时责令整改。"),
            _("查看站点"),
        )
    if kind == NoticeKind.DELIVERY_FAILED:
        return Phrase(
            ngettext("%(n)d 条提醒多次发送失败，未能送达", "%(n)d 条提醒多次发送失败，未能送达", n) % {"n": n},
            _("收件人仍可在站内信中看到这些提醒。"),
            _("查看发送记录"),
        )
    return Phrase(str(kind), "", "")
