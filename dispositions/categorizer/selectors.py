"""Reads on the categorizer's records for pages and reports."""

from __future__ import annotations

from complaints.models import Complaint

from ..models import CategorizationDecision


def decision_latest(complaint: Complaint) -> CategorizationDecision | None:
    """The complaint's most recent categorization decision, with what it points at."""
    return (
        CategorizationDecision.objects.filter(complaint=complaint)
        .select_related("category__parent", "agency_suggestion")
        .order_by("-created_at", "-id")
        .first()
    )
