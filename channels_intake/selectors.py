"""Reads for the channels: WhatsApp's reply window, a complaint's conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.models import Channel, Complaint

from .models import InboundMessage, OutboundMessage, ReporterHandle
from .parsing import stored_message_or_none

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


@dataclass(frozen=True)
class ChannelMessage:
    """One message of a complaint's conversation on its channel, for the staff page."""

    at: datetime
    incoming: bool
    channel: str
    text: str
    state: str  # the outbound state ("sent", "failed", ...) or the inbound one


def _inbound_text(message: InboundMessage) -> str:
    """What the citizen wrote, read again from the stored raw message."""
    normalized = stored_message_or_none(message)
    if normalized is None:
        return ""
    parts = [normalized.text.strip()] if normalized.text.strip() else []
    if normalized.attachments:
        parts.append(
            ngettext("[%(n)d file]", "[%(n)d files]", len(normalized.attachments))
            % {"n": len(normalized.attachments)}
        )
    if normalized.latitude is not None and not normalized.text.strip():
        parts.append(_("[location]"))
    return " ".join(parts)


def complaint_channel_messages(*, complaint: Complaint) -> list[ChannelMessage]:
    """What the citizen sent on the channel and what Sigap answered, oldest first.

    Only texts and times: who wrote (a phone, a handle) stays with the reporter card,
    which anonymous and confidential complaints hide from agencies.
    """
    inbound = [
        ChannelMessage(
            at=m.received_at,
            incoming=True,
            channel=m.get_channel_display(),
            text=_inbound_text(m),
            state=m.get_state_display(),
        )
        for m in InboundMessage.objects.filter(complaint=complaint).order_by("received_at", "id")
    ]
    outbound = [
        ChannelMessage(
            at=m.created_at,
            incoming=False,
            channel=m.get_channel_display(),
            text=m.body,
            state=m.get_state_display(),
        )
        for m in OutboundMessage.objects.filter(complaint=complaint).order_by("created_at", "id")
    ]
    return sorted(inbound + outbound, key=lambda m: m.at)
