"""Open311 GeoReport v2 endpoints (/open311/v2/), XML and JSON; see docs/open311.md.

Plain Django views: the spec fixes the formats (XML by file extension, form-encoded
POSTs, its own error shape), which DRF's negotiation would only fight. They are left
out of the OpenAPI schema; the specification is their contract.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import selectors
from .render import error, respond
from .services import Open311Error, partner_for, request_post, token_complaint, update_post

MEDIA_MAX = 5 * 1024 * 1024
_ATTRIBUTE = re.compile(r"^attribute\[([\w.-]+)\](\[\])?$")


def _error(fmt: str, exc: Open311Error) -> HttpResponse:
    response = error(fmt, exc.code, *exc.descriptions)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _base_url() -> str:
    return settings.PUBLIC_BASE_URL


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = _base_url() + reverse("open311:root")
    body = {
        "changeset": "2026-12-01T00:00:00+07:00",
        "contact": getattr(settings, "OPEN311_CONTACT", "") or settings.DEFAULT_FROM_EMAIL,
        "key_service": _base_url() + "/admin/",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url.rstrip("/"),
                "changeset": "2026-12-01T00:00:00+07:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


def services(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [selectors.service_row(c) for c in selectors.services()]
    return respond(fmt, "services", rows)


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = selectors.service_by_code(code)
    if category is None:
        return error(fmt, 404, _("No service with code “%s”.") % code)
    return respond(fmt, "service_definition", selectors.service_definition(category))


def _when(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, _("%s is not a W3C date and time.") % name)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int(value: str, name: str, *, default: int, low: int, high: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise Open311Error(400, _("%s must be a whole number.") % name) from None
    if not low <= number <= high:
        raise Open311Error(
            400,
            _("%(name)s must be between %(low)d and %(high)d.")
            % {"name": name, "low": low, "high": high},
        )
    return number


def _list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _query(params: Any) -> selectors.RequestQuery:
    start = _when(params.get("start_date", ""), "start_date")
    end = _when(params.get("end_date", ""), "end_date")
    if start and end:
        if start > end:
            raise Open311Error(400, _("start_date is after end_date."))
        if end - start > selectors.MAX_RANGE:
            raise Open311Error(400, _("start_date and end_date are at most 90 days apart."))
    elif start and not end:
        end = min(start + selectors.MAX_RANGE, timezone.now())
    status = (params.get("status") or "").strip().lower()
    if status not in ("", "open", "closed"):
        raise Open311Error(400, _("status is open or closed."))
    return selectors.RequestQuery(
        ids=_list(params.get("service_request_id", "")),
        service_codes=_list(params.get("service_code", "")),
        start=start,
        end=end,
        status=status,
        page=_int(params.get("page", ""), "page", default=1, low=1, high=10_000),
        page_size=_int(
            params.get("page_size", ""),
            "page_size",
            default=selectors.DEFAULT_PAGE_SIZE,
            low=1,
            high=selectors.MAX_PAGE_SIZE,
        ),
    )


def _attributes(params: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in params:
        match = _ATTRIBUTE.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(params.getlist(key))
    return found


def _form(request: HttpRequest) -> dict[str, str]:
    # The spec's clients put api_key (and jurisdiction_id) in the query string and the
    # rest in the body; the body wins.
    return {**request.GET.dict(), **request.POST.dict()}


@csrf_exempt
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        if request.method == "POST":
            return _post_request(request, fmt)
        if request.method != "GET":
            return error(fmt, 405, _("Use GET or POST."))
        rows = selectors.requests_find(_query(request.GET))
    except Open311Error as exc:
        return _error(fmt, exc)
    base = _base_url()
    return respond(fmt, "service_requests", [selectors.request_row(c, base_url=base) for c in rows])


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    form = _form(request)
    partner = partner_for(form.get("api_key", ""))
    media = request.FILES.get("media")
    if media is not None and media.size > MEDIA_MAX:
        raise Open311Error(400, _("media is larger than 5 MB."))
    posted = request_post(
        partner=partner,
        form=form,
        attributes=_attributes(request.POST) or _attributes(request.GET),
        media=media.read() if media is not None else None,
    )
    row: dict[str, Any] = {"service_notice": "", "account_id": ""}
    if posted.complaint is not None:
        row = {"service_request_id": posted.complaint.tracking_code, **row}
    else:
        row = {"token": posted.token, **row}
    return respond(fmt, "service_requests", [row], status=201)


def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    complaint = selectors.request_by_id(request_id)
    if complaint is None:
        return error(fmt, 404, _("No request with id “%s”.") % request_id)
    row = selectors.request_row(complaint, base_url=_base_url())
    return respond(fmt, "service_requests", [row])


def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    known, complaint = token_complaint(token)
    if not known:
        return error(fmt, 404, _("Unknown token."))
    row: dict[str, Any] = {"token": token}
    if complaint is not None:
        row = {"service_request_id": complaint.tracking_code, **row}
    return respond(fmt, "service_requests", [row])


@csrf_exempt
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's servicerequestupdates: GET updates in a time range, POST a comment."""
    try:
        if request.method == "POST":
            form = _form(request)
            partner = partner_for(form.get("api_key", ""))
            complaint = selectors.request_by_id((form.get("service_request_id") or "").strip())
            if complaint is None:
                raise Open311Error(404, _("No request with this service_request_id."))
            event = update_post(partner=partner, complaint=complaint, form=form)
            return respond(
                fmt, "service_request_updates", [{"update_id": str(event.pk)}], status=201
            )
        if request.method != "GET":
            return error(fmt, 405, _("Use GET or POST."))
        start = _when(request.GET.get("start_date", ""), "start_date")
        end = _when(request.GET.get("end_date", ""), "end_date") or timezone.now()
        start = start or end - selectors.MAX_RANGE
        if start > end:
            raise Open311Error(400, _("start_date is after end_date."))
        if end - start > selectors.MAX_RANGE:
            raise Open311Error(400, _("start_date and end_date are at most 90 days apart."))
    except Open311Error as exc:
        return _error(fmt, exc)
    rows = [selectors.update_row(e) for e in selectors.updates_since(start=start, end=end)]
    return respond(fmt, "service_request_updates", rows)


def root(request: HttpRequest) -> HttpResponse:
    return discovery(request, "xml")
