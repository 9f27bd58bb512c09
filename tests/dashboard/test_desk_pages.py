"""The operators' desk pages: quick entry, reporters and their merge, inbox and outbox.

Pages are tested in Indonesian; every page is operators and admins only.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.outbox import UNKNOWN_OUTCOME
from complaints.lifecycle import Actor
from complaints.models import Channel, Complaint, ComplaintEvent, Reporter, User
from complaints.services import complaint_create
from dispositions.services import disposition_route
from tests.conftest import PASSWORD, make_image_bytes

pytestmark = pytest.mark.django_db

QUICK = reverse("dashboard:quick_entry")
REPORTERS = reverse("dashboard:reporters")
INBOX = reverse("dashboard:inbox")
OUTBOX = reverse("dashboard:outbox")


def entry(**overrides):
    data = {
        "phone": "0812 3456 7890",
        "channel": "hotline",
        "name": "Bu Siti",
        "text": "Jalan berlubang besar di depan SDN 3 Dago.",
        "province": "32",
        "regency": "32.73",
        "district": "32.73.02",
        "village": "32.73.02.1004",
        "address": "Depan SDN 3",
        "latitude": "",
        "longitude": "",
    }
    data.update(overrides)
    return data


def jpeg(name="foto.jpg"):
    return SimpleUploadedFile(name, make_image_bytes(exif_gps=True), content_type="image/jpeg")


# Permissions ------------------------------------------------------------------------------


def _desk_urls(world):
    reporter = Reporter.objects.create(name="Siti", phone="+6281234567890")
    other = Reporter.objects.create(name="siti")
    message = InboundMessage.objects.create(
        channel=Channel.WHATSAPP, provider_message_id="wamid.1", body=b"{}", state="parked"
    )
    outbound = OutboundMessage.objects.create(
        channel=Channel.WHATSAPP, recipient="+62812", body="x", dedupe_key="k", state="failed"
    )
    gets = [
        QUICK,
        REPORTERS,
        reverse("dashboard:reporter", args=[reporter.pk]),
        reverse("dashboard:reporter_merge", args=[reporter.pk, other.pk]),
        INBOX,
        OUTBOX,
    ]
    posts = [
        QUICK,
        reverse("dashboard:reporter_merge", args=[reporter.pk, other.pk]),
        reverse("dashboard:inbox_replay", args=[message.pk]),
        reverse("dashboard:outbox_retry", args=[outbound.pk]),
    ]
    return gets, posts


@pytest.mark.parametrize("persona", ["staff_roads", "head_roads", "supervisor"])
def test_only_operators_and_admins_may_use_the_desk(client, world, persona, request):
    user = request.getfixturevalue(persona)
    gets, posts = _desk_urls(world)
    client.force_login(user)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, entry()).status_code == 403, url
    assert Reporter.objects.count() == 2
    assert InboundMessage.objects.get().state == "parked"
    assert OutboundMessage.objects.get().state == "failed"
    assert not Complaint.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client, world):
    gets, _posts = _desk_urls(world)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_operators_and_admins_get_every_page(client, world, operator, admin_user):
    gets, _posts = _desk_urls(world)
    for user in (operator, admin_user):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 200, url


def test_the_queue_links_operators_to_the_desk_but_not_agency_staff(
    client, world, operator, staff_roads
):
    client.force_login(operator)
    assert "Entri cepat" in client.get(reverse("dashboard:home")).content.decode()
    client.force_login(staff_roads)
    assert "Entri cepat" not in client.get(reverse("dashboard:home")).content.decode()


# Quick entry ------------------------------------------------------------------------------


def test_the_form_starts_with_the_phone_focused(client, operator):
    client.force_login(operator)
    page = client.get(QUICK).content.decode()
    assert "Entri hotline dan loket" in page
    assert "Telepon penelepon atau pengunjung" in page
    phone = page.index('name="phone"')
    assert page.index('name="channel"') > phone
    assert page.index('name="text"') > phone
    assert "autofocus" in page[page.rindex("<input", 0, phone) : page.index(">", phone)]
    assert 'id="area-fieldset"' in page  # the same area picker as the citizen form
    walk_in = client.get(QUICK, {"kanal": "walk_in"}).context["form"]
    assert walk_in["channel"].value() == "walk_in"


def test_an_operator_records_a_hotline_call_and_sees_the_code(client, world, operator):
    client.force_login(operator)
    response = client.post(
        QUICK, {**entry(is_anonymous="on"), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]}
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dashboard:complaint", args=[complaint.tracking_code])
    page = client.get(response.url).content.decode()
    assert f"Aduan tercatat. Bacakan kode lacak kepada warga: {complaint.tracking_code}" in page
    assert complaint.channel == Channel.HOTLINE
    assert complaint.area == world.dago
    assert complaint.is_anonymous
    assert complaint.reporter.phone == "+6281234567890"
    assert complaint.attachments.count() == 2
    created = complaint.events.get(kind=ComplaintEvent.Kind.CREATED)
    assert created.actor == operator
    assert InboundMessage.objects.get().complaint == complaint


def test_a_bad_photo_keeps_everything_else_typed(client, world, operator):
    client.force_login(operator)
    broken = SimpleUploadedFile("rusak.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(QUICK, {**entry(), "photos": [jpeg(), broken]})

    assert response.status_code == 400
    page = response.content.decode()
    assert "rusak.jpg bukan gambar yang bisa kami baca." in page
    assert "Semua isian lain tetap tersimpan; pilih fotonya lagi." in page
    assert "Jalan berlubang besar di depan SDN 3 Dago." in page
    assert 'value="0812 3456 7890"' in page
    assert 'value="32.73.02.1004" selected' in page
    assert not Complaint.objects.exists()
    assert not InboundMessage.objects.exists()


def test_a_bad_phone_and_a_missing_text_are_explained(client, world, operator):
    client.force_login(operator)
    response = client.post(QUICK, entry(phone="12345", text=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "bukan nomor telepon yang valid" in page
    assert "Mohon jelaskan masalahnya." in page


def test_the_area_picker_works_without_javascript(client, world, operator):
    client.force_login(operator)
    response = client.post(
        QUICK,
        {**entry(district="", village=""), "regency": "32.73", "_refresh_area": "1"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert ("32.73.02", "Coblong") in form.fields["district"].choices
    assert not form.errors
    assert form["text"].value() == "Jalan berlubang besar di depan SDN 3 Dago."
    assert not Complaint.objects.exists()


def test_agency_staff_never_see_who_called_in_an_anonymous_complaint(
    client, world, operator, staff_roads
):
    client.force_login(operator)
    client.post(QUICK, {**entry(is_anonymous="on"), "category": world.road.pk})
    complaint = Complaint.objects.get()
    disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg

    client.force_login(staff_roads)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    assert page.status_code == 200
    assert "Bu Siti" not in page.content.decode()
    assert "+6281234567890" not in page.content.decode()


# Reporters --------------------------------------------------------------------------------


def reporter_with(world, *, name="", phone="", email="", channels=("web",)):
    reporter = Reporter.objects.create(name=name, phone=phone, email=email)
    for channel in channels:
        complaint_create(channel=channel, text=f"Aduan lewat {channel}", reporter=reporter)
    return reporter


def test_the_reporter_list_searches_and_counts_per_channel(client, world, operator):
    siti = reporter_with(
        world, name="Siti Rahma", phone="+6281234567890", channels=("whatsapp", "whatsapp", "sms")
    )
    reporter_with(world, name="Budi", email="budi@example.id")
    client.force_login(operator)

    page = client.get(REPORTERS, {"q": "0812-3456-7890"})
    assert [r["reporter"] for r in page.context["rows"]] == [siti]
    html = page.content.decode()
    assert "WhatsApp: 2" in html
    assert "SMS: 1" in html
    assert "Aduan per kanal" in html
    assert [r["reporter"].name for r in client.get(REPORTERS, {"q": "budi@"}).context["rows"]] == [
        "Budi"
    ]
    assert client.get(REPORTERS, {"q": "tidak ada"}).context["rows"] == []
    assert "Tidak ada pelapor ditemukan." in client.get(REPORTERS, {"q": "zzz"}).content.decode()


def test_the_reporter_list_costs_the_same_queries_for_more_rows(
    client, world, operator, django_assert_num_queries
):
    for n in range(3):
        reporter_with(world, name=f"Warga {n}", channels=("web", "sms"))
    client.force_login(operator)
    client.get(REPORTERS)  # warm the session
    # 5 for the page, 1 for its audit entry (citizens' identities are a sensitive read).
    with django_assert_num_queries(6):
        assert len(client.get(REPORTERS).context["rows"]) == 3
    for n in range(8):
        reporter_with(world, name=f"Warga lain {n}", channels=("whatsapp",))
    with django_assert_num_queries(6):
        assert len(client.get(REPORTERS).context["rows"]) == 11


def test_an_operator_scoped_to_an_area_sees_only_its_reporters(client, world):
    scoped = User.objects.create_user(
        username="op_bekasi", password=PASSWORD, role=User.Role.OPERATOR, area=world.bekasi
    )
    bandung = Reporter.objects.create(name="Warga Bandung")
    complaint_create(channel="web", text="Di Dago", area=world.dago, reporter=bandung)
    bekasi = Reporter.objects.create(name="Warga Bekasi")
    complaint_create(channel="web", text="Di Bekasi", area=world.bekasi, reporter=bekasi)
    client.force_login(scoped)

    assert [r["reporter"] for r in client.get(REPORTERS).context["rows"]] == [bekasi]
    assert client.get(reverse("dashboard:reporter", args=[bandung.pk])).status_code == 404
    merge = reverse("dashboard:reporter_merge", args=[bekasi.pk, bandung.pk])
    assert client.post(merge).status_code == 404
    assert Reporter.objects.count() == 2


def test_an_operator_merges_two_records_of_one_citizen(client, world, operator):
    keep = reporter_with(world, name="Siti Rahma", phone="+6281234567890", channels=("sms",))
    dupe = reporter_with(world, name="siti rahma", email="siti@example.id", channels=("whatsapp",))
    ReporterHandle.objects.create(reporter=dupe, channel=Channel.WHATSAPP, handle="ID.99")
    client.force_login(operator)

    detail = client.get(reverse("dashboard:reporter", args=[keep.pk]))
    assert detail.context["candidates"] == [dupe]
    assert "Gabungkan ke data ini…" in detail.content.decode()

    url = reverse("dashboard:reporter_merge", args=[keep.pk, dupe.pk])
    confirm = client.get(url).content.decode()
    assert "Gabungkan pelapor" in confirm
    assert f"Data #{dupe.pk} dihapus. Ini tidak dapat dibatalkan." in confirm
    assert "siti@example.id" in confirm
    assert Reporter.objects.count() == 2  # looking changes nothing

    done = client.post(url, follow=True)
    assert "Digabung: 1 aduan dipindahkan ke pelapor ini." in done.content.decode()
    assert list(Reporter.objects.all()) == [keep]
    keep.refresh_from_db()
    assert keep.email == "siti@example.id"
    assert ReporterHandle.objects.get().reporter == keep
    assert Complaint.objects.filter(reporter=keep).count() == 2
    assert "ID.99" in client.get(reverse("dashboard:reporter", args=[keep.pk])).content.decode()


def test_the_merge_note_is_internal_and_names_no_one(client, world, operator, staff_roads):
    keep = Reporter.objects.create(name="Siti Rahma", phone="+6281234567890")
    dupe = Reporter.objects.create(name="Siti R.")
    moved = complaint_create(
        channel="whatsapp",
        text="Jalan berlubang",
        category=world.road,
        area=world.dago,
        reporter=dupe,
        is_anonymous=True,
    )
    disposition_route(complaint_id=moved.pk)
    client.force_login(operator)
    client.post(reverse("dashboard:reporter_merge", args=[keep.pk, dupe.pk]))

    client.force_login(staff_roads)
    page = client.get(reverse("dashboard:complaint", args=[moved.tracking_code])).content.decode()
    assert "Data pelapor digabung" in page
    assert "Siti" not in page


# Inbox and outbox -------------------------------------------------------------------------


def inbound(n, state, channel=Channel.WHATSAPP, **extra):
    return InboundMessage.objects.create(
        channel=channel,
        provider_message_id=f"wamid.{n}",
        sender_id=f"62812000{n}",
        body=b"{}",
        state=state,
        **extra,
    )


def test_the_inbox_shows_parked_and_failed_first_and_filters(client, world, operator):
    complaint = complaint_create(channel="whatsapp", text="Lampu mati")
    done = inbound(1, "processed", complaint=complaint)
    parked = inbound(2, "parked", last_error="ValueError: No parser", attempts=5)
    failed = inbound(3, "failed", last_error="OperationalError: database is locked")
    sms = inbound(4, "received", channel=Channel.SMS)
    client.force_login(operator)

    page = client.get(INBOX)
    assert list(page.context["page"].object_list) == [parked, failed, sms, done]
    html = page.content.decode()
    assert "Kotak masuk semua kanal" in html
    assert "ValueError: No parser" in html
    assert complaint.tracking_code in html
    assert html.count("Proses ulang</button>") == 2
    assert list(client.get(INBOX, {"channel": "sms"}).context["page"].object_list) == [sms]
    assert list(client.get(INBOX, {"state": "failed"}).context["page"].object_list) == [failed]
    # A state that is not one answers 400 with the reason, like the queue's filters.
    bad = client.get(INBOX, {"state": "nonsense"})
    assert bad.status_code == 400
    assert "nonsense" in bad.content.decode()


def test_the_inbox_says_when_a_message_waits_in_a_draft(client, world, operator):
    from channels_intake.models import Conversation

    draft = Conversation.objects.create(
        channel=Channel.WHATSAPP, sender_id="628120001", closes_at=timezone.now()
    )
    inbound(1, "processed", conversation=draft)
    client.force_login(operator)
    assert "Masih draf terbuka" in client.get(INBOX).content.decode()


def test_the_inbox_costs_the_same_queries_for_more_rows(
    client, world, operator, django_assert_num_queries
):
    for n in range(3):
        inbound(n, "processed", complaint=complaint_create(channel="whatsapp", text=f"A{n}"))
    client.force_login(operator)
    client.get(INBOX)
    # Session, user, the keyset page, and one bounded count per state (6).
    with django_assert_num_queries(9):
        client.get(INBOX)
    for n in range(3, 12):
        inbound(n, "parked")
    with django_assert_num_queries(9):
        assert len(client.get(INBOX).context["page"].object_list) == 12


def test_replay_sends_a_parked_message_through_processing_again(client, world, operator):
    parked = inbound(1, "parked", last_error="boom", attempts=5)
    done = inbound(2, "processed")
    client.force_login(operator)

    page = client.post(reverse("dashboard:inbox_replay", args=[parked.pk]), follow=True)
    assert "Pesan dikirim untuk diproses ulang." in page.content.decode()
    parked.refresh_from_db()
    assert parked.state == "received"
    assert parked.last_error == ""
    refused = client.post(reverse("dashboard:inbox_replay", args=[done.pk]), follow=True)
    assert "Hanya pesan yang ditahan atau gagal" in refused.content.decode()


def outbound(n, state, **extra):
    return OutboundMessage.objects.create(
        channel=Channel.WHATSAPP,
        recipient=f"+62812000{n}",
        body="Sigap: aduan diterima",
        dedupe_key=f"k{n}",
        state=state,
        **extra,
    )


def test_the_outbox_shows_failed_first_and_flags_unknown_outcomes(client, world, operator):
    sent = outbound(1, "sent", sent_at="2025-01-01T00:00:00+07:00", attempts=1)
    failed = outbound(2, "failed", last_error="HTTP 400: bad number", attempts=1)
    unknown = outbound(3, "failed", last_error=UNKNOWN_OUTCOME, attempts=1)
    client.force_login(operator)

    page = client.get(OUTBOX)
    assert [m for m, _unknown in page.context["rows"]] == [unknown, failed, sent]
    html = page.content.decode()
    assert "Balasan kepada warga" in html
    assert "hasil tidak diketahui" in html
    assert "HTTP 400: bad number" in html
    assert html.count("Kirim ulang</button>") == 2
    assert 'name="confirm_unknown" required' in html
    # What the citizen was told, not only that something was sent.
    assert html.count("Sigap: aduan diterima") == 3


def test_the_outbox_costs_the_same_queries_for_more_rows(
    client, world, operator, django_assert_num_queries
):
    complaint = complaint_create(channel="whatsapp", text="A")
    for n in range(3):
        outbound(n, "failed", complaint=complaint)
    client.force_login(operator)
    client.get(OUTBOX)
    # Session, user, the keyset page, and one bounded count per state (5).
    with django_assert_num_queries(8):
        client.get(OUTBOX)
    for n in range(3, 12):
        outbound(n, "pending", complaint=complaint)
    with django_assert_num_queries(8):
        assert len(client.get(OUTBOX).context["rows"]) == 12


def test_retry_resends_a_failed_message(client, world, operator):
    failed = outbound(1, "failed", last_error="HTTP 500", attempts=5)
    client.force_login(operator)
    page = client.post(reverse("dashboard:outbox_retry", args=[failed.pk]), follow=True)
    assert "Pesan akan dikirim ulang." in page.content.decode()
    failed.refresh_from_db()
    assert failed.state == "pending"
    assert failed.attempts == 0


def test_an_unknown_outcome_is_resent_only_when_confirmed(client, world, operator):
    unknown = outbound(1, "failed", last_error=UNKNOWN_OUTCOME, attempts=1)
    url = reverse("dashboard:outbox_retry", args=[unknown.pk])
    client.force_login(operator)

    refused = client.post(url, follow=True)
    assert "Pesan ini mungkin sudah sampai ke warga." in refused.content.decode()
    unknown.refresh_from_db()
    assert unknown.state == "failed"

    client.post(url, {"confirm_unknown": "on"})
    unknown.refresh_from_db()
    assert unknown.state == "pending"


def test_retry_refuses_a_message_that_is_not_failed(client, world, operator):
    sent = outbound(1, "sent", sent_at="2025-01-01T00:00:00+07:00")
    client.force_login(operator)
    page = client.post(reverse("dashboard:outbox_retry", args=[sent.pk]), follow=True)
    assert "Hanya pesan yang gagal yang dapat dikirim ulang." in page.content.decode()
    assert client.post(reverse("dashboard:outbox_retry", args=[999])).status_code == 404


def test_the_desk_actor_is_recorded_for_an_admin_too(client, world, admin_user):
    client.force_login(admin_user)
    client.post(QUICK, entry(channel="walk_in"))
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WALK_IN
    assert complaint.events.get(kind="created").actor == admin_user
    assert Actor.for_user(admin_user).label == "admin"


def test_the_hotline_is_chosen_unless_the_link_says_walk_in(client, operator):
    client.force_login(operator)
    assert client.get(QUICK).context["form"]["channel"].value() == "hotline"
    html = client.get(QUICK).content.decode()
    hotline = html[html.rindex("<input", 0, html.index('value="hotline"')) :]
    assert "checked" in hotline[: hotline.index(">")]
    assert client.get(QUICK, {"kanal": "x"}).context["form"]["channel"].value() == "hotline"
