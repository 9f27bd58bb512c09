"""The status tabs of the staff queue: which statuses each holds, and each role's set."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from complaints.lifecycle import OPEN_STATUSES
from complaints.models import Status, User


@dataclass(frozen=True)
class QueueTab:
    """One filter of a role's queue: a key for the URL, a label, the statuses it holds."""

    key: str
    label: str | Promise
    statuses: frozenset[str] | None  # None: every status


_TAB_OPEN = QueueTab("open", _("Open"), frozenset(OPEN_STATUSES))
_TAB_WAITING = QueueTab("assigned", _("Waiting"), frozenset({Status.ASSIGNED, Status.REOPENED}))
_TAB_IN_PROGRESS = QueueTab("in_progress", _("In progress"), frozenset({Status.IN_PROGRESS}))
_TAB_RESOLVED = QueueTab("resolved", _("Resolved"), frozenset({Status.RESOLVED, Status.CLOSED}))
_TAB_TRIAGE = QueueTab("triage", _("Triage"), frozenset({Status.TRIAGE}))
_TAB_ALL = QueueTab("all", _("All"), None)
ALL_TABS = [_TAB_OPEN, _TAB_WAITING, _TAB_IN_PROGRESS, _TAB_RESOLVED, _TAB_TRIAGE, _TAB_ALL]


def tab_by_key(key: str) -> QueueTab | None:
    return next((t for t in ALL_TABS if t.key == key), None)


def queue_tabs(user: User) -> list[QueueTab]:
    """The tabs a role works with; the first one is the default."""
    if user.is_agency_member:
        return [_TAB_OPEN, _TAB_WAITING, _TAB_IN_PROGRESS, _TAB_RESOLVED]
    if user.role == User.Role.OPERATOR:
        return [_TAB_TRIAGE, _TAB_OPEN, _TAB_RESOLVED, _TAB_ALL]
    return [_TAB_ALL, _TAB_OPEN, _TAB_TRIAGE, _TAB_RESOLVED]
