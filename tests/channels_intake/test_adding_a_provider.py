"""Adding a provider is one folder and one registry line: a made-up one, end to end.

tests/channels_intake/pigeon/ is written as docs/channels/README.md says; the fixture
adds its one line to the registry (and reloads the URLconf, as a restart would).
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.urls import clear_url_caches, reverse

from channels_intake.models import InboundMessage, OutboundMessage
from channels_intake.providers import registry
from channels_intake.providers.registry import Provider
from complaints.models import Channel, Complaint

from .pigeon import adapter as pigeon_adapter
from .pigeon.webhook import TOKEN

pytestmark = pytest.mark.django_db


def _reload_urls() -> None:
    import channels_intake.urls
    import config.urls

    importlib.reload(channels_intake.urls)
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def pigeon(monkeypatch):
    line = Provider(
        "pigeon", (Channel.SMS,), pigeon_adapter.parse, "tests.channels_intake.pigeon.webhook"
    )
    monkeypatch.setattr(registry, "PROVIDERS", [*registry.PROVIDERS, line])
    _reload_urls()
    yield line
    monkeypatch.undo()
    _reload_urls()


def delivery(text: str, message_id: str = "m-1") -> bytes:
    return json.dumps(
        {"messages": [{"id": message_id, "from": "+6281234567890", "text": text}]}
    ).encode()


def post(client, raw: bytes, token: str = TOKEN):
    return client.post(
        reverse("channels_intake:pigeon"),
        data=raw,
        content_type="application/json",
        HTTP_X_PIGEON_TOKEN=token,
    )


def test_it_receives_a_message_through_a_new_provider_and_files_the_complaint(
    client, world, pigeon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, delivery("Lampu jalan mati di Jl. Dago"))
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert (message.channel, message.provider) == (Channel.SMS, "pigeon")
    assert message.state == InboundMessage.State.PROCESSED
    complaint = Complaint.objects.get()
    assert message.complaint == complaint
    assert complaint.text == "Lampu jalan mati di Jl. Dago"
    assert complaint.reporter.phone == "+6281234567890"
    # The citizen hears back on the channel, through the channel's configured sender.
    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient) == (Channel.SMS, "+6281234567890")


def test_the_new_provider_refuses_a_bad_token_and_a_bad_body(client, pigeon):
    assert post(client, delivery("x"), token="wrong").status_code == 403
    assert post(client, b"[]").status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_redelivery_through_the_new_provider_is_stored_once(client, world, pigeon):
    post(client, delivery("Sampah menumpuk"))
    assert post(client, delivery("Sampah menumpuk")).json() == {"received": 1, "new": 0}
    assert InboundMessage.objects.count() == 1


def test_without_its_line_the_provider_does_not_exist(client):
    assert registry.provider_named("pigeon") is None
    assert (
        client.post("/webhooks/pigeon/", data=b"{}", content_type="application/json").status_code
        == 404
    )
