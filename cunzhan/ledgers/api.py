"""/api/v1/ledgers: list (filters, pagination), create, read, update, delete, import and export,
for each ledger kind (purchase, sale, parcel, service); the parcel backlog; import batches."""

# No "from __future__ import annotations" here: django-ninja reads the parameter annotations at
# runtime, and the per-ledger schemas below are local to _register().
import io
import tempfile
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.orm import create_schema

from cunzhan.core.concurrency import ConflictOut, EditConflict
from cunzhan.core.replicas import replica_reads
from cunzhan.core.tabular import ImportRejected
from cunzhan.ledgers import exporters, selectors, services
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.specs import SPECS, LedgerSpec
from cunzhan.stations.models import Station

router = Router(tags=["台账"])


class Filters(Schema):
    station: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    source: str = ""
    county: str = Field("", description="县级区划代码：只列该县的记录（省、市级用户按县查看）")
    limit: int = 50
    offset: int = 0

    def entry_filter(self) -> selectors.EntryFilter:
        return selectors.EntryFilter(
            station=self.station,
            date_from=self.date_from,
            date_to=self.date_to,
            q=self.q,
            source=self.source,
            county=self.county,
        )


class CellErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    batch_id: int
    rows_read: int
    rows_created: int
    rows_skipped: int
    seconds: float


class ImportRejectedOut(Schema):
    detail: str
    errors: list[CellErrorOut]


class BatchOut(Schema):
    id: int
    kind: str
    file_name: str
    digest: str
    rows_read: int
    rows_created: int
    rows_skipped: int
    started_at: datetime
    finished_at: datetime | None
    is_demo: bool


class Page(Schema):
    count: int
    items: list[dict[str, Any]]


def _out(user, entry, present=None) -> dict[str, Any]:
    data = (present or selectors.presenter(user))(entry)
    return {
        "id": entry.pk,
        "station": entry.station.code,
        **{k: (str(v) if hasattr(v, "as_tuple") else v) for k, v in data.items()},
        "recorded_at": entry.recorded_at,
        "source": entry.source,
        "version": entry.version,
    }


def _page(user, queryset, filters: Filters) -> dict[str, Any]:
    limit = max(1, min(filters.limit, 500))
    offset = max(0, filters.offset)
    present = selectors.presenter(user)
    return {
        "count": queryset.count(),
        "items": [_out(user, e, present) for e in queryset[offset : offset + limit]],
    }


def _station(user, code: str) -> Station:
    """The station an entry is recorded at, with what the entry needs of it (its scope, county and last
    activity), not every column. A keeper's own station came with the token (no query)."""
    own = user._state.fields_cache.get("station")
    if own is not None and own.code == code and user.scope.covers_station(own):
        return own
    needed = Station.objects.only("code", "county_code", "region", "operating_unit", "last_activity_at")
    return user.scope.get_or_404(needed, code=code)


@router.get("/parcel/backlog", response=Page, summary="快递积压（到站超过 48 小时未交付）")
def parcel_backlog(request, filters: Query[Filters]):
    backlog = filters.entry_filter().apply(selectors.parcel_backlog_for_user(request.user))
    return _page(request.user, backlog, filters)


@router.get("/imports", response=list[BatchOut], summary="导入批次")
def list_batches(request, limit: int = 50):
    return list(selectors.batches_for_user(request.user)[: max(1, min(limit, 500))])


