"""The partner API: API-key auth, store-first with dedupe by external id, 400s, visibility."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import OperationalError

from channels_intake import desk, entries, inbox
from channels_intake.inbox import Outcome
from channels_intake.models import InboundMessage, PartnerKey
from channels_intake.tasks import process_partner_inbound
from complaints.models import Channel, Complaint
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/partner/complaints/"
State = InboundMessage.State


@pytest.fixture
def partner(world):
    return desk.partner_key_create(name="LAPOR! Kota Bandung")


@pytest.fixture
def other_partner(world):
    return desk.partner_key_create(name="Aplikasi Kelurahan")


def post(client, key, body, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    return client.post(
        URL, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def get(client, key, external_id):
    return client.get(f"{URL}{external_id}/", HTTP_AUTHORIZATION=f"Api-Key {key}")


def body(**overrides):
    data = {
        "external_id": "LPR-2025-000123",
        "text": "Jalan berlubang besar di Jl. Dago depan SDN 3.",
        "category": "jalan-rusak",
        "area_code": "32.73.02.1004",
        "latitude": -6.8853,
        "longitude": 107.6131,
        "reporter": {"name": "Siti Rahma", "phone": "081234567890", "email": "siti@example.id"},
        "is_anonymous": True,
        "photos": [base64.b64encode(make_image_bytes(exif_gps=True)).decode()],
    }
    data.update(overrides)
    return data


def test_it_files_a_complaint_and_answers_the_tracking_code(client, partner):
    row, key = partner
    response = post(client, key, body())

    assert response.status_code == 201, response.content
    answer = response.json()
    complaint = Complaint.objects.get()
    assert answer["tracking_code"] == complaint.tracking_code
    assert answer["public_url"].endswith(f"/lacak/{complaint.public_token}/")
    assert answer["status"] in ("new", "assigned", "triage")
    assert answer["external_id"] == "LPR-2025-000123"
    assert "reporter" not in answer and "Siti" not in response.content.decode()
    assert complaint.channel == Channel.API
    assert complaint.category == complaint.category.__class__.objects.get(slug="jalan-rusak")
    assert complaint.area.code == "32.73.02.1004"
    assert complaint.is_anonymous
    assert complaint.reporter.phone == "+6281234567890"
    assert complaint.reporter.email == "siti@example.id"
    assert complaint.attachments.count() == 1
    message = InboundMessage.objects.get()
    assert message.channel == Channel.API
    assert message.provider_message_id == f"{row.pk}:LPR-2025-000123"
    assert message.state == State.PROCESSED
    assert message.complaint == complaint
    assert json.loads(bytes(message.body))["external_id"] == "LPR-2025-000123"
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_the_same_external_id_twice_answers_200_with_the_same_complaint(client, partner):
    _row, key = partner
    first = post(client, key, body())
    again = post(client, key, body(text="Teks lain, dikirim ulang setelah timeout."))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert Complaint.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_two_partners_may_use_the_same_external_id(client, partner, other_partner):
    assert post(client, partner[1], body()).status_code == 201
    assert post(client, other_partner[1], body()).status_code == 201
    assert Complaint.objects.count() == 2


def test_no_key_or_an_unknown_key_is_401(client, partner):
    missing = post(client, None, body())
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == "Api-Key"
    assert post(client, "sgp_not-a-real-key", body()).status_code == 401
    bad = client.post(
        URL, data="{}", content_type="application/json", HTTP_AUTHORIZATION="Api-Key a b"
    )
    assert bad.status_code == 401
    # A staff login is not a partner key.
    basic = client.post(
        URL, data="{}", content_type="application/json", HTTP_AUTHORIZATION="Basic eDp5"
    )
    assert basic.status_code == 401
    assert not InboundMessage.objects.exists()


def test_a_disabled_key_is_403(client, partner):
    row, key = partner
    PartnerKey.objects.filter(pk=row.pk).update(is_active=False)
    response = post(client, key, body())
    assert response.status_code == 403
    assert get(client, key, "LPR-2025-000123").status_code == 403
    assert not InboundMessage.objects.exists()


def test_invalid_bodies_are_400_with_field_errors_in_indonesian(client, partner):
    _row, key = partner
    response = post(
        client,
        key,
        body(
            external_id="",
            text="",
            category="tidak-ada",
            area_code="99.99",
            latitude=-6.9,
            longitude=None,
            reporter={"phone": "12345"},
        ),
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"external_id", "text", "category", "area_code", "reporter"}
    assert errors["text"] == ["Bidang ini tidak boleh kosong."]
    assert errors["category"] == ["Kategori “tidak-ada” tidak dikenal."]
    assert "phone" in errors["reporter"]
    assert not InboundMessage.objects.exists()
    lonely = post(client, key, body(longitude=None))
    assert lonely.status_code == 400
    assert "longitude" in lonely.json()


def test_a_bad_photo_is_400_naming_which(client, partner):
    _row, key = partner
    good = base64.b64encode(make_image_bytes()).decode()
    response = post(
        client,
        key,
        body(photos=[good, base64.b64encode(b"GIF89a broken").decode(), "!!!"]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    photos = response.json()["photos"]
    assert set(photos) == {"1", "2"}
    assert "Photo 2" in photos["1"][0]
    assert "Photo 3 is not valid base64." in photos["2"][0]
    assert not Complaint.objects.exists()


def test_more_than_five_photos_is_400(client, partner, settings):
    _row, key = partner
    good = base64.b64encode(make_image_bytes()).decode()
    response = post(client, key, body(photos=[good] * 6))
    assert response.status_code == 400
    assert "photos" in response.json()


def test_a_body_over_the_limit_is_413(client, partner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _row, key = partner
    response = post(client, key, body())
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


class LockedDatabase:
    """complaint_create as it behaves while SQLite is locked by another writer."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("database is locked")
        return self.real(**kwargs)

    real = staticmethod(entries.complaint_create)


