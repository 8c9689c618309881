"""Every write of notices: the scheduler's run (:func:`notices_generate`, what ``cunzhan remind`` and the
worker's minute call), 催报 (:func:`report_chase`), reading, the county's reminder settings, and sending on
the channels with retries (:func:`deliveries_send_due`)."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core import dates
from cunzhan.core.audit import acting, log_event
from cunzhan.core.bulk import insert_ignoring_conflicts
from cunzhan.core.roles import Role
from cunzhan.core.scoping import OutOfScope
from cunzhan.notices import channels
from cunzhan.notices.models import Channel, Delivery, DeliveryStatus, Notice, NoticeKind, ReminderSettings
from cunzhan.notices.rules import Candidate, Moment, candidates
from cunzhan.notices.rules.common import keepers_of, offices_of
from cunzhan.notices.wording import phrase
from cunzhan.regions.models import Region
from cunzhan.reports.models import ReportSettings
from cunzhan.reports.selectors import owing_stations, with_report_status
from cunzhan.reports.status import OUTSTANDING, ReportStatus, period_from_slug

logger = logging.getLogger(__name__)

BATCH = 2000
# notices sent outside the app: the county's group robot carries only the county office's
GROUP_KINDS = {Role.COUNTY_OFFICE}


@dataclass
class Outcome:
    """What one run made: how many notices, the deliveries queued, and the notices themselves (one line
    each for the command) — read when asked for, except after a dry run, whose rows are gone."""

    run: str = ""
    count: int = 0
    deliveries: int = 0
    kept: list[Notice] | None = None

    @property
    def notices(self) -> list[Notice]:
        if self.kept is None:
            self.kept = list(
                Notice.objects.filter(run=self.run).select_related("recipient", "sender").order_by("kind", "pk")
            )
        return self.kept


@dataclass(frozen=True)
class Reachable:
    """What the channels read of a recipient to address a notice."""

    email: str
    phone: str
    role: str


NOTICE_FIELDS = (
    "recipient_id",
    "kind",
    "subject",
    "phase",
    "params",
    "link",
    "county_code",
    "station_id",
    "due_at",
    "sender_id",
    "note",
    "created_at",
    "run",
)


def _insert(found: list[Candidate], *, now: datetime, run: str, sender: User | None = None, note: str = "") -> None:
    # the key (recipient, kind, subject, phase) is unique: a notice made before, by an earlier run or by
    # one running at the same time, is left as it is (INSERT … ON CONFLICT DO NOTHING, COPY on PostgreSQL)
    sender_id = sender.pk if sender else None
    insert_ignoring_conflicts(
        Notice,
        NOTICE_FIELDS,
        (
            (
                c.recipient_id,
                c.kind,
                c.subject,
                c.phase,
                c.params,
                c.link,
                c.county_code,
                c.station_id,
                c.due_at,
                sender_id,
                note,
                now,
                run,
            )
            for c in found
        ),
    )


def _queue_deliveries(run: str, now: datetime) -> int:
    """A delivery row for each new notice on each channel its county has turned on: pending where the
    recipient can be reached, 未发送 with the reason where not, 仅记录 where the channel is not configured."""
    # plain rows, not model instances: a province's deadline makes some 60,000 notices
    made = list(
        Notice.objects.filter(run=run).values_list(
            "pk", "county_code", "recipient__email", "recipient__phone", "recipient__role"
        )
    )
    counties = Moment.at(now, {county_code for _pk, county_code, *_rest in made})
    adapters = {channel: channels.adapter(channel) for channel in Channel}
    unconfigured = {channel: channels.unconfigured(channel) for channel in Channel}
    rows = []
    for pk, county_code, email, phone, role in made:
        county = counties.settings(county_code)
        recipient = Reachable(email=email or "", phone=phone or "", role=role)
        for channel in (Channel.EMAIL, Channel.SMS, Channel.WECOM):
            if not getattr(county, channel):
                continue
            if channel == Channel.WECOM and role not in GROUP_KINDS:
                continue
            address = adapters[channel].address(recipient, county)
            status, masked, reason = DeliveryStatus.PENDING, "", ""
            if isinstance(address, str):
                status, reason = DeliveryStatus.SKIPPED, address
                logger.info("notice %s not sent by %s: %s", pk, channel, address)
            else:
                masked = address.masked
                if unconfigured[channel]:
                    status, reason = DeliveryStatus.LOGGED, unconfigured[channel]
            rows.append((pk, channel, status, masked, 0, now, reason, now))
    fields = ("notice_id", "channel", "status", "address", "attempts", "next_attempt_at", "reason", "created_at")
    insert_ignoring_conflicts(Delivery, fields, rows)
    return sum(1 for r in rows if r[2] == DeliveryStatus.PENDING)


def notices_generate(*, at: datetime | None = None, dry_run: bool = False) -> Outcome:
    """Everything due at ``at`` (default now) that was not told before: one set-based pass over every
    rule, the new notices inserted with their key's conflicts ignored, and their deliveries queued. Dry,
    the same pass in a transaction rolled back: exactly what would be made, nothing kept."""
    now = at or timezone.now()
    run = uuid.uuid4().hex
    outcome = Outcome(run=run)
    with transaction.atomic():
        found = candidates(Moment.at(now, _counties_with_settings()))
        _insert(found, now=now, run=run)
        outcome.count = Notice.objects.filter(run=run).count()
        if dry_run:
            outcome.notices  # noqa: B018 (read before the rollback takes them away)
            transaction.set_rollback(True)
            return outcome
        outcome.deliveries = _queue_deliveries(run, now)
    return outcome


def _counties_with_settings() -> list[str]:
    return list(ReminderSettings.objects.values_list("county_id", flat=True))


# -- 催报 ----------------------------------------------------------------------------------------------


@dataclass
class ChaseOutcome:
    sent: int  # keepers told
    stations: int  # stations chased
    already: int  # stations chased today already, not told twice
    not_outstanding: list[str]  # stations named that owe nothing now (submitted or not due)


def report_chase(
    *,
    acting_user: User,
    county: Region,
    kind: str,
    slug: str,
    station_codes: list[str] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ChaseOutcome:
    """催报: remind the keepers of the stations of the user's scope that have not submitted the period's
    report (or the chosen few of them), with a note. Once per station, period and day: a second click the
    same day tells nobody twice. The keepers see it first on their phone's home page; the deliveries
    (e-mail, SMS) go out from the worker, so a failing channel never holds up this page."""
    acting_user.scope.require("notice.chase")
    acting_user.scope.require_region(county.code)
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("附言不能超过 200 字。")})
    try:
        period = period_from_slug(ReportSettings.for_county(county.code), kind, slug)
    except ValueError:
        raise ValidationError({"period": _("报表期间格式不正确。")}) from None
    stations = acting_user.scope.filter(owing_stations(county.code, period.end))
    board = with_report_status(stations, period, now=now)
    outstanding = board.filter(report_status__in=[s.value for s in OUTSTANDING])
    if period.opens_at > now:
        raise ValidationError({"period": _("该期报表尚未到填报时间，不能催报。")})
    not_outstanding: list[str] = []
    if station_codes:
        codes = set(station_codes)
        chosen = list(outstanding.filter(code__in=codes).values("pk", "code", "name", "report_status"))
        known = set(
            acting_user.scope.filter(owing_stations(county.code, period.end))
            .filter(code__in=codes)
            .values_list("code", flat=True)
        )
        unknown = codes - known
        if unknown:
            raise ValidationError(
                {"stations": _("站点不存在或不在您的管辖范围内：%(codes)s") % {"codes": "、".join(sorted(unknown))}}
            )
        not_outstanding = sorted(known - {row["code"] for row in chosen})
    else:
        chosen = list(outstanding.values("pk", "code", "name", "report_status"))
    if not chosen:
        raise ValidationError({"stations": _("没有需要催报的站点：所选站点均已报送。")})
    keepers = keepers_of([row["pk"] for row in chosen])
    day = dates.local_date(now).isoformat()
    run = uuid.uuid4().hex
    found = []
    for row in chosen:
        params = {
            "report": period.kind,
            "period": period.slug,
            "due": period.due_at.isoformat(),
            "grace": period.grace_end.isoformat(),
            "station_name": row["name"],
            "overdue": row["report_status"] != ReportStatus.DUE_OPEN,
        }
        link = reverse("reports:detail", args=[row["code"], period.kind, period.slug])
        for keeper in keepers.get(row["pk"], []):
            found.append(
                Candidate(
                    recipient_id=keeper,
                    kind=NoticeKind.REPORT_CHASE,
                    subject=f"{period.kind}:{period.slug}:{row['pk']}",
                    phase=f"chase-{day}",
                    county_code=county.code,
                    params=params,
                    link=link,
                    station_id=row["pk"],
                    due_at=period.due_at,
                )
            )
    with transaction.atomic(), acting(acting_user):
        _insert(found, now=now, run=run, sender=acting_user, note=note)
        made = Notice.objects.filter(run=run)
        sent = made.count()
        told_stations = made.values("station_id").distinct().count()
        _queue_deliveries(run, now)
        log_event(
            actor=acting_user,
            obj=county,
            message="report_chase",
            data={
                "period": f"{period.kind}:{period.slug}",
                "stations": [r["code"] for r in chosen],
                "sent": sent,
                "note": note,
            },
        )
    with_keeper = {row["pk"] for row in chosen if keepers.get(row["pk"])}
    return ChaseOutcome(
        sent=sent, stations=told_stations, already=len(with_keeper) - told_stations, not_outstanding=not_outstanding
    )


# -- reading --------------------------------------------------------------------------------------


def notice_mark_read(*, acting_user: User, notice: Notice, now: datetime | None = None) -> Notice:
    if notice.recipient_id != acting_user.pk:  # another's notice does not exist for them (404, not 403)
        raise OutOfScope(_("通知不存在或不在您的管辖范围内。"))
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notices_mark_all_read(*, acting_user: User, kind: str = "", now: datetime | None = None) -> int:
    unread = Notice.objects.filter(recipient=acting_user, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=now or timezone.now())


# -- the county's settings ----------------------------------------------------------------------


def reminder_settings_update(*, acting_user: User, county: Region, **values: Any) -> ReminderSettings:
    acting_user.scope.require("county_settings.manage")
    acting_user.scope.require_region(county.code)
    offsets = values.get("offsets")
    if offsets is not None:
        if not isinstance(offsets, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in offsets):
            raise ValidationError({"offsets": _("提前提醒天数须为整数，如 3,1。")})
        if len(offsets) > 5 or any(n < 0 or n > 30 for n in offsets):
            raise ValidationError({"offsets": _("提前提醒天数为 0–30 天，最多 5 个。")})
        values["offsets"] = sorted(set(offsets), reverse=True)
    with transaction.atomic(), acting(acting_user):
        settings = ReminderSettings.objects.select_for_update().filter(county=county).first()
        settings = settings or ReminderSettings(county=county)
        unknown = set(values) - {"offsets", "send_hour", "email", "sms", "wecom", "wecom_webhook"}
        if unknown:
            raise ValidationError(_("未知的参数：%(names)s") % {"names": "、".join(sorted(unknown))})
        for name, value in values.items():
            setattr(settings, name, value)
        settings.full_clean()
        settings.save()
    return settings


# -- sending ------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 1, 2, 4, 8 … × NOTICE_RETRY_SECONDS after the 1st, 2nd, 3rd … failure."""
    return timedelta(seconds=django_settings.NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def deliveries_send_due(*, now: datetime | None = None, limit: int = 500) -> Counter[str]:
    """Send the deliveries whose moment has come. Each is claimed first (its next attempt moved past the
    time a send can take), so two workers never send the same one; each channel's failure is recorded on
    that delivery alone and never stops the others. A delivery failing its last attempt is marked failed,
    and its county office told (once a day) that reminders could not be delivered."""
    now = now or timezone.now()
    done: Counter[str] = Counter()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    failed_counties: Counter[str] = Counter()
    for pk in due:
        claimed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + timedelta(minutes=5)
        )
        if not claimed:
            continue
        delivery = Delivery.objects.select_related("notice", "notice__recipient", "notice__sender").get(pk=pk)
        notice = delivery.notice
        county = ReminderSettings.for_county(notice.county_code)
        adapter = channels.adapter(delivery.channel)
        address = adapter.address(notice.recipient, county)
        error = ""
        if isinstance(address, str):
            delivery.status, delivery.reason = DeliveryStatus.SKIPPED, address
        else:
            with translation.override(django_settings.LANGUAGE_CODE):
                words = phrase(
                    notice.kind, notice.phase, notice.params, sender=str(notice.sender or ""), note=notice.note
                )
                message = channels.Message(words.title, words.body, channels.absolute(notice.link))
            try:
                adapter.send(address, message)
            except channels.DeliveryError as exc:
                error = str(exc)
            except Exception as exc:  # an adapter's own bug must not stop the other deliveries
                logger.exception("delivery %s by %s", pk, delivery.channel)
                error = f"{type(exc).__name__}: {exc}"[:400]
        delivery.attempts += 1
        if delivery.status == DeliveryStatus.SKIPPED:
            pass
        elif not error:
            delivery.status, delivery.sent_at, delivery.reason = DeliveryStatus.SENT, timezone.now(), ""
        elif delivery.attempts >= django_settings.NOTICE_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.reason = _("已尝试 %(n)d 次：%(error)s") % {"n": delivery.attempts, "error": error}
            failed_counties[notice.county_code] += 1
        else:
            delivery.reason = error
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "reason", "attempts", "next_attempt_at", "sent_at"])
        done[delivery.status] += 1
    if failed_counties:
        _tell_failures(failed_counties, now)
    return done


def _tell_failures(failed: Counter[str], now: datetime) -> None:
    """The county office learns that reminders of its county could not be delivered (once a day; the
    delivery log lists them)."""
    day = dates.local_date(now).isoformat()
    start = dates.day_start(dates.local_date(now))
    found = []
    offices = offices_of(failed)
    for code in failed:
        total = Delivery.objects.filter(
            notice__county_code=code, status=DeliveryStatus.FAILED, notice__created_at__gte=start - timedelta(days=7)
        ).count()
        found += [
            Candidate(
                recipient_id=office,
                kind=NoticeKind.DELIVERY_FAILED,
                subject=f"failed:{code}:{day}",
                phase="daily",
                county_code=code,
                params={"count": total},
                link=f"{reverse('notices:deliveries')}?status=failed",
            )
            for office in offices.get(code, [])
        ]
    _insert(found, now=now, run=uuid.uuid4().hex)
