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
    return len(delivery.delivery_sweep())
