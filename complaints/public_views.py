"""Public pages anyone may open without an account: the complaint list, one complaint
read-only, the map and its cluster data. Reads go through complaints/public.py."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .geo import BBox, BBoxError, public_map_clusters
from .open_data import FIELDS, LICENSE, LICENSE_URL, open_data_dir, open_data_files
from .public import (
    PublicFilters,
    city_choices,
    public_complaint_by_code,
    public_complaint_page,
)
from .selectors import area_children, category_choices, complaint_public_view

MAP_CACHE_SECONDS = 60
OPEN_DATA_NAMES = ("aduan.csv", "aduan.json")


def _filter_context(request: HttpRequest, filters: PublicFilters) -> dict[str, object]:
    return {
        "filters": filters,
        "categories": category_choices().filter(is_public=True),
        "cities": city_choices(),
        "districts": area_children(filters.city) if filters.city else [],
        "query": request.GET.urlencode(),
    }


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("sebelum", "")
    return int(raw) if raw.isdigit() else None


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    filters = PublicFilters.from_query(request.GET)
    rows, more = public_complaint_page(filters, before=_before(request))
    context = {**_filter_context(request, filters), "rows": rows, "more": more}
    return render(request, "complaints/public_list.html", context)


@require_GET
def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    complaint = public_complaint_by_code(code)
    if complaint is None:
        raise Http404
    view = complaint_public_view(complaint, for_reporter=False)
    return render(request, "complaints/public_detail.html", {"complaint": view})


@require_GET
def public_map(request: HttpRequest) -> HttpResponse:
    filters = PublicFilters.from_query(request.GET)
    # Without JavaScript the map page is the list: the first page under the map.
    rows, more = public_complaint_page(filters)
    context = {
        **_filter_context(request, filters),
        "rows": rows,
        "more": more,
        "tile_url": settings.MAP_TILE_URL,
        "center": settings.MAP_CENTER,
    }
    return render(request, "complaints/public_map.html", context)


@require_GET
def public_map_data(request: HttpRequest) -> HttpResponse:
    try:
        box = BBox.parse(request.GET.get("bbox", ""), request.GET.get("zoom", "")).snapped(
            public=True
        )
    except BBoxError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    filters = PublicFilters.from_query(request.GET)
    # Public clusters are the same for everyone: cached briefly per box, zoom and filters.
    key = "public-map:" + hashlib.sha256(repr((box, filters)).encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = public_map_clusters(filters, box)
        cache.set(key, data, MAP_CACHE_SECONDS)
    response = JsonResponse(data)
    response["Cache-Control"] = f"public, max-age={MAP_CACHE_SECONDS}"
    return response


@require_GET
def open_data_page(request: HttpRequest) -> HttpResponse:
    context = {
        "files": open_data_files(),
        "fields": FIELDS,
        "license": LICENSE,
        "license_url": LICENSE_URL,
    }
    return render(request, "complaints/open_data.html", context)


@require_GET
def open_data_download(request: HttpRequest, name: str) -> FileResponse:
    if name not in OPEN_DATA_NAMES:
        raise Http404
    path = open_data_dir() / name
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "public, max-age=3600"
    return response
