"""Reads of the integrations app for other apps' pages."""

from __future__ import annotations

from complaints.models import Complaint

from .models import LaporLink


def lapor_link_of(complaint: Complaint) -> LaporLink | None:
    """The complaint's SP4N-LAPOR! id mapping, if it has one."""
    return LaporLink.objects.filter(complaint_id=complaint.pk).first()
