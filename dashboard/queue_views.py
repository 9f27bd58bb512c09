"""The staff queue: search, filters in the URL, status tabs with counts, keyset pages.

Reads come from dashboard.filters and dashboard.queue; a filter or page link that does
not parse answers 400 with the reasons, on the same page so it can be corrected.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import queue
from .filters import ComplaintFilterForm, ComplaintFilters, filters_from_form, may_search_reporters
from .reasons import rejection_reasons
from .tabs import queue_tabs

QUEUE_PAGE_SIZE = 25
# Parameters that are not filters: the page position.
_CURSOR_PARAMS = ("after", "before", "page")


def query_with(params: QueryDict, **changes: str) -> str:
    """The query string `params` with `changes` applied (empty removes) and no page cursor."""
    query = params.copy()
    for name in _CURSOR_PARAMS:
        query.pop(name, None)
    for name, value in changes.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The queue of the signed-in user's role under the URL's filters, one keyset page."""
    user = request.user
    tabs = queue_tabs(user)
    form = ComplaintFilterForm(request.GET)
    errors: list[str] = []
    if form.is_valid():
        filters = filters_from_form(user, form)
    else:
        filters = ComplaintFilters(tab=tabs[0])
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    page = None
    if not errors:
        try:
            page = queue.queue_page(
                user,
                filters,
                size=QUEUE_PAGE_SIZE,
                after=request.GET.get("after", ""),
                before=request.GET.get("before", ""),
            )
        except ValidationError as exc:
            errors = list(exc.messages)
    active = filters.status or (filters.tab.key if filters.tab else "")
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "errors": errors,
        "active": active,
        "tab": filters.tab,
        "tabs": [
            (count, query_with(request.GET, status=count.tab.key))
            for count in queue.queue_tab_counts(user, tabs, filters)
        ],
        "page": page,
        "rows": queue.queue_rows(page.rows) if page else [],
        "next_url": query_with(request.GET, after=page.next_cursor)
        if page and page.next_cursor
        else "",
        "previous_url": query_with(request.GET, before=page.previous_cursor)
        if page and page.previous_cursor
        else "",
        "first_url": query_with(request.GET) if page and not page.is_first else "",
        "back": request.get_full_path(),
        "has_filters": _has_filters(request.GET),
        "may_search_reporters": may_search_reporters(user),
        "bulk": may_search_reporters(user),
        "reasons": rejection_reasons() if may_search_reporters(user) else [],
    }
    return render(request, "dashboard/home.html", context, status=400 if errors else 200)


def _has_filters(params: QueryDict) -> bool:
    ignored = {"status", "sort", "q", *_CURSOR_PARAMS}
    return any(v for k, v in params.items() if k not in ignored)
