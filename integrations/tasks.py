"""Thin Celery tasks of the integrations: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from . import delivery


@shared_task(name="integrations.send_delivery", acks_late=True)
def send_delivery(delivery_id: int) -> str:
    outcome = delivery.delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        delivery.delivery_enqueue(delivery_id, countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="integrations.sweep_deliveries", acks_late=True)
def sweep_deliveries() -> int:
    """Beat: webhooks and LAPOR! updates a lost hook missed are stored, then every due
    row is sent."""
    from .lapor.services import lapor_sync_updates as sync
    from .webhooks.events import webhooks_sync

    webhooks_sync()
    sync()
    return len(delivery.delivery_sweep())


@shared_task(name="integrations.lapor_pull", acks_late=True)
def lapor_pull() -> int:
    from .lapor.services import lapor_pull as pull

    return pull()


@shared_task(name="integrations.lapor_sync_updates", acks_late=True)
def lapor_sync_updates(complaint_id: int | None = None) -> int:
    from .lapor.services import lapor_sync_updates as sync

    return sync(complaint_id=complaint_id)


@shared_task(name="integrations.fetch_open311_media", acks_late=True)
def fetch_open311_media(media_id: int) -> str:
    """Fetch an Open311 media_url through the SSRF guard and attach it (idempotent)."""
    from .open311.media import media_fetch_enqueue, media_url_fetch

    outcome = media_url_fetch(media_id=media_id)
    if outcome.retry_in is not None:
        media_fetch_enqueue(media_id, countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="integrations.sweep_open311_media", acks_late=True)
def sweep_open311_media() -> int:
    from .open311.media import media_sweep

    return media_sweep()
