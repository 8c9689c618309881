from __future__ import annotations

import html
import tempfile
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhan.core.forms import apply_validation_error
from cunzhan.core.jobs import job_enqueue, job_for_user_or_404, store_upload
from cunzhan.core.late_entries import late_marks
from cunzhan.core.models import JobState
from cunzhan.core.money import format_money, format_quantity
from cunzhan.core.replicas import replica_reads
from cunzhan.core.tabular import ImportRejected, check_upload
from cunzhan.ledgers import exporters, selectors, services
from cunzhan.ledgers.forms import ImportForm, StationChoiceForm, VersionForm, entry_form_class
from cunzhan.ledgers.importers import import_ledger
from cunzhan.ledgers.specs import SPECS, LedgerSpec
from cunzhan.regions.models import Region
from cunzhan.regions.selectors import FIRST, county_for_user

PAGE_SIZE = 50
SYNC_IMPORT_BYTES = 512 * 1024  # larger files import in the background, the page shows progress
SYNC_EXPORT_ROWS = 50_000  # larger exports are written in the background and downloaded when ready
ERRORS_SHOWN = 500


def _spec(kind: str) -> LedgerSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise Http404(_("没有这种台账。")) from None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _county(request) -> tuple[list[Region], Region | None]:
    """The county choices of a user whose scope spans several, and the one shown (else [], None)."""
    counties = selectors.listing_counties_for_user(request.user)
    if not counties:
        return counties, None
    return counties, county_for_user(request.user, request.GET.get("county"), several=FIRST, choices=counties)


def _entry_filter(request, county: Region | None = None) -> selectors.EntryFilter:
    get = request.GET
    return selectors.EntryFilter(
        station=get.get("station", "").strip(),
        date_from=_parse_date(get.get("from", "")),
        date_to=_parse_date(get.get("to", "")),
        q=get.get("q", "").strip(),
        source=get.get("source", ""),
        county=county.code if county else "",
    )


def _cell_writer(spec: LedgerSpec):
    """The cells of a row as the list shows them, formatted and joined here (a template include, then a
    template loop, per cell made the 50-row page cost more than all its queries). Each column's
    formatting (its labels translated, its choices looked up) is settled once per page, not per cell."""
    esc = html.escape  # Django's escape for plain text, without its per-call lazy-string checks
    tz = timezone.get_current_timezone()  # once, not on every time shown
    columns = [(c.field, f' data-label="{esc(str(c.header))}"', _formatter(c, tz)) for c in spec.columns]

    def cells(shown: dict) -> str:
        return mark_safe(  # noqa: S308  escaped above
            "".join([f"<td{label}>{esc(show(shown[field]))}</td>" for field, label, show in columns])
        )

    return cells


def _formatter(column, tz):
    """How a column's value is shown, as the template would show it (times in ``tz``)."""
    if column.kind == "bool":
        yes, no = _("是"), _("否")
        return lambda value: yes if value else no
    if column.kind == "datetime":
        # strftime: what the date filter's "m-d H:i" gives, at a fraction of its cost per cell
        return lambda value: timezone.localtime(value, tz).strftime("%m-%d %H:%M") if value else "-"
    if column.kind == "quantity":
        return format_quantity
    if column.kind == "amount":
        return format_money
    if column.kind == "choice":
        labels = {key: str(label) for key, label in column.choices}
        return lambda value: labels.get(value, "")
    return lambda value: "" if value is None else str(localize(value))


_ROW = """<tr>
  <td data-label="{station_label}">{station}</td>
  {cells}
  <td class="small text-muted" data-label="{recorded_label}">{recorded}{imported}</td>
  {actions}
</tr>"""
_ACTIONS = """<td class="text-nowrap text-end">
    <a class="btn btn-sm btn-outline-secondary" href="{edit}">{edit_label}</a>
    <form class="d-inline" method="post" action="{delete}" data-confirm="{question}">{csrf}
      <button class="btn btn-sm btn-outline-danger" type="submit">{delete_label}</button></form>
  </td>"""


