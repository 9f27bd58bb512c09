"""The staff map: the queue's filters and visibility rules, drawn as grid clusters.

Agency staff see only their agency's complaints because the rows come from the same
selector as the queue (dashboard.filters.complaints_matching -> complaint_visible_to).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from complaints.geo import BBox, BBoxError, map_clusters

from .filters import ComplaintFilterForm, complaint_filters_parse, complaints_matching

_MAP_PARAMS = ("bbox", "zoom")


@login_required
@require_GET
def staff_map(request: HttpRequest) -> HttpResponse:
    query = request.GET.copy()
    for name in _MAP_PARAMS:
        query.pop(name, None)
    context = {
        "form": ComplaintFilterForm(request.GET),
        "active": request.GET.get("status", ""),
        "query": query.urlencode(),
        "tile_url": settings.MAP_TILE_URL,
        "center": settings.MAP_CENTER,
    }
    return render(request, "dashboard/map.html", context)


@login_required
@require_GET
def staff_map_data(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    try:
        box = BBox.parse(params.pop("bbox", [""])[0], params.pop("zoom", [""])[0])
        filters = complaint_filters_parse(request.user, params)
    except BBoxError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    data = map_clusters(complaints_matching(request.user, filters), box, public=False)
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response
