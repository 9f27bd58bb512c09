"""Reads for the channels: whether WhatsApp still allows a free-form reply."""

from __future__ import annotations

from datetime import datetime, timedelta

from complaints.models import Channel, Complaint

WHATSAPP_WINDOW = timedelta(hours=24)


def whatsapp_last_inbound_at(*, recipient: str) -> datetime | None:
    """When this number last wrote to us on WhatsApp, as far as the records tell.

    Until the inbox (channels_intake.InboundMessage) is merged, the newest WhatsApp
    complaint of the reporter with this phone stands for the last inbound message; the
    inbox's own rows replace it then (docs/outbox.md).
    """
    return (
        Complaint.objects.filter(channel=Channel.WHATSAPP, reporter__phone=recipient)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def whatsapp_window_open(*, recipient: str, now: datetime) -> bool:
    """True while a free-form text is allowed: within 24 hours of the citizen's last message."""
    last = whatsapp_last_inbound_at(recipient=recipient)
    return last is not None and now - last < WHATSAPP_WINDOW
