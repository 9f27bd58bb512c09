"""Reads about dispositions: what a viewer may do, what is overdue, KPIs, duplicates, escalations.

`available_actions` and `is_overdue` / `overdue_q` are the rules the dashboard, the API
and the reports ask for; nothing else decides them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from complaints.lifecycle import OPEN_STATUSES, Actor, allowed_actions
from complaints.models import Agency, Area, Category, Complaint, Reporter

from .models import CategorizationDecision, Disposition, DuplicateLink, Escalation
from .routing import routing_rule_match


def disposition_current(complaint: Complaint, *, lock: bool = False) -> Disposition | None:
    """The complaint's open disposition (at most one is open at a time), with its agency.

    `lock` row-locks it for the caller's transaction (the disposition only, not the agency).
    """
    qs = Disposition.objects.filter(complaint=complaint, state__in=Disposition.OPEN_STATES)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("agency").first()


_UNREAD = object()


def available_actions(
    *, complaint: Complaint, actor: Actor, disposition: Disposition | object | None = _UNREAD
) -> list[str]:
    """The lifecycle actions `actor` may take on `complaint` now, in the lifecycle's order.

    The lifecycle says what the status and the actor's capacity allow; the open
    disposition narrows it: accept only while it is pending, a question only to an
    agency that holds one, an answer only while its clock waits for one. Pass the open
    `disposition` (or None) when the caller has read it already, to save the query.
    """
    if disposition is _UNREAD:
        disposition = disposition_current(complaint)
    current = disposition if isinstance(disposition, Disposition) else None
    refused = set()
    if current is None or current.state != Disposition.State.PENDING:
        refused.add("accept")
    if current is None:
        refused.add("request_info")
    if current is None or current.paused_at is None:
        refused.add("provide_info")
    return [a for a in allowed_actions(complaint=complaint, actor=actor) if a not in refused]


# Overdue: past the deadline while the clock runs. A paused clock (the agency waits for
# the reporter's answer) is not overdue; the escalation ladder skips it for the same reason.


def is_overdue(*, is_open: bool, due_at: datetime | None, paused: bool, now: datetime) -> bool:
    """The one meaning of "overdue", for a complaint or a disposition already in memory."""
    return is_open and not paused and due_at is not None and due_at < now


def clock_paused(complaint_ref: str = "pk") -> Exists:
    """An annotation: the complaint at `complaint_ref` waits for its reporter's answer."""
    return Exists(
        Disposition.objects.filter(
            complaint=OuterRef(complaint_ref),
            state__in=Disposition.OPEN_STATES,
            paused_at__isnull=False,
        )
    )


def overdue_q(*, now: datetime, complaint_ref: str = "pk") -> Q:
    """`is_overdue` as a filter on a complaint's `due_at` (or a report fact's).

    The caller adds its own "still open" test: the status for complaints, `is_open` for facts.
    """
    return Q(due_at__lt=now) & ~Q(clock_paused(complaint_ref))


@dataclass(frozen=True)
class FirstTimeFix:
    resolved: int  # first attempts this agency resolved
    reopened: int  # of those, how many the reporter reopened
    rate: float | None  # share never reopened; None when nothing was resolved

    @property
    def fixed(self) -> int:
        return self.resolved - self.reopened


def agency_first_time_fix_rate(
    *, agency: Agency, since: datetime | None = None, until: datetime | None = None
) -> FirstTimeFix:
    """Of the dispositions `agency` resolved in [since, until), the share never reopened.

    Only first attempts count: a disposition opened by a reopen is a second try, so it is
    left out of the denominator (resolving it well does not make the first fix count).
    The period is the resolution time (`closed_at`). One query.
    """
    qs = Disposition.objects.filter(
        agency=agency, state=Disposition.State.RESOLVED, reopen_of__isnull=True
    )
    if since is not None:
        qs = qs.filter(closed_at__gte=since)
    if until is not None:
        qs = qs.filter(closed_at__lt=until)
    totals = qs.annotate(
        was_reopened=Exists(Disposition.objects.filter(reopen_of=OuterRef("pk")))
    ).aggregate(resolved=Count("id"), reopened=Count("id", filter=Q(was_reopened=True)))
    resolved, reopened = totals["resolved"], totals["reopened"]
    rate = (resolved - reopened) / resolved if resolved else None
    return FirstTimeFix(resolved=resolved, reopened=reopened, rate=rate)


