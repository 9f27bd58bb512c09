"""SP4N-LAPOR!'s report types: chosen by the citizen or set by an operator, their own
rules (an information request is answered within its legal deadline), and where they show."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from complaints.lifecycle import Actor, IllegalTransition, complaint_transition
from complaints.models import Channel, Complaint, ComplaintEvent, ReportType
from complaints.selectors import complaint_by_token, complaint_public_view
from complaints.services import complaint_create, complaint_set_report_type
from dispositions.deadlines import deadlines_for
from tests.complaints.test_web_form import form_data

pytestmark = pytest.mark.django_db


def make(world, report_type):
    with TestCase.captureOnCommitCallbacks(execute=True):
        complaint = complaint_create(
            channel=Channel.WEB,
            text="Berapa anggaran perbaikan Jl. Dago tahun ini?",
            category=world.road,
            area=world.dago,
            report_type=report_type,
        )
    complaint.refresh_from_db()
    return complaint


def test_the_citizen_chooses_the_type_on_the_form(client, world):
    page = client.get(reverse("complaints:new"))
    assert 'name="report_type"' in page.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("complaints:new"), form_data(world, report_type="aspirasi"))
    assert Complaint.objects.get().report_type == ReportType.SUGGESTION


def test_the_form_defaults_to_a_complaint(client, world):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("complaints:new"), form_data(world))
    assert Complaint.objects.get().report_type == ReportType.COMPLAINT


def test_the_api_takes_the_type_and_refuses_an_unknown_one(client, world):
    body = {"text": "Mohon info jadwal pengangkutan sampah", "report_type": "informasi"}
    assert (
        client.post("/api/v1/complaints/", body, content_type="application/json").status_code == 201
    )
    assert Complaint.objects.get().report_type == ReportType.INFORMATION
    bad = client.post(
        "/api/v1/complaints/", {**body, "report_type": "keluhan"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "report_type" in bad.json()


def test_an_information_request_is_answered(world, staff_roads, english):
    complaint = make(world, ReportType.INFORMATION)
    actor = Actor.for_user(staff_roads)
    for action in ("accept", "start"):
        complaint_transition(complaint=complaint, action=action, actor=actor)
    with pytest.raises(IllegalTransition, match="answered"):
        complaint_transition(complaint=complaint, action="resolve", actor=actor)
    complaint_transition(
        complaint=complaint, action="resolve", actor=actor, note="Rp 2,1 miliar (APBD 2026)."
    )
    view = complaint_public_view(complaint_by_token(complaint.public_token))
    assert view.status_label == "Answered"


def test_a_complaint_keeps_its_own_words(world, staff_roads):
    complaint = make(world, ReportType.COMPLAINT)
    actor = Actor.for_user(staff_roads)
    for action in ("accept", "start"):
        complaint_transition(complaint=complaint, action=action, actor=actor)
    complaint_transition(complaint=complaint, action="resolve", actor=actor, note="Ditambal.")
    view = complaint_public_view(complaint_by_token(complaint.public_token))
    assert view.status_label != "Answered" and complaint.status == "resolved"


def test_an_information_request_has_its_legal_deadline(world):
    now = timezone.now()
    complaint_deadline = deadlines_for(category=world.road, priority="normal", now=now)
    information = deadlines_for(
        category=world.road, priority="normal", now=now, report_type=ReportType.INFORMATION
    )
    assert complaint_deadline.resolution_hours == 72  # the category's
    assert information.resolution_hours == 80  # 10 working days of 8 hours
    information_due = make(world, ReportType.INFORMATION).due_at
    assert information_due > make(world, ReportType.COMPLAINT).due_at


def test_an_operator_corrects_the_type_with_a_note(world, operator, english):
    complaint = make(world, ReportType.COMPLAINT)
    event = complaint_set_report_type(
        complaint=complaint, report_type=ReportType.SUGGESTION, actor=Actor.for_user(operator)
    )
    complaint.refresh_from_db()
    assert complaint.report_type == ReportType.SUGGESTION
    assert event.kind == ComplaintEvent.Kind.NOTE and not event.is_public
    assert "Complaint → Suggestion" in event.note
    assert (
        complaint_set_report_type(
            complaint=complaint, report_type=ReportType.SUGGESTION, actor=Actor.for_user(operator)
        )
        is None
    )


def test_the_staff_page_shows_the_type(client, world, staff_roads):
    complaint = make(world, ReportType.INFORMATION)
    client.force_login(staff_roads)
    page = client.get(f"/dashboard/aduan/{complaint.tracking_code}/").content.decode()
    assert 'id="report-type"' in page
