"""Reads for the staff pages: the staff view of one complaint (the queue: dashboard.queue).

Every read starts from complaints.selectors.complaint_visible_to, so the agency boundary
is drawn in one place; this module only adds joins, filters and ordering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.timesince import timesince

from complaints.lifecycle import (
    AGENCY,
    OPEN_STATUSES,
    OPERATOR,
    Actor,
    event_actor_text,
    status_colour,
)
from complaints.models import (
    Agency,
    Attachment,
    Complaint,
    Rating,
    Reporter,
    Status,
    User,
)
from complaints.selectors import can_see_reporter, complaint_visible_to
from dispositions.categorizer.selectors import decision_latest
from dispositions.escalation import LATE_AFTER
from dispositions.models import CategorizationDecision, Disposition, DuplicateLink, Escalation
from dispositions.selectors import available_actions, duplicate_links_open_for, is_overdue

# The queue moved to dashboard.queue and dashboard.tabs; these names stay importable here.
from .queue import QueueRow, queue_complaints, queue_counts, queue_rows  # noqa: F401
from .tabs import QueueTab, queue_tabs  # noqa: F401

# One complaint -----------------------------------------------------------------------


def complaint_for_staff(*, user: User, tracking_code: str) -> Complaint:
    """The complaint with this code if `user` may see it; otherwise 404, never 403.

    A 403 would confirm to another agency's staff that the code exists.
    """
    complaint = (
        complaint_visible_to(user)
        .select_related("category__parent", "area", "agency", "reporter", "merged_into")
        .filter(tracking_code=tracking_code)
        .first()
    )
    if complaint is None:
        raise Http404("No complaint with this code")
    return complaint


@dataclass(frozen=True)
class StaffEvent:
    at: datetime
    kind: str
    kind_label: str
    action: str
    actor: str
    agency: str
    from_status: str
    to_status: str
    to_status_label: str
    colour: str
    note: str
    is_public: bool
    attachments: list[Attachment]


@dataclass(frozen=True)
class StaffDisposition:
    agency: str
    state: str
    state_label: str
    is_open: bool
    note: str
    created_by: str
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    is_overdue: bool
    is_reopen: bool  # opened because the reporter reopened the complaint
    forwarded_from: str  # the agency that handed it over (koordinasi or reassignment)
    paused_at: datetime | None


@dataclass(frozen=True)
class StaffRating:
    score: int
    comment: str
    agency: str  # the agency whose resolution was rated
    at: datetime


@dataclass(frozen=True)
class StaffDuplicate:
    """A probable duplicate on the detail page: the other complaint and the evidence."""

    link: DuplicateLink
    other: Complaint
    other_colour: str
    # True when the page's complaint is the newer one, the one a merge folds away.
    is_newer: bool
    similarity: int  # percent
    reasons: list[str]
    distance_m: int | None


@dataclass(frozen=True)
class StaffEscalation:
    agency: str
    kind_label: str
    step: str
    step_label: str
    reached_at: datetime
    fired_at: datetime
    late_by: str  # empty when the step fired on time
    notified: list[str]


@dataclass(frozen=True)
class StaffComplaint:
    """Everything the staff detail page shows about one complaint."""

    complaint: Complaint
    colour: str
    status_label: str
    is_overdue: bool
    reporter: Reporter | None
    reporter_hidden: bool
    photos: list[Attachment]
    evidence: list[Attachment]
    timeline: list[StaffEvent]
    dispositions: list[StaffDisposition]
    ratings: list[StaffRating]
    chain: list[str]  # every agency that held it, in order, when it moved more than once
    escalations: list[StaffEscalation]
    open_disposition: Disposition | None
    actions: frozenset[str]
    acts_for_agency: bool  # the viewer acts as the holding agency, not as an operator
    duplicates: list[StaffDuplicate]
    merged_reports: list[Complaint]
    # In triage: the categorizer's last word (its suggestions help the operator choose).
    categorization: CategorizationDecision | None = None


def staff_complaint_detail(*, user: User, complaint: Complaint) -> StaffComplaint:
    """Assemble the staff view of a complaint fetched by `complaint_for_staff`."""
    now = timezone.now()
    events = list(
        complaint.events.select_related("actor", "agency").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
    )
    attachments = list(complaint.attachments.all())
    dispositions = list(
        Disposition.objects.filter(complaint=complaint).select_related("agency", "created_by")
    )
    open_disposition = next((d for d in dispositions if d.is_open), None)
    ratings = list(Rating.objects.filter(complaint=complaint).select_related("resolution__agency"))
    by_id = {d.pk: d for d in dispositions}
    actor = Actor.for_user(user)
    show_reporter = can_see_reporter(user=user, complaint=complaint)
    return StaffComplaint(
        complaint=complaint,
        colour=status_colour(complaint.status),
        status_label=complaint.get_status_display(),
        is_overdue=is_overdue(
            is_open=complaint.status in OPEN_STATUSES,
            due_at=complaint.due_at,
            paused=open_disposition is not None and open_disposition.paused_at is not None,
            now=now,
        ),
        reporter=complaint.reporter if show_reporter else None,
        reporter_hidden=not show_reporter,
        photos=[a for a in attachments if a.kind == Attachment.Kind.REPORT],
        evidence=[a for a in attachments if a.kind == Attachment.Kind.EVIDENCE],
        timeline=[
            StaffEvent(
                at=e.created_at,
                kind=e.kind,
                kind_label=e.get_kind_display(),
                action=e.action,
                actor=event_actor_text(e),
                agency=e.agency.name if e.agency else "",
                from_status=e.from_status,
                to_status=e.to_status,
                to_status_label=e.get_to_status_display() if e.to_status else "",
                colour=status_colour(e.to_status) if e.to_status else "",
                note=e.note,
                is_public=e.is_public,
                attachments=list(e.attachments.all()),
            )
            for e in events
        ],
        dispositions=[
            StaffDisposition(
                agency=d.agency.name,
                state=d.state,
                state_label=d.get_state_display(),
                is_open=d.is_open,
                note=d.note,
                created_by=(d.created_by.get_full_name() or d.created_by.get_username())
                if d.created_by
                else "",
                created_at=d.created_at,
                response_due_at=d.response_due_at,
                resolution_due_at=d.resolution_due_at,
                accepted_at=d.accepted_at,
                closed_at=d.closed_at,
                is_overdue=is_overdue(
                    is_open=d.is_open,
                    due_at=d.resolution_due_at,
                    paused=d.paused_at is not None,
                    now=now,
                ),
                paused_at=d.paused_at,
                is_reopen=d.reopen_of_id is not None,
                forwarded_from=by_id[d.forwarded_from_id].agency.name
                if d.forwarded_from_id in by_id
                else "",
            )
            for d in dispositions
        ],
        ratings=[
            StaffRating(
                score=r.score,
                comment=r.comment,
                agency=r.resolution.agency.name if r.resolution.agency else "",
                at=r.created_at,
            )
            for r in ratings
        ],
        chain=[d.agency.name for d in dispositions] if len(dispositions) > 1 else [],
        escalations=_staff_escalations(complaint),
        open_disposition=open_disposition,
        actions=frozenset(
            available_actions(complaint=complaint, actor=actor, disposition=open_disposition)
        ),
        acts_for_agency=AGENCY in actor.capacities(complaint),
        duplicates=staff_duplicates(user=user, complaint=complaint),
        merged_reports=list(complaint.merged_complaints.order_by("created_at", "id")),
        categorization=decision_latest(complaint) if complaint.status == Status.TRIAGE else None,
    )


def staff_duplicates(*, user: User, complaint: Complaint) -> list[StaffDuplicate]:
    """The open duplicate suggestions an operator decides on from this page.

    Operators only: a suggestion can say "same reporter", which must not reach an agency
    for an anonymous report. The other complaint must be visible to the operator too.
    """
    if OPERATOR not in Actor.for_user(user).capacities(complaint):
        return []
    links = duplicate_links_open_for(complaint=complaint)
    others = {link.pk: _other(link, complaint) for link in links}
    visible = set(
        complaint_visible_to(user)
        .filter(pk__in=[c.pk for c in others.values()])
        .values_list("pk", flat=True)
    )
    return [
        StaffDuplicate(
            link=link,
            other=others[link.pk],
            other_colour=status_colour(others[link.pk].status),
            is_newer=link.complaint_id == complaint.pk,
            similarity=round(link.score * 100),
            reasons=[str(DuplicateLink.Reason(code).label) for code in link.reason_codes],
            distance_m=link.distance_m,
        )
        for link in links
        if others[link.pk].pk in visible
    ]


def _other(link: DuplicateLink, complaint: Complaint) -> Complaint:
    return link.candidate_of if link.complaint_id == complaint.pk else link.complaint


def staff_duplicate(*, user: User, complaint: Complaint, link_id: int) -> DuplicateLink | None:
    """One suggestion shown on `complaint`'s page to `user`, or None (decided, or not theirs)."""
    found = staff_duplicates(user=user, complaint=complaint)
    return next((d.link for d in found if d.link.pk == link_id), None)


def _staff_escalations(complaint: Complaint) -> list[StaffEscalation]:
    """The escalation steps fired for every disposition of the complaint, in one query."""
    escalations = Escalation.objects.filter(disposition__complaint=complaint).select_related(
        "disposition__agency"
    )
    return [
        StaffEscalation(
            agency=e.disposition.agency.name,
            kind_label=e.get_deadline_kind_display(),
            step=e.step,
            step_label=e.get_step_display(),
            reached_at=e.reached_at,
            fired_at=e.fired_at,
            late_by=timesince(e.reached_at, e.fired_at, depth=2)
            if e.fired_at - e.reached_at > LATE_AFTER
            else "",
            notified=list(e.notified),
        )
        for e in escalations
    ]


def forward_targets(*, exclude: Agency | None) -> QuerySet[Agency]:
    """Agencies a complaint can be handed to (koordinasi or assignment from triage)."""
    qs = Agency.objects.filter(is_active=True).order_by("name")
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs
