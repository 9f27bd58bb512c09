"""The public statistics page /statistik/: the city's figures for anyone, no login.

Built only on dashboard.reports (report_section with the public scope), so the numbers
are the supervisor reports' numbers. Aggregates only: no reporter, no complaint text;
the free-text rejection reasons and the per-kelurahan tables are left out.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .reports.charts import chart_svg
from .reports.period import PERIODS, ReportFilters, ReportInputError, parse_filters
from .reports.scope import ReportScope
from .reports.sections import report_section

CACHE_SECONDS = 300
PUBLIC_PERIODS = ("bulan", "kuartal", "tahun")
# Which tables of each report section the public page shows, in this order.
PUBLIC_TABLES = {
    "volume": ("channel", "topic", "trend", "kecamatan"),
    "ketepatan-waktu": ("sla", "durations", "backlog"),
    "kualitas": ("rates", "satisfaction"),
    "akuntabilitas": ("agencies", "kecamatan"),
}
HEADINGS = {
    "volume": gettext_lazy("Complaints received"),
    "ketepatan-waktu": gettext_lazy("Timeliness"),
    "kualitas": gettext_lazy("Quality and satisfaction"),
    "akuntabilitas": gettext_lazy("Agency scoreboard"),
}


def _filters(request: HttpRequest) -> ReportFilters:
    """Only the period is public (no area or agency narrowing, no custom dates)."""
    kind = request.GET.get("periode") or "bulan"
    if kind not in PUBLIC_PERIODS:
        raise ReportInputError(_("Unknown period “%s”.") % kind)
    extra = set(request.GET) - {"periode"}
    if extra:
        raise ReportInputError(_("Unknown parameter “%s”.") % sorted(extra)[0])
    return parse_filters({"periode": kind}, ReportScope.public_scope())


def plain(value: object) -> object:
    """Numbers and None stay; lazy translations and names become plain strings."""
    return value if value is None or isinstance(value, int | float) else str(value)


def public_statistics(filters: ReportFilters) -> list[dict[str, object]]:
    """The page's sections as plain strings and numbers (cacheable, language-bound)."""
    scope = ReportScope.public_scope()
    sections = []
    for name, keys in PUBLIC_TABLES.items():
        tables = {t.key: t for t in report_section(name, scope, filters)}
        shown = []
        for key in keys:
            t = tables[key]
            shown.append(
                {
                    "key": f"{name}-{key}",
                    "title": str(t.title),
                    "columns": [str(c) for c in t.columns],
                    "rows": [[plain(v) for v in row] for row in t.rows],
                    "note": str(t.note),
                    "svg": chart_svg(t),
                }
            )
        sections.append({"name": name, "title": str(HEADINGS[name]), "tables": shown})
    return sections


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    try:
        filters = _filters(request)
    except ReportInputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    key = f"public-stats:{get_language()}:{filters.kind}:{filters.first_day}"
    sections = cache.get(key)
    if sections is None:
        sections = public_statistics(filters)
        cache.set(key, sections, CACHE_SECONDS)
    response = render(
        request,
        "dashboard/public_statistics.html",
        {
            "filters": filters,
            "periods": [(k, PERIODS[k]) for k in PUBLIC_PERIODS],
            "sections": sections,
        },
    )
    # The figures are public and aggregate; the page itself carries a CSRF token (the
    # language switch), so only browsers keep it, not shared caches.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
