"""Reads for the channels: whether WhatsApp still allows a free-form reply."""

from __future__ import annotations

from datetime import datetime, timedelta

from complaints.models import Channel, Complaint

from .models import InboundMessage, ReporterHandle

WHATSAPP_WINDOW = timedelta(hours=24)


def whatsapp_last_inbound_at(*, recipient: str) -> datetime | None:
    """When this citizen last wrote to us on WhatsApp.

    The inbox knows the sender by wa_id (the phone without "+") or by the business-scoped
    user id recorded as a ReporterHandle; delivery statuses (stored as "<wamid>:<status>")
    are our own messages, not the citizen writing. A complaint filed on WhatsApp by the
    same phone counts too (it may predate the inbox, e.g. entered by an operator).
    """
    senders = {recipient, recipient.removeprefix("+")}
    senders |= set(
        ReporterHandle.objects.filter(
            channel=Channel.WHATSAPP, reporter__phone=recipient
        ).values_list("handle", flat=True)
    )
    inbound = (
        InboundMessage.objects.filter(channel=Channel.WHATSAPP, sender_id__in=senders)
        .exclude(provider_message_id__contains=":")
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    complaint = (
        Complaint.objects.filter(channel=Channel.WHATSAPP, reporter__phone=recipient)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return max((t for t in (inbound, complaint) if t is not None), default=None)


def whatsapp_window_open(*, recipient: str, now: datetime) -> bool:
    """True while a free-form text is allowed: within 24 hours of the citizen's last message."""
    last = whatsapp_last_inbound_at(recipient=recipient)
    return last is not None and now - last < WHATSAPP_WINDOW
