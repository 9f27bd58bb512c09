"""Reads of the core records: the public tracking view and the staff visibility rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from .lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
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
    Rating,
    Status,
    User,
)
from .privacy import mask_personal_data
from .report_types import public_status_label as report_type_label
from .timeline import event_holder, event_public_text


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
    """Anonymous and confidential reports hide the reporter from agencies.

    Only operators and admins see who filed them: a confidential report (rahasia, e.g.
    extortion by an officer) may be about the very agency that handles it.
    """
    if user.is_superuser or user.role in (User.Role.OPERATOR, User.Role.ADMIN):
        return True
    return not (complaint.is_anonymous or complaint.is_confidential)


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
    # The tracking code of the complaint this one was merged with ("" if none): its
    # status, agency, deadline and later timeline are what this page shows.
    merged_into: str = ""
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


def _public_events(complaint: Complaint) -> list[ComplaintEvent]:
    events = getattr(complaint, "public_events", None)
    if events is None:
        events = list(complaint.events.filter(is_public=True).select_related("agency"))
    return events


# Events between an agency and one reporter: shown on that reporter's tracking view only.
ADDRESSED_TO_REPORTER = frozenset({"request_info", "provide_info"})


def complaint_public_view(complaint: Complaint, *, for_reporter: bool = True) -> PublicComplaint:
    """Assemble the public picture of a complaint fetched by `complaint_by_token`.

    A merged complaint shows its own text and photos with the status, agency, deadline
    and later timeline of the complaint it was merged with, so its reporter keeps seeing
    progress; nothing of the other complaint's content or reporter is shown.
    """
    events = _public_events(complaint)
    if not for_reporter:
        # The public read-only view (/aduan/<code>/): questions and answers between the
        # agency and the reporter are for the reporter's own tracking page only.
        events = [e for e in events if e.action not in ADDRESSED_TO_REPORTER]
    attachments = getattr(complaint, "all_attachments", None)
    if attachments is None:
        attachments = list(complaint.attachments.all())
    master = None
    if complaint.merged_into_id:
        master = _public_queryset().filter(pk=complaint.merged_into_id).first()
    holder = master or complaint
    if master is not None:
        # A question to the master's reporter and her answer are hers alone: another
        # reporter in the group must not read them (they may carry her phone number).
        later = [
            e
            for e in _public_events(master)
            if e.created_at > complaint.created_at
            and e.kind != ComplaintEvent.Kind.CREATED
            and e.action not in ADDRESSED_TO_REPORTER
        ]
        events = sorted([*events, *later], key=lambda e: (e.created_at, e.pk))
    return PublicComplaint(
        tracking_code=complaint.tracking_code,
        public_token=complaint.public_token,
        title=mask_personal_data(complaint.title),
        text=mask_personal_data(complaint.text),
        category=str(complaint.category) if complaint.category else "",
        area=complaint.area.name if complaint.area else "",
        address=mask_personal_data(complaint.address),
        channel=complaint.get_channel_display(),
        status=holder.status,
        status_label=report_type_label(
            complaint.report_type, holder.status, public_status_label(holder.status)
        ),
        colour=status_colour(holder.status),
        agency=holder.agency.name if holder.agency else "",
        due_at=holder.due_at if holder.status in OPEN_STATUSES else None,
        created_at=complaint.created_at,
        updated_at=max(complaint.updated_at, holder.updated_at),
        timeline=_public_timeline(events),
        photos=[
            PublicPhoto(url=a.file.url, thumbnail_url=a.thumbnail.url, kind=a.kind)
            for a in attachments
        ],
        merged_into=master.tracking_code if master is not None else "",
        open_question=mask_personal_data(open_question(complaint, list(events)))
        if for_reporter
        else "",
    )


def complaint_followers(*, complaint: Complaint) -> QuerySet[Complaint]:
    """The complaints whose reporters hear of `complaint`'s progress: itself and its merged ones.

    For the channel replies: a transition of a master is news for every merged reporter.
    """
    return Complaint.objects.filter(pk=complaint.pk) | Complaint.objects.filter(
        merged_into=complaint
    )


def _public_timeline(events: list[ComplaintEvent]) -> list[PublicEvent]:
    """Each public event in plain words; a move names the agency it came from."""
    timeline = []
    holder = None
    for event in events:
        timeline.append(
            PublicEvent(
                at=event.created_at,
                text=mask_personal_data(event_public_text(event, previous_agency=holder)),
                status=event.to_status,
                colour=status_colour(event.to_status) if event.to_status else "",
            )
        )
        holder = event_holder(event, holder)
    return timeline


def pending_uploads_by_ids(ids: list[int]) -> dict[int, PendingUpload]:
    return {p.pk: p for p in PendingUpload.objects.filter(pk__in=ids)}


def category_choices() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent")


def area_children(parent_code: str | None) -> QuerySet[Area]:
    if parent_code:
        return Area.objects.filter(parent__code=parent_code).order_by("name")
    return Area.objects.filter(parent__isnull=True).order_by("name")


# The citizen's answer to "resolved": confirm, rate, reopen ------------------------------
#
# The reopen window counts from the latest `resolve` event, so a complaint reopened and
# resolved again gets a fresh window. The rule lives in the core because the tracking page
# (here) and the reopen service (dispositions) must agree on it.


def latest_resolution(complaint: Complaint) -> ComplaintEvent | None:
    """The latest `resolve` event of `complaint`: the resolution round the citizen answers."""
    return (
        ComplaintEvent.objects.filter(complaint=complaint, action="resolve")
        .select_related("agency")
        .order_by("-created_at", "-id")
        .first()
    )


def reopen_window_end(resolution: ComplaintEvent) -> datetime:
    return resolution.created_at + timedelta(days=settings.REOPEN_WINDOW_DAYS)


def resolved_past_window(*, now: datetime) -> QuerySet[Complaint]:
    """Resolved complaints whose reopen window has ended: one query, the resolve time joined."""
    resolved_at = (
        ComplaintEvent.objects.filter(complaint=OuterRef("pk"), action="resolve")
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    cutoff = now - timedelta(days=settings.REOPEN_WINDOW_DAYS)
    return (
        Complaint.objects.filter(status=Status.RESOLVED)
        .annotate(resolved_at=Subquery(resolved_at))
        .filter(resolved_at__lte=cutoff)
        .order_by("resolved_at", "id")
    )


@dataclass(frozen=True)
class PublicRating:
    score: int
    comment: str


@dataclass(frozen=True)
class PublicFollowup:
    """What the tracking page offers the citizen after the agency reports the work done."""

    can_respond: bool  # resolved and inside the window: confirm (and rate) or reopen
    respond_until: datetime | None
    can_rate: bool  # closed without a rating for the latest round: rate alone
    rating: PublicRating | None


def complaint_followup_view(complaint: Complaint, *, now: datetime) -> PublicFollowup:
    """The follow-up choices and the rating given, for the latest resolution round."""
    if complaint.status not in (Status.RESOLVED, Status.CLOSED):
        return PublicFollowup(can_respond=False, respond_until=None, can_rate=False, rating=None)
    resolution = latest_resolution(complaint)
    if resolution is None:
        return PublicFollowup(can_respond=False, respond_until=None, can_rate=False, rating=None)
    rating = Rating.objects.filter(resolution=resolution).first()
    until = reopen_window_end(resolution)
    can_respond = complaint.status == Status.RESOLVED and now < until
    return PublicFollowup(
        can_respond=can_respond,
        respond_until=until if can_respond else None,
        can_rate=complaint.status == Status.CLOSED and rating is None,
        rating=PublicRating(score=rating.score, comment=rating.comment) if rating else None,
    )


def area_by_code(code: str) -> Area | None:
    return Area.objects.filter(code=code.strip()).first()
