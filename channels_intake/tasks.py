"""Thin Celery tasks: load the inbound message by id, call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="channels_intake.process_inbound",
    acks_late=True,
    max_retries=services.MAX_ATTEMPTS,
)
def process_inbound(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Process one stored message; a temporary failure retries with backoff, then parks."""
    try:
        return services.inbound_process(message_id=message_id).value
    except services.TemporaryInboundError as exc:
        # 10 s, 20 s, 40 s, 80 s: the fifth failure parks the message (see the service).
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc


@shared_task(name="channels_intake.relay_stranded_inbound", acks_late=True)
def relay_stranded_inbound(older_than_seconds: int = 30) -> int:
    """Enqueue messages still "received" after a while: their enqueue was lost (broker down)."""
    ids = services.stranded_inbound_ids(older_than_seconds=older_than_seconds)
    for message_id in ids:
        services.inbound_enqueue(message_id=message_id)
    if ids:
        logger.info("Relayed %d stranded inbound messages", len(ids))
    return len(ids)
