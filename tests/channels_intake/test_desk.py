"""The desk services: hotline and walk-in entry, partner keys, and the SMS acknowledgment."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from PIL import Image

from channels_intake import desk, entries
from channels_intake.models import InboundMessage, OutboundMessage, PartnerKey
from channels_intake.providers.registry import can_reply
from complaints.images import process_image
from complaints.lifecycle import Actor, event_actor_text
from complaints.models import Channel, ComplaintEvent, Reporter
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_registered():
    """The SMS channel has a sender in the registry (credentials unset: the log)."""
    assert can_reply(Channel.SMS)


def photo(**kwargs):
    return process_image(io.BytesIO(make_image_bytes(**kwargs)), name="jalan.jpg")


def test_it_records_a_hotline_call_as_a_normalized_inbound_message(world, operator, english):
    complaint = desk.desk_complaint_create(
        actor=Actor.for_user(operator),
        channel=Channel.HOTLINE,
        phone="0812-3456-7890",
        name="Bu Siti",
        text="Lampu jalan mati di Jl. Dago sejak tiga hari.",
        area=world.dago,
        category=world.streetlight,
        latitude=-6.8853,
        longitude=107.6131,
        address="Depan SDN 3",
        photos=[photo(exif_gps=True)],
    )

    assert complaint.channel == Channel.HOTLINE
    assert complaint.area == world.dago
    assert complaint.category == world.streetlight
    assert complaint.reporter.phone == "+6281234567890"
    assert complaint.reporter.name == "Bu Siti"
    stored = complaint.attachments.get()
    with Image.open(stored.file) as image:
        assert not image.getexif()  # no GPS, no camera
    message = InboundMessage.objects.get(complaint=complaint)
    assert message.channel == Channel.HOTLINE
    assert message.state == InboundMessage.State.PROCESSED
    assert message.sender_id == "+6281234567890"
    assert message.reply_address == ""  # replies fall back to SMS (replies._FALLBACK)
    body = json.loads(bytes(message.body))
    assert body["channel"] == "hotline"
    assert body["provider_message_id"] == message.provider_message_id
    assert body["sender_phone"] == "+6281234567890"
    assert body["text"] == complaint.text
    assert body["area"] == "32.73.02.1004"
    assert body["taken_by"] == "operator"
    assert body["photos"][0]["sha256"] == stored.sha256


def test_the_created_event_names_the_operator_who_took_it(world, operator, english):
    complaint = desk.desk_complaint_create(
        actor=Actor.for_user(operator),
        channel=Channel.WALK_IN,
        phone="",
        text="Sampah menumpuk di pasar.",
    )
    created = complaint.events.get(kind=ComplaintEvent.Kind.CREATED)
    assert created.actor == operator
    assert created.actor_label == "walk_in"
    assert event_actor_text(created) == "Ovi"
    assert complaint.reporter is None


def test_it_refuses_a_channel_that_is_not_the_desks(world, operator, english):
    with pytest.raises(ValidationError, match="Unknown channel"):
        desk.desk_complaint_create(
            actor=Actor.for_user(operator), channel=Channel.WHATSAPP, phone="", text="x"
        )
    with pytest.raises(ValidationError, match="not a valid phone"):
        desk.desk_complaint_create(
            actor=Actor.for_user(operator), channel=Channel.HOTLINE, phone="12345", text="x"
        )
    assert not InboundMessage.objects.exists()


def test_a_hotline_complaint_is_acknowledged_by_sms_to_the_callers_phone(
    world, operator, sms_registered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = desk.desk_complaint_create(
            actor=Actor.for_user(operator),
            channel=Channel.HOTLINE,
            phone="081234567890",
            text="Jalan berlubang di Dago.",
            area=world.dago,
            category=world.road,
        )
    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert ack.channel == Channel.SMS
    assert ack.recipient == "+6281234567890"
    assert complaint.tracking_code in ack.body


def test_a_walk_in_without_a_phone_gets_no_message(
    world, operator, sms_registered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = desk.desk_complaint_create(
            actor=Actor.for_user(operator),
            channel=Channel.WALK_IN,
            phone="",
            name="Pak Ujang",
            text="Saluran air tersumbat.",
        )
    assert not OutboundMessage.objects.filter(complaint=complaint).exists()


def test_the_same_phone_finds_the_citizens_earlier_record(world, operator):
    actor = Actor.for_user(operator)
    first = desk.desk_complaint_create(
        actor=actor, channel=Channel.HOTLINE, phone="081234567890", text="Satu"
    )
    second = desk.desk_complaint_create(
        actor=actor, channel=Channel.WALK_IN, phone="+62 812 3456 7890", name="Siti", text="Dua"
    )
    assert first.reporter == second.reporter
    assert Reporter.objects.get().name == "Siti"


# Partner keys -----------------------------------------------------------------------------


def test_a_partner_key_is_stored_only_as_its_hash(db):
    partner, key = desk.partner_key_create(name="LAPOR! Bandung")
    assert key.startswith("sgp_")
    assert len(key) > 40
    assert partner.prefix == key[:12]
    assert partner.key_hash == desk.partner_key_hash(key)
    assert key not in json.dumps(list(PartnerKey.objects.values()), default=str)
    assert desk.partner_key_lookup(key) == partner
    assert desk.partner_key_lookup(key + "x") is None
    assert desk.partner_key_lookup("") is None


def test_the_command_prints_a_new_key_once(db, capsys):
    call_command("create_partner_key", "Aplikasi Kelurahan")
    out, err = capsys.readouterr()
    key = out.strip()
    partner = PartnerKey.objects.get()
    assert partner.name == "Aplikasi Kelurahan"
    assert desk.partner_key_lookup(key) == partner
    assert partner.prefix in err
    assert key not in err


def test_bad_base64_and_bad_pictures_are_named_by_position(db, english):
    import base64

    good = base64.b64encode(make_image_bytes()).decode()
    not_a_picture = base64.b64encode(b"hello").decode()
    with pytest.raises(entries.PhotosRejected) as caught:
        entries.decode_photos([good, "%%%", not_a_picture])
    assert caught.value.errors == {
        "1": ["Photo 2 is not valid base64."],
        "2": ["Photo 3 is not a picture we can read."],
    }
    assert len(entries.decode_photos([good, f"data:image/jpeg;base64,{good}"])) == 2


def test_the_admin_shows_a_new_key_once_and_keeps_only_its_hash(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/channels_intake/partnerkey/add/", {"name": "LAPOR! Jabar", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    partner = PartnerKey.objects.get()
    page = response.content.decode()
    key = page.split('id="partner-key" size="60"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert key.startswith(partner.prefix)
    assert desk.partner_key_lookup(key) == partner
    assert "Salin sekarang" in page
    change = client.get(f"/admin/channels_intake/partnerkey/{partner.pk}/change/")
    assert key not in change.content.decode()
    assert partner.prefix in change.content.decode()
    assert key not in str(client.session.items())
