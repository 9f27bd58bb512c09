"""Beat task: absorb new events and ratings into the report facts (idempotent)."""

from __future__ import annotations

from celery import shared_task

from .reports.facts import facts_refresh


@shared_task(name="dashboard.refresh_report_facts", acks_late=True)
def refresh_report_facts() -> int:
    return facts_refresh()
