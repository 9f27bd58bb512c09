"""Reads for the Open311 server: services from categories, requests from complaints.

Only what the public may see: never a confidential complaint, never the reporter, text
masked (integrations.public), coordinates coarsened like the public map.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from complaints.lifecycle import OPEN_STATUSES
from complaints.models import Attachment, Category, Complaint, ComplaintEvent, Status
from complaints.timeline import event_public_text

from ..payloads import coarse
from ..public import public_text
from .attributes import service_attributes

MAX_RANGE = timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_IDS = 100

# mySociety's servicerequestupdates statuses, from Sigap's lifecycle.
UPDATE_STATUS = {
    Status.NEW: "OPEN",
    Status.TRIAGE: "OPEN",
    Status.ASSIGNED: "OPEN",
    Status.REOPENED: "OPEN",
    Status.IN_PROGRESS: "IN_PROGRESS",
    Status.RESOLVED: "FIXED",
    Status.CLOSED: "CLOSED",
    Status.REJECTED: "NO_FURTHER_ACTION",
    Status.DUPLICATE: "DUPLICATE",
}


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def services() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("sort_order", "name")
    )


def service_by_code(code: str) -> Category | None:
    return services().filter(slug=code).first()


def service_row(category: Category) -> dict[str, Any]:
    attributes = service_attributes(category)
    return {
        "service_code": category.slug,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(attributes),
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent else "",
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {"service_code": category.slug, "attributes": service_attributes(category)}


def public_requests() -> QuerySet[Complaint]:
    """Every complaint the public may see, with what a request row needs."""
    return (
        Complaint.objects.filter(is_confidential=False)
        .select_related("category", "agency")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ComplaintEvent.objects.filter(is_public=True).order_by(
                    "-created_at", "-id"
                ),
                to_attr="public_events",
            ),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(kind=Attachment.Kind.REPORT).order_by("id"),
                to_attr="report_photos",
            ),
        )
    )


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    status: str
    page: int
    page_size: int


def requests_find(query: RequestQuery) -> list[Complaint]:
    rows = public_requests()
    if query.ids:
        # The spec: a list of ids overrides every other filter.
        return list(rows.filter(tracking_code__in=query.ids[:MAX_IDS]).order_by("-created_at"))
    end = query.end or timezone.now()
    start = query.start or end - MAX_RANGE
    rows = rows.filter(created_at__gte=start, created_at__lte=end)
    if query.service_codes:
        rows = rows.filter(category__slug__in=query.service_codes)
    if query.status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif query.status == "closed":
        rows = rows.exclude(status__in=OPEN_STATUSES)
    offset = (query.page - 1) * query.page_size
    return list(rows.order_by("-created_at", "-id")[offset : offset + query.page_size])


def request_by_id(request_id: str) -> Complaint | None:
    return public_requests().filter(tracking_code=request_id).first()


def _status_notes(complaint: Complaint) -> str:
    events = getattr(complaint, "public_events", None)
    if events is None:
        events = list(complaint.events.filter(is_public=True).order_by("-created_at", "-id"))
    for event in events:
        if event.kind != ComplaintEvent.Kind.CREATED:
            return public_text(event.note or event_public_text(event))
    return ""


def _media_url(complaint: Complaint, base_url: str) -> str:
    photos = getattr(complaint, "report_photos", None)
    if photos is None:
        photos = list(complaint.attachments.filter(kind=Attachment.Kind.REPORT).order_by("id"))
    return base_url + photos[0].file.url if photos else ""


def request_row(complaint: Complaint, *, base_url: str) -> dict[str, Any]:
    from .attributes import request_attributes

    open_ = complaint.status in OPEN_STATUSES
    return {
        "service_request_id": complaint.tracking_code,
        "status": open311_status(complaint.status),
        "status_notes": _status_notes(complaint),
        "service_name": complaint.category.name if complaint.category else "",
        "service_code": complaint.category.slug if complaint.category else "",
        "description": public_text(complaint.text),
        "agency_responsible": complaint.agency.name if complaint.agency else "",
        "service_notice": "",
        "requested_datetime": complaint.created_at,
        "updated_datetime": complaint.updated_at,
        "expected_datetime": complaint.due_at if open_ else None,
        "address": public_text(complaint.address),
        "address_id": "",
        "zipcode": "",
        "lat": coarse(complaint.latitude),
        "long": coarse(complaint.longitude),
        "media_url": _media_url(complaint, base_url),
        **request_attributes(complaint),
    }


def updates_since(*, start: datetime, end: datetime, limit: int = 1000) -> list[ComplaintEvent]:
    """Public timeline events of public complaints, oldest first (mySociety's extension)."""
    return list(
        ComplaintEvent.objects.filter(
            is_public=True,
            complaint__is_confidential=False,
            created_at__gte=start,
            created_at__lte=end,
        )
        .exclude(kind=ComplaintEvent.Kind.CREATED)
        .select_related("complaint", "agency")
        .order_by("created_at", "id")[:limit]
    )


def update_row(event: ComplaintEvent) -> dict[str, Any]:
    status = event.to_status or event.complaint.status
    return {
        "update_id": str(event.pk),
        "service_request_id": event.complaint.tracking_code,
        "status": UPDATE_STATUS.get(status, "OPEN"),
        "updated_datetime": event.created_at,
        "description": public_text(event.note or event_public_text(event)),
        "media_url": "",
    }
