"""Two Celery beats at once (a second one started by mistake, or two hosts both told to run
it): every escalation step still fires once, with one timeline note and one email.

Real processes (tests/chaos/stack.py): a private Redis, two workers and two beats whose
escalation entry comes every 2 s, on the test database, mailing a local SMTP server.
Assertions are rows and received emails, never log lines. docs/escalation.md says why the
database, not luck, decides.
"""

from __future__ import annotations

import shelve
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone

from complaints.lifecycle import SYSTEM_ACTOR
from complaints.models import ComplaintEvent
from complaints.services import complaint_create
from dispositions import services
from dispositions.escalation import LADDER
from dispositions.models import Disposition, Escalation
from scripts.local_redis import redis_installed
from tests.channels_intake.email_helpers import FakeSmtpServer
from tests.chaos.stack import PROCESS_TIMEOUT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.chaos,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not redis_installed(), reason="redis-server is not installed"),
]

COMPLAINTS = 6
H = timedelta(hours=1)
# Response and resolution deadlines, each with the whole ladder reached.
STEPS_EACH = 2 * len(LADDER)


def overdue_complaints(world, count: int) -> list[int]:
    """Road complaints routed to Bina Marga Bandung whose clocks started 30 days ago, so
    every step of both deadlines is due."""
    start = timezone.now() - timedelta(days=30)
    ids = []
    for n in range(count):
        complaint = complaint_create(
            channel="web",
            text=f"Jalan berlubang nomor {n} di Dago",
            category=world.road,
            area=world.dago,
        )
        services.disposition_route(complaint_id=complaint.pk)
        # Test setup: move the disposition's clock back (response 6 h, resolution 72 h).
        Disposition.objects.filter(complaint=complaint).update(
            created_at=start, response_due_at=start + 6 * H, resolution_due_at=start + 72 * H
        )
        ids.append(complaint.pk)
    return ids


def runs_sent(schedule_path) -> int:
    """How many times a stopped beat sent the escalation task, from its own schedule file."""
    # The file was written by the beat this test started, in its own temporary directory.
    with shelve.open(str(schedule_path), flag="r") as schedule:  # noqa: S301
        return schedule["entries"]["escalate-deadlines"].total_run_count


def test_two_beats_at_once_fire_each_escalation_step_once(
    chaos, world, staff_roads, head_roads, supervisor
):
    for user in (staff_roads, head_roads, supervisor):
        user.email = f"{user.username}@sigap.test"
        user.save(update_fields=["email"])
    complaint_ids = overdue_complaints(world, COMPLAINTS)
    expected = COMPLAINTS * STEPS_EACH
    smtp = FakeSmtpServer()
    try:
        stack = chaos(
            ESCALATION_INTERVAL_SECONDS="2",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
        )
        stack.start_redis()
        stack.start_worker()
        stack.start_worker()
        stack.start_beat(name="beat-1")
        stack.start_beat(name="beat-2")

        stack.wait_for(
            lambda: Escalation.objects.count() >= expected and len(smtp.received) >= expected,
            "every step recorded and mailed",
            PROCESS_TIMEOUT,
        )
        # Let both beats keep sending: each later run must find every step taken. (Waiting
        # on the beats' own lines; the count asserted below is read from their schedules.)
        settled = Escalation.objects.count(), len(smtp.received)
        stack.wait_for(
            lambda: all(
                stack.services[name].log().count("Sending due task escalate-deadlines") >= 3
                for name in ("beat-1", "beat-2")
            ),
            "each beat sent the escalation run three times",
            PROCESS_TIMEOUT,
        )
        stack.wait_for(
            lambda: stack.broker().llen("default") == 0,
            "the runs sent so far taken",
            PROCESS_TIMEOUT,
        )
        for name in ("beat-1", "beat-2"):
            assert stack.services.pop(name).stop(), f"{name} did not stop on TERM"
        stack.wait_for(stack.broker_idle, "every escalation run done", PROCESS_TIMEOUT)
    finally:
        smtp.stop()

    # Both beats sent the task several times, racing from the first run on.
    assert runs_sent(stack.beat_schedule("beat-1")) >= 3
    assert runs_sent(stack.beat_schedule("beat-2")) >= 3
    assert (Escalation.objects.count(), len(smtp.received)) == settled == (expected, expected)
    steps = Counter(
        Escalation.objects.values_list("disposition__complaint", "deadline_kind", "step")
    )
    assert len(steps) == expected
    assert set(steps.values()) == {1}
    # One timeline note per step, written by Sigap, on each complaint.
    notes = Counter(
        ComplaintEvent.objects.filter(
            complaint__in=complaint_ids,
            kind=ComplaintEvent.Kind.NOTE,
            actor_label=SYSTEM_ACTOR.label,
        ).values_list("complaint", flat=True)
    )
    assert notes == dict.fromkeys(complaint_ids, STEPS_EACH)
    # One email per step: no two carry the same subject and text.
    mails = [message_from_bytes(raw) for raw in smtp.received]
    assert len({(mail["Subject"], mail.get_payload(decode=True)) for mail in mails}) == expected
