"""What each timeline event says to the citizen, and who holds the complaint after it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .lifecycle import TRANSITIONS
from .models import Agency, ComplaintEvent

# A move between agencies names both ends, so the citizen sees the complaint travel
# (koordinasi by the agency, or an operator's reassignment), never stall.
MOVED_PUBLIC_TEXT = _("Moved from %(from_agency)s to %(agency)s, which holds authority")


def event_public_text(event: ComplaintEvent, *, previous_agency: Agency | None = None) -> str:
    """The sentence the tracking page shows for one timeline event.

    `previous_agency` is who held the complaint before this event, when the caller knows.
    """
    agency_name = event.agency.name if event.agency_id and event.agency else _("the agency")
    if event.kind == ComplaintEvent.Kind.CREATED:
        return str(_("Complaint received"))
    if event.kind == ComplaintEvent.Kind.NOTE:
        return event.note
    transition = TRANSITIONS.get(event.action)
    if transition is None:
        return event.note
    if event.action == "forward" and previous_agency is not None:
        return str(MOVED_PUBLIC_TEXT) % {
            "from_agency": previous_agency.name,
            "agency": agency_name,
        }
    return str(transition.public_text) % {"agency": agency_name, "note": event.note}


def event_holder(event: ComplaintEvent, holder: Agency | None) -> Agency | None:
    """Who holds the complaint after `event`, given who held it before."""
    transition = TRANSITIONS.get(event.action)
    if transition is None or not transition.sets_agency:
        return holder
    return None if transition.clears_agency else event.agency
