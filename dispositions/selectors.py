"""Reads for dispositions: duplicate suggestions and the counts KPIs are built on."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from complaints.lifecycle import OPEN_STATUSES
from complaints.models import Agency, Complaint

from .models import DuplicateLink


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
