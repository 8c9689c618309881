"""Every write to the ledgers: record, correct and delete one entry (bulk writes are in
:mod:`cunzhan.ledgers.importers`). Each runs in one transaction; django-auditlog records the
change with its actor, so corrections and deletions are in the operation log."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, DecimalField, Field, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.accounts.models import User
from cunzhan.core import privacy
from cunzhan.core.audit import acting
from cunzhan.core.concurrency import EditConflict, conflict_parts
from cunzhan.core.dates import SHANGHAI
from cunzhan.core.money import as_decimal, has_more_places, quantize, round_money
from cunzhan.ledgers.importers import lock_county, lock_parcel, parcel_key
from cunzhan.ledgers.models import ENTRY_MODELS, LedgerEntry, Parcel, ProxyPurchase
from cunzhan.ledgers.specs import SPEC_BY_MODEL, spec_for
from cunzhan.stations.models import Station

_EPOCH = datetime(1970, 1, 1, tzinfo=SHANGHAI)
# A station's last activity is kept to the minute: an entry within a minute of the one that set it
# leaves it (dormant stations are found by the day), and the station's row is not written for each.
ACTIVITY_PRECISION = timedelta(minutes=1)


@transaction.atomic
def entry_create(*, acting_user: User, kind: str, station: Station, **values: Any) -> LedgerEntry:
    """Record one transaction at ``station`` (which must be in the user's scope)."""
    acting_user.scope.require("ledger.write")
    acting_user.scope.require_station(station)
    spec = spec_for(kind)
    now = timezone.now()
    entry = spec.model(
        station=station,
        county_code=station.county_code,
        created_by=acting_user,
        recorded_at=now,
        row_key=LedgerEntry.manual_key(),
    )
    _assign(entry, values)
    _clean(entry)  # a parcel's check has taken the county's lock already
    if not isinstance(entry, Parcel):
        lock_county(spec.model, station.county_code, shared=True)  # the aggregates wait for this entry
    with acting(acting_user):
        entry.save()
    if station.last_activity_at is None or station.last_activity_at <= now - ACTIVITY_PRECISION:
        Station.objects.filter(pk=station.pk).update(last_activity_at=now)
    return entry


@transaction.atomic
def entry_update(*, acting_user: User, entry: LedgerEntry, version: int, **values: Any) -> LedgerEntry:
    """Correct an entry; the operation log keeps the values before and after.

    ``version`` is the entry's version the editor loaded. When someone has corrected the entry since,
    EditConflict says who and when, and nothing is saved.
    """
    acting_user.scope.require("ledger.write")
    model = type(entry)
    acting_user.scope.exists_or_404(model._default_manager.all(), pk=entry.pk)
    # lock and re-read: of two editors who loaded the same version, the second waits here for the
    # first to commit, then finds the version moved on
    current = model._default_manager.select_for_update().filter(pk=entry.pk).values_list("version", flat=True).get()
    if current != version:
        raise _edit_conflict(acting_user, entry)
    _assign(entry, values)
    _clean(entry)
    if not isinstance(entry, Parcel):  # a parcel's check has taken the county's lock already
        lock_county(model, entry.county_code, shared=True)
    entry.version = current + 1
    with acting(acting_user):
        entry.save()
    return entry


def _edit_conflict(acting_user: User, entry: LedgerEntry) -> EditConflict:
    """Who corrected the entry last, and when: the operation log knows (an entry keeps no editor)."""
    last = LogEntry.objects.get_for_object(entry).select_related("actor").order_by("-timestamp").first()
    parts = conflict_parts(
        acting_user=acting_user,
        editor=last.actor if last else None,
        edited_at=last.timestamp if last else None,
    )
    if parts["self"]:
        return EditConflict(_("这条记录已在其他页面被您修改（%(when)s），请刷新后重新编辑，您的修改未保存。") % parts)
    return EditConflict(_("这条记录已被他人（%(who)s，%(when)s）修改，请刷新后重新编辑，您的修改未保存。") % parts)


@transaction.atomic
def entry_delete(*, acting_user: User, entry: LedgerEntry) -> None:
    """Delete an entry; the operation log keeps what it was."""
    acting_user.scope.require("ledger.write")
    acting_user.scope.exists_or_404(type(entry)._default_manager.all(), pk=entry.pk)
    station_id = entry.station_id
    lock_county(type(entry), entry.county_code, shared=True)
    with acting(acting_user):
        entry.delete()
    refresh_last_activity([station_id])


def refresh_last_activity(station_ids: list[int]) -> int:
    """Set each station's last activity to its newest ledger entry's recorded time, in one
    statement (NULL when it has none left)."""
    newest = [
        Coalesce(
            Subquery(
                model._default_manager.filter(station_id=OuterRef("pk"))
                .order_by()
                .values("station_id")
                .annotate(m=Max("recorded_at"))
                .values("m")[:1]
            ),
            Value(_EPOCH),
            output_field=DateTimeField(),
        )
        for model in ENTRY_MODELS
    ]
    return Station.objects.filter(pk__in=station_ids).update(
        last_activity_at=NullIf(Greatest(*newest), Value(_EPOCH), output_field=DateTimeField())
    )


def _assign(entry: LedgerEntry, values: dict[str, Any]) -> None:
    spec = SPEC_BY_MODEL[type(entry)]
    allowed = set(spec.fields)
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(_("未知字段：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    for field, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        model_field = cast("Field[Any, Any]", entry._meta.get_field(field))  # a column of the model
        if value is None and not model_field.null:  # an omitted optional value (API, form)
            value = model_field.get_default()
        elif isinstance(model_field, DecimalField) and value is not None:
            value = _decimal_of(field, model_field, value, amount=field in spec.amount_fields)
        setattr(entry, field, value)
    for field in ("customer_phone", "recipient_phone"):
        if hasattr(entry, field) and getattr(entry, field):
            setattr(entry, field, privacy.normalize_mobile(getattr(entry, field)))
    if isinstance(entry, ProxyPurchase) and entry.customer_id_number:
        entry.customer_id_number = privacy.normalize_id_number(entry.customer_id_number)
    if isinstance(entry, Parcel):
        if entry.arrived_at:
            entry.occurred_on = timezone.localtime(entry.arrived_at, SHANGHAI).date()
        entry.row_key = parcel_key(entry.carrier or "", entry.tracking_no or "")


def _decimal_of(field: str, model_field: DecimalField, value: Any, *, amount: bool) -> Decimal:
    """An entered number as its column keeps it: an amount rounded to the fen half up (1.005 yuan is
    1.01, as the import and the form round it); a quantity with more places than kept is refused."""
    try:
        number = as_decimal(value)
    except InvalidOperation:
        raise ValidationError({field: _("请填写数字。")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("请填写数字。")})
    places = model_field.decimal_places
    if number and number.adjusted() >= model_field.max_digits - places:  # more whole digits than the column holds
        raise ValidationError(
            {field: _("%(label)s数值过大（%(value)s）。") % {"label": model_field.verbose_name, "value": value}}
        )
    if amount:
        return round_money(number)
    if has_more_places(number, places):
        raise ValidationError(
            {
                field: _("%(label)s最多保留 %(n)d 位小数（%(value)s）。")
                % {"label": model_field.verbose_name, "n": places, "value": value}
            }
        )
    return quantize(number, places)


def _clean(entry: LedgerEntry) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if entry.occurred_on and entry.occurred_on > today:
        errors.setdefault("occurred_on", []).append(_("日期不能晚于今天。"))
    if isinstance(entry, Parcel):
        now = timezone.now()
        for field in ("arrived_at", "notified_at", "handed_over_at"):
            moment = getattr(entry, field)
            if moment and moment > now + timedelta(minutes=5):
                errors.setdefault(field, []).append(_("时间不能晚于现在。"))
        if entry.arrived_at:
            if entry.notified_at and entry.notified_at < entry.arrived_at:
                errors.setdefault("notified_at", []).append(_("通知时间早于到站/收寄时间。"))
            if entry.handed_over_at and entry.handed_over_at < entry.arrived_at:
                errors.setdefault("handed_over_at", []).append(_("交付/取件时间早于到站/收寄时间。"))
        # a parcel's row key is its carrier and tracking number, unique in the county at any date (the
        # database's unique key also holds the month): entries of the same parcel take turns, and imports
        # of the county's parcels with all of them
        lock_parcel(entry.county_code, entry.row_key)
        clash = Parcel.objects.filter(county_code=entry.county_code, row_key=entry.row_key).exclude(pk=entry.pk)
        if entry.tracking_no and clash.exists():
            errors.setdefault("tracking_no", []).append(_("该快递公司的这个运单号已经登记过。"))
    try:
        entry.full_clean(exclude=["station", "created_by", "batch"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
