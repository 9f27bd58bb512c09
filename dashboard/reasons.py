"""Reads of the rejection reasons operators pick from (complaints.RejectionReason)."""

from __future__ import annotations

from complaints.models import RejectionReason


def rejection_reasons() -> list[RejectionReason]:
    return list(RejectionReason.objects.filter(is_active=True))
