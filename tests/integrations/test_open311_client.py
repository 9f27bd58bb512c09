"""The real `open311` client from PyPI against a live Sigap: list, post, read back."""

from __future__ import annotations

import pytest

from channels_intake import desk
from complaints.models import Complaint

from .open311_client import load_open311_class

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_open311_client_lists_posts_and_reads_back(live_server, world, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    _, key = desk.partner_key_create(name="FixMyStreet")
    Open311 = load_open311_class()
    client = Open311(endpoint=live_server.url + "/open311/v2", api_key=key, format="xml")

    services = client.service_list()
    assert "jalan-rusak" in {s["service_code"] for s in services}
    definition = client.service_definition("jalan-rusak")
    assert definition["service_definition"]["service_code"] == "jalan-rusak"

    created = client.post_service_request(
        service_code="jalan-rusak",
        lat="-6.8853",
        long="107.6131",
        address_id="32.73.02.1004",
        description="Lubang di Jl. Dago depan SDN 3",
    )
    code = created["service_requests"]["request"]["service_request_id"]
    complaint = Complaint.objects.get(tracking_code=code)
    assert complaint.agency == world.roads_bdg  # routed by the worker like any complaint

    read = client.get_service_request(code)
    assert read["service_requests"]["request"]["service_request_id"] == code
    assert read["service_requests"]["request"]["agency_responsible"] == world.roads_bdg.name
    listed = client.service_requests(service_request_id=code)
    assert listed["service_request_id"] == code
