"""/api/v1/onboarding: a county's past records with their real dates (历史导入), as the page imports
them — the county office (or the administrator, naming the county) sends a file of one kind."""

# No "from __future__ import annotations": django-ninja reads the parameter annotations at run time.
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from cunzhan.core.tabular import ImportRejected
from cunzhan.onboarding import exporters, services
from cunzhan.onboarding.models import HistoryKind
from cunzhan.regions.selectors import county_for_user

router = Router(tags=["历史导入"])


class HistoryCellErrorOut(Schema):
    row: int
    column: str
    message: str


class HistoryOut(Schema):
    kind: str
    rows: int
    created: int
    skipped: int
    already_imported: bool


class HistoryRejectedOut(Schema):
    detail: str
    errors: list[HistoryCellErrorOut]


def unknown_kind(kind: str) -> str:
    return _("未知的历史数据类型：%(kind)s（可为：%(kinds)s）") % {
        "kind": kind[:40],
        "kinds": "、".join(HistoryKind.values),
    }


@router.post(
    "/{kind}",
    response={200: HistoryOut, 422: HistoryRejectedOut},
    summary="导入一类历史数据（报表报送、实地察看、培训出勤、活动参与、报修）",
    description="kind：reports、inspections、attendance、participation、faults。整个文件无误才保存；同一文件再导入不作改动。",
)
def import_history(request, kind: str, file: File[UploadedFile], county: Form[str] = ""):
    if kind not in HistoryKind.values:
        return Reply(422, {"detail": unknown_kind(kind), "errors": []})
    region = county_for_user(request.user, county or None) if county else None
    try:
        outcome = services.history_import(
            acting_user=request.user, kind=kind, source=file, name=file.name, county=region
        )
    except ImportRejected as exc:
        return Reply(
            422,
            {
                "detail": _("文件有 %(n)d 处错误，未保存任何数据") % {"n": len(exc.errors)},
                "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors],
            },
        )
    return Reply(
        200,
        {
            "kind": kind,
            "rows": outcome.rows,
            "created": outcome.created,
            "skipped": outcome.skipped,
            "already_imported": outcome.earlier is not None,
        },
    )


@router.get("/{kind}/template", summary="历史数据导入模板（.xlsx，示例用本县的站点编码）")
def history_template(request, kind: str, county: str = ""):
    if kind not in HistoryKind.values:
        raise Http404(unknown_kind(kind))
    region = county_for_user(request.user, county) if county else None
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    exporters.write_template(response, user=request.user, kind=kind, county=region)
    return response
