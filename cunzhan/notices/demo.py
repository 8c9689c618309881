"""Demo notices: what the scheduler would have told over the last 30 days had it been running (each day
at the county's hour), and a 催报 from 佳县's operating unit to the demo keeper for a report still owed.
Idempotent, as every notice is: its key is unique."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhan.accounts.models import User
from cunzhan.core import dates
from cunzhan.notices.models import Notice
from cunzhan.notices.rules.common import at_hour
from cunzhan.notices.services import notices_generate, report_chase
from cunzhan.regions.models import Region
from cunzhan.reports.selectors import station_obligations
from cunzhan.reports.status import OUTSTANDING

DAYS = 30


def load_notices(ctx: Any) -> None:
    now = timezone.now()
    today = dates.local_date(now)
    for back in range(DAYS, -1, -1):
        moment = at_hour(today - timedelta(days=back), 9)
        if moment <= now:
            notices_generate(at=moment)
    # what is older than a week has been read
    Notice.objects.filter(created_at__lt=now - timedelta(days=7), read_at__isnull=True).update(read_at=now)
    operator = User.objects.filter(username="jiaxian_yunying").first()
    keeper = User.objects.filter(username="zhanzhang1").select_related("station", "region").first()
    if operator is None or keeper is None or keeper.station is None:
        return
    owed = [o for o in station_obligations(keeper.station, now=now, months=3, weeks=0) if o.status in OUTSTANDING]
    if owed:
        period = owed[0].period
        county = Region.objects.get(code=keeper.station.county_code)
        with contextlib.suppress(ValidationError):  # chased today already, or nothing owed after all
            report_chase(
                acting_user=operator,
                county=county,
                kind=period.kind,
                slug=period.slug,
                station_codes=[keeper.station.code],
                note="月报还没交，请今天提交。",
                now=now,
            )
    ctx.write(
        f"通知：{Notice.objects.count()} 条（站长 zhanzhang1 {Notice.objects.filter(recipient=keeper).count()} 条）"
    )
