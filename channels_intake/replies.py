"""What the citizen hears, and on which channel: the replies to the core's events.

complaints.hooks calls the handlers registered in apps.py after commit; they hand the
event to a worker, which turns it into OutboundMessage rows here (one per recipient,
deduplicated by event) and the outbox sends them.
"""

from __future__ import annotations

from dataclasses import dataclass

from complaints.models import Channel, Complaint, ComplaintEvent
from complaints.privacy import mask_personal_data
from complaints.selectors import complaint_followers

from . import messages
from .models import OutboundMessage
from .outbox import outbound_enqueue
from .providers.registry import can_reply

CREATED = "created"
# Complaints taken by an operator (hotline, walk-in) are answered by SMS to the caller's
# phone; web reports by email when the citizen gave an address.
_FALLBACK = {
    Channel.HOTLINE: (Channel.SMS, "phone"),
    Channel.WALK_IN: (Channel.SMS, "phone"),
    Channel.SMS: (Channel.SMS, "phone"),
    Channel.WHATSAPP: (Channel.WHATSAPP, "phone"),
    Channel.WEB: (Channel.EMAIL, "email"),
}

# Replies to a public comment are private replies, which Meta allows once per comment.
ONE_PRIVATE_REPLY = frozenset({Channel.FACEBOOK, Channel.INSTAGRAM})

Kind = OutboundMessage.Kind
_KIND_OF_ACTION = {"request_info": Kind.QUESTION, "resolve": Kind.FOLLOWUP}


@dataclass(frozen=True)
class Target:
    channel: str
    address: str
    thread_ref: str = ""


def reply_target(complaint: Complaint) -> Target | None:
    """Where the reporter of `complaint` hears from us: the channel and thread they wrote in.

    The first inbound message of the complaint says it (the chat, the tweet, the email);
    a complaint without one falls back to the reporter's phone or email. None when the
    citizen left no way to reach them, or the channel has no sender.
    """
    origins = sorted(complaint.inbound_messages.all(), key=lambda m: (m.received_at, m.pk))
    origin = next((m for m in origins if m.reply_address), None)
    if origin is not None:
        target = Target(origin.channel, origin.reply_address, origin.thread_ref)
    else:
        channel, field = _FALLBACK.get(complaint.channel, (None, None))
        address = getattr(complaint.reporter, field, "") if field else ""
        if channel is None or not address:
            return None
        target = Target(channel, address)
    return target if can_reply(target.channel) else None


def _recipients(complaints: list[Complaint]) -> list[Target]:
    """The reply target of each complaint's reporter, once each."""
    seen: list[Target] = []
    for complaint in complaints:
        target = reply_target(complaint)
        if target is not None and target not in seen:
            seen.append(target)
    return seen


def _enqueue_all(
    *, complaint: Complaint, recipients: list[Target], event_key: str, kind: str, body: str
) -> list[OutboundMessage]:
    made = []
    for target in recipients:
        if target.thread_ref and target.channel in ONE_PRIVATE_REPLY and kind != Kind.ACK:
            # Meta allows one private reply per comment: the acknowledgment, which carries
            # the tracking link. Later news is on the tracking page.
            continue
        if kind == Kind.QUESTION and target.thread_ref:
            # The agency's question may name details: never in a public thread, by DM.
            target = Target(target.channel, target.address)
        # A reply in a public thread (an X mention, a Facebook comment) is read by anyone.
        text = mask_personal_data(body) if target.thread_ref else body
        whatsapp = target.channel == Channel.WHATSAPP
        message = outbound_enqueue(
            channel=target.channel,
            recipient=target.address,
            thread_ref=target.thread_ref,
            body=text,
            kind=kind,
            complaint=complaint,
            dedupe_key=f"{complaint.pk}:{event_key}:{target.channel}:{target.address}",
            template_name=messages.WHATSAPP_TEMPLATE if whatsapp else "",
            template_params=[body] if whatsapp else [],
        )
        if message is not None:
            made.append(message)
    return made


def replies_for_created(*, complaint_id: int) -> list[OutboundMessage]:
    """The acknowledgment with the tracking code and link, on the channel the report came by."""
    complaint = (
        Complaint.objects.select_related("reporter")
        .prefetch_related("inbound_messages")
        .get(pk=complaint_id)
    )
    recipients = _recipients([complaint])
    if not recipients:
        return []
    return _enqueue_all(
        complaint=complaint,
        recipients=recipients,
        event_key=CREATED,
        kind=Kind.ACK,
        body=messages.ack_text(complaint),
    )


def replies_for_transition(
    *, complaint_id: int, action: str, event_id: int
) -> list[OutboundMessage]:
    """A status change, or the agency's question, to the reporter and every merged reporter."""
    complaint = Complaint.objects.select_related("reporter", "agency").get(pk=complaint_id)
    if action == "request_info":
        question = ComplaintEvent.objects.filter(pk=event_id).values_list("note", flat=True).first()
        body = messages.question_text(complaint, question=question or "")
    else:
        body = messages.status_text(complaint, action=action)
    if body is None:
        return []
    # The agency's question is to this complaint's reporter only, not the merged group.
    group = (
        Complaint.objects.filter(pk=complaint.pk)
        if action == "request_info"
        else complaint_followers(complaint=complaint)
    )
    followers = list(group.select_related("reporter").prefetch_related("inbound_messages"))
    recipients = _recipients(followers)
    return _enqueue_all(
        complaint=complaint,
        recipients=recipients,
        event_key=str(event_id),
        kind=_KIND_OF_ACTION.get(action, Kind.STATUS),
        body=body,
    )
