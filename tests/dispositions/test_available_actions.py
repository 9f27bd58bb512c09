"""One rule for what a viewer may do and one for "overdue", asked by the dashboard and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.lifecycle import Actor
from complaints.models import Complaint
from dashboard import selectors as dashboard_selectors
from dashboard.filters import complaint_filters_parse, complaints_filtered
from dashboard.queue import queue_queryset, queue_rows
from dispositions.selectors import available_actions, is_overdue
from dispositions.services import disposition_accept, disposition_request_info
from tests.dashboard.test_staff_pages import detail_url, make_complaint

pytestmark = pytest.mark.django_db


def actions_url(complaint: Complaint) -> str:
    return reverse("dispositions-api:complaint-actions", args=[complaint.tracking_code])


def test_it_offers_accept_only_while_the_disposition_is_pending(world, staff_roads):
    complaint = make_complaint(world)
    actor = Actor.for_user(staff_roads)

    before = available_actions(complaint=complaint, actor=actor)
    disposition_accept(complaint=complaint, actor=actor)
    after = available_actions(complaint=complaint, actor=actor)

    assert before == ["accept", "request_info", "start", "forward", "return_to_triage"]
    assert after == ["request_info", "start", "forward", "return_to_triage"]


def test_it_offers_the_answer_only_while_a_question_waits(world, staff_roads, operator):
    complaint = make_complaint(world)
    as_operator = Actor.for_user(operator)
    assert "provide_info" not in available_actions(complaint=complaint, actor=as_operator)

    disposition_request_info(
        complaint=complaint, actor=Actor.for_user(staff_roads), question="Di mana tepatnya?"
    )

    assert "provide_info" in available_actions(complaint=complaint, actor=as_operator)


def test_another_agency_may_do_nothing(world, staff_env):
    complaint = make_complaint(world)
    assert available_actions(complaint=complaint, actor=Actor.for_user(staff_env)) == []


def test_the_dashboard_shows_exactly_the_selectors_actions(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)

    page = client.get(detail_url(complaint))

    expected = available_actions(complaint=complaint, actor=Actor.for_user(staff_roads))
    assert sorted(page.context["detail"].actions) == sorted(expected)
    assert set(page.context["forms"]) == {*expected, "note"}


def test_the_api_answers_the_same_list(client, world, staff_roads):
    complaint = make_complaint(world)
    client.force_login(staff_roads)

    response = client.get(actions_url(complaint))

    assert response.status_code == 200
    assert response.json() == {
        "tracking_code": complaint.tracking_code,
        "available_actions": available_actions(
            complaint=complaint, actor=Actor.for_user(staff_roads)
        ),
    }


def test_the_api_refuses_strangers_and_hides_other_agencies(client, world, staff_env):
    complaint = make_complaint(world)

    assert client.get(actions_url(complaint)).status_code == 401
    client.force_login(staff_env)
    assert client.get(actions_url(complaint)).status_code == 404
    unknown = reverse("dispositions-api:complaint-actions", args=["NO-SUCH-CODE"])
    assert client.get(unknown).status_code == 404


# A paused clock is not overdue -----------------------------------------------------------


def test_is_overdue_needs_an_open_running_clock_past_its_deadline():
    now = timezone.now()
    past = now - timedelta(hours=1)
    assert is_overdue(is_open=True, due_at=past, paused=False, now=now)
    assert not is_overdue(is_open=True, due_at=past, paused=True, now=now)
    assert not is_overdue(is_open=False, due_at=past, paused=False, now=now)
    assert not is_overdue(is_open=True, due_at=None, paused=False, now=now)
    assert not is_overdue(is_open=True, due_at=now, paused=False, now=now)


def test_a_complaint_waiting_for_the_reporter_is_not_overdue_anywhere(world, staff_roads):
    running = make_complaint(world, text="Jalan berlubang")
    waiting = make_complaint(world, text="Aspal mengelupas")
    disposition_request_info(
        complaint=waiting, actor=Actor.for_user(staff_roads), question="Di mana tepatnya?"
    )
    Complaint.objects.filter(pk__in=[running.pk, waiting.pk]).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    running.refresh_from_db()
    waiting.refresh_from_db()

    filtered = complaints_filtered(staff_roads, {"due": "overdue"})
    rows = {
        r.tracking_code: r
        for r in queue_rows(queue_queryset(staff_roads, complaint_filters_parse(staff_roads, {})))
    }
    detail_running = dashboard_selectors.staff_complaint_detail(user=staff_roads, complaint=running)
    detail_waiting = dashboard_selectors.staff_complaint_detail(user=staff_roads, complaint=waiting)

    assert list(filtered.values_list("pk", flat=True)) == [running.pk]
    assert rows[running.tracking_code].is_overdue
    assert not rows[waiting.tracking_code].is_overdue
    assert detail_running.is_overdue
    assert not detail_waiting.is_overdue
