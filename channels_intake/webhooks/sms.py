"""What both SMS webhooks share: answering CEK/STATUS and INFO in the webhook's own reply.

An SMS costs the citizen money and Twilio (TwiML) and most gateways (a "reply" field)
can carry the answer in the HTTP response, so status checks and help are answered at
once instead of through the outbox. The answer is still recorded in the outbox (as
sent, once per inbound message), so staff see it and the worker never sends it again.
"""

from __future__ import annotations

from django.conf import settings

from complaints.models import Channel, Complaint

from .. import keywords
from ..models import OutboundMessage
from ..normalized import Kind, NormalizedMessage
from ..outbox import outbound_record_inline


def keyword_dedupe_key(message: NormalizedMessage) -> str:
    """One keyword answer per inbound message, whoever records it (webhook or worker)."""
    return f"keyword:{Channel.SMS}:{message.provider_message_id}"


def keyword_reply(message: NormalizedMessage, *, provider_message_id: str) -> str | None:
    """The inline answer to CEK <kode> or INFO, recorded once; None for anything else.

    A redelivered request gets the answer recorded the first time.
    """
    if message.kind != Kind.MESSAGE:
        return None
    parsed = keywords.parse(message.text)
    complaint = None
    if parsed.command == keywords.Command.HELP:
        text = keywords.help_text(settings.PUBLIC_BASE_URL)
    elif parsed.command == keywords.Command.STATUS:
        complaint = reporters_complaint(parsed.argument, phone=message.sender_phone)
        # The tracking link carries the token that confirms or reopens: the reporter only.
        text = keywords.status_text(parsed.argument, reveal_link=complaint is not None)
    else:
        return None
    dedupe_key = keyword_dedupe_key(message)
    recorded = outbound_record_inline(
        channel=Channel.SMS,
        recipient=message.address_for_reply,
        body=text,
        dedupe_key=dedupe_key,
        provider_message_id=provider_message_id,
        complaint=complaint,
    )
    if recorded is None:
        stored = (
            OutboundMessage.objects.filter(dedupe_key=dedupe_key)
            .values_list("body", flat=True)
            .first()
        )
        text = stored or text
    return text


def reporters_complaint(code: str, *, phone: str) -> Complaint | None:
    """The complaint `code` shows (a merged one shows its master) when `phone` reported it."""
    if not code or not phone:
        return None
    complaint = (
        Complaint.objects.select_related("reporter", "merged_into__reporter")
        .filter(tracking_code=code)
        .first()
    )
    if complaint is None:
        return None
    shown = complaint.merged_into or complaint
    reporter = shown.reporter
    return shown if reporter is not None and reporter.phone and reporter.phone == phone else None
