"""What the citizen hears, and on which channel: the replies to the core's events.

complaints.hooks calls the handlers registered in apps.py after commit; they hand the
event to a worker, which turns it into OutboundMessage rows here (one per recipient,
deduplicated by event) and the outbox sends them.
"""

from __future__ import annotations

from complaints.models import Channel, Complaint, ComplaintEvent
from complaints.selectors import complaint_followers

from . import messages
from .models import OutboundMessage
from .outbox import outbound_enqueue

CREATED = "created"
# The channels that can carry a reply today; others join as their senders arrive.
REPLY_CHANNELS = (Channel.WHATSAPP,)

Kind = OutboundMessage.Kind
_KIND_OF_ACTION = {"request_info": Kind.QUESTION, "resolve": Kind.FOLLOWUP}


def _recipients(complaints: list[Complaint]) -> list[tuple[str, str]]:
    """(channel, address) of each reporter who wrote on a reply channel, once each."""
    seen: list[tuple[str, str]] = []
    for complaint in complaints:
        reporter = complaint.reporter
        if complaint.channel in REPLY_CHANNELS and reporter is not None and reporter.phone:
            pair = (complaint.channel, reporter.phone)
            if pair not in seen:
                seen.append(pair)
    return seen


def _enqueue_all(
    *, complaint: Complaint, recipients: list[tuple[str, str]], event_key: str, kind: str, body: str
) -> list[OutboundMessage]:
    made = []
    for channel, recipient in recipients:
        message = outbound_enqueue(
            channel=channel,
            recipient=recipient,
            body=body,
            kind=kind,
            complaint=complaint,
            dedupe_key=f"{complaint.pk}:{event_key}:{channel}:{recipient}",
            template_name=messages.WHATSAPP_TEMPLATE if channel == Channel.WHATSAPP else "",
            template_params=[body] if channel == Channel.WHATSAPP else [],
        )
        if message is not None:
            made.append(message)
    return made


def replies_for_created(*, complaint_id: int) -> list[OutboundMessage]:
    """The acknowledgment with the tracking code and link, on the channel the report came by."""
    complaint = Complaint.objects.select_related("reporter").get(pk=complaint_id)
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
    followers = list(complaint_followers(complaint=complaint).select_related("reporter"))
    recipients = _recipients(followers)
    return _enqueue_all(
        complaint=complaint,
        recipients=recipients,
        event_key=str(event_id),
        kind=_KIND_OF_ACTION.get(action, Kind.STATUS),
        body=body,
    )
