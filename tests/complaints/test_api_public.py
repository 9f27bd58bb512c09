"""The public API: submit a complaint, list categories and areas, track by token."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from complaints.api.views import PublicCreateThrottle
from complaints.images import process_image
from complaints.models import Category, Channel, Complaint, Reporter, Status
from complaints.services import complaint_create
from dispositions.services import disposition_route
from tests.conftest import make_image_bytes

CREATE_URL = "/api/v1/complaints/"
TRACKING_CODE = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The throttle counts in the cache, which outlives a single test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client() -> APIClient:
    """An API client that asks for English, as the error-message assertions below expect."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def full_payload(**overrides):
    payload = {
        "text": "Jalan berlubang besar di depan SD Sukarasa, sudah dua minggu.",
        "category": "jalan-rusak",
        "area_code": "32.73.01.1001",
        "latitude": -6.8731234567,
        "longitude": 107.5891,
        "address": "Jl. Gegerkalong Hilir depan SD",
        "reporter": {"name": "Siti Aminah", "phone": "0812-3456-7890", "email": "siti@example.id"},
        "anonymous": False,
        "confidential": False,
    }
    payload.update(overrides)
    return payload


def test_it_creates_a_complaint_and_routes_it_after_commit(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE_URL, full_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert TRACKING_CODE.match(body["tracking_code"])
    assert body["tracking_url"] == f"{settings.PUBLIC_BASE_URL}/lacak/{body['public_token']}/"
    assert body["status"] == "new"
    assert body["colour"] == "red"

    complaint = Complaint.objects.select_related("reporter").get(
        tracking_code=body["tracking_code"]
    )
    assert complaint.channel == Channel.API
    assert complaint.category == world.road
    assert complaint.area == world.sukarasa
    assert str(complaint.latitude) == "-6.873123"
    assert complaint.reporter.phone == "+6281234567890"
    # Routing ran on commit (Celery is eager in tests): the city roads agency holds it.
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.roads_bdg
    assert complaint.due_at is not None


@pytest.mark.parametrize("reporter", [{}, None])
def test_it_accepts_text_alone_and_sends_it_to_triage(
    client, world, django_capture_on_commit_callbacks, reporter
):
    payload = {"text": "Ada masalah di kampung kami.", "reporter": reporter}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE_URL, payload, format="json")

    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(tracking_code=response.json()["tracking_code"])
    assert complaint.reporter is None
    assert complaint.status == Status.TRIAGE


