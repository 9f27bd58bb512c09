"""Reads of the core records: the public tracking view and the staff visibility rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from .lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
    event_public_text,
    public_status_label,
    status_colour,
)
from .models import (
    Area,
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    PendingUpload,
    Status,
    User,
)


def complaint_visible_to(user: User) -> QuerySet[Complaint]:
    """Every complaint `user` may see. The one place the agency boundary is drawn.

    Agency staff and heads see their own agency's complaints only; an operator or a
    supervisor with an area scope sees complaints inside that area; admins see all.
    """
    qs = Complaint.objects.all()
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_superuser or user.role == User.Role.ADMIN:
        return qs
    if user.is_agency_member:
        return qs.filter(agency_id=user.agency_id) if user.agency_id else qs.none()
    if user.role in (User.Role.OPERATOR, User.Role.SUPERVISOR):
        if user.area_id:
            code = user.area.code
            return qs.filter(area__code__startswith=f"{code}.") | qs.filter(area__code=code)
        return qs
    return qs.none()


def can_see_reporter(*, user: User, complaint: Complaint) -> bool:
    """Anonymous reports hide the reporter from agencies; only operators and admins see them."""
    if user.is_superuser or user.role in (User.Role.OPERATOR, User.Role.ADMIN):
        return True
    return not complaint.is_anonymous


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    text: str
    status: str
    colour: str


@dataclass(frozen=True)
class PublicPhoto:
    url: str
    thumbnail_url: str
    kind: str


@dataclass(frozen=True)
class PublicComplaint:
    """What anyone holding the tracking link may see: never who reported it."""

    tracking_code: str
    public_token: str
    title: str
    text: str
    category: str
    area: str
    address: str
    channel: str
    status: str
    status_label: str
    colour: str
    agency: str
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    timeline: list[PublicEvent]
    photos: list[PublicPhoto]
    # The agency's question still waiting for the reporter's answer ("" when none).
    open_question: str = ""


def _public_queryset() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("category__parent", "area", "agency").prefetch_related(
        Prefetch(
            "events",
            queryset=ComplaintEvent.objects.filter(is_public=True).select_related("agency"),
            to_attr="public_events",
        ),
        Prefetch("attachments", queryset=Attachment.objects.all(), to_attr="all_attachments"),
    )


def complaint_by_token(token: str) -> Complaint | None:
    return _public_queryset().filter(public_token=token).first()


def complaint_by_code_and_phone(*, code: str, phone_e164: str) -> Complaint | None:
    """The short code alone is guessable; with the reporter's phone it identifies the owner."""
    code = code.strip().upper().replace(" ", "")
    if len(code) == 8 and "-" not in code:
        code = f"{code[:4]}-{code[4:]}"
    if not (code and phone_e164):
        return None
    return _public_queryset().filter(tracking_code=code, reporter__phone=phone_e164).first()


def open_question(complaint: Complaint, events: list[ComplaintEvent]) -> str:
    """The holder's last question to the reporter if no answer or move has followed it.

    Read from the timeline (the core cannot see dispositions): an answer closes the
    question, and so does the complaint moving to another agency or leaving the agency's
    hands; the dispositions services keep the matching pause on the disposition.
    """
    if complaint.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        return ""
    question = ""
    for event in events:
        transition = TRANSITIONS.get(event.action)
        if event.action == "request_info":
            question = event.note
        elif event.action == "provide_info" or (transition and transition.sets_agency):
            question = ""
    return question


def complaint_public_view(complaint: Complaint) -> PublicComplaint:
    """Assemble the public picture of a complaint fetched by `complaint_by_token`."""
    events = getattr(complaint, "public_events", None)
    if events is None:
        events = list(complaint.events.filter(is_public=True).select_related("agency"))
    attachments = getattr(complaint, "all_attachments", None)
    if attachments is None:
        attachments = list(complaint.attachments.all())
    return PublicComplaint(
        tracking_code=complaint.tracking_code,
        public_token=complaint.public_token,
        title=complaint.title,
        text=complaint.text,
        category=str(complaint.category) if complaint.category else "",
        area=complaint.area.name if complaint.area else "",
        address=complaint.address,
        channel=complaint.get_channel_display(),
        status=complaint.status,
        status_label=public_status_label(complaint.status),
        colour=status_colour(complaint.status),
        agency=complaint.agency.name if complaint.agency else "",
        due_at=complaint.due_at if complaint.status in OPEN_STATUSES else None,
        created_at=complaint.created_at,
        updated_at=complaint.updated_at,
        timeline=[
            PublicEvent(
                at=e.created_at,
                text=event_public_text(e),
                status=e.to_status,
                colour=status_colour(e.to_status) if e.to_status else "",
            )
            for e in events
        ],
        photos=[
            PublicPhoto(url=a.file.url, thumbnail_url=a.thumbnail.url, kind=a.kind)
            for a in attachments
        ],
        open_question=open_question(complaint, list(events)),
    )


def pending_uploads_by_ids(ids: list[int]) -> dict[int, PendingUpload]:
    return {p.pk: p for p in PendingUpload.objects.filter(pk__in=ids)}


def category_choices() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent")


def area_children(parent_code: str | None) -> QuerySet[Area]:
    if parent_code:
        return Area.objects.filter(parent__code=parent_code).order_by("name")
    return Area.objects.filter(parent__isnull=True).order_by("name")
