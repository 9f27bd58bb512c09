"""The staff map: the queue's visibility rules (agency staff see their agency only), exact
locations for staff, one query for the clusters, 400 on a bad box."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.services import complaint_create
from dispositions.services import disposition_route

pytestmark = pytest.mark.django_db
BOX = "107.5,-7.0,107.7,-6.8"


def make(world, text, category, lat, lon):
    complaint = complaint_create(
        channel="web", text=text, category=category, area=world.dago, latitude=lat, longitude=lon
    )
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def two_agencies(world):
    road = make(world, "Jalan berlubang", world.road, -6.885123, 107.613456)
    trash = make(world, "Sampah menumpuk", world.garbage, -6.890001, 107.620002)
    assert road.agency == world.roads_bdg and trash.agency == world.env_bdg
    return road, trash


def clusters(client, **query):
    query.setdefault("bbox", BOX)
    query.setdefault("zoom", "18")
    return client.get(reverse("dashboard:map_data"), query)


def test_agency_staff_see_only_their_agency(client, two_agencies, staff_roads, staff_env):
    road, trash = two_agencies
    client.force_login(staff_roads)
    codes = {f["properties"].get("code") for f in clusters(client).json()["features"]}
    assert codes == {road.tracking_code}
    client.force_login(staff_env)
    codes = {f["properties"].get("code") for f in clusters(client).json()["features"]}
    assert codes == {trash.tracking_code}


def test_staff_get_exact_positions_in_one_query(
    client, two_agencies, operator, django_assert_max_num_queries
):
    client.force_login(operator)
    with django_assert_max_num_queries(4):  # session, user, clusters (+ savepoint-free)
        data = clusters(client, status="all").json()
    points = {tuple(f["geometry"]["coordinates"]) for f in data["features"]}
    assert (107.613456, -6.885123) in points
    whole_city = clusters(client, zoom="9", status="open").json()
    assert [f["properties"]["count"] for f in whole_city["features"]] == [2]


def test_the_map_page_needs_a_login_and_renders(client, operator):
    assert client.get(reverse("dashboard:map")).status_code == 302
    assert clusters(client).status_code == 302
    client.force_login(operator)
    html = client.get(reverse("dashboard:map")).content.decode()
    assert 'id="complaint-map"' in html and "leaflet.js" in html


def test_bad_box_or_filter_is_a_400_with_a_reason(client, operator):
    client.force_login(operator)
    for query in ({"bbox": "1,2"}, {"zoom": "-1"}, {"category": "999999"}):
        response = clusters(client, **query)
        assert response.status_code == 400
        assert response.json()["error"]
