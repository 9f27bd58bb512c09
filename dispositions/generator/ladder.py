"""Which escalation steps the beat would have fired for one generated disposition, and when.

Mirrors dispositions.escalation: a step fires once, at the first beat (every minute)
after it is reached, while the disposition is open and its clock runs; the response
deadline's steps stop once the agency accepts; a paused clock fires nothing, and after
the answer the moved deadline decides (a step reached during the pause fires late).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.conf import settings

from dispositions.escalation import LADDER
from dispositions.models import Escalation

HOUR = 3600.0


@dataclass
class Clock:
    """One disposition's deadlines and the moments that decide its escalations."""

    opened: float
    response_due: float
    resolution_due: float
    accepted: float | None = None
    closed: float | None = None
    paused: float | None = None  # when the agency asked the reporter
    resumed: float | None = None  # when the answer came (None: still waiting, if paused)
    moved_response_due: float | None = None
    moved_resolution_due: float | None = None


def _moments(opened: float, due: float) -> dict[str, float]:
    soon = max(
        due - settings.ESCALATION_DUE_SOON_HOURS * HOUR,
        opened + (due - opened) * settings.ESCALATION_DUE_SOON_PERCENT / 100,
    )
    return {
        Escalation.Step.DUE_SOON: soon,
        Escalation.Step.OVERDUE: due,
        Escalation.Step.SUPERVISOR: due + settings.ESCALATION_SUPERVISOR_AFTER_HOURS * HOUR,
        Escalation.Step.SANCTION: due + settings.ESCALATION_SANCTION_AFTER_HOURS * HOUR,
    }


def fired_steps(
    clock: Clock, *, now: float, rng: random.Random
) -> list[tuple[str, str, float, float, float]]:
    """(kind, step, due, reached, fired) for every step fired by `now`, oldest first."""
    open_until = clock.closed if clock.closed is not None else float("inf")
    kinds = [
        (
            Escalation.Kind.RESPONSE,
            clock.response_due,
            clock.moved_response_due,
            min(open_until, clock.accepted if clock.accepted is not None else float("inf")),
        ),
        (
            Escalation.Kind.RESOLUTION,
            clock.resolution_due,
            clock.moved_resolution_due,
            open_until,
        ),
    ]
    fired = []
    for kind, due, moved, active_until in kinds:
        original = _moments(clock.opened, due)
        after_pause = _moments(clock.opened, moved) if moved is not None else original
        for step in LADDER:
            reached, step_due = original[step], due
            if clock.paused is not None and reached >= clock.paused:
                if clock.resumed is None:
                    continue  # still waiting for the reporter: nothing fires
                step_due = moved if moved is not None else due
                reached = after_pause[step]
                at = max(reached, clock.resumed) + rng.uniform(1, 59)
            else:
                at = reached + rng.uniform(1, 59)
            if at < active_until and at <= now:
                fired.append((kind, step, step_due, reached, at))
    fired.sort(key=lambda f: f[4])
    return fired
