"""/api/v1/notices: the user's own notices (list, mark read), 催报 (the report board's action), the county's
reminder settings and its delivery log, as the pages have them."""

# No "from __future__ import annotations": django-ninja reads the parameter annotations at run time.
from datetime import datetime

from django.utils import timezone
from ninja import Field, Router, Schema

from cunzhan.notices import selectors, services
from cunzhan.notices.models import Notice
from cunzhan.notices.wording import phrase
from cunzhan.regions.selectors import county_for_user

router = Router(tags=["通知提醒"])


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    phase: str
    title: str
    body: str
    action: str = Field(..., description="按钮文字：去做通知要求的事；空表示无需操作")
    link: str = Field(..., description="相关记录的页面地址")
    station: str | None
    due_at: datetime | None
    created_at: datetime
    read_at: datetime | None


def _out(notice: Notice) -> dict:
    words = phrase(notice.kind, notice.phase, notice.params, sender=str(notice.sender or ""), note=notice.note)
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "kind_label": str(notice.get_kind_display()),
        "phase": notice.phase,
        "title": words.title,
        "body": words.body,
        "action": words.action,
        "link": notice.link,
        "station": notice.station.code if notice.station else None,
        "due_at": notice.due_at,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
    }


class NoticeListOut(Schema):
    unread: int
    items: list[NoticeOut]


@router.get("", response=NoticeListOut, summary="我的通知（未读在前）")
def list_notices(request, kind: str = "", unread: bool = False, limit: int = 50):
    rows = selectors.notices_for_user(request.user, kind=kind, unread=unread)[: max(1, min(limit, 500))]
    return {"unread": selectors.unread_count(request.user), "items": [_out(n) for n in rows]}


@router.post("/{int:pk}/read", response=NoticeOut, summary="标为已读")
def read_notice(request, pk: int):
    notice = selectors.notice_for_user_or_404(request.user, pk)
    return _out(services.notice_mark_read(acting_user=request.user, notice=notice))


class ReadAllOut(Schema):
    marked: int


@router.post("/read-all", response=ReadAllOut, summary="全部标为已读（可按类别）")
def read_all(request, kind: str = ""):
    return {"marked": services.notices_mark_all_read(acting_user=request.user, kind=kind)}


class ChaseIn(Schema):
    county: str = Field("", description="县级区划代码；只管辖一个县时可省略")
    kind: str = Field("monthly", description="monthly 或 weekly")
    period: str = Field(..., description="月报 2026-11，周报 2026-W48")
    stations: list[str] | None = Field(None, description="要催报的站点编码；省略则催报全部未报站点")
    note: str = Field("", max_length=200, description="附言")


class ChaseOut(Schema):
    sent: int = Field(..., description="收到通知的站长人数")
    stations: int = Field(..., description="催报的站点数")
    already: int = Field(..., description="今天已催报过、未重复通知的站点数")
    not_outstanding: list[str] = Field(..., description="已报送或无需报送的站点")


@router.post("/chase", response=ChaseOut, summary="催报：提醒未报送的站点（全部或所选）")
def chase(request, data: ChaseIn):
    county = county_for_user(request.user, data.county or None)
    outcome = services.report_chase(
        acting_user=request.user,
        county=county,
        kind=data.kind,
        slug=data.period,
        station_codes=data.stations,
        note=data.note,
        now=timezone.now(),
    )
    return {
        "sent": outcome.sent,
        "stations": outcome.stations,
        "already": outcome.already,
        "not_outstanding": outcome.not_outstanding,
    }


class SettingsOut(Schema):
    county: str
    offsets: list[int] = Field(..., description="截止日前几天提醒，如 [3, 1]")
    send_hour: int = Field(..., description="每天几点发送提醒（北京时间）")
    email: bool
    sms: bool
    wecom: bool
    wecom_webhook: str


class SettingsIn(Schema):
    offsets: list[int] | None = None
    send_hour: int | None = None
    email: bool | None = None
    sms: bool | None = None
    wecom: bool | None = None
    wecom_webhook: str | None = None


def _settings_out(settings) -> dict:
    return {
        "county": settings.county_id,
        **{f: getattr(settings, f) for f in ("offsets", "send_hour", "email", "sms", "wecom", "wecom_webhook")},
    }


@router.get("/settings", response=SettingsOut, summary="本县提醒设置")
def get_settings(request, county: str = ""):
    region = county_for_user(request.user, county or None)
    return _settings_out(selectors.reminder_settings_for_user(request.user, region))


@router.put("/settings", response=SettingsOut, summary="修改本县提醒设置（县电商办）")
def put_settings(request, data: SettingsIn, county: str = ""):
    region = county_for_user(request.user, county or None)
    values = {k: v for k, v in data.dict().items() if v is not None}
    return _settings_out(services.reminder_settings_update(acting_user=request.user, county=region, **values))


class DeliveryOut(Schema):
    id: int
    notice: int
    recipient: str
    channel: str
    address: str = Field(..., description="已脱敏")
    status: str
    attempts: int
    reason: str
    created_at: datetime
    sent_at: datetime | None


@router.get("/deliveries", response=list[DeliveryOut], summary="发送记录（县电商办）")
def list_deliveries(request, status: str = "", channel: str = "", limit: int = 100):
    rows = selectors.deliveries_for_user(request.user, status=status, channel=channel)[: max(1, min(limit, 1000))]
    return [
        {
            "id": d.pk,
            "notice": d.notice_id,
            "recipient": d.notice.recipient.username,
            "channel": d.channel,
            "address": d.address,
            "status": d.status,
            "attempts": d.attempts,
            "reason": d.reason,
            "created_at": d.created_at,
            "sent_at": d.sent_at,
        }
        for d in rows
    ]
