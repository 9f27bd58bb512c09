"""The public tracking page and the code + phone lookup: what citizens see, and never see."""

from __future__ import annotations

import io

from django.core.cache import cache
from django.urls import reverse

from complaints.images import process_image
from complaints.lifecycle import Actor
from complaints.models import Complaint
from complaints.services import complaint_create
from complaints.templatetags.sigap_format import local_time
from dispositions.services import disposition_start
from tests.conftest import make_image_bytes

NAME, PHONE_TYPED, PHONE_E164, EMAIL = (
    "Siti Rahayu",
    "0812 3456 7890",
    "+6281234567890",
    "siti@x.id",
)


def make_complaint(world, django_capture_on_commit_callbacks, **extra) -> Complaint:
    photo = process_image(io.BytesIO(make_image_bytes()), name="lubang.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_create(
            channel="web",
            text="Jalan berlubang di Jl. Setiabudi dekat halte.",
            category=world.road,
            area=world.sukarasa,
            address="Halte Setiabudi",
            reporter_name=NAME,
            reporter_phone=PHONE_TYPED,
            reporter_email=EMAIL,
            photos=[photo],
            **extra,
        )
    complaint.refresh_from_db()
    return complaint


def page(client, complaint: Complaint) -> str:
    response = client.get(reverse("complaints:track", args=[complaint.public_token]))
    assert response.status_code == 200
    return response.content.decode()


def assert_no_reporter(html: str) -> None:
    for secret in (NAME, "Siti", PHONE_E164, "81234567890", "3456", EMAIL, "siti@"):
        assert secret not in html, secret


def test_it_shows_status_agency_deadline_timeline_and_photos(
    client, world, staff_roads, django_capture_on_commit_callbacks
):
    complaint = make_complaint(world, django_capture_on_commit_callbacks)
    html = page(client, complaint)

    assert complaint.agency == world.roads_bdg
    assert 'class="status-badge status-red"' in html
    assert "Menunggu tanggapan instansi" in html
    assert "Dinas Bina Marga Kota Bandung" in html
    assert local_time(complaint.due_at) in html
    assert "WIB" in html
    assert "Aduan diterima" in html
    assert "Diteruskan ke Dinas Bina Marga Kota Bandung" in html
    attachment = complaint.attachments.get()
    assert f'href="{attachment.file.url}"' in html
    assert f'src="{attachment.thumbnail.url}"' in html
    assert "Jalan berlubang di Jl. Setiabudi" in html
    assert "Halte Setiabudi" in html
    assert "Sukarasa" in html
    assert_no_reporter(html)

    with django_capture_on_commit_callbacks(execute=True):
        disposition_start(complaint=complaint, actor=Actor.for_user(staff_roads))
    html = page(client, complaint)
    assert 'class="status-badge status-yellow"' in html
    assert "Sedang ditangani" in html
    assert_no_reporter(html)


def test_a_confidential_report_shows_progress_only(
    client, world, django_capture_on_commit_callbacks
):
    complaint = make_complaint(world, django_capture_on_commit_callbacks, is_confidential=True)
    html = page(client, complaint)

    assert "Jalan berlubang" not in html
    assert "Halte Setiabudi" not in html
    assert "/media/" not in html
    assert "Aduan rahasia" in html
    assert "status-red" in html
    assert "Dinas Bina Marga Kota Bandung" in html
    assert_no_reporter(html)


def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("complaints:track", args=["nope"])).status_code == 404
    assert client.get(reverse("complaints:receipt", args=["nope"])).status_code == 404


def test_code_and_phone_find_the_complaint(client, world, django_capture_on_commit_callbacks):
    complaint = make_complaint(world, django_capture_on_commit_callbacks)
    code = complaint.tracking_code.replace("-", "").lower()
    response = client.post(
        reverse("complaints:track_lookup"), {"code": code, "phone": "+62 812-3456-7890"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:track", args=[complaint.public_token])


def test_a_wrong_phone_or_code_says_not_found_the_same_way(
    client, world, django_capture_on_commit_callbacks
):
    complaint = make_complaint(world, django_capture_on_commit_callbacks)
    wrong_phone = client.post(
        reverse("complaints:track_lookup"),
        {"code": complaint.tracking_code, "phone": "081299998888"},
    )
    wrong_code = client.post(
        reverse("complaints:track_lookup"), {"code": "ZZZZ-ZZZZ", "phone": PHONE_TYPED}
    )
    assert wrong_phone.status_code == wrong_code.status_code == 200
    message = "Kami tidak menemukan aduan dengan kode dan nomor telepon tersebut."
    assert message in wrong_phone.content.decode()
    assert message in wrong_code.content.decode()
    assert complaint.public_token not in wrong_phone.content.decode()


def test_the_language_switch_renders_english_and_back(
    client, world, django_capture_on_commit_callbacks
):
    complaint = make_complaint(world, django_capture_on_commit_callbacks)
    track_url = reverse("complaints:track", args=[complaint.public_token])
    html = page(client, complaint)
    assert '<html lang="id">' in html
    assert "Instansi yang menangani" in html
    # Each language is named in itself, so a reader finds theirs whatever the page shows.
    assert 'title="English"' in html
    assert 'title="Bahasa Indonesia"' in html

    response = client.post(
        reverse("set_language"), {"language": "en", "next": track_url}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == track_url
    assert '<html lang="en">' in html
    assert "Agency handling it" in html
    assert 'title="English"' in html

    client.post(reverse("set_language"), {"language": "id", "next": track_url})
    html = page(client, complaint)
    assert '<html lang="id">' in html
    assert "Instansi yang menangani" in html


def test_the_page_refreshes_itself(client, world, django_capture_on_commit_callbacks):
    complaint = make_complaint(world, django_capture_on_commit_callbacks)
    html = page(client, complaint)
    assert 'data-refresh-seconds="15"' in html
    assert '<noscript><meta http-equiv="refresh"' in html


def test_repeated_failed_lookups_are_slowed_down(client, world, settings):
    settings.TRACK_LOOKUP_MAX_FAILURES = 3
    cache.clear()
    wrong = {"code": "ABCD-2345", "phone": "081200000000"}
    for _ in range(3):
        response = client.post(reverse("complaints:track_lookup"), wrong)
        assert "Kami tidak menemukan aduan" in response.content.decode()
    response = client.post(reverse("complaints:track_lookup"), wrong)
    assert "Terlalu banyak percobaan" in response.content.decode()
    cache.clear()
