"""Triage that helps: agencies limited to the complaint's area, a sensible preselected
agency, the area picker starting at the complaint's area, reason templates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Agency, Area, RejectionReason, Status
from complaints.services import complaint_create
from dispositions.models import CategorizationDecision
from dispositions.services import disposition_route
from tests.dispositions.test_categorizer import VAGUE, _train

pytestmark = pytest.mark.django_db


@pytest.fixture
def jakarta_agency(world) -> Agency:
    dki = Area.objects.create(code="31", name="DKI JAKARTA", level=1)
    agency = Agency.objects.create(
        slug="crm-dki", name="Unit Pengelola CRM Provinsi DKI Jakarta", level="province"
    )
    agency.areas.set([dki])
    return agency


def triaged(world):
    _train(world)
    complaint = complaint_create(channel="web", text=VAGUE, area=world.dago)
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE
    return complaint


def test_only_agencies_covering_the_area_are_offered(client, world, operator, jakarta_agency):
    complaint = triaged(world)
    client.force_login(operator)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    offered = set(page.context["forms"]["assign"].fields["agency"].queryset)
    assert jakarta_agency not in offered
    assert world.kel_sukarasa not in offered  # another kecamatan's kelurahan office
    assert {world.roads_bdg, world.env_bdg, world.roads_prov} <= offered


def test_a_suggested_agency_of_another_province_is_never_preselected(
    client, world, operator, jakarta_agency
):
    complaint = triaged(world)
    decision = CategorizationDecision.objects.filter(complaint=complaint).latest("id")
    CategorizationDecision.objects.filter(pk=decision.pk).update(
        agency_suggestion=jakarta_agency, agency_confidence=0.51
    )
    client.force_login(operator)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    html = page.content.decode()
    assert "CRM Provinsi DKI Jakarta" not in html
    form = page.context["forms"]["assign"]
    chosen = Agency.objects.get(pk=form.fields["agency"].initial)
    # The routing rules' pick for the suggested category in Bandung.
    assert chosen in {world.roads_bdg, world.env_bdg}
    assert 'id="suggested-agency"' in html and chosen.name in html


def test_the_area_picker_starts_at_the_complaints_area(client, world, operator):
    complaint = triaged(world)
    client.force_login(operator)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    form = page.context["forms"]["assign"]
    assert form["village"].value() == "32.73.02.1004"
    assert form["district"].value() == "32.73.02"
    html = page.content.decode()
    assert 'data-area-level="village"' in html
    assert 'value="32.73.02.1004" selected' in html


def test_the_reject_form_offers_the_reason_templates(client, world, operator):
    RejectionReason.objects.create(title="Bukan kewenangan", text="Di luar kewenangan pemda.")
    complaint = triaged(world)
    client.force_login(operator)
    html = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code])).content
    assert b'data-reason-target="id_reject-reason"' in html
    assert b"Di luar kewenangan pemda." in html
