"""The citizen web form: photos, kept uploads, the no-JS area tree, the receipt."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from complaints.models import Complaint, PendingUpload, Status
from tests.conftest import make_image_bytes

GPS_IFD = 0x8825


def jpeg(name: str, **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image_bytes(**kwargs), content_type="image/jpeg")


def form_data(world, **extra) -> dict:
    data = {
        "text": "Jalan berlubang besar di depan SDN 3, sudah dua minggu.",
        "category": str(world.road.pk),
        "province": world.jabar.code,
        "regency": world.bandung.code,
        "district": world.sukasari.code,
        "village": world.sukarasa.code,
        "address": "Depan SDN 3",
        "name": "Siti Rahayu",
        "phone": "0812-3456-7890",
        "email": "siti@example.id",
    }
    data.update(extra)
    return data


def pending_values(html: str) -> list[str]:
    return re.findall(r'name="pending" value="([^"]+)"', html)


def test_it_shows_the_form_with_topics_as_optgroups(client, world):
    response = client.get(reverse("complaints:new"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Infrastruktur">' in html
    assert f'<option value="{world.road.pk}">Jalan rusak</option>' in html
    assert 'accept="image/*" multiple' in html
    assert "capture" not in html
    assert f'<option value="{world.jabar.code}">JAWA BARAT</option>' in html
    assert 'name="_refresh_area"' in html


def test_it_creates_a_complaint_with_two_photos_and_strips_gps(
    client, world, django_capture_on_commit_callbacks
):
    photos = [jpeg("satu.jpg", exif_gps=True), jpeg("dua.jpg", exif_gps=True)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaints:new"), {**form_data(world), "photos": photos})

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:receipt", args=[complaint.public_token])
    assert complaint.channel == "web"
    assert complaint.area == world.sukarasa
    assert complaint.category == world.road
    assert complaint.reporter.phone == "+6281234567890"
    assert complaint.attachments.count() == 2
    for attachment in complaint.attachments.all():
        with attachment.file.open("rb") as stored:
            image = Image.open(io.BytesIO(stored.read()))
            exif = image.getexif()
            assert GPS_IFD not in exif
            assert not exif.get_ifd(GPS_IFD)
    # Routing ran after commit: the rule for roads in Kota Bandung picked the city's dinas.
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert complaint.agency == world.roads_bdg


def test_a_fake_photo_is_named_and_the_good_one_is_kept_for_resubmit(
    client, world, django_capture_on_commit_callbacks
):
    fake = SimpleUploadedFile("x.jpg", b"this is not a picture", content_type="image/jpeg")
    response = client.post(
        reverse("complaints:new"), {**form_data(world), "photos": [jpeg("bagus.jpg"), fake]}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert "x.jpg" in html
    assert "Jalan berlubang besar di depan SDN 3" in html
    assert 'value="Siti Rahayu"' in html
    kept = pending_values(html)
    assert len(kept) == 1
    assert PendingUpload.objects.get().original_name == "bagus.jpg"
    assert "bagus.jpg" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaints:new"), {**form_data(world), "pending": kept})

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert [a.original_name for a in complaint.attachments.all()] == ["bagus.jpg"]
    assert PendingUpload.objects.count() == 0


def test_a_kept_photo_survives_another_error_and_can_be_removed(client, world):
    client.post(reverse("complaints:new"), {**form_data(world, text=""), "photos": [jpeg("a.jpg")]})
    first = client.post(
        reverse("complaints:new"),
        {**form_data(world, text=""), "pending": [PendingUpload.objects.get().pk]},
    )
    # A raw id is not a signed value: nobody claims someone else's pending photo.
    assert pending_values(first.content.decode()) == []

    page = client.post(
        reverse("complaints:new"), {**form_data(world, text=""), "photos": [jpeg("b.jpg")]}
    )
    kept = pending_values(page.content.decode())
    assert len(kept) == 1
    again = client.post(reverse("complaints:new"), {**form_data(world, text=""), "pending": kept})
    assert pending_values(again.content.decode()) == kept

    response = client.post(
        reverse("complaints:new"), {**form_data(world), "pending": kept, "remove_pending": kept}
    )
    assert response.status_code == 302
    assert Complaint.objects.get().attachments.count() == 0


def test_more_than_five_photos_are_refused(client, world, settings):
    photos = [jpeg(f"foto{i}.jpg") for i in range(settings.UPLOAD_MAX_PHOTOS + 1)]
    response = client.post(reverse("complaints:new"), {**form_data(world), "photos": photos})

    html = response.content.decode()
    assert Complaint.objects.count() == 0
    assert "Anda dapat melampirkan paling banyak 5 foto" in html
    assert "Jalan berlubang besar" in html


def test_a_bad_phone_number_is_explained(client, world):
    response = client.post(reverse("complaints:new"), form_data(world, phone="12"))
    assert Complaint.objects.count() == 0
    assert "12" in response.content.decode()
    assert response.context["form"].errors["phone"]


def test_the_area_refresh_shows_the_next_level_without_errors(client, world):
    data = {
        "text": "",
        "province": world.jabar.code,
        "regency": world.bandung.code,
        "name": "Budi",
        "_refresh_area": "1",
    }
    response = client.post(reverse("complaints:new"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert f'<option value="{world.sukasari.code}">Sukasari</option>' in html
    assert f'<option value="{world.coblong.code}">Coblong</option>' in html
    assert f'<option value="{world.bandung.code}" selected>KOTA BANDUNG</option>' in html
    assert 'value="Budi"' in html
    assert "errorlist" not in html
    assert "error-summary" not in html


def test_the_area_refresh_drops_levels_that_no_longer_fit(client, world):
    data = {
        "text": "Sampah menumpuk",
        "province": world.jabar.code,
        "regency": world.bekasi.code,
        "district": world.sukasari.code,
        "_refresh_area": "1",
    }
    response = client.post(reverse("complaints:new"), data)
    html = response.content.decode()
    assert f'value="{world.sukasari.code}"' not in html
    assert "Sampah menumpuk" in html


def test_the_receipt_shows_the_code_and_the_full_link(client, world):
    with_photo = {**form_data(world), "photos": [jpeg("a.jpg")]}
    response = client.post(reverse("complaints:new"), with_photo, follow=True)

    complaint = Complaint.objects.get()
    html = response.content.decode()
    assert complaint.tracking_code in html
    assert f"http://testserver/lacak/{complaint.public_token}/" in html
    assert "data-copy-text" in html


def test_the_landing_page_links_to_the_form_and_tracking(client, db):
    html = client.get(reverse("complaints:home")).content.decode()
    assert reverse("complaints:new") in html
    assert reverse("complaints:track_lookup") in html
    assert '<html lang="id">' in html


def test_a_photo_chosen_before_an_area_refresh_is_kept(client, world):
    data = {"text": "Lampu jalan mati", "province": world.jabar.code, "_refresh_area": "1"}
    response = client.post(reverse("complaints:new"), {**data, "photos": [jpeg("lampu.jpg")]})

    html = response.content.decode()
    assert len(pending_values(html)) == 1
    assert "lampu.jpg" in html
    assert "errorlist" not in html
