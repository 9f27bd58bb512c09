"""Who makes a change to a complaint, and in what capacity (system, citizen, operator, agency)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext_lazy as _

from .models import Channel, Complaint, ComplaintEvent, User

# Who can act. "agency" means staff or head of the agency currently holding the complaint.
SYSTEM = "system"
CITIZEN = "citizen"
OPERATOR = "operator"
AGENCY = "agency"
SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the system, the (unauthenticated) citizen, or a staff user."""

    kind: Literal["system", "citizen", "user"]
    user: User | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(kind="user", user=user)

    def capacities(self, complaint: Complaint) -> set[str]:
        if self.kind == "system":
            return {SYSTEM}
        if self.kind == "citizen":
            return {CITIZEN}
        user = self.user
        if user is None or not user.is_active:
            return set()
        found: set[str] = set()
        if user.is_superuser or user.role in (User.Role.OPERATOR, User.Role.ADMIN):
            found.add(OPERATOR)
        if user.role == User.Role.SUPERVISOR:
            found.add(SUPERVISOR)
        if user.is_agency_member and user.agency_id and user.agency_id == complaint.agency_id:
            found.add(AGENCY)
        return found

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return self.kind


SYSTEM_ACTOR = Actor(kind="system")
CITIZEN_ACTOR = Actor(kind="citizen")


ACTOR_LABELS = {"system": _("Sigap (automatic)"), "citizen": _("Reporter")}


def event_actor_text(event: ComplaintEvent) -> str:
    """Who made a timeline event, for staff: a person's name, Sigap itself, or the channel."""
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    if event.actor_label in ACTOR_LABELS:
        return str(ACTOR_LABELS[event.actor_label])
    if event.actor_label in Channel.values:
        return str(Channel(event.actor_label).label)
    return event.actor_label