def _register(spec: LedgerSpec) -> None:
    kind = spec.kind
    name = kind.capitalize()
    fields = spec.fields
    entry_in = create_schema(spec.model, name=f"{name}In", fields=fields)
    entry_patch = create_schema(spec.model, name=f"{name}Patch", fields=fields, optional_fields="__all__")

    class Create(entry_in):  # type: ignore[valid-type, misc]
        station: str

    Create.__name__ = f"{name}Create"

    class Patch(entry_patch):  # type: ignore[valid-type, misc]
        version: int = Field(
            ...,
            description="读取记录时得到的 version，原样交回。记录在此之后已被他人修改则答 409，不做任何修改。",
        )

    Patch.__name__ = f"{name}Patch"

    @router.get(f"/{kind}", response=Page, summary=f"{spec.label}台账", operation_id=f"list_{kind}")
    def list_entries(request, filters: Query[Filters]):
        entries = selectors.filtered_entries_for_user(request.user, kind, filters.entry_filter())
        return _page(request.user, selectors.for_listing(entries), filters)

    @router.post(f"/{kind}", response={201: dict}, summary=f"登记一笔{spec.label}", operation_id=f"create_{kind}")
    def create_entry(request, payload: Create):
        data = payload.dict()
        station = _station(request.user, data.pop("station"))
        entry = services.entry_create(acting_user=request.user, kind=kind, station=station, **data)
        return Status(201, _out(request.user, entry))

    @router.get(f"/{kind}/{{int:pk}}", response=dict, summary=f"一笔{spec.label}", operation_id=f"get_{kind}")
    def get_entry(request, pk: int):
        return _out(request.user, selectors.get_entry_for_user_or_404(request.user, kind, pk))

    @router.patch(
        f"/{kind}/{{int:pk}}",
        response={200: dict, 409: ConflictOut},
        summary=f"修改{spec.label}",
        description="须交回读取记录时得到的 version；记录在此之后已被他人修改则答 409，不做任何修改。",
        operation_id=f"update_{kind}",
    )
    def update_entry(request, pk: int, payload: Patch):
        entry = selectors.get_entry_for_user_or_404(request.user, kind, pk)
        changes = payload.dict(exclude_unset=True)
        version = changes.pop("version")
        if not selectors.pii_visible(request.user, entry) and set(changes) & set(spec.pii_fields):
            raise ValidationError(dict.fromkeys(set(changes) & set(spec.pii_fields), "无权查看的个人信息不能修改。"))
        try:
            entry = services.entry_update(acting_user=request.user, entry=entry, version=version, **changes)
        except EditConflict as exc:
            return Status(409, {"detail": exc.message})
        return Status(200, _out(request.user, entry))

    @router.delete(
        f"/{kind}/{{int:pk}}", response={204: None}, summary=f"删除{spec.label}", operation_id=f"delete_{kind}"
    )
    def delete_entry(request, pk: int):
        entry = selectors.get_entry_for_user_or_404(request.user, kind, pk)
        services.entry_delete(acting_user=request.user, entry=entry)
        return Status(204, None)

    @router.post(
        f"/{kind}/import",
        response={200: ImportOut, 422: ImportRejectedOut},
        summary=f"导入{spec.label}台账（.xlsx/.csv）",
        operation_id=f"import_{kind}",
    )
    def import_entries(request, file: File[UploadedFile]):
        try:
            result = import_ledger(acting_user=request.user, kind=kind, source=file, name=file.name)
        except ImportRejected as exc:
            return Status(
                422,
                {
                    "detail": f"文件有 {len(exc.errors)} 处错误，未保存任何数据",
                    "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors],
                },
            )
        return Status(
            200,
            {
                "batch_id": result.batch.pk,
                "rows_read": result.rows_read,
                "rows_created": result.rows_created,
                "rows_skipped": result.rows_skipped,
                "seconds": round(result.seconds, 3),
            },
        )

    @router.get(f"/{kind}/export", summary=f"导出{spec.label}台账", operation_id=f"export_{kind}")
    @replica_reads()
    def export_entries(request, filters: Query[Filters], fmt: str = "xlsx", unmasked: bool = False, reason: str = ""):
        if fmt not in ("xlsx", "csv"):
            raise ValidationError({"fmt": "格式须为 xlsx 或 csv"})
        if fmt == "csv":
            buffer = io.StringIO()
            exporters.export_ledger(
                acting_user=request.user,
                kind=kind,
                target=buffer,
                fmt="csv",
                entry_filter=filters.entry_filter(),
                unmasked=unmasked,
                reason=reason,
            )
            response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
            return response
        handle = tempfile.TemporaryFile()  # noqa: SIM115  closed by FileResponse
        exporters.export_ledger(
            acting_user=request.user,
            kind=kind,
            target=handle,
            fmt="xlsx",
            entry_filter=filters.entry_filter(),
            unmasked=unmasked,
            reason=reason,
        )
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=f"{kind}.xlsx")


for _spec in SPECS.values():
    _register(_spec)
