"""The ledgers' long work on the job engine (:mod:`cunzhan.core.jobs`): a large import, and an export too
big to make while the page waits. Both are idempotent: an import of a file already imported changes
nothing, an export writes its file again."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cunzhan.core.jobs import Progress, Refused, handler, job_dir, media_path, media_relative
from cunzhan.core.models import Job
from cunzhan.core.tabular import ImportRejected
from cunzhan.ledgers import exporters
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.selectors import EntryFilter, entries_for_user
from cunzhan.ledgers.specs import spec_for

ERRORS_KEPT = 200


@handler("ledgers.import")
def import_file(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    try:
        result = import_ledger(
            acting_user=job.created_by,
            kind=params["kind"],
            source=media_path(params["file"]),
            name=params["name"],
            progress=progress,
        )
    except ImportRejected as exc:
        raise Refused(
            _("文件有 %(n)d 处错误，未保存任何数据。") % {"n": len(exc.errors)},
            result={
                "phase": "rejected",
                "errors": [str(e) for e in exc.errors[:ERRORS_KEPT]],
                "error_count": len(exc.errors),
            },
        ) from exc
    except (ValidationError, PermissionDenied) as exc:
        raise Refused("；".join(getattr(exc, "messages", [str(exc)]))) from exc
    return {
        "phase": "finished",
        "rows_read": result.rows_read,
        "rows_created": result.rows_created,
        "rows_skipped": result.rows_skipped,
        "seconds": round(result.seconds, 1),
    }


@handler("ledgers.export")
def export_file(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params
    spec = spec_for(params["kind"])
    entry_filter = EntryFilter(
        **{k: v for k, v in params["filter"].items() if k not in ("date_from", "date_to")},
        date_from=date.fromisoformat(params["filter"]["date_from"]) if params["filter"].get("date_from") else None,
        date_to=date.fromisoformat(params["filter"]["date_to"]) if params["filter"].get("date_to") else None,
    )
    total = entry_filter.apply(entries_for_user(job.created_by, spec.kind)).count()
    progress("export", 0, total)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"{spec.label}台账_{stamp}.{params['fmt']}"
    target = job_dir(f"exports/{job.pk}") / f"export.{params['fmt']}"
    try:
        with target.open("wb") as handle:
            if params["fmt"] == "csv":
                text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
                exporters.export_ledger(
                    acting_user=job.created_by,
                    kind=spec.kind,
                    target=text,
                    fmt="csv",
                    entry_filter=entry_filter,
                    unmasked=params["unmasked"],
                    reason=params["reason"],
                )
                text.flush()
                text.detach()
            else:
                exporters.export_ledger(
                    acting_user=job.created_by,
                    kind=spec.kind,
                    target=handle,
                    fmt="xlsx",
                    entry_filter=entry_filter,
                    unmasked=params["unmasked"],
                    reason=params["reason"],
                )
    except (ValidationError, PermissionDenied) as exc:
        target.unlink(missing_ok=True)
        raise Refused("；".join(getattr(exc, "messages", [str(exc)]))) from exc
    progress("export", total, total)
    return {"file": media_relative(target), "name": name, "summary": _("共 %(n)d 行。") % {"n": total}}
