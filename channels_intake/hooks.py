"""The core's after-commit hooks that this app answers (registered in apps.py).

The hooks write the outbox rows themselves, in the process that made the change: only
the database is needed, so a broker outage loses no reply (the outbox sweeper sends rows
whose send task was lost).
"""

from __future__ import annotations

from . import replies


def on_complaint_created(*, complaint_id: int) -> None:
    """Acknowledge the new complaint on its channel."""
    replies.replies_for_created(complaint_id=complaint_id)


def on_complaint_transitioned(*, complaint_id: int, action: str, event_id: int) -> None:
    """Tell the citizen about the change."""
    replies.replies_for_transition(complaint_id=complaint_id, action=action, event_id=event_id)
