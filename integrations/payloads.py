"""What an integration may say about a complaint: the public picture, or more if granted.

The public picture is the Open311 one: no reporter, text masked, location coarsened,
never a confidential complaint. A receiver granted personal data gets the full text, the
exact location and the reporter, unless the citizen chose anonymity (anonymous or
confidential hide the reporter from everyone outside the operators).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from complaints.lifecycle import status_colour
from complaints.models import Complaint

from .public import public_text
from .render_time import iso


def coarse(value: Decimal | None) -> float | None:
    """Three decimals: about 110 m, the public map's grain; an exact point can name a house."""
    if value is None:
        return None
    return float(Decimal(value).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _exact(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def may_share(complaint: Complaint, *, personal: bool) -> bool:
    return personal or not complaint.is_confidential


def complaint_payload(complaint: Complaint, *, personal: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tracking_code": complaint.tracking_code,
        "status": complaint.status,
        "colour": status_colour(complaint.status),
        "report_type": getattr(complaint, "report_type", "") or "",
        "channel": complaint.channel,
        "category": complaint.category.slug if complaint.category else None,
        "area_code": complaint.area.code if complaint.area else None,
        "agency": complaint.agency.slug if complaint.agency else None,
        "agency_name": complaint.agency.name if complaint.agency else None,
        "due_at": iso(complaint.due_at),
        "created_at": iso(complaint.created_at),
        "updated_at": iso(complaint.updated_at),
        "text": complaint.text if personal else public_text(complaint.text),
        "address": complaint.address if personal else public_text(complaint.address),
        "latitude": (_exact if personal else coarse)(complaint.latitude),
        "longitude": (_exact if personal else coarse)(complaint.longitude),
    }
    if personal:
        data["is_confidential"] = complaint.is_confidential
        hidden = complaint.is_anonymous or complaint.is_confidential
        reporter = complaint.reporter
        data["reporter"] = (
            None
            if hidden or reporter is None
            else {"name": reporter.name, "phone": reporter.phone, "email": reporter.email}
        )
    return data
