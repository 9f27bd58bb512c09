"""The staff API: list and retrieve complaints, filters, pagination, the agency boundary."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from complaints.lifecycle import Actor
from complaints.models import Channel, Complaint
from complaints.services import complaint_add_note, complaint_create
from dispositions.services import disposition_route
from tests.conftest import PASSWORD

LIST_URL = "/api/v1/complaints/"


def detail_url(complaint: Complaint) -> str:
    return f"/api/v1/complaints/{complaint.tracking_code}/"


def make_complaint(*, channel=Channel.WEB, text="Aduan warga", **kwargs) -> Complaint:
    complaint = complaint_create(channel=channel, text=text, **kwargs)
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


@dataclass
class Cases:
    road_sukarasa: Complaint  # -> Dinas Bina Marga Kota Bandung
    light_dago: Complaint  # -> Dinas Bina Marga Kota Bandung
    anonymous_road: Complaint  # -> Dinas Bina Marga Kota Bandung, reporter hidden from it
    garbage_dago: Complaint  # -> Dinas Lingkungan Hidup Kota Bandung
    garbage_sukarasa: Complaint  # -> Kelurahan Sukarasa
    health_bekasi: Complaint  # no rule: triage, no agency

    def codes(self, *names: str) -> set[str]:
        return {getattr(self, name).tracking_code for name in names}


@pytest.fixture
def cases(world) -> Cases:
    return Cases(
        road_sukarasa=make_complaint(
            category=world.road,
            area=world.sukarasa,
            reporter_name="Siti Aminah",
            reporter_phone="081234567890",
        ),
        light_dago=make_complaint(
            channel=Channel.WHATSAPP, category=world.streetlight, area=world.dago
        ),
        anonymous_road=make_complaint(
            category=world.road,
            area=world.dago,
            reporter_name="Budi Santoso",
            reporter_phone="081298765432",
            is_anonymous=True,
        ),
        garbage_dago=make_complaint(channel=Channel.SMS, category=world.garbage, area=world.dago),
        garbage_sukarasa=make_complaint(category=world.garbage, area=world.sukarasa),
        health_bekasi=make_complaint(category=world.health, area=world.bekasi),
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def listed_codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {c["tracking_code"] for c in response.json()["results"]}


# Authentication ---------------------------------------------------------------------------


def test_it_refuses_the_list_and_the_detail_to_anonymous_callers(cases):
    client = APIClient()

    assert client.get(LIST_URL).status_code in (401, 403)
    assert client.get(detail_url(cases.road_sukarasa)).status_code in (401, 403)


def test_it_accepts_basic_auth(cases, staff_roads):
    client = APIClient()
    token = base64.b64encode(f"staff_roads:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")

    assert listed_codes(client.get(LIST_URL)) == cases.codes(
        "road_sukarasa", "light_dago", "anonymous_road"
    )


def test_it_refuses_a_wrong_password(cases, staff_roads):
    client = APIClient()
    token = base64.b64encode(b"staff_roads:wrong").decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")

    response = client.get(LIST_URL)

    assert response.status_code in (401, 403)
    assert "results" not in response.json()


# The agency boundary ----------------------------------------------------------------------


def test_it_shows_agency_staff_only_their_agency(cases, staff_roads, staff_env):
    assert listed_codes(client_for(staff_roads).get(LIST_URL)) == cases.codes(
        "road_sukarasa", "light_dago", "anonymous_road"
    )
    assert listed_codes(client_for(staff_env).get(LIST_URL)) == cases.codes("garbage_dago")


def test_it_gives_nothing_when_staff_filter_on_another_agency(cases, staff_roads):
    client = client_for(staff_roads)

    assert listed_codes(client.get(LIST_URL, {"agency": "dlh-bandung"})) == set()
    assert listed_codes(client.get(LIST_URL, {"area": "32.75"})) == set()
    assert listed_codes(client.get(LIST_URL, {"category": "sampah"})) == set()
    assert listed_codes(client.get(LIST_URL, {"status": "triage"})) == set()


def test_it_answers_404_for_another_agencys_complaint(cases, staff_roads, staff_env):
    assert client_for(staff_roads).get(detail_url(cases.garbage_dago)).status_code == 404
    assert client_for(staff_env).get(detail_url(cases.road_sukarasa)).status_code == 404
    assert client_for(staff_env).get(detail_url(cases.health_bekasi)).status_code == 404


def test_it_shows_the_operator_and_the_supervisor_everything(cases, operator, supervisor):
    everything = cases.codes(*Cases.__dataclass_fields__)

    assert listed_codes(client_for(operator).get(LIST_URL)) == everything
    assert listed_codes(client_for(supervisor).get(LIST_URL)) == everything
    assert client_for(operator).get(detail_url(cases.garbage_dago)).status_code == 200


def test_it_limits_an_area_scoped_supervisor_to_the_area(cases, supervisor, world):
    supervisor.area = world.coblong
    supervisor.save(update_fields=["area"])

    assert listed_codes(client_for(supervisor).get(LIST_URL)) == cases.codes(
        "light_dago", "anonymous_road", "garbage_dago"
    )


# Output -----------------------------------------------------------------------------------


def test_it_describes_a_complaint_for_staff(cases, staff_roads):
    response = client_for(staff_roads).get(detail_url(cases.road_sukarasa))

    assert response.status_code == 200
    body = response.json()
    assert body["tracking_code"] == cases.road_sukarasa.tracking_code
    assert body["tracking_url"].endswith(f"/lacak/{cases.road_sukarasa.public_token}/")
    assert body["status"] == "assigned"
    assert body["colour"] == "red"
    assert body["category"] == {"slug": "jalan-rusak", "name": "Infrastruktur › Jalan rusak"}
    assert body["area"] == {"code": "32.73.01.1001", "name": "Sukarasa"}
    assert body["agency"] == {"slug": "dbmsda-bandung", "name": "Dinas Bina Marga Kota Bandung"}
    assert body["reporter"] == {"name": "Siti Aminah", "phone": "+6281234567890", "email": ""}
    assert [e["to_status"] for e in body["events"]] == ["new", "assigned"]


def test_it_looks_up_the_tracking_code_in_any_case(cases, staff_roads):
    url = detail_url(cases.road_sukarasa).lower()

    assert client_for(staff_roads).get(url).status_code == 200


def test_it_shows_internal_notes_to_staff(cases, staff_roads):
    complaint_add_note(
        complaint=cases.road_sukarasa,
        actor=Actor.for_user(staff_roads),
        note="Menunggu alat berat",
    )

    body = client_for(staff_roads).get(detail_url(cases.road_sukarasa)).json()

    [note] = [e for e in body["events"] if e["kind"] == "note"]
    assert note["note"] == "Menunggu alat berat"
    assert note["public"] is False
    assert note["actor"] == "Rudi"


def test_it_hides_an_anonymous_reporter_from_the_agency_but_not_the_operator(
    cases, staff_roads, operator
):
    code = cases.anonymous_road.tracking_code
    staff_view = client_for(staff_roads).get(LIST_URL).json()["results"]
    operator_view = client_for(operator).get(LIST_URL).json()["results"]

    [as_staff] = [c for c in staff_view if c["tracking_code"] == code]
    [as_operator] = [c for c in operator_view if c["tracking_code"] == code]
    assert as_staff["anonymous"] is True
    assert as_staff["reporter"] is None
    assert as_operator["reporter"]["name"] == "Budi Santoso"
    detail = client_for(staff_roads).get(detail_url(cases.anonymous_road))
    assert "Budi" not in detail.content.decode()
    assert "81298765432" not in detail.content.decode()


# Filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "triage"}, ["health_bekasi"]),
        ({"status": "assigned", "agency": "dlh-bandung"}, ["garbage_dago"]),
        ({"category": "sampah"}, ["garbage_dago", "garbage_sukarasa"]),
        ({"category": "infrastruktur"}, ["road_sukarasa", "light_dago", "anonymous_road"]),
        ({"category": "lampu-jalan"}, ["light_dago"]),
        ({"agency": "dbmsda-bandung"}, ["road_sukarasa", "light_dago", "anonymous_road"]),
        ({"agency": "kel-sukarasa"}, ["garbage_sukarasa"]),
        ({"area": "32.73.02"}, ["light_dago", "anonymous_road", "garbage_dago"]),
        ({"area": "32.73.01.1001"}, ["road_sukarasa", "garbage_sukarasa"]),
        ({"area": "32.7"}, []),
        ({"channel": "sms"}, ["garbage_dago"]),
        ({"channel": "whatsapp", "area": "32.73"}, ["light_dago"]),
    ],
)
def test_it_filters_the_list(cases, operator, params, expected):
    response = client_for(operator).get(LIST_URL, params)

    assert listed_codes(response) == cases.codes(*expected)


def test_it_filters_by_creation_date_in_jakarta_time(cases, operator):
    # 20 Nov 18:00 UTC is 21 Nov 01:00 WIB: it belongs to the 21st.
    Complaint.objects.filter(pk=cases.road_sukarasa.pk).update(
        created_at=datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    )
    Complaint.objects.filter(pk=cases.light_dago.pk).update(
        created_at=datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    )
    client = client_for(operator)

    on_21st = client.get(LIST_URL, {"created_after": "2026-11-21", "created_before": "2026-11-21"})
    up_to_20th = client.get(LIST_URL, {"created_before": "2026-11-20"})
    from_11th = client.get(LIST_URL, {"created_after": "2026-11-11"})

    assert listed_codes(on_21st) == cases.codes("road_sukarasa")
    assert listed_codes(up_to_20th) == cases.codes("light_dago")
    assert cases.light_dago.tracking_code not in listed_codes(from_11th)
    assert cases.road_sukarasa.tracking_code in listed_codes(from_11th)


@pytest.mark.parametrize(
    "params",
    [{"status": "ignored"}, {"channel": "pigeon"}, {"created_after": "kemarin"}],
)
def test_it_refuses_a_bad_filter_value(cases, operator, params):
    response = client_for(operator).get(LIST_URL, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


# Pagination and query count ---------------------------------------------------------------


def test_it_paginates_with_a_page_size_parameter(cases, operator):
    client = client_for(operator)

    first = client.get(LIST_URL, {"page_size": 4}).json()
    second = client.get(LIST_URL, {"page_size": 4, "page": 2}).json()

    assert first["count"] == 6
    assert len(first["results"]) == 4
    assert first["next"]
    assert len(second["results"]) == 2
    assert second["next"] is None
    seen = {c["tracking_code"] for c in first["results"] + second["results"]}
    assert seen == cases.codes(*Cases.__dataclass_fields__)


def test_it_caps_the_page_size_at_100(world, operator):
    for i in range(101):
        complaint_create(channel=Channel.WEB, text=f"Aduan {i}")

    body = client_for(operator).get(LIST_URL, {"page_size": 500}).json()

    assert body["count"] == 101
    assert len(body["results"]) == 100


def _add_road_complaints(world, count: int) -> None:
    for i in range(count):
        make_complaint(
            text=f"Jalan rusak {i}",
            category=world.road,
            area=world.dago,
            reporter_name=f"Warga {i}",
            reporter_phone=f"08123456{i:04d}",
        )


@pytest.mark.parametrize("persona", ["staff_roads", "operator"])
def test_it_lists_in_a_constant_number_of_queries(
    world, persona, request, django_assert_num_queries
):
    client = client_for(request.getfixturevalue(persona))
    _add_road_complaints(world, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST_URL).json()["results"]) == 1

    _add_road_complaints(world, 9)

    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(LIST_URL).json()["results"]) == 10
