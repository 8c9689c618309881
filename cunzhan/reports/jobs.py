"""The upward transmission on the job engine (:mod:`cunzhan.core.jobs`): sent by a worker, and when the
city / province platform does not answer, tried again after 1, 2, 4 … minutes up to the job's attempts;
each attempt is on the transmission's own log (its attempts and last error)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from cunzhan.core.jobs import Progress, Refused, RetryLater, handler
from cunzhan.core.models import Job
from cunzhan.reports import services
from cunzhan.reports.models import TransmissionStatus, UpwardTransmission

UPWARD_ATTEMPTS = 5


@handler("reports.upward_send")
def upward_send(job: Job, progress: Progress) -> dict[str, Any]:
    transmission = UpwardTransmission.objects.get(pk=job.params["transmission"])
    if transmission.status == TransmissionStatus.SENT:  # sent by an attempt whose worker died before the mark
        return {"summary": _("已报送。"), "next": _upward_page(transmission)}
    progress("send", 0, 1)
    try:
        transmission = services.upward_send(acting_user=job.created_by, transmission=transmission)
    except ValidationError as exc:
        raise Refused("；".join(exc.messages)) from exc
    if transmission.status != TransmissionStatus.SENT:
        raise RetryLater(_("报送失败：%(error)s") % {"error": transmission.last_error})
    return {"summary": _("报送成功。"), "next": _upward_page(transmission)}


def _upward_page(transmission: UpwardTransmission) -> str:
    return f"{reverse('reports:upward')}?county={transmission.county_id}"