def test_a_temporary_failure_answers_202_and_a_worker_finishes_it(
    client, partner, monkeypatch, django_capture_on_commit_callbacks
):
    _row, key = partner
    locked = LockedDatabase(failures=1)
    monkeypatch.setattr(entries, "complaint_create", locked)
    # The retry is enqueued after commit; hold it to look at the failed state first.
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = post(client, key, body())

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert response.json()["tracking_code"] is None
    message = InboundMessage.objects.get()
    assert message.state == State.FAILED
    assert "database is locked" in message.last_error
    assert get(client, key, "LPR-2025-000123").json()["status"] == "queued"

    for callback in enqueued:
        callback()  # the worker's retry (eager)
    message.refresh_from_db()
    assert message.state == State.PROCESSED
    assert message.complaint.is_anonymous  # the flags survive the worker's re-read
    assert message.complaint.area.code == "32.73.02.1004"
    assert message.complaint.attachments.count() == 1
    status = get(client, key, "LPR-2025-000123").json()
    assert status["tracking_code"] == message.complaint.tracking_code
    assert post(client, key, body()).status_code == 200
    assert Complaint.objects.count() == 1


def test_a_worker_run_twice_makes_one_complaint(client, partner, monkeypatch):
    _row, key = partner
    monkeypatch.setattr(entries, "complaint_create", LockedDatabase(failures=1))
    assert post(client, key, body()).status_code == 202
    message = InboundMessage.objects.get()
    monkeypatch.undo()
    assert process_partner_inbound.delay(message.pk).get() == Outcome.PROCESSED
    assert process_partner_inbound.delay(message.pk).get() == Outcome.SKIPPED
    assert Complaint.objects.count() == 1


def test_the_status_lookup_shows_only_the_partners_own_complaints(
    client, partner, other_partner, world
):
    _row, key = partner
    filed = post(client, key, body()).json()

    mine = get(client, key, "LPR-2025-000123")
    assert mine.status_code == 200
    answer = mine.json()
    assert answer["tracking_code"] == filed["tracking_code"]
    assert answer["colour"] in ("red", "yellow", "green", "grey")
    assert "Siti" not in mine.content.decode()
    assert "081234567890" not in mine.content.decode()
    assert get(client, other_partner[1], "LPR-2025-000123").status_code == 404
    assert get(client, key, "LPR-unknown").status_code == 404
    assert client.get(f"{URL}LPR-2025-000123/").status_code == 401


def test_the_partner_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/partner/complaints/" in schema["paths"]
    assert "/api/v1/partner/complaints/{external_id}/" in schema["paths"]
    create = schema["paths"]["/api/v1/partner/complaints/"]["post"]
    assert {"201", "200", "202", "400", "401", "403"} <= set(create["responses"])
    assert create["security"] == [{"PartnerApiKey": []}]
    assert schema["components"]["securitySchemes"]["PartnerApiKey"]["in"] == "header"


def test_replay_of_a_parked_partner_message_takes_the_partner_path(
    client, partner, monkeypatch, django_capture_on_commit_callbacks
):
    _row, key = partner
    monkeypatch.setattr(entries, "complaint_create", LockedDatabase(failures=99))
    for _attempt in range(inbox.MAX_ATTEMPTS):
        post(client, key, body())
    message = InboundMessage.objects.get()
    assert message.state == State.PARKED
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        assert inbox.inbound_replay(message_id=message.pk)
    message.refresh_from_db()
    assert message.state == State.PROCESSED
    assert message.complaint.is_anonymous
    assert get(client, key, "LPR-2025-000123").json()["tracking_code"]
