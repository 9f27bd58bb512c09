"""Report pages under /dashboard/laporan/: parse the filters, read the section, render or export."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from complaints.models import Area, ReportType

from .models import ExportJob
from .reports.charts import chart_svg
from .reports.exports import csv_lines, xlsx_bytes
from .reports.jobs import export_job_start
from .reports.list_export import list_count, list_csv_lines, list_queryset, list_xlsx_bytes
from .reports.period import PERIODS, ReportInputError, parse_filters
from .reports.scope import ReportScope
from .reports.sections import SECTIONS, received, report_section

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_or_404(request: HttpRequest) -> ReportScope:
    scope = ReportScope.for_user(request.user)  # type: ignore[arg-type]
    if scope is None:
        raise Http404("No reports for this account")
    return scope


def _trail(area: Area | None) -> list[Area]:
    trail = []
    while area is not None:
        trail.insert(0, area)
        area = area.parent
    return trail


def _children(scope: ReportScope, area: Area | None) -> list[Area]:
    """The areas one level down, to narrow the report without JavaScript."""
    if area is not None and area.level >= Area.Level.VILLAGE:
        return []
    qs = Area.objects.filter(parent=area) if area is not None else Area.objects.filter(level=1)
    return [
        a for a in qs.order_by("name")[:400] if scope.allows_area(a) or a.code == scope.area_code
    ]


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _scope_or_404(request)
    return render(request, "dashboard/reports/index.html", {"sections": SECTIONS.items()})


def _to_job(request: HttpRequest, *, kind: str, fmt: str, section: str = "") -> HttpResponse:
    """Start (or rejoin) the export job and send the reader to its progress page."""
    job = export_job_start(
        owner=request.user,  # type: ignore[arg-type]
        kind=kind,
        section=section,
        fmt=fmt,
        params=request.GET.urlencode(),
    )
    return redirect("dashboard:export_job", job_id=job.pk)


@login_required
@require_GET
def section(request: HttpRequest, name: str, fmt: str = "") -> HttpResponse:
    if name not in SECTIONS:
        raise Http404("No such report")
    if fmt not in ("", "csv", "xlsx"):
        raise Http404("Unknown export format")
    scope = _scope_or_404(request)
    try:
        filters = parse_filters(request.GET, scope)
    except ReportInputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    limit = settings.EXPORT_ASYNC_ROWS
    if fmt and received(scope, filters)[: limit + 1].count() > limit:
        # A section over this many complaints takes long to count: a worker does it.
        return _to_job(request, kind=ExportJob.Kind.SECTION, fmt=fmt, section=name)
    tables = report_section(name, scope, filters)
    filename = f"sigap-{name}-{filters.first_day}-{filters.last_day}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(tables), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(tables), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return render(
        request,
        "dashboard/reports/section.html",
        {
            "name": name,
            "title": SECTIONS[name],
            "sections": SECTIONS.items(),
            "filters": filters,
            "periods": PERIODS.items(),
            "agencies": scope.agencies(),
            "report_types": ReportType.choices,
            "tables": [(t, chart_svg(t)) for t in tables],
            "query": filters.querystring(),
            "area_trail": _trail(filters.area),
            "area_children": _children(scope, filters.area),
            "error_title": _("These filters cannot be applied"),
        },
    )


@login_required
@require_GET
def complaint_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The staff list (same query string, same visibility) as CSV (streamed) or XLSX;
    above EXPORT_ASYNC_ROWS rows, an export job."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format")
    try:
        # Parses the filters now: a bad one is a 400, not a broken file or a failed job.
        qs = list_queryset(request.user, request.GET)  # type: ignore[arg-type]
        limit = settings.EXPORT_ASYNC_ROWS
        if list_count(qs, limit) > limit:
            return _to_job(request, kind=ExportJob.Kind.LIST, fmt=fmt)
        if fmt == "csv":
            response = StreamingHttpResponse(
                list_csv_lines(qs), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(list_xlsx_bytes(qs), content_type=XLSX)
    except ValidationError as exc:
        return HttpResponseBadRequest(
            " ".join(exc.messages), content_type="text/plain; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="sigap-aduan.{fmt}"'
    return response
