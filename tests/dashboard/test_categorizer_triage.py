"""The triage page shows the categorizer's suggestions and records the operator's choice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Status
from complaints.services import complaint_create
from dispositions.models import CategorizationDecision, TrainingExample
from dispositions.services import disposition_route
from tests.dispositions.test_categorizer import VAGUE, _train

pytestmark = pytest.mark.django_db


def test_operator_sees_suggestions_and_the_choice_is_recorded(client, world, operator):
    _train(world)
    complaint = complaint_create(channel="web", text=VAGUE, area=world.dago)
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    decision = CategorizationDecision.objects.get(complaint=complaint)
    client.force_login(operator)

    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))

    html = page.content.decode()
    assert 'id="suggestions"' in html and "Saran kategori" in html
    for suggestion in decision.suggestions:
        assert f'data-slug="{suggestion["category_slug"]}"' in html
    best = decision.suggestions[0]["category_slug"]
    form = page.context["forms"]["assign"]
    assert (
        form.fields["category"].initial
        == world.__getattribute__(
            {"jalan-rusak": "road", "lampu-jalan": "streetlight", "sampah": "garbage"}[best]
        ).pk
    )

    response = client.post(
        reverse("dashboard:complaint_action", args=[complaint.tracking_code, "assign"]),
        {"assign-agency": world.env_bdg.pk, "assign-category": world.garbage.pk},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.category) == (Status.ASSIGNED, world.garbage)
    person = CategorizationDecision.objects.filter(complaint=complaint).latest("id")
    assert (person.source, person.actor, person.category) == ("person", operator, world.garbage)
    assert TrainingExample.objects.filter(complaint=complaint, source="confirmed").exists()


def test_no_suggestions_outside_triage(client, world, staff_roads):
    complaint = complaint_create(
        channel="web", text="Jalan rusak", category=world.road, area=world.dago
    )
    disposition_route(complaint_id=complaint.pk)
    client.force_login(staff_roads)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    assert page.context["detail"].categorization is None
    assert 'id="suggestions"' not in page.content.decode()