def duplicate_links_open_for(*, complaint: Complaint) -> list[DuplicateLink]:
    """Undecided suggestions that involve `complaint` on either side, while both are open.

    A suggestion whose other complaint was merged, rejected or resolved meanwhile is
    moot and not shown.
    """
    return list(
        DuplicateLink.objects.filter(state=DuplicateLink.State.OPEN)
        .filter(Q(complaint=complaint) | Q(candidate_of=complaint))
        .filter(complaint__status__in=OPEN_STATUSES, candidate_of__status__in=OPEN_STATUSES)
        .select_related("complaint", "candidate_of")
    )


def problem_and_report_counts(
    *,
    agency: Agency | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, int]:
    """(problems, reports) among complaints created in [since, until).

    Every complaint is a report; a merged group is one problem, however many reports it
    holds. A duplicate belongs to its master's group, so with `agency` it counts where the
    master is held. Groups are one level deep (complaint_mark_duplicate keeps them so),
    so a complaint's problem is `merged_into` or itself.
    """
    qs = Complaint.objects.all()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    if agency is not None:
        qs = qs.filter(Q(merged_into__isnull=True, agency=agency) | Q(merged_into__agency=agency))
    counts = qs.aggregate(
        problems=Count(Coalesce("merged_into_id", "id"), distinct=True), reports=Count("id")
    )
    return counts["problems"], counts["reports"]


def agency_sanction_counts(*, since: datetime, until: datetime) -> dict[int, int]:
    """Sanctions recorded against each agency whose step was reached in [since, until).

    Counted by when the sanction was reached, not when a worker recorded it, so an
    outage at the end of a month does not move sanctions into the next month's KPI.
    """
    rows = (
        Escalation.objects.filter(
            step=Escalation.Step.SANCTION, reached_at__gte=since, reached_at__lt=until
        )
        .values("disposition__agency_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["disposition__agency_id"]: row["count"] for row in rows}


def complaints_awaiting_answer(*, reporter: Reporter) -> QuerySet[Complaint]:
    """The reporter's complaints whose agency asked a question and waits (clock paused).

    Newest question first: when a citizen with two open questions answers without quoting
    one, the answer goes to the latest.
    """
    paused = Disposition.objects.filter(
        complaint=OuterRef("pk"), state__in=Disposition.OPEN_STATES, paused_at__isnull=False
    )
    return (
        Complaint.objects.filter(reporter=reporter)
        .annotate(question_at=Subquery(paused.order_by("-paused_at").values("paused_at")[:1]))
        .filter(question_at__isnull=False)
        .order_by("-question_at")
    )


def agencies_covering(area: Area | None) -> QuerySet[Agency]:
    """Active agencies that hold authority in `area`: covering it, a level above it, or part
    of it (a kelurahan office inside a kecamatan). With no area, every active agency."""
    qs = Agency.objects.filter(is_active=True)
    if area is None:
        return qs.order_by("name")
    parts = area.code.split(".")
    above = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
    inside = Q(areas__code__in=above) | Q(areas__code__startswith=f"{area.code}.")
    return qs.filter(pk__in=Agency.objects.filter(inside).values("pk")).order_by("name")


def triage_agency_suggestion(
    *, complaint: Complaint, decision: CategorizationDecision | None
) -> Agency | None:
    """The agency to preselect in triage: the categorizer's, if it holds authority in the
    complaint's area; else the routing rules' pick for the suggested category and area."""
    if decision is None:
        return None
    covering = agencies_covering(complaint.area)
    if decision.agency_suggestion_id and covering.filter(pk=decision.agency_suggestion_id).exists():
        return decision.agency_suggestion
    slugs = [s.get("category_slug") for s in decision.suggestions or []]
    category = Category.objects.filter(slug__in=slugs[:1], is_active=True).first()
    if category is None or complaint.area is None:
        return None
    match = routing_rule_match(category=category, area=complaint.area)
    return match.agency if match is not None else None
