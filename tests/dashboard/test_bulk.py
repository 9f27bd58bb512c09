"""Bulk actions: each complaint goes through the lifecycle on its own; failures say why."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Status
from complaints.services import complaint_create

pytestmark = pytest.mark.django_db


def triage(world, n: int):
    return [
        complaint_create(
            channel="web", text=f"Ada masalah di dekat rumah nomor {i}", area=world.dago
        )
        for i in range(n)
    ]


def test_an_operator_rejects_several_and_hears_which_failed(client, world, operator):
    made = triage(world, 3)
    for c in made:
        c.refresh_from_db()
    complaint_transition(
        complaint=made[2], action="reject", actor=Actor.for_user(operator), note="sudah"
    )
    client.force_login(operator)
    response = client.post(
        reverse("dashboard:bulk"),
        {
            "action": "reject",
            "codes": [
                made[0].tracking_code,
                made[1].tracking_code,
                made[2].tracking_code,
                "ZZZZ-ZZZZ",
            ],
            "reason": "Aduan ganda.",
            "back": "/dashboard/?status=all",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/?status=all"
    for c in made[:2]:
        c.refresh_from_db()
        assert c.status == Status.REJECTED
        assert c.events.filter(note="Aduan ganda.").exists()
    notes = [(m.extra_tags, str(m)) for m in get_messages(response.wsgi_request)]
    failed = [text for tags, text in notes if "bulk-failed" in tags]
    assert len(failed) == 2
    assert any(made[2].tracking_code in text for text in failed)
    assert any("ZZZZ-ZZZZ" in text for text in failed)


def test_bulk_merge_makes_the_newer_follow_the_oldest(client, world, operator):
    made = triage(world, 3)
    client.force_login(operator)
    client.post(
        reverse("dashboard:bulk"),
        {"action": "merge", "codes": [c.tracking_code for c in made]},
    )
    for c in made[1:]:
        c.refresh_from_db()
        assert c.status == Status.DUPLICATE
        assert c.merged_into_id == made[0].pk


def test_bulk_needs_a_reason_and_a_desk_account(client, world, operator, staff_roads):
    made = triage(world, 1)
    client.force_login(operator)
    client.post(reverse("dashboard:bulk"), {"action": "reject", "codes": [made[0].tracking_code]})
    made[0].refresh_from_db()
    assert made[0].status != Status.REJECTED
    client.force_login(staff_roads)
    response = client.post(
        reverse("dashboard:bulk"),
        {"action": "reject", "codes": [made[0].tracking_code], "reason": "x"},
    )
    assert response.status_code in (403, 404)