def _rows(request, spec: LedgerSpec, page, can_write: bool) -> str:
    """The page's table rows, formatted and joined here: a template's tags and lookups per row made
    a 50-row page cost more than all its queries. Values are escaped as the template escapes them."""
    user = request.user
    esc = html.escape
    imported = f" · {esc(_('导入'))}"
    actions = ""
    if can_write:
        # each row's addresses from one reverse per page, and the form's token once
        edit_url, delete_url = (_pk_url(name, spec.kind) for name in ("ledgers:edit", "ledgers:delete"))
        csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(get_token(request))}">'
        labels = {
            "edit_label": esc(_("修改")),
            "question": esc(_("确定删除这条记录？")),
            "delete_label": esc(_("删除")),
            "csrf": csrf,
        }
    present, cells = selectors.presenter(user), _cell_writer(spec)
    late = late_marks(page)  # 补录: recorded after its half-year's assessment was published
    station_label, recorded_label = esc(_("站点")), esc(_("登记时间"))
    tz = timezone.get_current_timezone()
    parts = []
    for entry in page:
        if can_write:
            actions = _ACTIONS.format(
                edit=edit_url.format(pk=entry.pk), delete=delete_url.format(pk=entry.pk), **labels
            )
        parts.append(
            _ROW.format(
                station_label=station_label,
                recorded_label=recorded_label,
                station=esc(entry.station.code),
                cells=cells(present(entry)),
                recorded=timezone.localtime(entry.recorded_at, tz).strftime("%Y-%m-%d %H:%M"),
                imported=(imported if entry.batch_id is not None else "")
                + (f" {late.badge(entry)}" if entry in late else ""),
                actions=actions,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308  every value above is escaped


def _pk_url(name: str, kind: str) -> str:
    """The address of ``name`` for ``kind`` with ``{pk}`` where the entry's key goes."""
    return reverse(name, args=[kind, 0]).replace("/0/", "/{pk}/")


def _filter_query(request, county: Region | None = None) -> str:
    keep = {k: request.GET[k] for k in ("station", "from", "to", "q", "source") if request.GET.get(k)}
    if county:
        keep = {"county": county.code, **keep}
    return urlencode(keep)


@login_required
def index(request):
    user = request.user
    counties, county = _county(request)
    only = selectors.EntryFilter(county=county.code if county else "")
    counts = selectors.entry_counts_for_user(user, only)
    return render(
        request,
        "ledgers/index.html",
        {
            "counties": counties,
            "county": county,
            "county_query": f"?county={county.code}" if county else "",
            "ledgers": [(spec, counts[kind]) for kind, spec in SPECS.items()],
            "backlog": only.apply(selectors.parcel_backlog_for_user(user)).count(),
            "can_write": user.scope.can("ledger.write"),
            "can_import": user.scope.can("ledger.import"),
            "batches": selectors.batches_for_user(user)[:10],
        },
    )


@login_required
def entry_list(request, kind: str):
    spec = _spec(kind)
    user = request.user
    counties, county = _county(request)
    entry_filter = _entry_filter(request, county)
    entries = selectors.for_listing(selectors.filtered_entries_for_user(user, spec.kind, entry_filter))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    can_write = user.scope.can("ledger.write")
    rows = _rows(request, spec, page, can_write)
    query = _filter_query(request, county)
    return render(
        request,
        "ledgers/list.html",
        {
            "spec": spec,
            "columns": spec.columns,
            "page": page,
            "rows": rows,
            "counties": counties,
            "county": county,
            "county_query": f"?county={county.code}" if county else "",
            # the filter as shown (and exported): the county only where there is one to choose
            "filter": {
                **{k: v for k, v in request.GET.items() if k != "county"},
                **({"county": county.code} if county else {}),
            },
            "querystring": f"{query}&" if query else "",
            "export_query": query,
            "stations": selectors.writable_stations_for_user(user) if can_write else None,
            "can_write": can_write,
            "can_import": user.scope.can("ledger.import"),
            "can_export_unmasked": user.scope.can("pii.export"),
        },
    )


def _only(stations):
    """The user's one station, or None when there are several (or none)."""
    first_two = list(stations[:2])
    return first_two[0] if len(first_two) == 1 else None


def _station_for(request, stations, data=None):
    form = StationChoiceForm(data, stations=stations, prefix="s")
    if data is None and request.GET.get("station"):
        form = StationChoiceForm(
            initial={"station": stations.filter(code=request.GET["station"]).first()},
            stations=stations,
            prefix="s",
        )
    return form


@login_required
def entry_create(request, kind: str):
    spec = _spec(kind)
    user = request.user
    user.scope.require("ledger.write")
    stations = selectors.writable_stations_for_user(user)
    data = request.POST or None
    station_form = _station_for(request, stations, data)
    if request.method == "POST" and station_form.is_valid():
        station = station_form.cleaned_data["station"]
    else:
        station = _only(stations)
    # the defaults (a query or two) fill an empty form and its product list; a form that is saved
    # does not show them, and a filled-in form shows what was entered
    defaults = selectors.entry_defaults_for_user(user, spec.kind, station) if data is None else None
    initial = {k: v for k, v in defaults.items() if k in spec.fields} if defaults else None
    form = entry_form_class(spec)(data, initial=initial)
    if request.method == "POST" and station_form.is_valid() and form.is_valid():
        try:
            services.entry_create(acting_user=user, kind=spec.kind, station=station, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记一条%(ledger)s记录。") % {"ledger": spec.label})
            if "again" in request.POST:
                return redirect(f"{reverse('ledgers:new', args=[spec.kind])}?station={station.code}")
            return redirect("ledgers:list", kind=spec.kind)
    if defaults is None:
        defaults = selectors.entry_defaults_for_user(user, spec.kind, station)
    # a user with one station is not asked for it (a form shown again looks that up only now)
    single_station = _only(stations) if request.method == "POST" else station
    return render(
        request,
        "ledgers/entry_form.html",
        {
            "spec": spec,
            "form": form,
            "station_form": station_form,
            "single_station": single_station,
            "recent_products": defaults["recent_products"],
            "editing": None,
        },
    )


@login_required
def entry_edit(request, kind: str, pk: int):
    spec = _spec(kind)
    user = request.user
    user.scope.require("ledger.write")
    entry = selectors.get_entry_for_user_or_404(user, spec.kind, pk)
    if not selectors.pii_visible(user, entry) and spec.pii_fields:
        # an editor who may not see the personal data may not overwrite it either
        fields = [f for f in spec.fields if f not in spec.pii_fields]
    else:
        fields = spec.fields
    form_class = entry_form_class(spec)
    form = form_class(request.POST or None, instance=entry)
    version_form = VersionForm(request.POST or None, initial={"version": entry.version}, prefix="v")
    for field in set(spec.fields) - set(fields):
        del form.fields[field]
    if request.method == "POST" and form.is_valid() and version_form.is_valid():
        try:
            services.entry_update(
                acting_user=user,
                entry=entry,
                version=version_form.cleaned_data["version"],
                **{f: form.cleaned_data[f] for f in fields},
            )
        except ValidationError as exc:  # an EditConflict too: shown above the form, the user's values kept
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已修改，修改前后的内容记入操作日志。"))
            return redirect("ledgers:list", kind=spec.kind)
    for error in version_form.errors.get("version", []):
        form.add_error(None, error)
    return render(
        request,
        "ledgers/entry_form.html",
        {"spec": spec, "form": form, "version_form": version_form, "editing": entry, "recent_products": []},
    )


@login_required
@require_POST
def entry_delete(request, kind: str, pk: int):
    spec = _spec(kind)
    entry = selectors.get_entry_for_user_or_404(request.user, spec.kind, pk)
    services.entry_delete(acting_user=request.user, entry=entry)
    messages.success(request, _("已删除，删除的内容记入操作日志。"))
    return redirect("ledgers:list", kind=spec.kind)


@login_required
def parcel_backlog(request):
    user = request.user
    backlog = selectors.parcel_backlog_for_user(user)
    page = Paginator(backlog, PAGE_SIZE).get_page(request.GET.get("page"))
    present = selectors.presenter(user)
    return render(
        request,
        "ledgers/backlog.html",
        {
            "page": page,
            "rows": [(p, present(p)["recipient_phone"]) for p in page],  # the phone masked unless allowed
            "hours": selectors.BACKLOG_HOURS,
            "by_station": sorted(selectors.parcel_backlog_counts_for_user(user).items()),
            "querystring": "",
        },
    )


@login_required
def template_download(request, kind: str, fmt: str):
    spec = _spec(kind)
    request.user.scope.require("ledger.import")
    if fmt not in ("xlsx", "csv"):
        raise Http404
    response = HttpResponse(
        content_type="text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _attachment(f"{spec.label}导入模板.{fmt}")
    if fmt == "csv":
        response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with the BOM
    exporters.write_template(spec, response, fmt, user=request.user)
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@login_required
@replica_reads()
def export(request, kind: str):
    spec = _spec(kind)
    user = request.user
    fmt = request.GET.get("fmt", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise Http404
    unmasked = request.GET.get("unmasked") == "1"
    _counties, county = _county(request)
    entry_filter = _entry_filter(request, county)
    if entry_filter.apply(selectors.entries_for_user(user, spec.kind)).count() > SYNC_EXPORT_ROWS:
        # made by a worker while the page waits for nothing: downloaded from the job's page when ready
        job = job_enqueue(
            kind="ledgers.export",
            params={
                "kind": spec.kind,
                "fmt": fmt,
                "filter": {k: str(v) if v else "" for k, v in vars(entry_filter).items()},
                "unmasked": unmasked,
                "reason": request.GET.get("reason", ""),
                "label": _("台账导出"),
            },
            acting_user=user,
        )
        messages.info(request, _("数据较多，正在后台生成，完成后可在本页下载。"))
        return redirect("jobs:detail", pk=job.pk)
    handle = tempfile.TemporaryFile()  # noqa: SIM115  handed to FileResponse, which closes it
    try:
        if fmt == "csv":
            import io

            text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
            exporters.export_ledger(
                acting_user=user,
                kind=spec.kind,
                target=text,
                fmt="csv",
                entry_filter=_entry_filter(request, county),
                unmasked=unmasked,
                reason=request.GET.get("reason", ""),
            )
            text.flush()
            text.detach()
        else:
            exporters.export_ledger(
                acting_user=user,
                kind=spec.kind,
                target=handle,
                fmt="xlsx",
                entry_filter=_entry_filter(request, county),
                unmasked=unmasked,
                reason=request.GET.get("reason", ""),
            )
    except ValidationError as exc:
        handle.close()
        messages.error(request, "；".join(exc.messages))
        return redirect(f"{reverse('ledgers:list', args=[spec.kind])}?{_filter_query(request, county)}")
    except PermissionDenied:
        handle.close()
        raise
    handle.seek(0)
    stamp = date.today().strftime("%Y%m%d")  # noqa: DTZ011  a file name
    return FileResponse(handle, as_attachment=True, filename=f"{spec.label}台账_{stamp}.{fmt}")


# -- import ---------------------------------------------------------------------------------------


@login_required
def import_upload(request, kind: str):
    spec = _spec(kind)
    user = request.user
    user.scope.require("ledger.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"spec": spec, "form": form, "errors": None, "result": None}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_upload(upload)  # over a limit: said at once, not after a trip to the background
            if upload.size > SYNC_IMPORT_BYTES:
                token = _start_background_import(user, spec.kind, upload)
                return redirect("ledgers:import_progress", token=token)
            result = import_ledger(acting_user=user, kind=spec.kind, source=upload, name=upload.name)
        except ImportRejected as exc:
            context["errors"] = exc.errors[:ERRORS_SHOWN]
            context["error_count"] = len(exc.errors)
        else:
            context["result"] = result
    return render(request, "ledgers/import.html", context)


def _start_background_import(user, kind: str, upload) -> int:
    """The file saved where every worker reads it, and a job for them (cunzhan.core.jobs): its progress
    is the job's row, so the page shows it whichever server answers."""
    stored = store_upload(upload)
    job = job_enqueue(
        kind="ledgers.import",
        params={"kind": kind, "file": stored.path, "name": stored.name, "label": _("台账导入")},
        acting_user=user,
    )
    return job.pk


@login_required
def import_progress(request, token: str):
    if not token.isdigit():
        raise Http404(_("未找到这次导入。"))
    job = job_for_user_or_404(request.user, int(token))
    if job.kind != "ledgers.import":
        raise Http404(_("未找到这次导入。"))
    state = {
        "kind": job.params["kind"],
        "name": job.params["name"],
        "phase": job.phase or "queued",
        "done": job.progress_done,
        "total": job.progress_total,
        **job.result,
    }
    if job.state == JobState.FAILED and not job.result.get("phase"):
        state.update(phase="failed", message=job.message)
    elif job.state != JobState.DONE and state["phase"] in ("finished", "done"):
        state["phase"] = "write"
    spec = _spec(state["kind"])
    total = state.get("total") or 0
    percent = int(100 * state.get("done", 0) / total) if total else 0
    template = "ledgers/_import_progress.html" if request.htmx else "ledgers/import_progress.html"
    return render(request, template, {"state": state, "spec": spec, "percent": percent, "token": token, "job": job})
