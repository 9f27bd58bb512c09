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
    """Beat: LAPOR! updates a lost hook missed are stored, then every due row is sent."""
    from .lapor.services import lapor_sync_updates as sync

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
