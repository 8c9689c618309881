"""The operation log as a clerk reads it: every entry in Chinese — what kind of record, which field
(its label, not its column name), the values before and after as the pages show them (a choice's
label, 是/否, a time in Asia/Shanghai, an amount to the fen), the business event by name — and the
filters a county office asks for: from, to, action, kind of record, the record itself (by its name
or code, or exactly, from an entry's link), who."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunzhan.core import dates
from cunzhan.core.audit import EVENTS
from cunzhan.core.money import format_money

ACTIONS = {
    str(LogEntry.Action.CREATE): gettext_lazy("新增"),
    str(LogEntry.Action.UPDATE): gettext_lazy("修改"),
    str(LogEntry.Action.DELETE): gettext_lazy("删除"),
    str(LogEntry.Action.ACCESS): gettext_lazy("其他操作"),
}
EMPTY = "∅"
# what django-auditlog stores for a reverse relation's manager: "supervision.InspectionRating.None"
RELATED_MANAGER = re.compile(r"^\w+\.\w+\.None$")


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    entry: LogEntry
    action: str  # 新增, 修改, 删除, or the event's name
    kind: str  # the kind of record, e.g. 服务站
    changes: list[Change]


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    start: date | None = None
    end: date | None = None
    action: str = ""  # "0".."3" (LogEntry.Action)
    kind: int | None = None  # a content type id
    record: str = ""  # the record concerned: words of its name or code (as the entry names it)
    record_id: str = ""  # or exactly: its primary key, with ``kind``

    @classmethod
    def from_query(cls, query: Any) -> LogFilter:
        kind = query.get("kind", "")
        return cls(
            actor=query.get("actor", "").strip(),
            start=_date(query.get("from", "")),
            end=_date(query.get("to", "")),
            action=query.get("action", "") if query.get("action", "") in ACTIONS else "",
            kind=int(kind) if kind.isdigit() else None,
            record=query.get("record", "").strip()[:100],
            record_id=query.get("id", "").strip()[:64] if kind.isdigit() else "",
        )

    def apply(self, entries: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
        if self.actor:
            entries = entries.filter(
                Q(actor__username__icontains=self.actor) | Q(actor__display_name__icontains=self.actor)
            )
        if self.start:
            entries = entries.filter(timestamp__gte=dates.day_start(self.start))
        if self.end:
            entries = entries.filter(timestamp__lte=dates.day_end(self.end))
        if self.action:
            entries = entries.filter(action=int(self.action))
        if self.kind:
            entries = entries.filter(content_type_id=self.kind)
        if self.record:
            entries = entries.filter(object_repr__icontains=self.record)
        if self.record_id:
            entries = entries.filter(object_pk=self.record_id)
        return entries

    def query(self) -> str:
        """The filter as a query string for the pager."""
        from urllib.parse import urlencode

        pairs = {
            "actor": self.actor,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "action": self.action,
            "kind": str(self.kind or ""),
            "record": self.record,
            "id": self.record_id,
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    def widened(self) -> str:
        """The same filter for every record of the kind (the query string), once one record is shown."""
        return replace(self, record_id="").query()


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def kinds() -> list[tuple[int, str]]:
    """The kinds of record the log holds (the models django-auditlog follows), by their names."""
    types = ContentType.objects.get_for_models(*auditlog.get_models())
    return sorted(((t.pk, str(model._meta.verbose_name)) for model, t in types.items()), key=lambda kind: kind[1])


def present(entries: Any) -> list[Line]:
    """The entries of a page of the log, each with its changes in Chinese."""
    lines = []
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        kind = str(model._meta.verbose_name) if model else entry.content_type.name
        if entry.action == LogEntry.Action.ACCESS:
            event = (entry.additional_data or {}).get("event", "")
            action = str(EVENTS.get(event, event or ACTIONS[str(entry.action)]))
        else:
            action = str(ACTIONS.get(str(entry.action), entry.action))
        changes = [
            Change(_label(model, name), _shown(model, name, values[0]), _shown(model, name, values[1]))
            for name, values in (entry.changes_dict or {}).items()
            if isinstance(values, list | tuple) and len(values) == 2
        ]
        lines.append(Line(entry=entry, action=action, kind=kind, changes=changes))
    return lines


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field since removed, or a name auditlog made up: shown as it is
        return None
    return field if isinstance(field, models.Field) else None


def _label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    try:  # a reverse relation (an inspection's ratings): the related records' name
        relation = model._meta.get_field(name) if model else None
    except Exception:  # not a field at all
        relation = None
    if isinstance(relation, models.ForeignObjectRel) and relation.related_model is not None:
        return str(relation.related_model._meta.verbose_name_plural)
    return name


def _shown(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A value as the pages show it; what cannot be read is shown as stored."""
    if value in (None, "", "None") or RELATED_MANAGER.match(str(value)):
        return EMPTY
    field = _field(model, name)
    text = str(value)
    if field is None:
        return text
    if field.choices:
        return str(dict(field.flatchoices).get(text, text))
    if isinstance(field, models.BooleanField):
        return _("是") if text in ("True", "true", "1") else _("否") if text in ("False", "false", "0") else text
    if isinstance(field, models.DateTimeField):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        return timezone.localtime(moment, dates.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:
        try:
            return format_money(text)
        except ArithmeticError:
            return text
    return text
