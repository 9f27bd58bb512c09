"""Thin Celery tasks of the inbox and the outbox: ids in, services do the work."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import conversations, inbox, media, outbox, services
from .providers.email import imap

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="channels_intake.process_inbound",
    acks_late=True,
    max_retries=inbox.MAX_ATTEMPTS,
)
def process_inbound(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Process one stored message; a temporary failure retries with backoff, then parks."""
    try:
        return services.inbound_process(message_id=message_id).value
    except inbox.TemporaryInboundError as exc:
        # 10 s, 20 s, 40 s, 80 s: the fifth failure parks the message (see the service).
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc


@shared_task(name="channels_intake.relay_stranded_inbound", acks_late=True)
def relay_stranded_inbound(older_than_seconds: int | None = None) -> int:
    """Enqueue messages still "received" after a while: their enqueue was lost (broker down).

    Media whose fetch was lost the same way are relayed too.
    """
    if older_than_seconds is None:
        older_than_seconds = settings.INBOX_RELAY_AFTER_SECONDS
    relayed = inbox.inbound_relay_stranded(older_than_seconds=older_than_seconds)
    media_relayed = media.media_relay_stranded()
    if relayed or media_relayed:
        logger.info("Relayed %d stranded inbound messages, %d media", relayed, media_relayed)
    return relayed


@shared_task(name="channels_intake.fetch_media", acks_late=True)
def fetch_media(media_id: int) -> str:
    """Download one provider file; temporary failures come back with backoff."""
    outcome = media.media_fetch(media_id=media_id)
    if outcome.retry_in is not None:
        fetch_media.apply_async((media_id,), countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="channels_intake.submit_due_conversations", acks_late=True)
def submit_due_conversations() -> int:
    """Beat, every 30 s: drafts whose window passed become complaints."""
    submitted = 0
    for conversation_id in conversations.drafts_due():
        submitted += conversations.draft_submit(conversation_id=conversation_id) is not None
    return submitted


@shared_task(name="channels_intake.send_outbound", acks_late=True)
def send_outbound(message_id: int) -> str:
    """Send one message. Run twice (a redelivery), the second run finds it claimed or sent."""
    outcome = outbox.outbound_send(message_id=message_id)
    if outcome.retry_in is not None:
        send_outbound.apply_async((message_id,), countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="channels_intake.sweep_outbox", acks_late=True)
def sweep_outbox() -> int:
    """Beat, every minute: re-enqueue lost sends; flag sends with an unknown outcome."""
    report = outbox.outbound_sweep()
    return len(report.requeued)


@shared_task(name="channels_intake.poll_imap")
def poll_imap() -> int:
    """Beat, every minute when IMAP_HOST is set: store the mailbox's unseen messages."""
    try:
        report = imap.imap_poll(imap.ImapConfig.from_settings())
    except imap.ImapPollError:
        # Nothing was flagged seen; the next beat tries again.
        logger.warning("IMAP poll failed", exc_info=True)
        return 0
    return report.stored


@shared_task(
    bind=True,
    name="channels_intake.process_partner_inbound",
    acks_late=True,
    max_retries=inbox.MAX_ATTEMPTS,
)
def process_partner_inbound(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Tasks published before every entry shared process_inbound: the same processing."""
    try:
        return services.inbound_process(message_id=message_id).value
    except inbox.TemporaryInboundError as exc:
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
