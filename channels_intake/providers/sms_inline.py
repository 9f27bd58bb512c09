"""What both SMS webhooks share: answering CEK/STATUS and INFO in the webhook's own reply.

An SMS costs the citizen money and Twilio (TwiML) and most gateways (a "reply" field)
can carry the answer in the HTTP response, so status checks and help are answered at
once instead of through the outbox. The answer is still recorded in the outbox (as
sent, once per inbound message), so staff see it and the worker never sends it again.
"""

from __future__ import annotations

from channels_intake import keywords
from channels_intake.models import OutboundMessage
from channels_intake.normalized import Kind, NormalizedMessage
from channels_intake.outbox import outbound_record_inline
from complaints.models import Channel


def keyword_reply(message: NormalizedMessage, *, provider_message_id: str) -> str | None:
    """The inline answer to CEK <kode> or INFO, recorded once; None for anything else.

    A redelivered request gets the answer recorded the first time.
    """
    if message.kind != Kind.MESSAGE:
        return None
    answer = keywords.answer(keywords.parse(message.text), phone=message.sender_phone)
    if answer is None:
        return None
    dedupe_key = keywords.dedupe_key(Channel.SMS, message.provider_message_id)
    recorded = outbound_record_inline(
        channel=Channel.SMS,
        recipient=message.address_for_reply,
        body=answer.text,
        dedupe_key=dedupe_key,
        provider_message_id=provider_message_id,
        complaint=answer.complaint,
    )
    if recorded is None:
        stored = (
            OutboundMessage.objects.filter(dedupe_key=dedupe_key)
            .values_list("body", flat=True)
            .first()
        )
        return stored or answer.text
    return answer.text
