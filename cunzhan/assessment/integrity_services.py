"""The one write of the order-integrity flags: a person's decision on one. Confirming takes the orders the
flag names (as found at this moment) out of items 7 and 8 from the next computation on; dismissing keeps
them counted. Either needs a reason; changing one's mind is a new decision over the old, in the log."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.assessment.integrity_models import Decision, OrderFlag, OrderFlagEntry
from cunzhan.assessment.integrity_selectors import flag
from cunzhan.core.audit import acting
from cunzhan.stations.models import Station


@transaction.atomic
def order_flag_decide(
    *,
    acting_user: User,
    station: Station,
    year: int,
    half: str,
    key: str,
    decision: str,
    reason: str,
    now: datetime | None = None,
) -> OrderFlag:
    """Confirm (刷单: its orders no longer counted) or dismiss (not 刷单) the flag ``key`` of the station in
    the half-year. The flag is found again now, so a decision is on what the records show."""
    acting_user.scope.require("assessment.manage")
    acting_user.scope.require_station(station)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("结论只能是 confirmed（确认刷单）或 dismissed（排除）。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明核实的理由（如“电话回访顾客，确无此订单”）。")})
    # one decision at a time on a flag: a second clerk waits here, then sees the first's decision
    Station.objects.select_for_update().filter(pk=station.pk).first()
    view = flag(acting_user, station, year, half, key)
    if view is None:
        raise ValidationError(_("该提示已不存在（台账已有变化），请刷新页面后再核实。"))
    if view.finding is None and decision == Decision.CONFIRMED and view.status != Decision.CONFIRMED:
        raise ValidationError(_("该提示按现在的台账已不再出现，不能再确认；如仍有疑问请重新检查台账。"))
    finding, record = view.finding, view.decision
    record = record or OrderFlag(station=station, county_id=station.county_code, year=year, half=half, key=key)
    if finding is not None:
        record.ledger, record.kind, record.summary = finding.ledger, finding.kind, finding.text
        record.orders = len(finding.orders)
    record.decision, record.reason = decision, reason.strip()
    record.decided_by, record.decided_at = acting_user, now or timezone.now()
    with acting(acting_user):
        record.save()
    if finding is not None or decision == Decision.DISMISSED:
        OrderFlagEntry.objects.filter(flag=record).delete()
    if decision == Decision.CONFIRMED and finding is not None:
        OrderFlagEntry.objects.bulk_create(
            [
                OrderFlagEntry(flag=record, station=station, ledger=finding.ledger, entry_id=row_id, occurred_on=day)
                for row_id, day in finding.orders
            ],
            batch_size=2000,
        )
    return record
