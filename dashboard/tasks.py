"""Beat tasks: absorb new events and ratings into the report facts; keep the public
statistics' cache warm (both idempotent)."""

from __future__ import annotations

from celery import shared_task

from .reports.facts import facts_refresh
from .reports.public import public_statistics_warm


@shared_task(name="dashboard.refresh_report_facts", acks_late=True)
def refresh_report_facts() -> int:
    return facts_refresh()


@shared_task(name="dashboard.warm_public_statistics", acks_late=True)
def warm_public_statistics() -> int:
    return public_statistics_warm()
