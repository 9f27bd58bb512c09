"""Complaint statuses as people see them: colours, the citizen's words, which are open."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext_lazy as _

from .models import Status

Colour = Literal["red", "yellow", "green", "grey"]

STATUS_COLOURS: dict[str, Colour] = {
    Status.NEW: "red",
    Status.TRIAGE: "red",
    Status.ASSIGNED: "red",
    Status.REOPENED: "red",
    Status.IN_PROGRESS: "yellow",
    Status.RESOLVED: "green",
    Status.CLOSED: "green",
    Status.REJECTED: "grey",
    Status.DUPLICATE: "grey",
}

# What a citizen reads: plain words, never "ignored".
PUBLIC_STATUS_LABELS = {
    Status.NEW: _("Received, being checked"),
    Status.TRIAGE: _("Received, an operator is checking it"),
    Status.ASSIGNED: _("Waiting for the agency"),
    Status.REOPENED: _("Reopened, back to the agency"),
    Status.IN_PROGRESS: _("Being handled"),
    Status.RESOLVED: _("Done"),
    Status.CLOSED: _("Done and closed"),
    Status.REJECTED: _("Not followed up"),
    Status.DUPLICATE: _("Merged with another complaint"),
}

OPEN_STATUSES = frozenset(
    {Status.NEW, Status.TRIAGE, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED}
)


def status_colour(status: str) -> Colour:
    return STATUS_COLOURS[status]


def public_status_label(status: str) -> str:
    return str(PUBLIC_STATUS_LABELS[status])
