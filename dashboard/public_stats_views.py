"""The public statistics page /statistik/: the city's figures for anyone, no login.

Reads dashboard/reports/public.py (the report sections under the public scope).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .reports.period import PERIODS, ReportFilters, ReportInputError
from .reports.public import (
    CACHE_SECONDS,
    PUBLIC_PERIODS,
    public_filters,
    public_statistics_cached,
)


def _filters(request: HttpRequest) -> ReportFilters:
    """Only the period is public (no area or agency narrowing, no custom dates)."""
    kind = request.GET.get("periode") or "bulan"
    if kind not in PUBLIC_PERIODS:
        raise ReportInputError(_("Unknown period “%s”.") % kind)
    extra = set(request.GET) - {"periode"}
    if extra:
        raise ReportInputError(_("Unknown parameter “%s”.") % sorted(extra)[0])
    return public_filters(kind)


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    try:
        filters = _filters(request)
    except ReportInputError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response = render(
        request,
        "dashboard/public_statistics.html",
        {
            "filters": filters,
            "periods": [(k, PERIODS[k]) for k in PUBLIC_PERIODS],
            "sections": public_statistics_cached(filters),
        },
    )
    # The figures are public and aggregate; the page itself carries a CSRF token (the
    # language switch), so only browsers keep it, not shared caches.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
