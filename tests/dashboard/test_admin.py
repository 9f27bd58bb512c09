"""The Django admin: reference data editable, complaints and their history read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent, Status
from complaints.services import complaint_create
from dispositions.models import Disposition, RoutingRule
from dispositions.services import disposition_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(world) -> Complaint:
    made = complaint_create(
        channel="web",
        text="Jalan berlubang di Dago",
        category=world.road,
        area=world.dago,
        reporter_name="Siti",
        reporter_phone="081234567890",
    )
    disposition_route(complaint_id=made.pk)
    made.refresh_from_db()
    return made


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(
    "model",
    ["area", "category", "agency", "user", "reporter", "complaint", "complaintevent"],
)
def test_it_renders_every_complaints_changelist(admin_client_, complaint, model):
    response = admin_client_.get(reverse(f"admin:complaints_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["routingrule", "disposition", "duplicatelink"])
def test_it_renders_every_dispositions_changelist(admin_client_, complaint, model):
    response = admin_client_.get(reverse(f"admin:dispositions_{model}_changelist"))
    assert response.status_code == 200


def test_it_lists_complaints_with_code_status_and_agency(admin_client_, complaint):
    page = admin_client_.get(admin_url(Complaint, "changelist"), {"q": complaint.tracking_code})
    body = page.content.decode()
    assert complaint.tracking_code in body
    assert "Dinas Bina Marga Kota Bandung" in body
    assert page.context["cl"].result_count == 1


def test_complaint_page_shows_but_never_edits_the_status(admin_client_, complaint):
    page = admin_client_.get(admin_url(Complaint, "change", complaint.pk))

    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="status"' not in body
    assert 'name="_save"' not in body
    assert complaint.tracking_code in body
    assert "Jalan berlubang di Dago" in body

    # Even a hand-made POST does not change anything.
    response = admin_client_.post(
        admin_url(Complaint, "change", complaint.pk), {"status": Status.RESOLVED}
    )
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED


def test_complaints_cannot_be_added_or_deleted_in_the_admin(admin_client_, complaint):
    assert admin_client_.get(admin_url(Complaint, "add")).status_code == 403
    assert admin_client_.get(admin_url(Complaint, "delete", complaint.pk)).status_code == 403
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_events_are_read_only(admin_client_, complaint):
    event = complaint.events.first()
    assert admin_client_.get(admin_url(ComplaintEvent, "add")).status_code == 403
    page = admin_client_.get(admin_url(ComplaintEvent, "change", event.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client_.get(admin_url(ComplaintEvent, "delete", event.pk)).status_code == 403


def test_dispositions_are_read_only(admin_client_, complaint):
    disposition = Disposition.objects.get(complaint=complaint)
    page = admin_client_.get(admin_url(Disposition, "change", disposition.pk))
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()
    assert admin_client_.get(admin_url(Disposition, "add")).status_code == 403


def test_routing_rules_edit_order_and_active_in_the_list(admin_client_, world):
    page = admin_client_.get(admin_url(RoutingRule, "changelist"))
    body = page.content.decode()
    assert 'name="form-0-order"' in body
    assert 'name="form-0-is_active"' in body
    rule = RoutingRule.objects.first()
    change = admin_client_.get(admin_url(RoutingRule, "change", rule.pk))
    assert change.status_code == 200
    assert "admin-autocomplete" in change.content.decode()


def test_reference_data_pages_render(admin_client_, world, staff_roads):
    for url in [
        admin_url(type(world.dago), "change", world.dago.pk),
        admin_url(type(world.road), "change", world.road.pk),
        admin_url(type(world.roads_bdg), "change", world.roads_bdg.pk),
        admin_url(type(staff_roads), "change", staff_roads.pk),
        admin_url(type(staff_roads), "add"),
    ]:
        response = admin_client_.get(url)
        assert response.status_code == 200, url
    user_page = admin_client_.get(admin_url(type(staff_roads), "change", staff_roads.pk))
    body = user_page.content.decode()
    assert 'name="role"' in body
    assert 'name="agency"' in body


def test_category_deadlines_are_editable(admin_client_, world):
    page = admin_client_.get(admin_url(type(world.road), "change", world.road.pk))
    body = page.content.decode()
    assert 'name="response_hours"' in body
    assert 'name="resolution_hours"' in body


def test_agency_staff_cannot_open_the_admin(client, staff_roads):
    client.force_login(staff_roads)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
