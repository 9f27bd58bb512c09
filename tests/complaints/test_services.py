"""Creating complaints: reporters matched, input checked, photos kept, routing announced."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import hooks
from complaints.images import process_image
from complaints.models import Attachment, Complaint, PendingUpload, Reporter, Status
from complaints.services import (
    complaint_create,
    normalize_phone,
    pending_upload_store,
    pending_uploads_purge,
    reporter_get_or_create,
)
from tests.conftest import make_image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(022) 4231921", "+62224231921"),
        ("", ""),
    ],
)
def test_phone_numbers_become_e164(raw, expected):
    assert normalize_phone(raw) == expected


def test_a_bad_phone_number_is_a_clear_error():
    with pytest.raises(ValidationError, match="not a"):
        normalize_phone("12")


def test_the_same_citizen_is_one_reporter_across_formats():
    first = reporter_get_or_create(name="Siti", phone="0812-3456-7890")
    second = reporter_get_or_create(phone="+62 812 3456 7890", email="SITI@example.id")
    assert first == second
    second.refresh_from_db()
    assert (second.name, second.email) == ("Siti", "siti@example.id")  # filled, not overwritten
    assert reporter_get_or_create(email="siti@example.id") == first
    assert reporter_get_or_create() is None
    assert Reporter.objects.count() == 1


def test_complaint_create_writes_the_complaint_and_its_first_event(world):
    complaint = complaint_create(
        channel="web",
        text="  Sampah menumpuk di pinggir jalan sejak seminggu, bau sekali.  ",
        category=world.garbage,
        area=world.dago,
        latitude=-6.88512345678,
        longitude=107.6134,
        reporter_name="Budi",
        reporter_phone="081234567890",
        is_anonymous=True,
    )
    assert complaint.status == Status.NEW
    assert complaint.title.startswith("Sampah menumpuk")
    assert str(complaint.latitude) == "-6.885123"
    assert complaint.reporter.phone == "+6281234567890"
    assert complaint.is_anonymous
    assert len(complaint.tracking_code) == 9 and complaint.tracking_code[4] == "-"
    assert len(complaint.public_token) >= 24
    event = complaint.events.get()
    assert (event.kind, event.to_status) == ("created", Status.NEW)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "describe the problem"),
        ({"channel": "pigeon"}, "Unknown channel"),
        ({"latitude": -6.9}, "both latitude and longitude"),
        ({"latitude": 120, "longitude": 107}, "Latitude must be between"),
        ({"reporter_phone": "abc"}, "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, kwargs, message):
    params = {"channel": "web", "text": "Lampu jalan mati"} | kwargs
    with pytest.raises(ValidationError, match=message):
        complaint_create(**params)
    assert Complaint.objects.count() == 0
    assert Reporter.objects.count() == 0


def test_photos_are_stored_with_thumbnails(world):
    photo = process_image(io.BytesIO(make_image_bytes(exif_gps=True)), name="lubang.jpg")
    complaint = complaint_create(channel="web", text="Jalan rusak", photos=[photo, photo])
    attachments = list(complaint.attachments.all())
    assert len(attachments) == 2
    assert all(a.file.name.endswith(".jpg") and a.thumbnail for a in attachments)
    assert attachments[0].file.name != attachments[1].file.name
    assert "lubang" not in attachments[0].file.name  # stored names are random


def test_a_pending_upload_becomes_an_attachment_and_old_ones_are_purged(world):
    photo = process_image(io.BytesIO(make_image_bytes()), name="dulu.jpg")
    kept = pending_upload_store(image=photo)
    complaint = complaint_create(channel="web", text="Banjir", pending_uploads=[kept])
    attachment = complaint.attachments.get()
    assert attachment.original_name == "dulu.jpg"
    assert attachment.file.storage.exists(attachment.file.name)
    assert not PendingUpload.objects.exists()

    stale = pending_upload_store(image=photo)
    PendingUpload.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=1))
    fresh = pending_upload_store(image=photo)
    assert pending_uploads_purge() == 1
    assert not stale.file.storage.exists(stale.file.name)
    assert list(PendingUpload.objects.all()) == [fresh]
    assert Attachment.objects.count() == 1


def test_creation_is_announced_after_commit_only(world, django_capture_on_commit_callbacks):
    seen: list[int] = []
    handler = lambda complaint_id: seen.append(complaint_id)  # noqa: E731
    hooks.register(hooks.COMPLAINT_CREATED, handler)
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            complaint = complaint_create(channel="web", text="Pohon tumbang")
            assert seen == []
        for callback in callbacks:
            callback()
        assert complaint.pk in seen
    finally:
        hooks._handlers[hooks.COMPLAINT_CREATED].remove(handler)


def test_a_failing_hook_does_not_break_the_request_or_other_hooks(
    world, django_capture_on_commit_callbacks, caplog
):
    seen: list[int] = []

    def broken(complaint_id):
        raise ConnectionError("broker down")

    def recorder(complaint_id):
        seen.append(complaint_id)

    hooks.register(hooks.COMPLAINT_CREATED, broken)
    hooks.register(hooks.COMPLAINT_CREATED, recorder)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            complaint = complaint_create(channel="web", text="Parkir liar")
    finally:
        hooks._handlers[hooks.COMPLAINT_CREATED].remove(broken)
        hooks._handlers[hooks.COMPLAINT_CREATED].remove(recorder)
    assert seen == [complaint.pk]
    assert "broker down" in caplog.text


def test_unknown_hook_events_are_refused():
    with pytest.raises(ValueError, match="Unknown hook"):
        hooks.register("complaint.teleported", print)