def test_it_stores_the_anonymous_and_confidential_flags(client, world):
    response = client.post(
        CREATE_URL, full_payload(anonymous=True, confidential=True), format="json"
    )

    assert response.status_code == 201
    complaint = Complaint.objects.get(tracking_code=response.json()["tracking_code"])
    assert complaint.is_anonymous
    assert complaint.is_confidential


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        ({"category": "tidak-ada"}, ["category"], "Unknown category"),
        ({"area_code": "99.99"}, ["area_code"], "Unknown area code"),
        (
            {"reporter": {"name": "Budi", "phone": "12345"}},
            ["reporter", "phone"],
            "phone number",
        ),
        ({"longitude": None}, ["longitude"], "both latitude and longitude"),
        ({"latitude": None}, ["latitude"], "both latitude and longitude"),
        ({"latitude": 123.0}, ["latitude"], "less than or equal to 90"),
        ({"text": "   "}, ["text"], "may not be blank"),
        ({"reporter": {"email": "not-an-email"}}, ["reporter", "email"], "valid email"),
        (
            {"reporter": {"email": f"{'a' * 250}@example.id"}},
            ["reporter", "email"],
            "no more than 254",
        ),
    ],
)
def test_it_refuses_bad_input_field_by_field(client, world, overrides, path, message):
    response = client.post(
        CREATE_URL, full_payload(**overrides), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    errors = response.json()
    for key in path:
        errors = errors[key]
    assert any(message in str(m) for m in errors), errors
    assert not Complaint.objects.exists()
    assert not Reporter.objects.exists()


def test_it_refuses_an_inactive_category(client, world):
    Category.objects.filter(pk=world.road.pk).update(is_active=False)

    response = client.post(CREATE_URL, full_payload(), format="json")

    assert response.status_code == 400
    assert "category" in response.json()
    assert not Complaint.objects.exists()


def test_it_takes_json_only(client, world):
    response = client.post(CREATE_URL, {"text": "Lampu mati"}, format="multipart")

    assert response.status_code == 415
    assert not Complaint.objects.exists()


def test_it_throttles_public_submissions(client, world, monkeypatch):
    monkeypatch.setattr(PublicCreateThrottle, "rate", "2/hour", raising=False)

    codes = [
        client.post(CREATE_URL, {"text": f"Aduan nomor {i}"}, format="json").status_code
        for i in range(3)
    ]

    assert codes == [201, 201, 429]
    assert Complaint.objects.count() == 2


def test_it_lists_active_categories_with_their_topic_and_deadlines(client, world):
    Category.objects.create(slug="lama", name="Kategori lama", is_active=False)

    response = client.get("/api/v1/categories/")

    assert response.status_code == 200
    by_slug = {c["slug"]: c for c in response.json()}
    assert set(by_slug) == {
        "infrastruktur",
        "jalan-rusak",
        "lampu-jalan",
        "lingkungan",
        "sampah",
        "kesehatan",
    }
    assert by_slug["jalan-rusak"] == {
        "slug": "jalan-rusak",
        "name": "Jalan rusak",
        "parent": "infrastruktur",
        "description": "",
        "response_hours": 6,
        "resolution_hours": 72,
    }
    assert by_slug["infrastruktur"]["parent"] is None


def test_it_lists_provinces_without_a_parent(client, world):
    response = client.get("/api/v1/areas/")

    assert response.status_code == 200
    assert response.json() == [{"code": "32", "name": "JAWA BARAT", "level": 1}]


def test_it_lists_the_children_of_an_area_by_name(client, world):
    response = client.get("/api/v1/areas/", {"parent": "32.73"})

    assert response.status_code == 200
    assert response.json() == [
        {"code": "32.73.02", "name": "Coblong", "level": 3},
        {"code": "32.73.01", "name": "Sukasari", "level": 3},
    ]


def test_it_gives_an_empty_list_for_a_village_and_404_for_an_unknown_parent(client, world):
    assert client.get("/api/v1/areas/", {"parent": "32.73.01.1001"}).json() == []
    assert client.get("/api/v1/areas/", {"parent": "99.99"}).status_code == 404


# Tracking ---------------------------------------------------------------------------------

REPORTER = {
    "reporter_name": "Siti Aminah",
    "reporter_phone": "081234567890",
    "reporter_email": "siti.aminah@example.id",
}
REPORTER_TRACES = ["Siti", "Aminah", "81234567890", "siti.aminah", "example.id"]


def _photo():
    data = make_image_bytes()
    return process_image(io.BytesIO(data), name="lubang.jpg", size=len(data))


def _routed_complaint(world, **kwargs) -> Complaint:
    complaint = complaint_create(
        channel=Channel.WEB,
        text="Jalan berlubang dekat sekolah",
        category=world.road,
        area=world.sukarasa,
        address="Jl. Sukarasa No. 5",
        photos=[_photo()],
        **REPORTER,
        **kwargs,
    )
    disposition_route(complaint_id=complaint.pk)
    return complaint


def test_it_tracks_a_complaint_by_token_without_the_reporter(client, world):
    complaint = _routed_complaint(world)

    response = client.get(f"/api/v1/track/{complaint.public_token}/")

    assert response.status_code == 200
    content = response.content.decode()
    for trace in REPORTER_TRACES:
        assert trace not in content
    body = response.json()
    assert body["tracking_code"] == complaint.tracking_code
    assert body["status"] == "assigned"
    assert body["colour"] == "red"
    assert body["status_label"]
    assert body["agency"] == "Dinas Bina Marga Kota Bandung"
    assert body["due_at"]
    assert body["text"] == "Jalan berlubang dekat sekolah"
    assert body["address"] == "Jl. Sukarasa No. 5"
    assert body["category"] == "Infrastruktur › Jalan rusak"
    assert body["area"] == "Sukarasa"
    assert [e["status"] for e in body["timeline"]] == ["new", "assigned"]
    assert set(body["timeline"][0]) == {"at", "text", "status", "colour"}
    [photo] = body["photos"]
    assert photo["kind"] == "report"
    assert photo["url"].startswith(f"{settings.PUBLIC_BASE_URL}/media/")
    assert photo["thumbnail_url"].startswith(f"{settings.PUBLIC_BASE_URL}/media/")


def test_it_hides_the_content_and_photos_of_a_confidential_complaint(client, world):
    complaint = _routed_complaint(world, is_confidential=True)

    response = client.get(f"/api/v1/track/{complaint.public_token}/")

    assert response.status_code == 200
    body = response.json()
    for hidden in ("title", "text", "category", "area", "address", "photos"):
        assert hidden not in body
    content = response.content.decode()
    assert "berlubang" not in content
    assert "Jl. Sukarasa" not in content
    assert "Jalan rusak" not in content
    assert "Sukarasa" not in content
    assert "/media/" not in content
    for trace in REPORTER_TRACES:
        assert trace not in content
    assert body["status"] == "assigned"


def test_it_answers_404_for_an_unknown_token(client, world):
    assert client.get("/api/v1/track/not-a-real-token/").status_code == 404


def test_errors_are_in_indonesian_unless_the_client_asks_otherwise(world):
    response = APIClient().post(
        "/api/v1/complaints/", full_payload(category="tidak-ada"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["category"] == ["Kategori “tidak-ada” tidak dikenal."]
